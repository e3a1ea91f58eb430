/**
 * The allocation queue of a SKU over HTTP (SPEC.md wave 2, "Allocation of free stock"): the
 * account's waiting orders in rank order (priority, then requiredBy, none last, then creation
 * order), orders awaiting approval or not pending left out, bad paths refused. Every test ends with
 * the invariants checked over the log (the harness).
 */
import { ApiHarness } from './support/api-harness';
import { settledGet } from './support/flow-steps';

const SHORT_OK = { allowOrdersWithoutInventory: true };

describe('the allocation queue of a SKU', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await ApiHarness.start();
  });
  afterEach(() => api.stop());

  const get = settledGet(() => api);
  const place = async (orderId: string, quantity: number, extra: Record<string, unknown> = {}, accountId = 'S') => {
    const answer = await api.post(`/accounts/${accountId}/orders`, { orderId, lines: [{ sku: 'A', quantity }], ...extra });
    if (answer.status !== 201) throw new Error(`placing ${orderId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  it('answers the queue of a SKU in rank order: priority, then requiredBy (none last), then creation order', async () => {
    await api.openAccount('S', 'seller', SHORT_OK);
    await place('fifo-1', 2);
    await place('fifo-2', 1);
    await place('urgent', 3, { priority: 1 });
    await place('june', 1, { requiredBy: '2024-06-01' });
    await place('may', 4, { requiredBy: '2024-05-01' });
    await place('lazy', 1, { priority: 9, requiredBy: '2024-01-01' });
    await api.post('/accounts/S/orders', { orderId: 'other-sku', lines: [{ sku: 'B', quantity: 1 }] });
    expect(await get('/accounts/S/skus/A/allocation')).toEqual({
      sku: 'A',
      items: [
        { orderId: 'urgent', pending: 3, priority: 1, requiredBy: null, rank: 1 },
        { orderId: 'may', pending: 4, priority: 5, requiredBy: '2024-05-01', rank: 2 },
        { orderId: 'june', pending: 1, priority: 5, requiredBy: '2024-06-01', rank: 3 },
        { orderId: 'fifo-1', pending: 2, priority: 5, requiredBy: null, rank: 4 },
        { orderId: 'fifo-2', pending: 1, priority: 5, requiredBy: null, rank: 5 },
        { orderId: 'lazy', pending: 1, priority: 9, requiredBy: '2024-01-01', rank: 6 },
      ],
    });
    // A SKU nobody waits for: an empty queue.
    expect(await get('/accounts/S/skus/NOPE.1/allocation')).toEqual({ sku: 'NOPE.1', items: [] });
  });

  it('refuses bad paths: 404 for an unknown account, 400 for a bad SKU or query, 403 for another account\'s key', async () => {
    const opened = await api.openAccount('S', 'seller', SHORT_OK);
    await api.openAccount('T', 'seller');
    expect((await api.request('GET', '/accounts/nobody/skus/A/allocation')).status).toBe(404);
    const bad = await api.request('GET', `/accounts/S/skus/${'x'.repeat(65)}/allocation`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toContain('path.sku');
    expect((await api.request('GET', '/accounts/S/skus/a%20b/allocation')).status).toBe(400);
    expect((await api.request('GET', '/accounts/S/skus/A/allocation?limit=3')).status).toBe(400);
    expect((await api.request('GET', '/accounts/T/skus/A/allocation', { token: opened.apiKey })).status).toBe(403);
    expect((await api.request('GET', '/accounts/S/skus/A/allocation', { token: opened.apiKey })).status).toBe(200);
  });

  it('leaves out orders awaiting approval, cancelled, and with nothing pending; a line partly in stock waits for the rest', async () => {
    await api.openAccount('S', 'seller', { ...SHORT_OK, orderApprovalRequired: true });
    await api.adjust('S', 'A', 1);
    await place('waits-approval', 2);
    expect((await get('/accounts/S/skus/A/allocation')).items).toEqual([]);
    expect((await api.post('/accounts/S/orders/waits-approval/approve')).status).toBe(200);
    await place('cancelled', 2);
    expect((await api.post('/accounts/S/orders/cancelled/approve')).status).toBe(200);
    expect((await api.post('/accounts/S/orders/cancelled/cancel')).status).toBe(200);
    expect(await get('/accounts/S/skus/A/allocation')).toEqual({ sku: 'A', items: [{ orderId: 'waits-approval', pending: 1, priority: 5, requiredBy: null, rank: 1 }] });
  });
});
