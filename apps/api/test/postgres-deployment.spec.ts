/**
 * The production deployment under faults: two api processes and workers on PostgreSQL, each a
 * real process. A worker killed with SIGKILL mid-flow and started again; a second worker that
 * waits in standby and takes over when the first dies; the database going away mid-flow (every
 * connection cut, new ones refused for a while). Clients retry what failed, as real ones do, with
 * the ids they chose; afterwards every flow finished, nothing is lost or doubled, and every
 * invariant holds (checked when the deployment stops).
 */
import { describeWithPostgres } from '@app/event-store/testing/postgres';
import { Answer } from './support/api-harness';
import { PostgresDeployment } from './support/deployment';

const SELLER = { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true };
const VENDOR = { isB2bNew: true, vendorPanelType: 2 };
const SKUS = ['P1', 'P2'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends until the answer is one of `ok` (connection errors and 5xx are retried: the request is safe to repeat). */
const retried = async (send: () => Promise<Answer>, ok: readonly number[], timeoutMs = 60_000): Promise<Answer> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await send().catch((error: unknown) => ({ status: 0, body: String(error), headers: {} }) as Answer);
    if (ok.includes(answer.status)) return answer;
    if (answer.status > 0 && answer.status < 500 && !ok.includes(answer.status)) {
      throw new Error(`answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    if (Date.now() > deadline) throw new Error(`still failing: ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(200);
  }
};

/** S short of both SKUs, each bought from its own vendor. */
const setUp = async (d: PostgresDeployment) => {
  await d.openAccount('S', 'seller', SELLER);
  for (const [i, sku] of SKUS.entries()) {
    await d.openAccount(`V${i + 1}`, 'vendor', VENDOR);
    await d.adjust(`V${i + 1}`, sku, 1000);
    expect((await d.request('PUT', `/accounts/S/products/${sku}/vendor`, { body: { vendorAccountId: `V${i + 1}` } })).status).toBe(200);
  }
};

const placeOrders = (d: PostgresDeployment, count: number, from = 1) =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      retried(() => d.post('/accounts/S/orders', { orderId: `f${from + i}`, lines: SKUS.map((sku) => ({ sku, quantity: 2 })) }), [201, 503]),
    ),
  );

const vendorOrders = async (d: PostgresDeployment) => {
  const all: { vendor: string; orderId: string; status: string }[] = [];
  for (let v = 1; v <= SKUS.length; v++) {
    const page = await retried(() => d.request('GET', `/accounts/V${v}/orders?limit=500`), [200]);
    all.push(...(page.body.items as { orderId: string; status: string }[]).map((o) => ({ vendor: `V${v}`, ...o })));
  }
  return all;
};

const handOverAll = async (d: PostgresDeployment) => {
  const orders = await vendorOrders(d);
  await Promise.all(
    orders.map((o) => retried(() => d.post(`/accounts/${o.vendor}/orders/${o.orderId}/handover`, { handoverId: `h-${o.orderId}` }), [200, 503])),
  );
  return orders.length;
};

/** After the faults: every seller order READY with all it asked for, and one GRN per handover. */
const expectAllReady = async (d: PostgresDeployment, count: number) => {
  await d.settle(500, 120_000);
  for (let i = 1; i <= count; i++) {
    const order = await d.request('GET', `/accounts/S/orders/f${i}`);
    expect({ order: i, status: order.body.status, lines: order.body.lines }).toEqual({
      order: i,
      status: 'READY',
      lines: expect.arrayContaining(SKUS.map((sku) => expect.objectContaining({ sku, quantity: 2, assigned: 2, pending: 0 }))),
    });
  }
  const events = await d.allEvents();
  const handovers = events.filter((e) => e.type === 'OrderHandedOver' && e.streamName.startsWith('order-V')).length;
  expect(events.filter((e) => e.type === 'GoodsReceived')).toHaveLength(handovers);
  expect(events.filter((e) => e.type === 'PurchaseOrderCreated')).toHaveLength(count * SKUS.length);
  expect(await d.invariantViolations()).toEqual([]);
};

