/**
 * `GET /accounts/{a}/reports/backorders?limit=&after=&sku=&reason=`: the pending lines of the
 * account's orders with their reasons, `{items, next}`, by order (as placed) then SKU, filtered by
 * SKU and reason; bad parameters are 400 naming them.
 */
import { ApiHarness } from './support/api-harness';

describe('the backorder report', () => {
  let api: ApiHarness;
  /** o1..o5, each short of SKU-A (bought from V: AWAITING_VENDOR) and SKU-B (not mapped: SKU_NOT_MAPPED). */
  const ORDERS = ['o1', 'o2', 'o3', 'o4', 'o5'];

  beforeAll(async () => {
    api = await ApiHarness.start();
    await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
    await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
    await api.request('PUT', '/accounts/S/products/SKU-A/vendor', { body: { vendorAccountId: 'V' } });
    for (const orderId of ORDERS) {
      // SKU-B first on the order: the report still gives each order's lines by SKU.
      const placed = await api.post('/accounts/S/orders', { orderId, lines: [{ sku: 'SKU-B', quantity: 2 }, { sku: 'SKU-A', quantity: 3 }] });
      expect(placed.status).toBe(201);
    }
    await api.settle();
  });
  afterAll(() => api.stop());

  const get = async (query: string) => {
    const answer = await api.request('GET', `/accounts/S/reports/backorders${query}`);
    expect(answer.status).toBe(200);
    return answer.body as { items: { orderId: string; sku: string; reason: string | null; pending: number }[]; next: string | null };
  };

  const pages = async (query: string) => {
    const seen: { orderId: string; sku: string; reason: string | null }[][] = [];
    let next: string | null = null;
    do {
      const page = await get(`${query}${next === null ? '' : `&after=${encodeURIComponent(next)}`}`);
      seen.push(page.items.map(({ orderId, sku, reason }) => ({ orderId, sku, reason })));
      next = page.next;
    } while (next !== null && seen.length < 20);
    return seen;
  };

  it('answers {items, next} with every pending line, by order then SKU', async () => {
    const report = await get('');
    expect(report.next).toBeNull();
    expect(report.items.map(({ orderId, sku, reason }) => ({ orderId, sku, reason }))).toEqual(
      ORDERS.flatMap((orderId) => [
        { orderId, sku: 'SKU-A', reason: 'AWAITING_VENDOR' },
        { orderId, sku: 'SKU-B', reason: 'SKU_NOT_MAPPED' },
      ]),
    );
  });

  it('pages: 3 lines a page, `next` leading on with no gap or repeat, across the lines of one order', async () => {
    const all = await pages('?limit=3');
    expect(all.map((page) => page.length)).toEqual([3, 3, 3, 1]);
    expect(all.flat()).toEqual((await get('')).items.map(({ orderId, sku, reason }) => ({ orderId, sku, reason })));
  });

  it('filters by SKU and by reason, paged too', async () => {
    expect((await pages('?sku=SKU-B&limit=2')).flat()).toEqual(ORDERS.map((orderId) => ({ orderId, sku: 'SKU-B', reason: 'SKU_NOT_MAPPED' })));
    expect((await pages('?reason=AWAITING_VENDOR&limit=2')).flat()).toEqual(ORDERS.map((orderId) => ({ orderId, sku: 'SKU-A', reason: 'AWAITING_VENDOR' })));
    expect((await get('?sku=SKU-A&reason=SKU_NOT_MAPPED')).items).toEqual([]);
    expect((await get('?reason=VENDOR_NOT_ELIGIBLE')).items).toEqual([]);
  });

  it.each<[string, string]>([
    ['?reason=LATE', 'query.reason'],
    ['?reason=awaiting_vendor', 'query.reason'],
    ['?limit=0', 'query.limit'],
    ['?limit=501', 'query.limit'],
    ['?limit=ten', 'query.limit'],
    ['?after=7', 'query.after'],
    ['?after=00000000000000000001', 'query.after'],
    ['?sku=SKU%201', 'query.sku'],
    ['?status=READY', 'query.status'],
  ])('refuses %s naming %s', async (query, field) => {
    const answer = await api.request('GET', `/accounts/S/reports/backorders${query}`);
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 400, body: { status: 400 } });
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});
