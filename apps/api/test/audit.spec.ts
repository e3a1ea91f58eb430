/**
 * Audit: stream replay, the trail of a backorder across accounts, event versioning, and what
 * happens to an event that no longer parses.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import * as registry from '@app/domain/aggregates';
import { purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { parseStreamName } from '@app/domain/shared/streams';
import { PostgresEventStore } from '@app/event-store/postgres/postgres-event-store';
import { createTestDatabase, describeWithPostgres, TestDatabase } from '@app/event-store/testing/postgres';
import { ADMIN_TOKEN, ApiHarness } from './support/api-harness';

const AUDIT = join(__dirname, '../../../dist/apps/worker/src/audit.js');
const GENERATE_LOG = join(__dirname, '../../../dist/apps/bench/src/generate-log.js');

/** The audit CLI in a child process: its exit code and both outputs. */
const audit = (args: string[], env: Record<string, string>, cwd?: string) => {
  const result = spawnSync(process.execPath, [AUDIT, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', ...(cwd ? { cwd } : {}) });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

const seller = { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true };
const vendor = { isB2bNew: true, vendorPanelType: 2 };
const poId = purchaseOrderIdFor('S', 'o1', 1, 'V');
const voId = vendorOrderIdFor('S', poId);

describe('audit', () => {
  let api: ApiHarness;
  let dir: string;
  let keys: { S: string; V: string; S2: string };

  const runFlow = async () => {
    keys = {
      S: (await api.openAccount('S', 'seller', seller)).apiKey,
      V: (await api.openAccount('V', 'vendor', vendor)).apiKey,
      S2: (await api.openAccount('S2', 'seller', seller)).apiKey,
    };
    await api.adjust('S', 'SKU', 2);
    await api.adjust('V', 'SKU', 10);
    await api.request('PUT', '/accounts/S/products/SKU/vendor', { body: { vendorAccountId: 'V' } });
    await api.post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] });
    await api.settle();
    await api.post(`/accounts/V/orders/${voId}/handover`, { handoverId: 'h1' });
    await api.settle();
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-'));
    api = await ApiHarness.start({ SQLITE_PATH: join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('stream replay', () => {
    it("answers an order's events in revision order, with position, data and metadata", async () => {
      await runFlow();
      const events = await api.request('GET', '/accounts/S/orders/o1/events', { token: keys.S });
      expect(events.status).toBe(200);
      expect(events.body.map((e: { revision: number }) => e.revision)).toEqual(events.body.map((_: unknown, i: number) => i));
      expect(events.body[0]).toMatchObject({
        revision: 0,
        position: expect.stringMatching(/^[0-9]+$/),
        type: 'OrderPlaced',
        data: { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] },
        metadata: { correlationId: 'order-S.o1', causationId: expect.any(String), actor: 'admin', occurredAt: expect.any(String) },
      });
      const positions = events.body.map((e: { position: string }) => BigInt(e.position));
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
      expect(events.body.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining(['PurchaseOrderLinked', 'InventoryAssigned', 'InventoryAssignmentCompleted']),
      );

      const po = await api.request('GET', `/accounts/S/purchase-orders/${poId}/events`, { token: keys.S });
      expect(po.body.map((e: { type: string }) => e.type)).toEqual(['PurchaseOrderCreated', 'VendorOrderLinked', 'GoodsReceived']);
      expect(po.body[0].metadata).toMatchObject({ correlationId: 'order-S.o1', actor: 'processor:fulfilment' });

      expect((await api.request('GET', '/accounts/S/orders/nope/events')).status).toBe(404);
      expect((await api.request('GET', '/accounts/S/orders/o1/events', { token: keys.S2 })).status).toBe(403);
    });

    it('replays any stream raw for the admin, from a revision', async () => {
      await runFlow();
      const all = await api.request('GET', '/admin/streams/order-S.o1/events');
      const from = await api.request('GET', '/admin/streams/order-S.o1/events?from=2');
      expect(from.body).toEqual(all.body.slice(2));
      expect(all.body[0]).toMatchObject({ streamName: 'order-S.o1', revision: 0, type: 'OrderPlaced' });
      expect((await api.request('GET', '/admin/streams/order-S.o1/events', { token: keys.S })).status).toBe(403);
      expect((await api.request('GET', '/admin/streams/order-S.o1/events?from=-1')).status).toBe(400);
    });
  });

  describe('the trail of a backorder', () => {
    it('gives the seller every event of the flow across both accounts, in global order, from the index', async () => {
      await runFlow();
      let scans = 0;
      const readAll = api.store.readAll.bind(api.store);
      api.store.readAll = async (options) => {
        scans++;
        return readAll(options);
      };
      const trail = await api.request('GET', '/accounts/S/orders/o1/trail', { token: keys.S });
      api.store.readAll = readAll;
      expect(scans).toBe(0);
      expect(trail.status).toBe(200);
      expect(trail.body.correlationId).toBe('order-S.o1');
      const events = trail.body.events as { streamName: string; position: string; type: string; metadata: { correlationId: string } }[];
      const streams = new Set(events.map((e) => e.streamName));
      expect(streams).toEqual(
        // The allocation queues of both accounts: o1 and its vendor order queued, their shares of free stock.
        new Set(['order-S.o1', `po-S.${poId}`, 'bin-S.main.default', `order-V.${voId}`, 'bin-V.main.default', 'allocation-S', 'allocation-V']),
      );
      expect(events.every((e) => e.metadata.correlationId === 'order-S.o1')).toBe(true);
      const positions = events.map((e) => BigInt(e.position));
      expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
      // Everything in the log under that flow, and nothing else.
      const inLog = (await api.allEvents()).filter((e) => e.metadata['correlationId'] === 'order-S.o1');
      expect(events.map((e) => e.position)).toEqual(inLog.map((e) => e.position.toString()));
      expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['GoodsReceived', 'GoodsInwarded', 'StockHandedOver', 'OrderHandedOver']));
    });

    it("shows a vendor its own order's streams and the PO it fulfils, and no other seller anything", async () => {
      await runFlow();
      const trail = await api.request('GET', `/accounts/V/orders/${voId}/trail`, { token: keys.V });
      expect(trail.status).toBe(200);
      const streams = new Set((trail.body.events as { streamName: string }[]).map((e) => e.streamName));
      expect(streams).toEqual(new Set([`order-V.${voId}`, 'bin-V.main.default', `po-S.${poId}`]));
      expect((await api.request('GET', '/accounts/S/orders/o1/trail', { token: keys.V })).status).toBe(403);
      expect((await api.request('GET', '/accounts/S/orders/o1/trail', { token: keys.S2 })).status).toBe(403);
      expect((await api.request('GET', '/accounts/S2/orders/o1/trail', { token: keys.S2 })).status).toBe(404);
    });
  });

  describe('event versioning', () => {
    it('reads events written under an older schema version in today\'s shape, through the API and the projections', async () => {
      await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true });
      // Written as the first release wrote them: no schema version, older field names.
      await api.store.append(
        'bin-S.main.default',
        [{ id: randomUUID(), type: 'StockAdjusted', data: { sku: 'OLD', quantity: 4, reason: 'opening stock' }, metadata: { correlationId: 'legacy', causationId: 'legacy', actor: 'import', occurredAt: '2025-01-01T00:00:00.000Z' } }],
        { expectedRevision: 'no_stream' },
      );
      await api.store.append(
        'order-S.legacy',
        [{ id: randomUUID(), type: 'OrderPlaced', data: { orderId: 'legacy', accountId: 'S', customer: 'Old Co', lines: [{ sku: 'OLD', qty: 3 }], approvalRequired: true }, metadata: { correlationId: 'order-S.legacy', causationId: 'import', actor: 'import', occurredAt: '2025-01-01T00:00:00.000Z', schemaVersion: 1 } }],
        { expectedRevision: 'no_stream' },
      );
      const head = String(await api.settle());

      const events = await api.request('GET', '/accounts/S/orders/legacy/events');
      expect(events.body[0].data).toEqual({
        orderId: 'legacy',
        accountId: 'S',
        customer: 'Old Co',
        lines: [{ sku: 'OLD', quantity: 3 }],
        awaitingApproval: true,
        requestHash: expect.stringMatching(/^v1-/),
      });
      const raw = await api.request('GET', '/admin/streams/order-S.legacy/events');
      expect(raw.body[0].data.lines).toEqual([{ sku: 'OLD', qty: 3 }]);

      const order = await api.request('GET', '/accounts/S/orders/legacy', { headers: { 'x-consistent-with': head } });
      expect(order.body).toMatchObject({ status: 'UNAPPROVED', customer: 'Old Co', lines: [{ sku: 'OLD', quantity: 3, assigned: 0, pending: 3 }] });
      expect((await api.request('GET', '/accounts/S/inventory?sku=OLD', { headers: { 'x-consistent-with': head } })).body).toMatchObject([{ onHand: 4 }]);

      // And the write side decides on them: approving assigns the old stock to the old order.
      const approved = await api.post('/accounts/S/orders/legacy/approve');
      expect(approved.body).toMatchObject({ status: 'READY', lines: [{ assigned: 3 }] });
      // New events are written with today's version of their type.
      await api.post('/accounts/S/orders', { orderId: 'new', lines: [{ sku: 'OLD', quantity: 1 }] });
      const fresh = await api.request('GET', '/admin/streams/order-S.new/events');
      expect(fresh.body[0]).toMatchObject({ type: 'OrderPlaced', metadata: { schemaVersion: 2 }, data: { lines: [{ sku: 'OLD', quantity: 1 }] } });
      expect((await api.request('GET', '/admin/streams/order-S.legacy/events')).body[1]).toMatchObject({ type: 'OrderApproved', metadata: { schemaVersion: 1 } });
    });
  });

  describe('an event that no longer parses', () => {
    it('stops the processors with an error naming the stream and revision, and the audit tool finds it', async () => {
      api.invariantsWaived = 'a broken event stops the processors on purpose: the log is never quiet';
      await runFlow();
      await api.store.append(
        'order-S.o1',
        [{ id: randomUUID(), type: 'OrderApproved', data: { approvedBy: 42 }, metadata: { correlationId: 'order-S.o1', schemaVersion: 7 } }],
        { expectedRevision: 'any' },
      );
      const [broken] = (await api.allEvents()).slice(-1);
      const deadline = Date.now() + 15000;
      let health = await api.request('GET', '/health', { token: null });
      // Until both processors that read it have stopped at it (each in its own time).
      const failedCount = () => (health.body?.projectionLag?.processors ?? []).filter((p: { state: string }) => p.state === 'failed').length;
      while ((health.status === 200 || failedCount() < 2) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        health = await api.request('GET', '/health', { token: null });
      }
      expect(health.status).toBe(503);
      const failed = (health.body.projectionLag.processors as { name: string; state: string; error?: string }[]).filter((p) => p.state === 'failed');
      // An approval is the allocation process manager's to react to (its round), not the fulfilment's.
      expect(failed.map((p) => p.name)).toEqual(expect.arrayContaining(['read-models', 'allocation']));
      for (const processor of failed) expect(processor.error).toMatch(new RegExp(`"order-S\\.o1" revision ${broken!.revision}`));
      // Never skipped: the read models stay before it.
      expect(BigInt(health.body.projectionLag.processors.find((p: { name: string }) => p.name === 'read-models').checkpoint)).toBeLessThan(broken!.position);

      const env = { PATH: process.env['PATH'] ?? '', SQLITE_PATH: join(dir, 'events.sqlite'), ADMIN_TOKEN };
      let verify: { status: number; stdout: string } | undefined;
      try {
        execFileSync(process.execPath, [AUDIT, 'verify', '--all'], { env, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        verify = error as { status: number; stdout: string };
      }
      expect(verify?.status).toBe(1);
      const results = verify!.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const bad = results.filter((r) => r.ok === false);
      expect(bad).toEqual([
        { streamName: 'order-S.o1', events: Number(broken!.revision) + 1, ok: false, problems: [{ revision: Number(broken!.revision), problem: expect.stringMatching(/OrderApproved .* no schema version 7/) }] },
      ]);
      expect(results[results.length - 1]).toEqual({ verified: results.length - 1, failed: 1 });
    }, 30000);

    it('checks the invariants of the whole log: clean after the flow, exit 1 with the breaking rows once a bin disagrees', async () => {
      await runFlow();
      const env = { PATH: process.env['PATH'] ?? '', SQLITE_PATH: join(dir, 'events.sqlite'), ADMIN_TOKEN };
      const clean = execFileSync(process.execPath, [AUDIT, 'verify', '--invariants'], { env, encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
      expect(clean).toEqual([expect.objectContaining({ invariants: 'checked', violations: 0, orders: 2, purchaseOrders: 1 })]);

      // Units assigned in a bin that no order knows of (what the double runners of the seed left).
      api.invariantsWaived = 'the test writes an inconsistent bin event on purpose';
      await api.store.append(
        'bin-S.main.default',
        [{ id: randomUUID(), type: 'StockAssigned', data: { assignmentId: 'ghost', orderId: 'o1', sku: 'SKU', quantity: 0 + 1, fromReserved: 0 }, metadata: { schemaVersion: 1 } }],
        { expectedRevision: 'any' },
      );
      await api.store.append('bin-S.main.default', [{ id: randomUUID(), type: 'StockAdjusted', data: { adjustmentId: 'more', sku: 'SKU', quantity: 1 }, metadata: {} }], {
        expectedRevision: 'any',
      });
      let failed: { status: number; stdout: string } | undefined;
      try {
        execFileSync(process.execPath, [AUDIT, 'verify', '--invariants'], { env, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        failed = error as { status: number; stdout: string };
      }
      expect(failed?.status).toBe(1);
      const rows = failed!.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(rows).toEqual([
        { invariant: 2, subject: 'order-S.o1 SKU', detail: 'bins hold 6 assigned, the order shows 5' },
        expect.objectContaining({ invariants: 'checked', violations: 1 }),
      ]);
    });

    it('prints a stream and a flow as JSON lines from the configured store', async () => {
      await runFlow();
      const env = { PATH: process.env['PATH'] ?? '', SQLITE_PATH: join(dir, 'events.sqlite'), ADMIN_TOKEN };
      const stream = execFileSync(process.execPath, [AUDIT, 'stream', 'order-S.o1'], { env, encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
      expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => i));
      expect(stream[0]).toMatchObject({ streamName: 'order-S.o1', type: 'OrderPlaced' });
      const trail = execFileSync(process.execPath, [AUDIT, 'trail', 'order-S.o1'], { env, encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
      const viaApi = await api.request('GET', '/accounts/S/orders/o1/trail');
      expect(trail.map((e) => e.position)).toEqual(viaApi.body.events.map((e: { position: string }) => e.position));
      const verify = execFileSync(process.execPath, [AUDIT, 'verify', 'order-S.o1'], { env, encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
      expect(verify[0]).toEqual({ streamName: 'order-S.o1', events: stream.length, ok: true, problems: [] });
    });
  });
});

describe('the audit CLI', () => {
  let dir: string;
  let log: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-cli-'));
    log = join(dir, 'events.sqlite');
    // A realistic log of some thousands of streams, written through the real write side.
    execFileSync(process.execPath, [GENERATE_LOG, log, '20000'], { encoding: 'utf8' });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a SQLite path that does not exist, exit 2 with one line naming it, and creates nothing', () => {
    const missing = join(dir, 'no-such-dir', 'events.sqlite');
    const answer = audit(['verify', '--all'], { SQLITE_PATH: missing });
    expect(answer.status).toBe(2);
    expect(answer.stderr.trim().split('\n')).toEqual([expect.stringContaining(`no event log at ${missing}`)]);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);

    // Without SQLITE_PATH: the default ./data/events.sqlite, which is not there either.
    const cwd = mkdtempSync(join(tmpdir(), 'audit-cwd-'));
    try {
      const byDefault = audit(['stream', 'order-S.o1'], {}, cwd);
      expect(byDefault.status).toBe(2);
      expect(byDefault.stderr).toContain('no event log at ./data/events.sqlite (SQLITE_PATH)');
      expect(readdirSync(cwd)).toEqual([]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it('answers exit 1 with "no stream named X" for a stream or flow the log does not have', () => {
    const env = { SQLITE_PATH: log };
    for (const args of [['stream', 'order-S.nope'], ['stream', 'nope', '--raw'], ['verify', 'order-S.nope']]) {
      const answer = audit(args, env);
      expect([args, answer.status, answer.stdout, answer.stderr]).toEqual([args, 1, '', `no stream named ${args[1]}\n`]);
    }
    const trail = audit(['trail', 'order-S.nope'], env);
    expect([trail.status, trail.stdout, trail.stderr]).toEqual([1, '', expect.stringMatching(/^no flow named order-S\.nope/)]);
    // And a usage it cannot read is exit 2.
    expect(audit(['stream'], env).status).toBe(2);
    expect(audit(['verify', 'order-S.o1', 'extra'], env).status).toBe(2);
  });

  it('ends quietly with exit 0 when the reader of its output goes away (| head -1)', async () => {
    const child = spawn(process.execPath, [AUDIT, 'verify', '--all'], { env: { PATH: process.env['PATH'] ?? '', SQLITE_PATH: log }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const firstLine = await new Promise<string>((resolve) => {
      let text = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
        if (!text.includes('\n')) return;
        // The reader closes early, as `head -1` does, while the audit has thousands of lines to go.
        child.stdout.destroy();
        resolve(text.slice(0, text.indexOf('\n')));
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));
    expect(JSON.parse(firstLine)).toMatchObject({ ok: true });
    expect([code, stderr]).toEqual([0, '']);
  }, 30_000);

  it('documents its commands, exit codes and every stream name of the registry, with an example, in --help', () => {
    const answer = audit(['--help'], {});
    expect(answer.status).toBe(0);
    for (const section of ['Commands:', 'Exit codes:', 'Stream names']) expect(answer.stdout).toContain(section);
    for (const command of ['stream <stream> [--raw]', 'trail <correlationId>', 'verify --all', 'verify --invariants']) expect(answer.stdout).toContain(command);
    const categories = (Object.values(registry) as unknown[])
      .filter((value): value is { category: string } => typeof value === 'object' && value !== null && typeof (value as { category?: unknown }).category === 'string' && 'eventSchema' in value)
      .map((aggregate) => aggregate.category);
    expect(categories).toEqual(expect.arrayContaining(['account', 'order', 'po', 'bin']));
    for (const category of categories) {
      const row = answer.stdout.split('\n').find((line) => line.trim().startsWith(`${category}-<`));
      expect([category, row]).toEqual([category, expect.stringMatching(/ e\.g\. \S+/)]);
      const example = / e\.g\. (\S+)/.exec(row!)![1]!;
      expect(example.startsWith(`${category}-`)).toBe(true);
      // A product stream's example is a name the log would hold (idempotency streams are named by a hash).
      if (['account', 'order', 'po', 'bin'].includes(category)) expect(parseStreamName(example)?.category).toBe(category);
    }
    expect(answer.stdout).toMatch(/parked-<processor> +e\.g\. parked-fulfilment/);
  });
});

describeWithPostgres('the audit CLI on PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    const store = await PostgresEventStore.open({ connectionString: database.url, schema: 'audited' });
    await store.append('order-S.o1', [{ id: randomUUID(), type: 'OrderCancelled', data: { reason: 'x' }, metadata: { correlationId: 'order-S.o1' } }], {
      expectedRevision: 'no_stream',
    });
    await store.close();
  });
  afterAll(() => database.drop());

  it('reads a schema that holds the log, and refuses one that does not, creating nothing', async () => {
    const env = { EVENT_STORE: 'postgres', POSTGRES_URL: database.url };
    const raw = audit(['stream', 'order-S.o1', '--raw'], { ...env, POSTGRES_SCHEMA: 'audited' });
    expect([raw.status, raw.stderr]).toEqual([0, '']);
    expect(JSON.parse(raw.stdout)).toMatchObject({ streamName: 'order-S.o1', revision: 0, type: 'OrderCancelled' });
    expect(audit(['stream', 'order-S.nope'], { ...env, POSTGRES_SCHEMA: 'audited' })).toMatchObject({ status: 1, stderr: 'no stream named order-S.nope\n' });

    const missing = audit(['verify', '--all'], { ...env, POSTGRES_SCHEMA: 'not_there' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^no event log in PostgreSQL schema "not_there"/);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'not_there'`);
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  }, 30_000);
});