describeWithPostgres('the deployment on PostgreSQL under faults (two api processes, workers)', () => {
  let d: PostgresDeployment | undefined;

  afterEach(async () => {
    await d?.stop();
    d = undefined;
  }, 120_000);

  it('finishes every flow after the worker is killed with SIGKILL mid-flow and started again, twice', async () => {
    d = await PostgresDeployment.start();
    await setUp(d);
    const placing = placeOrders(d, 12);
    await sleep(300);
    await d.runningWorkers()[0]!.kill('SIGKILL');
    await d.startWorker();
    await placing;
    await d.settle(500, 60_000);
    expect((await vendorOrders(d)).filter((o) => o.status !== 'READY')).toEqual([]);

    const handing = handOverAll(d);
    await sleep(300);
    await d.runningWorkers()[0]!.kill('SIGKILL');
    await d.startWorker();
    expect(await handing).toBe(12 * SKUS.length);
    await expectAllReady(d, 12);
  }, 240_000);

  it('runs each processor on one worker at a time: a second waits in standby and takes over when the first dies', async () => {
    d = await PostgresDeployment.start({ workers: 2 });
    await setUp(d);
    await placeOrders(d, 4);
    await d.settle(500, 60_000);
    const listed = async () =>
      (await d!.request('GET', '/admin/processors')).body.processors as { name: string; state: string; instances: { state: string; instance: string; stale: boolean }[] }[];
    for (const processor of await listed()) {
      const fresh = processor.instances.filter((i) => !i.stale);
      expect({ name: processor.name, states: fresh.map((i) => i.state).sort() }).toEqual({ name: processor.name, states: ['running', 'standby'] });
    }
    // Kill the one that runs the process manager; the other must take both over, with no new worker.
    const active = (await listed()).find((p) => p.name === 'fulfilment')!.instances.find((i) => i.state === 'running')!.instance;
    const victim = d.runningWorkers().find((w) => active.endsWith(`:${w.child.pid}`))!;
    await victim.kill('SIGKILL');
    await placeOrders(d, 4, 5);
    await d.settle(500, 60_000);
    expect(await handOverAll(d)).toBe(8 * SKUS.length);
    await expectAllReady(d, 8);
    const after = await listed();
    for (const processor of after) expect(processor.state).toBe('running');
    expect(d.runningWorkers()).toHaveLength(1);
  }, 240_000);

  it('recovers when the database goes away mid-flow: connections cut, refused for 3 s, nothing lost or doubled', async () => {
    d = await PostgresDeployment.start();
    await setUp(d);
    const placing = placeOrders(d, 10);
    await sleep(250);
    await d.restartDatabase(3000);
    await placing;
    await d.settle(500, 120_000);
    const handing = handOverAll(d);
    await sleep(150);
    await d.restartDatabase(3000);
    expect(await handing).toBe(10 * SKUS.length);
    await expectAllReady(d, 10);
    const health = await retried(() => d!.request('GET', '/health', { token: null }), [200]);
    expect(health.body.projectionLag.processors.map((p: { name: string; state: string }) => [p.name, p.state])).toEqual([
      ['read-models', 'running'],
      ['fulfilment', 'running'],
      ['allocation', 'running'],
      ['webhook-outbox', 'running'],
    ]);
  }, 300_000);

  it('rebuilds the read models when an api process asks: the worker rebuilds them, answers, and goes on projecting', async () => {
    d = await PostgresDeployment.start();
    await setUp(d);
    await placeOrders(d, 3);
    await d.settle(500, 60_000);
    const before = (await d.request('GET', '/accounts/S/orders/f1')).body;
    const rebuilt = await d.post('/admin/projections/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toEqual({ events: expect.any(Number), durationMs: expect.any(Number) });
    expect(rebuilt.body.events).toBeGreaterThan(20);
    const log = await d.allEvents();
    expect(log.filter((e) => e.streamName === 'control-read-models').map((e) => e.type)).toEqual(['ProjectionRebuildRequested', 'ProjectionRebuilt']);
    expect((await d.request('GET', '/accounts/S/orders/f1')).body).toEqual(before);
    // The live projection goes on after it.
    await placeOrders(d, 1, 4);
    await d.settle(500, 60_000);
    expect((await d.request('GET', '/accounts/S/orders/f4')).status).toBe(200);
    expect((await d.request('GET', '/health', { token: null })).status).toBe(200);
  }, 180_000);
});

