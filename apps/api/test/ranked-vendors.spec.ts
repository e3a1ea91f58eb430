/**
 * Ranked vendors per SKU over HTTP (SPEC.md wave 2): the list replaced and answered, bad lists
 * refused naming the field, the purchasing step buying from the first eligible vendor (the ones
 * passed over recorded on the order), minimum order quantity and pack size rounding the PO up
 * (the surplus free stock once received), and lead time setting the PO's expectedAt.
 */
import { purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { ApiHarness } from './support/api-harness';
import { SELLER_SETTINGS, VENDOR_SETTINGS, settledGet } from './support/flow-steps';


describe('ranked vendors per SKU', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await ApiHarness.start();
  });
  afterEach(() => api.stop());

  const get = settledGet(() => api);
  const rank = (sku: string, vendors: unknown) => api.request('PUT', `/accounts/S/products/${sku}/vendors`, { body: { vendors } });

  it('replaces the list, answers it with the defaults filled in, and keeps PUT …/vendor as a list of one', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', VENDOR_SETTINGS);
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    const put = await rank('SKU', [{ vendorAccountId: 'V1', leadTimeDays: 3, packSize: 6 }, { vendorAccountId: 'V2', minOrderQuantity: 10 }]);
    expect(put.status).toBe(200);
    const list = {
      sku: 'SKU',
      vendors: [
        { vendorAccountId: 'V1', leadTimeDays: 3, minOrderQuantity: 1, packSize: 6 },
        { vendorAccountId: 'V2', leadTimeDays: 7, minOrderQuantity: 10, packSize: 1 },
      ],
    };
    expect(put.body).toEqual(list);
    expect(await get('/accounts/S/products/SKU/vendors')).toEqual(list);
    expect((await get('/accounts/S')).vendorMappings).toEqual([{ sku: 'SKU', vendorAccountId: 'V1', vendors: list.vendors }]);

    // The same list again writes nothing.
    const before = await api.eventCount();
    expect((await rank('SKU', [{ vendorAccountId: 'V1', leadTimeDays: 3, packSize: 6 }, { vendorAccountId: 'V2', minOrderQuantity: 10 }])).status).toBe(200);
    expect(await api.eventCount()).toBe(before);

    expect((await api.request('PUT', '/accounts/S/products/SKU/vendor', { body: { vendorAccountId: 'V2' } })).status).toBe(200);
    expect(await get('/accounts/S/products/SKU/vendors')).toEqual({ sku: 'SKU', vendors: [{ vendorAccountId: 'V2', leadTimeDays: 7, minOrderQuantity: 1, packSize: 1 }] });
    expect((await api.request('DELETE', '/accounts/S/products/SKU/vendor')).status).toBe(204);
    expect(await get('/accounts/S/products/SKU/vendors')).toEqual({ sku: 'SKU', vendors: [] });
  });

  it('refuses bad lists naming the field, and writes nothing', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', VENDOR_SETTINGS);
    await api.openAccount('S2', 'seller');
    const before = await api.eventCount();
    const cases: [unknown, number, string][] = [
      [[], 400, 'vendors'],
      [Array.from({ length: 11 }, (_, i) => ({ vendorAccountId: `V${i}` })), 400, 'vendors'],
      [[{ vendorAccountId: 'V1' }, { vendorAccountId: 'V1' }], 400, 'vendors[1].vendorAccountId'],
      [[{ vendorAccountId: 'V1', packSize: 0 }], 400, 'vendors[0].packSize'],
      [[{ vendorAccountId: 'V1', leadTimeDays: -1 }], 400, 'vendors[0].leadTimeDays'],
      [[{ vendorAccountId: 'V1', minOrderQuantity: 1.5 }], 400, 'vendors[0].minOrderQuantity'],
      [[{ vendorAccountId: 'V1', colour: 'red' }], 400, 'vendors[0]'],
      [[{ vendorAccountId: 'V1' }, { vendorAccountId: 'S2' }], 422, 'vendors[1].vendorAccountId'],
      [[{ vendorAccountId: 'nobody' }], 422, 'vendors[0].vendorAccountId'],
      [[{ vendorAccountId: 'S' }], 422, 'vendors[0].vendorAccountId'],
    ];
    for (const [vendors, status, field] of cases) {
      const answer = await rank('SKU', vendors);
      expect({ vendors, status: answer.status, type: answer.headers['content-type'] }).toEqual({ vendors, status, type: expect.stringContaining('application/problem+json') });
      expect(JSON.stringify(answer.body.errors)).toContain(field);
    }
    expect(await api.eventCount()).toBe(before);
  });

  it('buys from the first eligible vendor, records the ones passed over, rounds up to MOQ and pack, and sets expectedAt', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('NOPANEL', 'vendor', { isB2bNew: true, vendorPanelType: 1 });
    await api.openAccount('V2', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V2', 'SKU', 20);
    expect((await rank('SKU', [{ vendorAccountId: 'NOPANEL' }, { vendorAccountId: 'V2', leadTimeDays: 3, minOrderQuantity: 4, packSize: 6 }])).status).toBe(200);
    await api.adjust('S', 'SKU', 2);

    const placed = await api.post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 5 }] });
    expect(placed.status).toBe(201);
    const poId = purchaseOrderIdFor('S', 'o1', 1, 'V2');
    const po = await get(`/accounts/S/purchase-orders/${poId}`);
    // 3 short, at least 4, in packs of 6: 6, of which 3 are surplus.
    expect(po).toMatchObject({ status: 'APPROVED', vendorAccountId: 'V2', lines: [{ sku: 'SKU', quantity: 6, receivedQuantity: 0, closedQuantity: 0, roundingSurplus: 3 }] });
    const events = await api.allEvents();
    const decided = events.find((e) => e.type === 'InventoryAssignmentCompleted' && e.streamName === 'order-S.o1')!;
    const expected = new Date(Date.parse(decided.metadata['occurredAt'] as string) + 3 * 86_400_000).toISOString();
    expect(po.expectedAt).toBe(expected);
    expect(await get('/accounts/S/orders/o1')).toMatchObject({
      pendingReasons: [{ sku: 'SKU', reason: 'AWAITING_VENDOR' }],
      passedOverVendors: [{ round: 1, sku: 'SKU', vendorAccountId: 'NOPANEL', reason: 'NOT_ELIGIBLE' }],
      lines: [{ sku: 'SKU', quantity: 5, assigned: 2, pending: 3, closedShort: 0 }],
    });
    expect(events.filter((e) => e.type === 'PurchaseOrderCreated')).toHaveLength(1);

    // The vendor hands over all 6: 3 go to the order, the 3 of surplus are free stock.
    expect((await api.post(`/accounts/V2/orders/${vendorOrderIdFor('S', poId)}/handover`, {})).status).toBe(200);
    expect(await get('/accounts/S/orders/o1')).toMatchObject({ status: 'READY', lines: [{ assigned: 5, pending: 0 }] });
    expect(await get('/accounts/S/inventory?sku=SKU')).toMatchObject([{ onHand: 8, assigned: 5, reserved: 0, available: 3 }]);
    expect(await get(`/accounts/S/purchase-orders/${poId}`)).toMatchObject({ status: 'RECEIVED', lines: [{ receivedQuantity: 6 }] });
  });

  it('passes over a vendor already in the chain (IN_CHAIN) for the next one, along a multi-tier chain', async () => {
    await api.openAccount('S', 'seller', SELLER_SETTINGS);
    await api.openAccount('V1', 'vendor', { ...VENDOR_SETTINGS, ...SELLER_SETTINGS });
    await api.openAccount('V2', 'vendor', { ...VENDOR_SETTINGS, ...SELLER_SETTINGS });
    await api.openAccount('V3', 'vendor', VENDOR_SETTINGS);
    await api.request('PUT', '/accounts/S/products/SKU/vendor', { body: { vendorAccountId: 'V1' } });
    await api.request('PUT', '/accounts/V1/products/SKU/vendor', { body: { vendorAccountId: 'V2' } });
    // V2 would buy back from V1, which is in the chain: it goes on to V3.
    expect((await api.request('PUT', '/accounts/V2/products/SKU/vendors', { body: { vendors: [{ vendorAccountId: 'V1' }, { vendorAccountId: 'V3' }] } })).status).toBe(200);
    await api.post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 2 }] });
    const vo1 = vendorOrderIdFor('S', purchaseOrderIdFor('S', 'o1', 1, 'V1'));
    const vo2 = vendorOrderIdFor('V1', purchaseOrderIdFor('V1', vo1, 1, 'V2'));
    expect(await get(`/accounts/V2/orders/${vo2}`)).toMatchObject({
      purchaseOrders: [{ purchaseOrderId: purchaseOrderIdFor('V2', vo2, 1, 'V3'), vendorAccountId: 'V3' }],
      passedOverVendors: [{ round: 1, sku: 'SKU', vendorAccountId: 'V1', reason: 'IN_CHAIN' }],
    });
  });
});
