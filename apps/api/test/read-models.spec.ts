/**
 * The read side: GET endpoints served from projections, read-your-writes, idempotent projections,
 * rebuilds equal to the live read models.
 */
import { COLLECTIONS, ReadModelsProjection } from '@app/read-models/projections/read-models.projection';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { MemoryReadStore } from '@app/read-models/store/memory-read-store';
import { ReadStore } from '@app/read-models/store/read-store.port';
import { ApiHarness } from './support/api-harness';
import { runScriptedFlow } from './support/scripted-flow';

const snapshot = async (store: ReadStore) => {
  const all: Record<string, unknown[]> = {};
  for (const name of Object.values(COLLECTIONS)) all[name] = await store.collection(name).find({}, { sort: { _id: 1 } });
  return all;
};

describe('read models', () => {
  let api: ApiHarness;
  let head: string;

  const get = (url: string, token?: string) =>
    api.request('GET', url, { headers: { 'x-consistent-with': head }, ...(token === undefined ? {} : { token }) });

  beforeEach(async () => {
    api = await ApiHarness.start();
    await runScriptedFlow(api);
    head = String(await api.store.headPosition());
  });
  afterEach(() => api.stop());

  it('answers an order with lines, inventory details from stock and from the backorder GRN', async () => {
    const order = await get('/accounts/seller/orders/short');
    expect(order.status).toBe(200);
    expect(order.body).toEqual({
      accountId: 'seller',
      orderId: 'short',
      status: 'PENDING_INVENTORY',
      priority: 5,
      // No PO brings SKU-A (nothing is bought), and SKU-B waits for nothing: no eta, not late.
      lines: [
        { sku: 'SKU-A', quantity: 10, assigned: 9, pending: 1, handedOver: 0, closedShort: 0, eta: null, late: false },
        { sku: 'SKU-B', quantity: 1, assigned: 1, pending: 0, handedOver: 0, closedShort: 0, eta: null, late: false },
      ],
      inventoryDetails: [
        { sku: 'SKU-A', locationId: 'main', binId: 'default', quantity: 5, source: 'stock' },
        { sku: 'SKU-A', locationId: 'main', binId: 'b-2', quantity: 2, source: 'stock' },
        { sku: 'SKU-B', locationId: 'main', binId: 'default', quantity: 1, source: 'stock' },
        { sku: 'SKU-A', locationId: 'main', binId: 'default', quantity: 2, source: 'backorder', grnId: 'grn-1' },
      ],
      purchaseOrders: [],
      // The seller buys nothing automatically (autoPoVendorLevel is off): the purchasing saga says so.
      pendingReasons: [{ sku: 'SKU-A', reason: 'AUTO_PO_DISABLED' }],
      passedOverVendors: [],
    });
    expect((await get('/accounts/seller/orders/handed')).body).toMatchObject({
      status: 'PARTIALLY_HANDED_OVER',
      lines: [{ sku: 'SKU-B', quantity: 3, assigned: 2, pending: 0, handedOver: 1 }],
      inventoryDetails: [{ sku: 'SKU-B', locationId: 'main', binId: 'default', quantity: 2, source: 'stock' }],
    });
    expect((await get('/accounts/seller/orders/ready')).body).toMatchObject({ status: 'READY', customer: 'Acme' });
    expect((await get('/accounts/seller/orders/cancelled')).body).toMatchObject({ status: 'CANCELLED', inventoryDetails: [], pendingReasons: [] });
    expect((await get('/accounts/vendor/orders/v-1')).body).toMatchObject({ status: 'UNAPPROVED', lines: [{ assigned: 0, pending: 3 }] });
    expect((await get('/accounts/seller/orders/nope')).status).toBe(404);
  });

  it('lists orders by status, in the order they were placed, a page at a time', async () => {
    const all = await get('/accounts/seller/orders');
    expect(all.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['ready', 'short', 'handed', 'cancelled']);
    expect(all.body.next).toBeNull();

    const first = await get('/accounts/seller/orders?limit=3');
    expect(first.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['ready', 'short', 'handed']);
    const second = await get(`/accounts/seller/orders?limit=3&after=${first.body.next}`);
    expect(second.body).toMatchObject({ items: [{ orderId: 'cancelled' }], next: null });

    const pending = await get('/accounts/seller/orders?status=PENDING_INVENTORY');
    expect(pending.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['short']);
    const unapproved = await get('/accounts/vendor/orders?status=UNAPPROVED');
    // v-1, and the order po-1 opened in the vendor's account (which requires approval).
    expect(unapproved.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['v-1', expect.stringMatching(/^vo-/)]);

    expect((await get('/accounts/seller/orders?status=LOST')).status).toBe(400);
    expect((await get('/accounts/seller/orders?limit=0')).status).toBe(400);
    expect((await get('/accounts/seller/orders?after=abc')).status).toBe(400);
  });

  it('answers a purchase order with received quantities and GRNs, and lists them by filter', async () => {
    const po = await get('/accounts/seller/purchase-orders/po-1');
    expect(po.body).toMatchObject({
      purchaseOrderId: 'po-1',
      status: 'PARTIALLY_RECEIVED',
      vendorAccountId: 'vendor',
      sourceOrderId: 'short',
      lines: [{ sku: 'SKU-A', quantity: 3, receivedQuantity: 2 }],
      grns: [{ grnId: 'grn-1', locationId: 'main', binId: 'default', lines: [{ sku: 'SKU-A', quantity: 2 }] }],
    });
    expect(typeof po.body.grns[0].receivedAt).toBe('string');
    expect((await get('/accounts/seller/purchase-orders?sourceOrderId=short')).body.items).toHaveLength(1);
    expect((await get('/accounts/seller/purchase-orders?vendorAccountId=other')).body.items).toHaveLength(0);
    expect((await get('/accounts/seller/purchase-orders?status=RECEIVED')).body.items).toHaveLength(0);
  });

  it('answers stock per bin with on hand, assigned, reserved and available', async () => {
    const inventory = await get('/accounts/seller/inventory?sku=SKU-A');
    expect(inventory.body).toEqual([
      { accountId: 'seller', sku: 'SKU-A', locationId: 'main', binId: 'b-2', onHand: 2, assigned: 2, reserved: 0, available: 0 },
      { accountId: 'seller', sku: 'SKU-A', locationId: 'main', binId: 'default', onHand: 7, assigned: 7, reserved: 0, available: 0 },
    ]);
    const all = await get('/accounts/seller/inventory');
    expect(all.body.find((row: { sku: string }) => row.sku === 'SKU-B')).toMatchObject({ onHand: 9, assigned: 7, available: 2 });
  });

  it('answers the account with settings, locations and bins, and vendor mappings', async () => {
    expect((await get('/accounts/seller')).body).toMatchObject({
      accountId: 'seller',
      type: 'seller',
      settings: { allowOrdersWithoutInventory: true, autoPoVendorLevel: false },
      locations: [{ locationId: 'main', bins: [{ binId: 'b-2' }, { binId: 'default' }] }],
      vendorMappings: [{ sku: 'SKU-A', vendorAccountId: 'vendor' }],
    });
  });

  it('reports the pending quantity per order line', async () => {
    const report = await get('/accounts/seller/reports/backorders');
    expect(report.body.items).toEqual([{ orderId: 'short', sku: 'SKU-A', quantity: 10, pending: 1, reason: 'AUTO_PO_DISABLED', purchaseOrderIds: [] }]);
  });

  it('keeps tenants apart on reads', async () => {
    const opened = await api.post('/accounts', { accountId: 'v2', name: 'V2', type: 'vendor' });
    const vendorKey = opened.body.apiKey as string;
    // Read at least as far as the new account.
    head = String(opened.headers['x-event-position']);
    expect((await get('/accounts/seller/orders/short', vendorKey)).status).toBe(403);
    expect((await get('/accounts/seller/inventory', vendorKey)).status).toBe(403);
    expect((await get('/accounts/v2/orders', vendorKey)).body).toEqual({ items: [], next: null });
  });

  it('reads its own writes with X-Consistent-With, and answers 503 when the read models do not get there in 5 s', async () => {
    const placed = await api.post('/accounts/seller/orders', { orderId: 'fresh', lines: [{ sku: 'SKU-B', quantity: 1 }] });
    const position = placed.headers['x-event-position'] as string;
    expect(position).toMatch(/^[0-9]+$/);
    const read = await api.request('GET', '/accounts/seller/orders/fresh', { headers: { 'x-consistent-with': position } });
    expect(read).toMatchObject({ status: 200, body: { orderId: 'fresh', status: 'READY' } });

    const started = Date.now();
    const late = await api.request('GET', '/accounts/seller/orders/fresh', { headers: { 'x-consistent-with': String(BigInt(position) + 1000n) } });
    expect(late.status).toBe(503);
    expect(late.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect((await api.request('GET', '/accounts/seller/orders/fresh', { headers: { 'x-consistent-with': 'soon' } })).status).toBe(400);
  }, 15000);

  it('applies each event at most once: every event delivered twice gives the same documents', async () => {
    const live = api.app.get(ReadModelsService).store;
    await api.request('GET', '/accounts/seller', { headers: { 'x-consistent-with': head } });
    const twice = new MemoryReadStore();
    const projection = new ReadModelsProjection(api.store, () => twice);
    for (const event of await api.allEvents()) {
      await projection.apply(event);
      await projection.apply(event);
    }
    // And once more, the whole log again, as after a checkpoint lost in a crash.
    for (const event of await api.allEvents()) await projection.apply(event);
    expect(await snapshot(twice)).toEqual(await snapshot(live));
    expect((await snapshot(live))[COLLECTIONS.orders]).toHaveLength(6);
  });

  it('rebuilds every read model from the first event into documents deep-equal to the live ones', async () => {
    const service = api.app.get(ReadModelsService);
    await api.request('GET', '/accounts/seller', { headers: { 'x-consistent-with': head } });
    const before = await snapshot(service.store);
    const rebuilt = await api.post('/admin/projections/rebuild');
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body).toEqual({ events: await api.eventCount(), durationMs: expect.any(Number) });
    expect(await snapshot(service.store)).toEqual(before);

    // The live projection carries on from where the rebuild ended.
    const placed = await api.post('/accounts/seller/orders', { orderId: 'after-rebuild', lines: [{ sku: 'SKU-B', quantity: 1 }] });
    const read = await api.request('GET', '/accounts/seller/orders/after-rebuild', { headers: { 'x-consistent-with': placed.headers['x-event-position'] as string } });
    expect(read.status).toBe(200);
    const vendorKey = (await api.post('/accounts', { accountId: 'v3', name: 'V3', type: 'vendor' })).body.apiKey as string;
    expect((await api.post('/admin/projections/rebuild', undefined, vendorKey)).status).toBe(403);
  });
});
