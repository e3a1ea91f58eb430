/**
 * `GET /accounts/{a}/orders?status=&search=&limit=&after=`: the account's orders as placed, filtered
 * by one status or several (comma-separated) and by a search term (an order id, a vendor order's
 * PO id, a SKU on a line, the customer's name or a word of it, whatever the case), paged; bad
 * parameters are 400 naming them. On the embedded default and on the PostgreSQL deployment, whose
 * read store turns the filter into SQL.
 */
import { Deployment, forEachDeployment } from './support/deployment';

forEachDeployment('the orders list', (start) => {
  let api: Deployment;
  beforeAll(async () => {
    api = await start();
    await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
    await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
    expect((await api.request('PUT', '/accounts/S/products/TEA/vendor', { body: { vendorAccountId: 'V' } })).status).toBe(200);
    await api.adjust('S', 'COFFEE', 10);
    await api.adjust('V', 'TEA', 10);
    const place = async (orderId: string, customer: string | undefined, lines: { sku: string; quantity: number }[]) =>
      expect((await api.post('/accounts/S/orders', { orderId, ...(customer ? { customer } : {}), lines })).status).toBe(201);
    await place('o1', 'Acme Retail', [{ sku: 'COFFEE', quantity: 1 }]);
    await place('o2', 'Blue Acme Ltd', [{ sku: 'TEA', quantity: 2 }]);
    await place('o3', undefined, [{ sku: 'COFFEE', quantity: 1 }, { sku: 'TEA', quantity: 1 }]);
    await place('acme', 'Someone Else', [{ sku: 'COFFEE', quantity: 1 }]);
    expect((await api.post('/accounts/S/orders/acme/cancel')).status).toBe(200);
    await api.settle();
  }, 60_000);
  afterAll(() => api.stop());

  const ids = async (account: string, query: string) => {
    const answer = await api.request('GET', `/accounts/${account}/orders${query}`);
    expect({ query, status: answer.status }).toEqual({ query, status: 200 });
    return (answer.body.items as { orderId: string }[]).map((order) => order.orderId);
  };

  it('finds orders by a word of the customer, by SKU and by order id, whatever the case', async () => {
    expect(await ids('S', '?search=acme')).toEqual(['o1', 'o2', 'acme']);
    expect(await ids('S', '?search=ACME%20retail')).toEqual(['o1']);
    expect(await ids('S', '?search=tea')).toEqual(['o2', 'o3']);
    expect(await ids('S', '?search=O3')).toEqual(['o3']);
    expect(await ids('S', '?search=%20coffee%20')).toEqual(['o1', 'o3', 'acme']);
    // A word is matched whole: part of one finds nothing.
    expect(await ids('S', '?search=acm')).toEqual([]);
  });

  it('finds a vendor order by the id of the purchase order it fulfils', async () => {
    const pos = await api.request('GET', '/accounts/S/purchase-orders?sourceOrderId=o2');
    const purchaseOrderId = pos.body.items[0].purchaseOrderId as string;
    const vendorOrders = await ids('V', `?search=${encodeURIComponent(purchaseOrderId)}`);
    expect(vendorOrders).toHaveLength(1);
    expect(await ids('V', '')).toEqual(expect.arrayContaining(vendorOrders));
  });

  it('filters by several statuses at once, with search, and pages through them', async () => {
    expect(await ids('S', '?status=READY')).toEqual(['o1']);
    expect(await ids('S', '?status=PENDING_INVENTORY,CANCELLED')).toEqual(['o2', 'o3', 'acme']);
    expect(await ids('S', '?status=PENDING_INVENTORY,CANCELLED&search=acme')).toEqual(['o2', 'acme']);
    const first = await api.request('GET', '/accounts/S/orders?status=PENDING_INVENTORY,CANCELLED&limit=2');
    expect(first.body.items.map((o: { orderId: string }) => o.orderId)).toEqual(['o2', 'o3']);
    expect(await ids('S', `?status=PENDING_INVENTORY,CANCELLED&limit=2&after=${encodeURIComponent(first.body.next)}`)).toEqual(['acme']);
  });

  it.each<[string, string]>([
    ['?status=LATE', 'query.status'],
    ['?status=READY,', 'query.status'],
    ['?status=ready', 'query.status'],
    ['?search=', 'query.search'],
    ['?search=%20%20', 'query.search'],
    [`?search=${'x'.repeat(201)}`, 'query.search'],
    ['?customer=acme', 'query.customer'],
  ])('refuses %s naming %s', async (query, field) => {
    const answer = await api.request('GET', `/accounts/S/orders${query}`);
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 400, body: { status: 400 } });
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
