/**
 * `Idempotency-Key` on every POST (SPEC.md "Operations") over HTTP on the embedded stores: the same
 * key and request answer the first answer and write nothing (also when sent at once, and after a
 * restart on the same SQLite file); the same key with another request is 409; keys are per caller;
 * after 24 h a key is free again. And body ids reused with another body are 409 without any key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdempotencyClock } from '@app/application/services/idempotency.service';
import { purchaseOrderIdFor } from '@app/domain/fulfilment/ids';
import { IDEMPOTENCY_WINDOW_MS } from '@app/domain/idempotency/idempotency.decider';
import { binStream, orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { Answer, ADMIN_TOKEN, ApiHarness } from './support/api-harness';
import { ChildApi, readLog } from './support/child-api';

const ADJUST = '/accounts/S/inventory/adjustments';
const keyed = (key: string) => ({ 'idempotency-key': key });

describe('Idempotency-Key', () => {
  let api: ApiHarness;

  beforeEach(async () => {
    api = await ApiHarness.start();
    await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true });
  });
  afterEach(() => api.stop());

  const post = (url: string, body: unknown, key?: string, token?: string) =>
    api.request('POST', url, { body, ...(key === undefined ? {} : { headers: keyed(key) }), ...(token === undefined ? {} : { token }) });
  const eventsOf = async (stream: string, type: string) => (await api.store.readStream(stream)).filter((e) => e.type === type);
  const adjustments = () => eventsOf(binStream('S', 'main', 'default'), 'StockAdjusted');
  /** What a client sees of an answer: status, body and the headers that belong to it. */
  const seen = (answer: Answer) => ({
    status: answer.status,
    body: answer.body,
    position: answer.headers['x-event-position'],
    location: answer.headers['location'],
  });
  const expectConflictOnKey = (answer: Answer) => {
    expect(answer.status).toBe(409);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', errors: [expect.objectContaining({ field: 'Idempotency-Key' })] });
  };

  describe('adjustments', () => {
    it('answers a retry with the first answer and adjusts once, though the stock moved in between', async () => {
      const first = await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-1');
      expect(first.status).toBe(201);
      expect(first.headers['x-event-position']).toMatch(/^[0-9]+$/);
      await api.adjust('S', 'A', 2);

      const again = await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-1');
      expect(seen(again)).toStrictEqual(seen(first));
      expect(again.body).toMatchObject({ onHand: 5 });
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await adjustments()).toHaveLength(2);
    });

    it('adjusts once for five requests with the key sent at once, all answered alike', async () => {
      const answers = await Promise.all([...Array(5)].map(() => post(ADJUST, { sku: 'A', quantity: 3 }, 'k-burst')));
      expect(answers.map((a) => a.status)).toStrictEqual([201, 201, 201, 201, 201]);
      for (const answer of answers) expect(seen(answer)).toStrictEqual(seen(answers[0]!));
      expect(await adjustments()).toHaveLength(1);
    });

    it('refuses the key with another body (409 naming the header) and writes nothing', async () => {
      await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-1');
      const before = await api.eventCount();
      expectConflictOnKey(await post(ADJUST, { sku: 'A', quantity: 6 }, 'k-1'));
      expectConflictOnKey(await post('/accounts/S/orders', { lines: [{ sku: 'A', quantity: 1 }] }, 'k-1'));
      expect(await api.eventCount()).toBe(before);
    });

    it('keeps keys per caller: another account, or the admin, with the same key is a request of its own', async () => {
      const { apiKey: sKey } = await api.openAccount('S2', 'seller');
      const { apiKey: tKey } = await api.openAccount('T', 'seller');
      const s = await post('/accounts/S2/inventory/adjustments', { sku: 'A', quantity: 1 }, 'shared', sKey);
      const t = await post('/accounts/T/inventory/adjustments', { sku: 'A', quantity: 1 }, 'shared', tKey);
      const admin = await post('/accounts/S2/inventory/adjustments', { sku: 'A', quantity: 1 }, 'shared');
      expect([s.status, t.status, admin.status]).toStrictEqual([201, 201, 201]);
      expect(admin.headers['idempotent-replayed']).toBeUndefined();
      expect(await eventsOf(binStream('S2', 'main', 'default'), 'StockAdjusted')).toHaveLength(2);
      expect(await eventsOf(binStream('T', 'main', 'default'), 'StockAdjusted')).toHaveLength(1);
    });

    it('frees the key after 24 h: the same request then adjusts again', async () => {
      await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-day');
      const clock = api.app.get(IdempotencyClock);
      const start = Date.now();
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(start + IDEMPOTENCY_WINDOW_MS - 60_000));
      expect((await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-day')).headers['idempotent-replayed']).toBe('true');
      expect(await adjustments()).toHaveLength(1);

      jest.spyOn(clock, 'now').mockImplementation(() => new Date(start + IDEMPOTENCY_WINDOW_MS + 60_000));
      const next = await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-day');
      expect(next.status).toBe(201);
      expect(next.body).toMatchObject({ onHand: 10 });
      expect(await adjustments()).toHaveLength(2);
      // And that answer stands for the next 24 h.
      expect(seen(await post(ADJUST, { sku: 'A', quantity: 5 }, 'k-day'))).toStrictEqual(seen(next));
      expect(await adjustments()).toHaveLength(2);
    });

    it('records no refused request: the same request may succeed once the stock allows it', async () => {
      const refused = await post(ADJUST, { sku: 'A', quantity: -3 }, 'k-neg');
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'STOCK_BELOW_COMMITTED' });
      await api.adjust('S', 'A', 5);
      const later = await post(ADJUST, { sku: 'A', quantity: -3 }, 'k-neg');
      expect(later.status).toBe(201);
      expect(later.body).toMatchObject({ onHand: 2 });
      expect(later.headers['idempotent-replayed']).toBeUndefined();
    });

    it('refuses a key that is not 1-255 printable ASCII characters (400 naming the header), writing nothing', async () => {
      const before = await api.eventCount();
      for (const key of ['', 'x'.repeat(256), 'tab\there']) {
        const answer = await post(ADJUST, { sku: 'A', quantity: 1 }, key);
        expect([key.length, answer.status]).toStrictEqual([key.length, 400]);
        expect(answer.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key' })]);
      }
      expect(await api.eventCount()).toBe(before);
      expect((await post(ADJUST, { sku: 'A', quantity: 1 }, ' ~'.repeat(127) + '!')).status).toBe(201);
    });

    it('refuses a reused adjustmentId with another body (409) and writes nothing; the same body again writes nothing', async () => {
      expect((await post(ADJUST, { adjustmentId: 'adj-1', sku: 'A', quantity: 5 })).status).toBe(201);
      const before = await api.eventCount();
      const other = await post(ADJUST, { adjustmentId: 'adj-1', sku: 'A', quantity: 7 });
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'ADJUSTMENT_EXISTS', errors: [expect.objectContaining({ field: 'adjustmentId' })] });
      expect((await post(ADJUST, { adjustmentId: 'adj-1', sku: 'A', quantity: 5 })).status).toBe(201);
      expect(await api.eventCount()).toBe(before);
    });
  });

  describe('answers with a secret', () => {
    it('answers an account opening again with its API key, which the log holds only sealed', async () => {
      const body = { accountId: 'N', name: 'New', type: 'seller' };
      const first = await post('/accounts', body, 'open-n');
      expect(first.status).toBe(201);
      const again = await post('/accounts', body, 'open-n');
      expect(seen(again)).toStrictEqual(seen(first));
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect((await api.request('GET', '/accounts/N', { token: again.body.apiKey })).status).toBe(200);
      const recorded = (await api.allEvents()).filter((e) => e.type === 'IdempotentAnswerRecorded');
      expect(recorded.length).toBeGreaterThan(0);
      expect(JSON.stringify(recorded.map((e) => e.data))).not.toContain(first.body.apiKey.split('.')[1]);
    });
  });

  describe('orders', () => {
    const LINES = [{ sku: 'A', quantity: 2 }];

    it('places an order without orderId once for a retried request, and five at once, with one answer', async () => {
      await api.adjust('S', 'A', 10);
      const first = await post('/accounts/S/orders', { lines: LINES }, 'o-key');
      expect(first.status).toBe(201);
      const again = await Promise.all([...Array(5)].map(() => post('/accounts/S/orders', { lines: LINES }, 'o-key')));
      for (const answer of again) expect(seen(answer)).toStrictEqual(seen(first));
      const burst = await Promise.all([...Array(5)].map(() => post('/accounts/S/orders', { lines: LINES }, 'o-burst')));
      for (const answer of burst) expect(seen(answer)).toStrictEqual(seen(burst[0]!));
      expect(burst[0]!.body.orderId).not.toBe(first.body.orderId);

      const placed = (await api.allEvents()).filter((e) => e.type === 'OrderPlaced');
      expect(placed.map((e) => e.streamName).sort()).toStrictEqual(
        [orderStream('S', first.body.orderId), orderStream('S', burst[0]!.body.orderId)].sort(),
      );
      expect(first.headers['location']).toBe(`/accounts/S/orders/${first.body.orderId}`);
    });

    it('answers an approval retried later with the first answer, though the order changed, and approves once', async () => {
      await api.request('PATCH', '/accounts/S/settings', { body: { orderApprovalRequired: true } });
      await api.adjust('S', 'A', 10);
      await post('/accounts/S/orders', { orderId: 'o-1', lines: LINES });
      const first = await post('/accounts/S/orders/o-1/approve', undefined, 'approve-1');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ status: 'READY' });
      expect((await post('/accounts/S/orders/o-1/cancel', undefined)).status).toBe(200);

      const again = await post('/accounts/S/orders/o-1/approve', undefined, 'approve-1');
      expect(seen(again)).toStrictEqual(seen(first));
      expect(await eventsOf(orderStream('S', 'o-1'), 'OrderApproved')).toHaveLength(1);
      // The same key on another order's approval is another request.
      expectConflictOnKey(await post('/accounts/S/orders/o-2/approve', undefined, 'approve-1'));
    });

    it('hands over once for a retried handover without handoverId; a reused handoverId with other lines is 409', async () => {
      await api.adjust('S', 'A', 10);
      await post('/accounts/S/orders', { orderId: 'o-1', lines: [{ sku: 'A', quantity: 4 }] });
      const first = await post('/accounts/S/orders/o-1/handover', { lines: [{ sku: 'A', quantity: 1 }] }, 'h-key');
      expect(first.status).toBe(200);
      const again = await Promise.all([...Array(5)].map(() => post('/accounts/S/orders/o-1/handover', { lines: [{ sku: 'A', quantity: 1 }] }, 'h-key')));
      for (const answer of again) expect(seen(answer)).toStrictEqual(seen(first));
      expect(await eventsOf(orderStream('S', 'o-1'), 'OrderHandedOver')).toHaveLength(1);

      expect((await post('/accounts/S/orders/o-1/handover', { handoverId: 'h-1', lines: [{ sku: 'A', quantity: 1 }] })).status).toBe(200);
      const before = await api.eventCount();
      const reused = await post('/accounts/S/orders/o-1/handover', { handoverId: 'h-1', lines: [{ sku: 'A', quantity: 2 }] });
      expect(reused.status).toBe(409);
      expect(reused.body).toMatchObject({ code: 'HANDOVER_EXISTS', errors: [expect.objectContaining({ field: 'handoverId' })] });
      expect(await api.eventCount()).toBe(before);
    });
  });

  describe('GRNs', () => {
    it('receives once for a retried manual GRN without grnId; a reused grnId with other lines is 409', async () => {
      await api.request('PATCH', '/accounts/S/settings', { body: { autoPoVendorLevel: true } });
      await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
      await api.adjust('V', 'A', 10);
      await api.request('PUT', '/accounts/S/products/A/vendor', { body: { vendorAccountId: 'V' } });
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 5 }] });
      await api.settle();
      const po = purchaseOrderIdFor('S', 'o1', 1, 'V');
      const grns = `/accounts/S/purchase-orders/${po}/grns`;

      const first = await post(grns, { lines: [{ sku: 'A', quantity: 1 }] }, 'g-key');
      expect(first.status).toBe(201);
      const again = await Promise.all([...Array(5)].map(() => post(grns, { lines: [{ sku: 'A', quantity: 1 }] }, 'g-key')));
      for (const answer of again) expect(seen(answer)).toStrictEqual(seen(first));
      expect(await eventsOf(purchaseOrderStream('S', po), 'GoodsReceived')).toHaveLength(1);

      expect((await post(grns, { grnId: 'g-1', lines: [{ sku: 'A', quantity: 1 }] })).status).toBe(201);
      const before = await api.eventCount();
      const reused = await post(grns, { grnId: 'g-1', lines: [{ sku: 'A', quantity: 2 }] });
      expect(reused.status).toBe(409);
      expect(reused.body).toMatchObject({ code: 'GRN_EXISTS', errors: [expect.objectContaining({ field: 'grnId' })] });
      expect((await post(grns, { grnId: 'g-1', lines: [{ sku: 'A', quantity: 1 }] })).status).toBe(201);
      expect(await api.eventCount()).toBe(before);
    });
  });
});

