/**
 * Closing short and sourcing again over HTTP (SPEC.md wave 2): a vendor closes its order short,
 * or the seller closes a PO; the PO's open remainder closes, received and handed-over goods are
 * kept, and the source order's pending quantity is bought from the SKU's next vendor (a new PO id)
 * or waits with VENDOR_CLOSED_SHORT; along a multi-tier chain the middle vendor sources again.
 * Runs on the embedded default and on the PostgreSQL deployment (two api processes and a worker);
 * stopping a deployment checks every invariant after each test.
 */
import { purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { Deployment, forEachDeployment } from './support/deployment';
import { SELLER_SETTINGS, VENDOR_SETTINGS, expectPost, settledGet } from './support/flow-steps';


forEachDeployment('closing short and sourcing again', (start) => {
  let api: Deployment;
  beforeEach(async () => {
    api = await start();
  }, 60_000);
  afterEach(() => api.stop());

  const get = settledGet(() => api);
  const post = expectPost(() => api, { settleFirst: true });

  const po1 = purchaseOrderIdFor('S', 'o1', 1, 'V1');
  const vo1 = vendorOrderIdFor('S', po1);

  /** S short of 5 (none in stock), SKU ranked V1 then V2; V1 has only 2. */
  const twoVendors = async (v1Stock = 2) => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', VENDOR_SETTINGS);
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    if (v1Stock > 0) await api.adjust('V1', 'SKU', v1Stock);
    await api.adjust('V2', 'SKU', 10);
    const ranked = await api.request('PUT', '/accounts/S/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V1' }, { vendorAccountId: 'V2' }] } });
    expect(ranked.status).toBe(200);
    await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] }, 201);
  };

  it('a vendor that hands over part and closes short: the PO closes the rest, and the rest is bought from the next vendor', async () => {
    await twoVendors();
    await post(`/accounts/V1/orders/${vo1}/handover`, { handoverId: 'h1' });
    const closed = await post(`/accounts/V1/orders/${vo1}/close-short`, { reason: 'No more coming' });
    expect(closed).toMatchObject({ orderId: vo1, status: 'CLOSED_SHORT', lines: [{ quantity: 5, assigned: 0, pending: 3 }] });

    expect(await get(`/accounts/S/purchase-orders/${po1}`)).toMatchObject({
      status: 'CLOSED',
      lines: [{ sku: 'SKU', quantity: 5, receivedQuantity: 2, closedQuantity: 3 }],
    });
    // A new sourcing round (the GRN's round was 2, this is 3), so a new PO id, to the next vendor.
    const po2 = purchaseOrderIdFor('S', 'o1', 3, 'V2');
    expect(await get(`/accounts/S/purchase-orders/${po2}`)).toMatchObject({ status: 'APPROVED', vendorAccountId: 'V2', lines: [{ quantity: 3 }] });
    expect(await get('/accounts/S/orders/o1')).toMatchObject({
      status: 'PENDING_INVENTORY',
      lines: [{ quantity: 5, assigned: 2, pending: 3, closedShort: 3 }],
      purchaseOrders: [{ purchaseOrderId: po1 }, { purchaseOrderId: po2 }],
      pendingReasons: [{ sku: 'SKU', reason: 'AWAITING_VENDOR' }],
      passedOverVendors: [{ round: 3, sku: 'SKU', vendorAccountId: 'V1', reason: 'CLOSED_SHORT' }],
    });

    await post(`/accounts/V2/orders/${vendorOrderIdFor('S', po2)}/handover`, {});
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ status: 'READY', lines: [{ assigned: 5, pending: 0 }] });
    // The vendor's stock it had assigned and never handed over is free again.
    expect(await get('/accounts/V1/inventory?sku=SKU')).toMatchObject([{ onHand: 0, assigned: 0 }]);
  });

  it('closing short with nothing handed over cancels the vendor order; with no vendor left the line waits with VENDOR_CLOSED_SHORT', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V1', 'SKU', 3);
    await api.request('PUT', '/accounts/S/products/SKU/vendor', { body: { vendorAccountId: 'V1' } });
    await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] }, 201);
    expect(await post(`/accounts/V1/orders/${vo1}/close-short`)).toMatchObject({ status: 'CANCELLED' });
    expect(await get('/accounts/V1/inventory?sku=SKU')).toMatchObject([{ onHand: 3, assigned: 0, available: 3 }]);
    expect(await get(`/accounts/S/purchase-orders/${po1}`)).toMatchObject({ status: 'CLOSED', lines: [{ receivedQuantity: 0, closedQuantity: 5 }] });
    expect(await get('/accounts/S/orders/o1')).toMatchObject({
      status: 'PENDING_INVENTORY',
      lines: [{ pending: 5, closedShort: 5 }],
      pendingReasons: [{ sku: 'SKU', reason: 'VENDOR_CLOSED_SHORT' }],
    });
    expect((await get('/accounts/S/reports/backorders?reason=VENDOR_CLOSED_SHORT')).items).toMatchObject([{ orderId: 'o1', pending: 5 }]);
    expect((await api.allEvents()).filter((e) => e.type === 'PurchaseOrderCreated')).toHaveLength(1);

    // 409 once there is nothing left to close; closing short again answers the order as it is.
    const again = await api.post(`/accounts/V1/orders/${vo1}/close-short`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ORDER_CANCELLED' });
  });

  it('409 on an order handed over in full, 400 on a bad reason, 404 on an unknown order', async () => {
    await twoVendors(5);
    await post(`/accounts/V1/orders/${vo1}/handover`, {});
    await api.settle();
    const before = (await api.allEvents()).length;
    expect(await api.post(`/accounts/V1/orders/${vo1}/close-short`)).toMatchObject({ status: 409, body: { code: 'ORDER_HANDED_OVER' } });
    expect(await api.post(`/accounts/V1/orders/${vo1}/close-short`, { reason: '' })).toMatchObject({ status: 400 });
    expect(await api.post(`/accounts/V1/orders/${vo1}/close-short`, { why: 'x' })).toMatchObject({ status: 400 });
    expect(await api.post('/accounts/V1/orders/nope/close-short')).toMatchObject({ status: 404 });
    expect(await api.post(`/accounts/S/purchase-orders/${po1}/close`)).toMatchObject({ status: 409, body: { code: 'NOTHING_OPEN' } });
    expect(await api.post('/accounts/S/purchase-orders/nope/close')).toMatchObject({ status: 404 });
    expect((await api.allEvents()).length).toBe(before);
  });

  it('the seller closes a PO: its vendor order is closed short, handed-over goods waiting for a manual GRN stay open, the rest is bought again', async () => {
    await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
    await api.openAccount('V1', 'vendor', VENDOR_SETTINGS);
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V1', 'SKU', 4);
    await api.request('PUT', '/accounts/S/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V1' }, { vendorAccountId: 'V2' }] } });
    await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] }, 201);
    await post(`/accounts/V1/orders/${vo1}/handover`, { handoverId: 'h1', lines: [{ sku: 'SKU', quantity: 2 }] });

    const closed = await post(`/accounts/S/purchase-orders/${po1}/close`, { reason: 'Too slow' });
    expect(closed).toMatchObject({ purchaseOrderId: po1, status: 'CLOSED', lines: [{ quantity: 5, receivedQuantity: 0, closedQuantity: 3 }] });
    expect(await get(`/accounts/V1/orders/${vo1}`)).toMatchObject({ status: 'CLOSED_SHORT', lines: [{ handedOver: 2 }] });
    expect(await get('/accounts/V1/inventory?sku=SKU')).toMatchObject([{ onHand: 2, assigned: 0 }]);

    // The 2 handed over are still received (manual GRN); the 3 closed are bought from V2.
    await post(`/accounts/S/purchase-orders/${po1}/grns`, { grnId: 'g1', lines: [{ sku: 'SKU', quantity: 2 }] }, 201);
    const po2 = purchaseOrderIdFor('S', 'o1', 2, 'V2');
    expect(await get(`/accounts/S/purchase-orders/${po2}`)).toMatchObject({ vendorAccountId: 'V2', lines: [{ quantity: 3 }] });
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ lines: [{ assigned: 2, pending: 3, closedShort: 3 }] });
    // Closing it again answers it as it is.
    expect(await post(`/accounts/S/purchase-orders/${po1}/close`)).toMatchObject({ status: 'CLOSED' });
  });

  it('along a chain: the middle vendor sources again when its vendor closes short, and closing short in turn re-sources at the seller', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', { ...VENDOR_SETTINGS, ...SELLER_SETTINGS });
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    await api.openAccount('V3', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V3', 'SKU', 10);
    await api.request('PUT', '/accounts/S/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V1' }, { vendorAccountId: 'V3' }] } });
    await api.request('PUT', '/accounts/V1/products/SKU/vendor', { body: { vendorAccountId: 'V2' } });
    await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 4 }] }, 201);
    const vpo = purchaseOrderIdFor('V1', vo1, 1, 'V2');
    const vo2 = vendorOrderIdFor('V1', vpo);

    await post(`/accounts/V2/orders/${vo2}/close-short`);
    // V1 has no other vendor: its line waits there.
    expect(await get(`/accounts/V1/orders/${vo1}`)).toMatchObject({ status: 'PENDING_INVENTORY', pendingReasons: [{ sku: 'SKU', reason: 'VENDOR_CLOSED_SHORT' }] });
    expect(await get(`/accounts/S/orders/o1`)).toMatchObject({ pendingReasons: [{ sku: 'SKU', reason: 'AWAITING_VENDOR' }] });

    // V1 closes short to S in turn: S buys from V3.
    await post(`/accounts/V1/orders/${vo1}/close-short`);
    const po2 = purchaseOrderIdFor('S', 'o1', 2, 'V3');
    expect(await get(`/accounts/S/purchase-orders/${po2}`)).toMatchObject({ vendorAccountId: 'V3', lines: [{ quantity: 4 }] });
    await post(`/accounts/V3/orders/${vendorOrderIdFor('S', po2)}/handover`, {});
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ status: 'READY', lines: [{ assigned: 4, closedShort: 4 }] });
  });
});
