/**
 * Expected dates over HTTP (SPEC.md wave 2, docs/product.md "Expected dates"): each PO is expected
 * at its lead-time date; a vendor promises a date on its vendor order (`POST …/promise`), which the
 * process manager carries to the PO and then to the seller's order; each pending line shows `eta`
 * (the latest expectedAt of its open POs) and `late` (its UTC date after requiredBy); every change
 * of a line's eta is an OrderLineEtaChanged, in the order's stream and in the trail; along a chain
 * a middle vendor's own PO date moves the seller's eta. ApiHarness.stop() checks every invariant.
 */
import { purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { ApiHarness } from './support/api-harness';
import { SELLER_SETTINGS, VENDOR_SETTINGS, expectPost, settledGet } from './support/flow-steps';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('expected dates', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await ApiHarness.start();
  });
  afterEach(() => api.stop());

  const get = settledGet(() => api);
  const post = expectPost(() => api, { settleFirst: true });
  const etaEvents = async (accountId: string, orderId: string) =>
    ((await get(`/accounts/${accountId}/orders/${orderId}/events`)) as { type: string; data: unknown }[]).filter((e) => e.type === 'OrderLineEtaChanged').map((e) => e.data);

  const po1 = purchaseOrderIdFor('S', 'o1', 1, 'V');
  const vo1 = vendorOrderIdFor('S', po1);

  /** S short of 5 (no stock), SKU bought from V (lead time 7 days, V has 2), then W. */
  const shortOrder = async (requiredBy = '2000-01-01') => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V', 'vendor', VENDOR_SETTINGS);
    await api.openAccount('W', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V', 'SKU', 2);
    const ranked = await api.request('PUT', '/accounts/S/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V', leadTimeDays: 7 }, { vendorAccountId: 'W', leadTimeDays: 30 }] } });
    expect(ranked.status).toBe(200);
    await post('/accounts/S/orders', { orderId: 'o1', requiredBy, lines: [{ sku: 'SKU', quantity: 5 }, { sku: 'OTHER', quantity: 1 }] }, 201);
    await api.adjust('S', 'OTHER', 1);
    await post('/accounts/S/orders/o1/assign');
  };

  it('a pending line shows the eta of its PO and whether it is late; a line with nothing pending shows null and not late', async () => {
    await shortOrder();
    const po = await get(`/accounts/S/purchase-orders/${po1}`);
    expect(po.expectedAt).toEqual(expect.any(String));
    expect(await get('/accounts/S/orders/o1')).toMatchObject({
      requiredBy: '2000-01-01',
      lines: [
        { sku: 'SKU', pending: 5, eta: po.expectedAt, late: true },
        { sku: 'OTHER', pending: 0, eta: null, late: false },
      ],
    });
    expect(await etaEvents('S', 'o1')).toEqual([{ sku: 'SKU', eta: po.expectedAt, previous: null, late: true }]);
  });

  it('the vendor promises a date: the PO and the seller\'s line follow, each change an event in the trail; the same promise again writes nothing', async () => {
    await shortOrder('2031-01-01');
    const before = (await get(`/accounts/S/purchase-orders/${po1}`)).expectedAt as string;
    const promised = await api.request('POST', `/accounts/V/orders/${vo1}/promise`, { body: { promisedAt: '2031-01-02' } });
    expect(promised.status).toBe(200);
    expect(promised.headers['x-event-position']).toEqual(expect.any(String));
    expect(promised.body).toEqual({ orderId: vo1, promisedAt: '2031-01-02T00:00:00.000Z', source: { purchaseOrderId: po1, sellerAccountId: 'S' }, expectedAt: '2031-01-02T00:00:00.000Z' });

    expect(await get(`/accounts/S/purchase-orders/${po1}`)).toMatchObject({ expectedAt: '2031-01-02T00:00:00.000Z' });
    expect((await get('/accounts/S/orders/o1')).lines[0]).toMatchObject({ eta: '2031-01-02T00:00:00.000Z', late: true });
    expect(await etaEvents('S', 'o1')).toEqual([
      { sku: 'SKU', eta: before, previous: null, late: false },
      { sku: 'SKU', eta: '2031-01-02T00:00:00.000Z', previous: before, late: true },
    ]);
    const trail = (await get('/accounts/S/orders/o1/trail')).events as { streamName: string; type: string }[];
    const types = trail.map((e) => `${e.streamName.split('-')[0]}:${e.type}`);
    const at = (type: string) => types.lastIndexOf(type);
    expect(at('order:DeliveryPromised')).toBeGreaterThan(0);
    expect(at('po:PurchaseOrderExpectedAtChanged')).toBeGreaterThan(at('order:DeliveryPromised'));
    expect(at('order:PurchaseOrderProgressRecorded')).toBeGreaterThan(at('po:PurchaseOrderExpectedAtChanged'));
    expect(types.filter((t) => t === 'order:OrderLineEtaChanged')).toHaveLength(2);
    // The vendor sees the promise on its own order's events.
    expect((await get(`/accounts/V/orders/${vo1}/events`)).map((e: { type: string }) => e.type)).toContain('DeliveryPromised');

    await api.settle();
    const count = await api.eventCount();
    // With an offset: the same instant, so nothing new.
    expect((await api.post(`/accounts/V/orders/${vo1}/promise`, { promisedAt: '2031-01-02T01:00:00+01:00' })).status).toBe(200);
    await api.settle();
    expect(await api.eventCount()).toBe(count);
  });

  it('400 naming promisedAt for bad input, writing nothing; 404 for an unknown order; 409 on an order that is not a vendor order or has nothing left to deliver', async () => {
    await shortOrder();
    await api.settle();
    const count = await api.eventCount();
    for (const body of [{}, { promisedAt: 'soon' }, { promisedAt: '2031-02-30' }, { promisedAt: '2031-01-02T10:00:00' }, { promisedAt: 20310102 }, null]) {
      const refused = await api.post(`/accounts/V/orders/${vo1}/promise`, body);
      expect([JSON.stringify(body), refused.status]).toEqual([JSON.stringify(body), 400]);
      expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual(body === null ? ['body'] : ['promisedAt']);
    }
    expect((await api.post(`/accounts/V/orders/${vo1}/promise`, { promisedAt: '2031-01-02', note: 'x' })).body.errors).toEqual([expect.objectContaining({ field: 'note' })]);
    expect(await api.post('/accounts/V/orders/nope/promise', { promisedAt: '2031-01-02' })).toMatchObject({ status: 404, body: { code: 'ORDER_NOT_FOUND' } });
    expect(await api.post('/accounts/S/orders/o1/promise', { promisedAt: '2031-01-02' })).toMatchObject({ status: 409, body: { code: 'NOT_A_VENDOR_ORDER' } });
    expect(await api.eventCount()).toBe(count);

    // Handed over in full, then a vendor order cancelled.
    await post(`/accounts/V/orders/${vo1}/handover`, {});
    await post(`/accounts/V/orders/${vo1}/close-short`);
    expect(await api.post(`/accounts/V/orders/${vo1}/promise`, { promisedAt: '2031-01-02' })).toMatchObject({ status: 409, body: { code: 'ORDER_CLOSED_SHORT' } });
    // Sourced again from W, in the round the close opened.
    const po2 = (await get('/accounts/S/orders/o1')).purchaseOrders[1].purchaseOrderId as string;
    const vo2 = vendorOrderIdFor('S', po2);
    expect(await get(`/accounts/S/purchase-orders/${po2}`)).toMatchObject({ vendorAccountId: 'W', vendorOrderId: vo2 });
    await post(`/accounts/W/orders/${vo2}/cancel`);
    expect(await api.post(`/accounts/W/orders/${vo2}/promise`, { promisedAt: '2031-01-02' })).toMatchObject({ status: 409, body: { code: 'ORDER_CANCELLED' } });
  });

  it('an eta event for every change: a re-source after close-short, a PO received in full, a line change', async () => {
    await shortOrder();
    const first = (await get(`/accounts/S/purchase-orders/${po1}`)).expectedAt as string;
    await api.adjust('W', 'SKU', 10);
    // V hands over its 2 and closes short: the PO closes, the rest is bought from W (30 days).
    await post(`/accounts/V/orders/${vo1}/handover`, {});
    await post(`/accounts/V/orders/${vo1}/close-short`);
    const order = await get('/accounts/S/orders/o1');
    const po2 = order.purchaseOrders[1].purchaseOrderId as string;
    const second = (await get(`/accounts/S/purchase-orders/${po2}`)).expectedAt as string;
    expect(Date.parse(second) - Date.parse(first)).toBeGreaterThan(20 * DAY_MS);
    expect(order.lines[0]).toMatchObject({ pending: 3, eta: second, late: true });
    // An increase buys more in a new PO: the eta is the later of the two.
    const increased = await api.request('PATCH', '/accounts/S/orders/o1/lines/SKU', { body: { quantity: 6 } });
    expect(increased.status).toBe(200);
    const third = await get('/accounts/S/orders/o1');
    const po3 = third.purchaseOrders[2].purchaseOrderId as string;
    const latest = (await get(`/accounts/S/purchase-orders/${po3}`)).expectedAt as string;
    expect(third.lines[0]).toMatchObject({ pending: 4, eta: latest });
    // W hands over everything: both POs received in full, nothing pending, eta null.
    await post(`/accounts/W/orders/${vendorOrderIdFor('S', po2)}/handover`, {});
    await post(`/accounts/W/orders/${vendorOrderIdFor('S', po3)}/handover`, {});
    expect((await get('/accounts/S/orders/o1')).lines[0]).toMatchObject({ pending: 0, eta: null, late: false });

    expect(Date.parse(latest)).toBeGreaterThan(Date.parse(second));
    const etas = (await etaEvents('S', 'o1')) as { eta: string | null; previous: string | null }[];
    // Closing short drops PO1 (null), W's PO sets the eta, the increase's PO moves it later, the last receipt clears it.
    expect(etas.map((e) => e.eta)).toEqual([first, null, second, latest, null]);
    // Each change names the eta before it.
    etas.forEach((e, i) => expect(e.previous).toBe(i === 0 ? null : etas[i - 1]!.eta));
  });

  it('along a chain, the middle vendor\'s own PO date moves the seller\'s eta; a promise of the middle vendor stands over it', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', { ...VENDOR_SETTINGS, ...SELLER_SETTINGS });
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    await api.request('PUT', '/accounts/S/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V1', leadTimeDays: 2 }] } });
    await api.request('PUT', '/accounts/V1/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V2', leadTimeDays: 20 }] } });
    await post('/accounts/S/orders', { orderId: 'o1', requiredBy: '2000-01-01', lines: [{ sku: 'SKU', quantity: 4 }] }, 201);

    const first = purchaseOrderIdFor('S', 'o1', 1, 'V1');
    const middle = vendorOrderIdFor('S', first);
    const second = purchaseOrderIdFor('V1', middle, 1, 'V2');
    const po2 = await get(`/accounts/V1/purchase-orders/${second}`);
    const po1 = await get(`/accounts/S/purchase-orders/${first}`);
    // V1 cannot deliver before V2 delivers to it: PO1 is expected when PO2 is.
    expect(po1.expectedAt).toBe(po2.expectedAt);
    expect((await get(`/accounts/V1/orders/${middle}`)).lines[0]).toMatchObject({ eta: po2.expectedAt });
    expect((await get('/accounts/S/orders/o1')).lines[0]).toMatchObject({ eta: po2.expectedAt, late: true });
    const moves = (await get(`/accounts/S/purchase-orders/${first}/events`)).filter((e: { type: string }) => e.type === 'PurchaseOrderExpectedAtChanged');
    expect(moves.map((e: { data: unknown }) => e.data)).toEqual([{ expectedAt: po2.expectedAt, previous: expect.any(String), cause: 'VENDOR_SUPPLY' }]);
    const leadTimeDate = moves[0].data.previous as string;
    expect(Date.parse(po2.expectedAt) - Date.parse(leadTimeDate)).toBeGreaterThan(17 * DAY_MS);

    // V2 promises later: PO2, V1's order, PO1 and S's order all move.
    await post(`/accounts/V2/orders/${vendorOrderIdFor('V1', second)}/promise`, { promisedAt: '2032-03-04T05:06:07Z' });
    await api.settle();
    expect((await get(`/accounts/S/purchase-orders/${first}`)).expectedAt).toBe('2032-03-04T05:06:07.000Z');
    expect((await get('/accounts/S/orders/o1')).lines[0]).toMatchObject({ eta: '2032-03-04T05:06:07.000Z' });

    // V1 promises earlier than its supply: its promise stands.
    await post(`/accounts/V1/orders/${middle}/promise`, { promisedAt: '2031-01-01' });
    await api.settle();
    expect((await get(`/accounts/S/purchase-orders/${first}`)).expectedAt).toBe('2031-01-01T00:00:00.000Z');
    expect((await get('/accounts/S/orders/o1')).lines[0]).toMatchObject({ eta: '2031-01-01T00:00:00.000Z' });
    // V1's own line still waits for V2's date.
    expect((await get(`/accounts/V1/orders/${middle}`)).lines[0]).toMatchObject({ eta: '2032-03-04T05:06:07.000Z' });
    expect((await etaEvents('S', 'o1')).map((e: any) => e.eta)).toEqual([leadTimeDate, po2.expectedAt, '2032-03-04T05:06:07.000Z', '2031-01-01T00:00:00.000Z']);
    const moved = (await get(`/accounts/S/purchase-orders/${first}/events`)).filter((e: { type: string }) => e.type === 'PurchaseOrderExpectedAtChanged');
    expect(moved.map((e: { data: { cause: string } }) => e.data.cause)).toEqual(['VENDOR_SUPPLY', 'VENDOR_SUPPLY', 'PROMISED']);
  });
});
