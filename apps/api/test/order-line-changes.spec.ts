/**
 * Changing an order line after its PO (`PATCH /accounts/{a}/orders/{o}/lines/{sku}`), end to end
 * over HTTP, on the embedded default and on the PostgreSQL deployment: a decrease gives up pending quantity (its PO and vendor order
 * shrink, or end), then reserved goods, then assigned units; goods in transit are still received;
 * an increase is sourced like a new shortfall; along a chain each vendor order's change shrinks
 * that vendor's own POs. Stopping a deployment checks every invariant after each test.
 */
import { purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { RecordedEvent } from '@app/event-store';
import { Deployment, forEachDeployment } from './support/deployment';
import { SELLER_SETTINGS, VENDOR_SETTINGS, expectPost, settledGet } from './support/flow-steps';


forEachDeployment('changing an order line after its PO', (start) => {
  let api: Deployment;

  beforeEach(async () => {
    api = await start();
  }, 60_000);
  afterEach(() => api.stop());

  const get = settledGet(() => api);
  const post = expectPost(() => api);
  const change = (quantity: unknown, { order = 'o1', sku = 'SKU', account = 'S' } = {}) =>
    api.request('PATCH', `/accounts/${account}/orders/${order}/lines/${sku}`, { body: { quantity } });
  const changed = async (quantity: number, where: { order?: string; sku?: string; account?: string } = {}) => {
    const answer = await change(quantity, where);
    if (answer.status !== 200) throw new Error(`PATCH: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const map = async (seller: string, sku: string, vendor: string) =>
    expect(await api.request('PUT', `/accounts/${seller}/products/${sku}/vendor`, { body: { vendorAccountId: vendor } })).toMatchObject({ status: 200 });
  const typesOf = (events: RecordedEvent[], stream: string) => events.filter((e) => e.streamName === stream).map((e) => e.type);

  /** S holds 2 of SKU, V 10; S orders 5: 2 assigned, a PO of 3 to V, whose order is READY. */
  const shortOrder = async (sellerSettings: Record<string, unknown> = SELLER_SETTINGS) => {
    await api.openAccount('S', 'seller', sellerSettings);
    await api.adjust('S', 'SKU', 2);
    await api.openAccount('V', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V', 'SKU', 10);
    await map('S', 'SKU', 'V');
    await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] }, 201);
    await api.settle();
  };
  const poId = purchaseOrderIdFor('S', 'o1', 1, 'V');
  const voId = vendorOrderIdFor('S', poId);

  it('a decrease within the pending quantity shrinks the PO and its vendor order by as much; the order events name the PO', async () => {
    await shortOrder();
    expect(await changed(4)).toMatchObject({ orderId: 'o1', status: 'PENDING_INVENTORY', lines: [{ sku: 'SKU', quantity: 4, assigned: 2, pending: 2 }] });

    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'APPROVED', lines: [{ sku: 'SKU', quantity: 2, receivedQuantity: 0 }] });
    expect(await get(`/accounts/V/orders/${voId}`)).toMatchObject({ status: 'READY', lines: [{ quantity: 2, assigned: 2, pending: 0 }] });
    expect(await get('/accounts/V/inventory?sku=SKU')).toMatchObject([{ onHand: 10, assigned: 2, available: 8 }]);
    const events = await api.allEvents();
    expect(typesOf(events, 'order-S.o1').slice(-2)).toEqual(['OrderLineChanged', 'OrderLineChangeCompleted']);
    expect(events.find((e) => e.type === 'OrderLineChangeCompleted')!.data).toEqual({
      change: 1,
      sku: 'SKU',
      purchaseOrders: [{ purchaseOrderId: poId, previousQuantity: 3, quantity: 2, status: 'APPROVED' }],
    });
    expect(events.find((e) => e.type === 'PurchaseOrderLineReduced')!.data).toMatchObject({ sku: 'SKU', previousQuantity: 3, quantity: 2 });
    // The vendor order's own change is a line change too.
    expect(typesOf(events, `order-V.${voId}`)).toEqual(expect.arrayContaining(['OrderLineChanged', 'InventoryReleased', 'OrderLineChangeCompleted']));
  });

  it('a decrease to what is assigned cancels the PO and its vendor order; below it, assigned units become free stock', async () => {
    await shortOrder();
    expect(await changed(2)).toMatchObject({ status: 'READY', lines: [{ quantity: 2, assigned: 2, pending: 0 }] });
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'CANCELLED', lines: [{ quantity: 0 }] });
    expect(await get(`/accounts/V/orders/${voId}`)).toMatchObject({ status: 'CANCELLED' });
    expect(await get('/accounts/V/inventory?sku=SKU')).toMatchObject([{ onHand: 10, assigned: 0, available: 10 }]);

    expect(await changed(1)).toMatchObject({ status: 'READY', lines: [{ quantity: 1, assigned: 1, pending: 0 }], });
    expect(await get('/accounts/S/inventory?sku=SKU')).toMatchObject([{ onHand: 2, assigned: 1, reserved: 0, available: 1 }]);
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ inventoryDetails: [{ sku: 'SKU', quantity: 1, source: 'stock' }] });
  });

  it('a PO that received something and has nothing left open is CLOSED; its vendor order keeps what it handed over', async () => {
    await shortOrder();
    await post(`/accounts/V/orders/${voId}/handover`, { handoverId: 'h1', lines: [{ sku: 'SKU', quantity: 1 }] });
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ lines: [{ quantity: 5, assigned: 3, pending: 2 }] });

    expect(await changed(3)).toMatchObject({ status: 'READY', lines: [{ quantity: 3, assigned: 3, pending: 0 }] });
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'CLOSED', lines: [{ quantity: 1, receivedQuantity: 1 }] });
    expect(await get(`/accounts/V/orders/${voId}`)).toMatchObject({ status: 'HANDED_OVER', lines: [{ quantity: 1, handedOver: 1, assigned: 0 }] });
    expect(await get('/accounts/V/inventory?sku=SKU')).toMatchObject([{ onHand: 9, assigned: 0 }]);
  });

  it('goods the vendor handed over before the decrease are still received; beyond the need they are free stock', async () => {
    // Manual GRNs: the handover stays in transit until the seller inwards it.
    await shortOrder({ allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
    await post(`/accounts/V/orders/${voId}/handover`, { handoverId: 'h1' });
    expect(await changed(3)).toMatchObject({ lines: [{ quantity: 3, assigned: 2, pending: 1 }] });
    // Nothing more can be taken back from the PO: all 3 are on their way.
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'APPROVED', lines: [{ quantity: 3, receivedQuantity: 0 }] });

    await post(`/accounts/S/purchase-orders/${poId}/grns`, { grnId: 'g1', lines: [{ sku: 'SKU', quantity: 3 }] }, 201);
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ status: 'READY', lines: [{ quantity: 3, assigned: 3, pending: 0 }] });
    expect(await get('/accounts/S/inventory?sku=SKU')).toMatchObject([{ onHand: 5, assigned: 3, reserved: 0, available: 2 }]);
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'RECEIVED' });
  });

  it('a decrease beyond the pending quantity gives back the latest assigned units, and ends the PO', async () => {
    await shortOrder({ allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
    await post(`/accounts/S/purchase-orders/${poId}/grns`, { grnId: 'g1', lines: [{ sku: 'SKU', quantity: 2 }] }, 201);
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ lines: [{ quantity: 5, assigned: 4, pending: 1 }] });
    expect(await changed(3)).toMatchObject({ lines: [{ quantity: 3, assigned: 3, pending: 0 }] });
    expect(await get('/accounts/S/orders/o1')).toMatchObject({
      inventoryDetails: [
        { quantity: 2, source: 'stock' },
        { quantity: 1, source: 'backorder', grnId: 'g1' },
      ],
    });
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'CLOSED', lines: [{ quantity: 2, receivedQuantity: 2 }] });
    expect(await get('/accounts/S/inventory?sku=SKU')).toMatchObject([{ onHand: 4, assigned: 3, reserved: 0, available: 1 }]);
  });

  it('an increase is sourced like a new shortfall: free stock first, then a new PO of a new round', async () => {
    await shortOrder();
    await api.adjust('S', 'SKU', 1);
    expect(await changed(8)).toMatchObject({ lines: [{ quantity: 8, assigned: 3, pending: 5 }] });
    const secondPo = purchaseOrderIdFor('S', 'o1', 2, 'V');
    expect(await get(`/accounts/S/purchase-orders/${secondPo}`)).toMatchObject({ status: 'APPROVED', lines: [{ sku: 'SKU', quantity: 2 }] });
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ lines: [{ quantity: 3 }] });
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ purchaseOrders: [{ purchaseOrderId: poId }, { purchaseOrderId: secondPo }] });
    // A decrease then takes back from the newest PO first.
    await changed(6);
    expect(await get(`/accounts/S/purchase-orders/${secondPo}`)).toMatchObject({ status: 'CANCELLED' });
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'APPROVED', lines: [{ quantity: 3 }] });
  });

  it('along a chain, the vendor order\'s change shrinks that vendor\'s own PO in turn', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', { ...VENDOR_SETTINGS, ...SELLER_SETTINGS });
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V2', 'SKU', 10);
    await map('S', 'SKU', 'V1');
    await map('V1', 'SKU', 'V2');
    await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 4 }] }, 201);
    await api.settle();
    const firstPo = purchaseOrderIdFor('S', 'o1', 1, 'V1');
    const v1Order = vendorOrderIdFor('S', firstPo);
    const secondPo = purchaseOrderIdFor('V1', v1Order, 1, 'V2');
    const v2Order = vendorOrderIdFor('V1', secondPo);
    expect(await get(`/accounts/V2/orders/${v2Order}`)).toMatchObject({ lines: [{ quantity: 4, assigned: 4 }] });

    await changed(1);
    expect(await get(`/accounts/S/purchase-orders/${firstPo}`)).toMatchObject({ lines: [{ quantity: 1 }] });
    expect(await get(`/accounts/V1/orders/${v1Order}`)).toMatchObject({ lines: [{ quantity: 1, pending: 1 }] });
    expect(await get(`/accounts/V1/purchase-orders/${secondPo}`)).toMatchObject({ status: 'APPROVED', lines: [{ quantity: 1 }] });
    expect(await get(`/accounts/V2/orders/${v2Order}`)).toMatchObject({ lines: [{ quantity: 1, assigned: 1 }] });
    expect(await get('/accounts/V2/inventory?sku=SKU')).toMatchObject([{ onHand: 10, assigned: 1 }]);

    expect(await changed(0)).toMatchObject({ status: 'CANCELLED' });
    expect(await get(`/accounts/V1/purchase-orders/${secondPo}`)).toMatchObject({ status: 'CANCELLED' });
    expect(await get(`/accounts/V2/orders/${v2Order}`)).toMatchObject({ status: 'CANCELLED' });
  });

  it('0 on one line of several removes its open part; the order goes on', async () => {
    await shortOrder();
    await api.adjust('S', 'OTHER', 3);
    await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'SKU', quantity: 4 }, { sku: 'OTHER', quantity: 2 }] }, 201);
    expect(await changed(0, { order: 'o2' })).toMatchObject({ status: 'READY', lines: [{ sku: 'SKU', quantity: 0, assigned: 0, pending: 0 }, { sku: 'OTHER', quantity: 2, assigned: 2 }] });
  });

  it('refuses what the contract refuses, and writes nothing', async () => {
    await shortOrder();
    await post(`/accounts/V/orders/${voId}/handover`, { handoverId: 'h1', lines: [{ sku: 'SKU', quantity: 1 }] });
    await post('/accounts/S/orders/o1/handover', { handoverId: 'h2', lines: [{ sku: 'SKU', quantity: 2 }] });
    await api.settle();
    const before = (await api.allEvents()).length;

    expect(await change(1)).toMatchObject({ status: 409, body: { code: 'QUANTITY_BELOW_HANDED_OVER', errors: [{ field: 'quantity' }] } });
    expect(await change(2, { sku: 'NOPE' })).toMatchObject({ status: 404, body: { code: 'ORDER_LINE_NOT_FOUND' } });
    expect(await change(2, { order: 'nope' })).toMatchObject({ status: 404, body: { code: 'ORDER_NOT_FOUND' } });
    expect(await change(2, { account: 'V', order: voId })).toMatchObject({ status: 409, body: { code: 'ORDER_FOLLOWS_PURCHASE_ORDER' } });
    for (const bad of [-1, 1.5, 'two', null]) {
      expect(await change(bad)).toMatchObject({ status: 400, body: { errors: [{ field: 'quantity' }] } });
    }
    expect(await api.request('PATCH', '/accounts/S/orders/o1/lines/SKU', { body: { quantity: 3, extra: 1 } })).toMatchObject({ status: 400 });
    expect(await api.request('PATCH', '/accounts/S/orders/o1/lines/SKU', {})).toMatchObject({ status: 400 });
    expect((await api.allEvents()).length).toBe(before);

    // The same quantity again writes nothing and answers the order.
    expect(await changed(5)).toMatchObject({ lines: [{ quantity: 5 }] });
    expect((await api.allEvents()).length).toBe(before);

    await changed(2);
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ status: 'HANDED_OVER' });
    expect(await change(3)).toMatchObject({ status: 409, body: { code: 'ORDER_HANDED_OVER' } });
    await post('/accounts/S/orders', { orderId: 'o3', lines: [{ sku: 'SKU', quantity: 1 }] }, 201);
    await post('/accounts/S/orders/o3/cancel');
    expect(await change(2, { order: 'o3' })).toMatchObject({ status: 409, body: { code: 'ORDER_CANCELLED' } });
  });
});
