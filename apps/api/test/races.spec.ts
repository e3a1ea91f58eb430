/**
 * Orders racing for the last units, over real HTTP: the optimistic concurrency of the bin stream
 * (and the in-process queue in front of it) must let exactly the units in stock be assigned, and
 * the allocation process manager gives them by creation order (equal priorities).
 */
import { ApiHarness, ADMIN_TOKEN } from './support/api-harness';

describe('concurrent orders for the last units', () => {
  let api: ApiHarness;
  let base: string;

  beforeEach(async () => {
    api = await ApiHarness.start();
    base = await api.listen();
  });
  afterEach(() => api.stop());

  it('assigns exactly the 10 units in stock to 50 concurrent orders of 1 unit, and each answer agrees with the log', async () => {
    await api.openAccount('seller', 'seller', { allowOrdersWithoutInventory: true });
    await api.adjust('seller', 'LAST-UNITS', 10);

    const answers = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const response = await fetch(`${base}/accounts/seller/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ orderId: `race-${i}`, lines: [{ sku: 'LAST-UNITS', quantity: 1 }] }),
        });
        return { status: response.status, body: (await response.json()) as { orderId: string; status: string; lines: { assigned: number; pending: number }[] } };
      }),
    );

    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
    const assignedInAnswers = answers.reduce((sum, a) => sum + a.body.lines[0]!.assigned, 0);
    expect(assignedInAnswers).toBe(10);
    expect(answers.filter((a) => a.body.status === 'READY')).toHaveLength(10);
    expect(answers.filter((a) => a.body.status === 'PENDING_INVENTORY')).toHaveLength(40);

    const events = await api.allEvents();
    const binAssignments = events.filter((e) => e.streamName === 'bin-seller.main.default' && e.type === 'StockAssigned');
    expect(binAssignments.reduce((sum, e) => sum + (e.data as { quantity: number }).quantity, 0)).toBe(10);
    // Each answer agrees with the log: an order told it was assigned has exactly that in its stream and in the bin.
    for (const { body } of answers) {
      const recorded = events
        .filter((e) => e.streamName === `order-seller.${body.orderId}` && e.type === 'InventoryAssigned')
        .reduce((sum, e) => sum + (e.data as { quantity: number }).quantity, 0);
      const inBin = binAssignments
        .filter((e) => (e.data as { orderId: string }).orderId === body.orderId)
        .reduce((sum, e) => sum + (e.data as { quantity: number }).quantity, 0);
      expect({ order: body.orderId, recorded, inBin }).toEqual({ order: body.orderId, recorded: body.lines[0]!.assigned, inBin: body.lines[0]!.assigned });
    }

    // Same priority, no requiredBy: the units went by creation order, the first 10 orders placed in the log.
    const placedInOrder = events.filter((e) => e.type === 'OrderPlaced').map((e) => (e.data as { orderId: string }).orderId);
    const ready = new Set(answers.filter((a) => a.body.status === 'READY').map((a) => a.body.orderId));
    expect(placedInOrder.filter((orderId) => ready.has(orderId))).toEqual(placedInOrder.slice(0, 10));

    // One more unit goes to the next in that order, by itself.
    const stock = await api.adjust('seller', 'LAST-UNITS', 1);
    expect(stock).toMatchObject({ onHand: 11, assigned: 11, available: 0 });
    const eleventh = (await api.allEvents()).filter((e) => e.type === 'InventoryAssigned' && e.streamName === `order-seller.${placedInOrder[10]}`);
    expect(eleventh.map((e) => (e.data as { quantity: number; rule: string }).rule)).toEqual(['FIFO']);
  });
});

describe('racing orders on an account that does not allow short orders', () => {
  let api: ApiHarness;
  let base: string;

  beforeEach(async () => {
    api = await ApiHarness.start();
    base = await api.listen();
  });
  afterEach(() => api.stop());

  it('refuses with 422 every order the stock cannot fill, even when the estimate let it through: exactly the stock is sold', async () => {
    await api.openAccount('strict', 'seller');
    await api.adjust('strict', 'LAST', 5);
    const answers = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const response = await fetch(`${base}/accounts/strict/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ orderId: `r-${i}`, lines: [{ sku: 'LAST', quantity: 2 }] }),
        });
        return { orderId: `r-${i}`, status: response.status, body: (await response.json()) as { status?: string; code?: string } };
      }),
    );
    const accepted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 422);
    expect(accepted.length + refused.length).toBe(12);
    // 5 units, orders of 2: at most two can be filled, and every accepted one is.
    expect(accepted.length).toBeLessThanOrEqual(2);
    expect(accepted.every((a) => a.body.status === 'READY')).toBe(true);
    expect(refused.every((a) => a.body.code === 'INVENTORY_NOT_AVAILABLE')).toBe(true);
    await api.settle();
    // A refused order does not exist for clients, and holds nothing.
    for (const { orderId } of refused) expect((await api.request('GET', `/accounts/strict/orders/${orderId}`)).status).toBe(404);
    const stock = await api.request('GET', '/accounts/strict/inventory?sku=LAST');
    expect(stock.body).toMatchObject([{ onHand: 5, assigned: accepted.length * 2, reserved: 0 }]);
  });
});