describe('Idempotency-Key across a restart', () => {
  it('answers a retry after the api restarted on the same SQLite file, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idempotency-'));
    const env = { SQLITE_PATH: join(dir, 'events.db') };
    try {
      let api = await ApiHarness.start(env);
      await api.openAccount('S', 'seller');
      const first = await api.request('POST', ADJUST, { body: { sku: 'A', quantity: 4 }, headers: keyed('k-restart') });
      expect(first.status).toBe(201);
      await api.stop();

      api = await ApiHarness.start(env);
      try {
        const count = await api.eventCount();
        const again = await api.request('POST', ADJUST, { body: { sku: 'A', quantity: 4 }, headers: keyed('k-restart') });
        expect([again.status, again.body, again.headers['x-event-position']]).toStrictEqual([first.status, first.body, first.headers['x-event-position']]);
        expect(await api.eventCount()).toBe(count);
        const other = await api.request('POST', ADJUST, { body: { sku: 'A', quantity: 9 }, headers: keyed('k-restart') });
        expect(other.status).toBe(409);
      } finally {
        await api.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Idempotency-Key when the api dies between the write and recording its answer', () => {
  const send = (api: ChildApi, body: unknown) =>
    fetch(`http://127.0.0.1:${api.port}${ADJUST}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...keyed('k-crash') },
      body: JSON.stringify(body),
    }).then(
      async (response) => ({ status: response.status, body: await response.json() }),
      (error: unknown) => ({ failed: String(error) }),
    );

  it('recognises the retry by the adjustmentId derived from the key: the stock is adjusted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idempotency-crash-'));
    const path = join(dir, 'events.db');
    try {
      let api = await ChildApi.start(path, { FAULT_CRASH_AT: 'idempotency:answered' });
      expect(await api.request('POST', '/accounts', { accountId: 'S', name: 'S', type: 'seller' })).toMatchObject({ status: 201 });
      expect(await send(api, { sku: 'A', quantity: 4 })).toHaveProperty('failed');
      expect((await api.exited).signal).toBe('SIGKILL');
      const adjusted = (events: { type: string }[]) => events.filter((e) => e.type === 'StockAdjusted');
      expect(adjusted(await readLog(path))).toHaveLength(1);

      api = await ChildApi.start(path);
      try {
        const retry = await send(api, { sku: 'A', quantity: 4 });
        expect(retry).toMatchObject({ status: 201, body: { sku: 'A', onHand: 4 } });
        expect(await send(api, { sku: 'A', quantity: 5 })).toMatchObject({ status: 409, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
        const events = await readLog(path);
        expect(adjusted(events)).toHaveLength(1);
        expect(events.filter((e) => e.type === 'IdempotentAnswerRecorded')).toHaveLength(1);
      } finally {
        await api.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
