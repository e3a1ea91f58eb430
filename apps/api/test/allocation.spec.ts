/**
 * Allocation of free stock over HTTP (the project's docs/product.md, "Allocation of free stock"):
 * stock that becomes free goes to the waiting orders by themselves, pegged goods first, then by
 * priority, requiredBy and creation order; orders awaiting approval take nothing; every assignment
 * records its rule. Under concurrency: many clients place orders at once and stock arrives in
 * concurrent adjustments, drawn by fast-check (seeded; the seed is printed), and the allocation
 * must be the one the rule gives; the harness checks every invariant (8 among them) after each test.
 */
import fc from 'fast-check';
import { compareRank, QueueEntry, sequenceOf } from '@app/domain/allocation/allocation-rule';
import { RecordedEvent } from '@app/event-store';
import { ApiHarness } from './support/api-harness';
import { forEachDeployment, Deployment } from './support/deployment';
import { settledGet, VENDOR_SETTINGS } from './support/flow-steps';

/** Takes short orders, buys nothing: what waits, waits for free stock. */
const NO_PURCHASING = { allowOrdersWithoutInventory: true, autoPoVendorLevel: false };

type Drawn = { quantity: number; priority: number | null; requiredBy: string | null; delay: number };

const rankedFromLog = (events: readonly RecordedEvent[], accountId: string, drawn: ReadonlyMap<string, Drawn>): (QueueEntry & { quantity: number })[] =>
  events
    .filter((e) => e.type === 'OrderPlaced' && e.streamName.startsWith(`order-${accountId}.`))
    .map((e) => {
      const orderId = (e.data as { orderId: string }).orderId;
      const d = drawn.get(orderId)!;
      return {
        orderId,
        quantity: d.quantity,
        ...(d.priority === null ? {} : { priority: d.priority }),
        ...(d.requiredBy === null ? {} : { requiredBy: d.requiredBy }),
        sequence: sequenceOf(e.position),
      };
    })
    .sort(compareRank);

/** What the rule gives `stock` units over orders that all waited before any came: a greedy fill in rank order. */
const expectedFill = (ranked: readonly (QueueEntry & { quantity: number })[], stock: number): Record<string, number> => {
  let left = stock;
  return Object.fromEntries(
    ranked.map((order) => {
      const take = Math.min(order.quantity, left);
      left -= take;
      return [order.orderId, take];
    }),
  );
};

const assignedOf = async (api: Deployment | ApiHarness, accountId: string, orderIds: readonly string[]): Promise<Record<string, number>> => {
  const get = settledGet(() => api);
  const result: Record<string, number> = {};
  for (const orderId of orderIds) result[orderId] = (await get(`/accounts/${accountId}/orders/${orderId}`)).lines[0].assigned as number;
  return result;
};

const drawnOrder: fc.Arbitrary<Drawn> = fc.record({
  quantity: fc.integer({ min: 1, max: 3 }),
  // Few values, so that ties on one criterion leave it to the next.
  priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  requiredBy: fc.option(fc.constantFrom('2027-01-10', '2027-01-20'), { nil: null }),
  delay: fc.nat({ max: 8 }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Orders placed at once, then stock in concurrent adjustments: each order gets what the greedy fill by rank gives it. */
const placeThenStock = async (api: Deployment | ApiHarness, orders: readonly Drawn[], adjustments: readonly number[]) => {
  await api.openAccount('S', 'seller', NO_PURCHASING);
  const drawn = new Map(orders.map((order, i) => [`o${i + 1}`, order]));
  const placed = await Promise.all(
    [...drawn].map(async ([orderId, d]) => {
      await sleep(d.delay);
      return api.post('/accounts/S/orders', {
        orderId,
        lines: [{ sku: 'A', quantity: d.quantity }],
        ...(d.priority === null ? {} : { priority: d.priority }),
        ...(d.requiredBy === null ? {} : { requiredBy: d.requiredBy }),
      });
    }),
  );
  expect(placed.map((p) => p.status)).toEqual(orders.map(() => 201));
  await api.settle();
  const added = await Promise.all(adjustments.map((quantity) => api.post('/accounts/S/inventory/adjustments', { sku: 'A', quantity })));
  expect(added.map((a) => a.status)).toEqual(adjustments.map(() => 201));
  await api.settle();
  const events = await api.allEvents();
  const stock = adjustments.reduce((a, b) => a + b, 0);
  const ranked = rankedFromLog(events, 'S', drawn);
  expect(await assignedOf(api, 'S', [...drawn.keys()])).toEqual(expectedFill(ranked, stock));
  // Every unit given records the rule that chose it.
  const rules = events.filter((e) => e.type === 'InventoryAssigned').map((e) => (e.data as { rule?: string }).rule);
  expect(rules.every((rule) => rule === 'PRIORITY' || rule === 'REQUIRED_BY' || rule === 'FIFO')).toBe(true);
  return { events, ranked };
};

forEachDeployment('allocation of free stock under concurrency', (start) => {
  let api: Deployment;
  beforeEach(async () => {
    api = await start();
  }, 60_000);
  afterEach(() => api.stop(), 120_000);

  it('12 orders placed at once, stock in three adjustments at once: the units go by rank, each with its rule', async () => {
    const orders: Drawn[] = [
      { quantity: 2, priority: null, requiredBy: null, delay: 0 },
      { quantity: 1, priority: 3, requiredBy: null, delay: 3 },
      { quantity: 3, priority: 1, requiredBy: '2027-01-20', delay: 1 },
      { quantity: 2, priority: 1, requiredBy: '2027-01-10', delay: 5 },
      { quantity: 1, priority: null, requiredBy: '2027-01-10', delay: 2 },
      { quantity: 2, priority: 2, requiredBy: null, delay: 0 },
      { quantity: 3, priority: null, requiredBy: null, delay: 4 },
      { quantity: 1, priority: 1, requiredBy: null, delay: 6 },
      { quantity: 2, priority: 9, requiredBy: '2027-01-10', delay: 1 },
      { quantity: 1, priority: 2, requiredBy: '2027-01-20', delay: 2 },
      { quantity: 2, priority: null, requiredBy: '2027-01-20', delay: 3 },
      { quantity: 1, priority: 3, requiredBy: '2027-01-10', delay: 0 },
    ];
    const { events, ranked } = await placeThenStock(api, orders, [4, 3, 2]);
    // The first of the queue (priority 1, the earlier requiredBy) got its units by requiredBy: the
    // next one has priority 1 too; the last of the priority-1 orders by priority.
    const ruleOf = (orderId: string) => (events.find((e) => e.type === 'InventoryAssigned' && e.streamName === `order-S.${orderId}`)!.data as { rule: string }).rule;
    expect(ranked.slice(0, 3).map((order) => order.orderId)).toEqual(['o4', 'o3', 'o8']);
    expect([ruleOf('o4'), ruleOf('o3'), ruleOf('o8')]).toEqual(['REQUIRED_BY', 'REQUIRED_BY', 'PRIORITY']);
  }, 120_000);
});

describe('allocation of free stock', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await ApiHarness.start();
  });
  afterEach(() => api.stop());
  const get = settledGet(() => api);

  it('random orders placed at once, then stock at once: the allocation is the rule\'s (fast-check)', async () => {
    const seed = process.env['FC_SEED'] === undefined ? Date.now() % 2_147_483_647 : Number(process.env['FC_SEED']);
    const runs = Number(process.env['FC_RUNS'] ?? 6);
    process.stdout.write(`allocation property: seed ${seed}, ${runs} runs (FC_SEED=${seed} to repeat)\n`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(drawnOrder, { minLength: 3, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
        async (orders, adjustments) => {
          const run = await ApiHarness.start();
          try {
            await placeThenStock(run, orders, adjustments);
            expect(await run.invariantViolations()).toEqual([]);
          } finally {
            run.invariantsWaived = 'checked by the property itself';
            await run.stop();
          }
        },
      ),
      { numRuns: runs, seed, endOnFailure: true },
    );
  }, 300_000);

  it('an order placed later with a better priority gets stock that comes before earlier ones; one awaiting approval takes nothing', async () => {
    await api.openAccount('S', 'seller', { ...NO_PURCHASING, orderApprovalRequired: true });
    for (const [orderId, priority] of [['early', undefined], ['unapproved', 1], ['urgent', 2]] as const) {
      expect((await api.post('/accounts/S/orders', { orderId, lines: [{ sku: 'A', quantity: 2 }], ...(priority ? { priority } : {}) })).status).toBe(201);
    }
    expect((await api.post('/accounts/S/orders/early/approve')).status).toBe(200);
    expect((await api.post('/accounts/S/orders/urgent/approve')).status).toBe(200);
    expect(await api.post('/accounts/S/inventory/adjustments', { sku: 'A', quantity: 3 })).toMatchObject({ status: 201, body: { assigned: 3, available: 0 } });
    expect((await get('/accounts/S/orders/urgent')).lines[0]).toMatchObject({ assigned: 2, pending: 0 });
    expect((await get('/accounts/S/orders/early')).lines[0]).toMatchObject({ assigned: 1, pending: 1 });
    expect((await get('/accounts/S/orders/unapproved')).lines[0]).toMatchObject({ assigned: 0, pending: 2 });
    const rules = (await api.allEvents()).filter((e) => e.type === 'InventoryAssigned').map((e) => [e.streamName, (e.data as { rule: string }).rule]);
    expect(rules).toEqual([
      ['order-S.urgent', 'PRIORITY'],
      ['order-S.early', 'FIFO'],
    ]);
    // The allocation as recorded on the account's queue: who was weighed, in rank order, and who got what.
    const allocation = (await api.allEvents()).find((e) => e.type === 'FreeStockAllocated')!;
    expect(allocation.streamName).toBe('allocation-S');
    expect(allocation.data).toMatchObject({
      sku: 'A',
      free: 3,
      candidates: [
        { orderId: 'urgent', need: 2 },
        { orderId: 'early', need: 2 },
      ],
      shares: [
        { orderId: 'urgent', quantity: 2, rule: 'PRIORITY' },
        { orderId: 'early', quantity: 1, rule: 'FIFO' },
      ],
    });
    // Approved later, it waits for the next stock, and is first for it.
    expect((await api.post('/accounts/S/orders/unapproved/approve')).status).toBe(200);
    await api.adjust('S', 'A', 2);
    expect((await get('/accounts/S/orders/unapproved')).lines[0]).toMatchObject({ assigned: 2, pending: 0 });
    expect((await get('/accounts/S/orders/early')).lines[0]).toMatchObject({ assigned: 1, pending: 1 });
    expect(await get('/accounts/S/skus/A/allocation')).toEqual({ sku: 'A', items: [{ orderId: 'early', pending: 1, priority: 5, requiredBy: null, rank: 1 }] });
  });

  it('goods inwarded for a PO go to its source order (pegged), whatever waits ahead of it; the pack-size surplus goes to the next by rank', async () => {
    await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true });
    await api.openAccount('V', 'vendor', VENDOR_SETTINGS);
    await api.adjust('V', 'A', 50);
    expect((await api.request('PUT', '/accounts/S/products/A/vendors', { body: { vendors: [{ vendorAccountId: 'V', packSize: 5 }] } })).status).toBe(200);
    // A late order of low priority buys 3 (a PO of 5); then the SKU is unmapped, and an urgent order waits for free stock.
    expect((await api.post('/accounts/S/orders', { orderId: 'lazy', lines: [{ sku: 'A', quantity: 3 }], priority: 9 })).status).toBe(201);
    await api.settle();
    expect((await api.request('DELETE', '/accounts/S/products/A/vendor')).status).toBe(204);
    expect((await api.post('/accounts/S/orders', { orderId: 'urgent', lines: [{ sku: 'A', quantity: 4 }], priority: 1 })).status).toBe(201);
    expect(await get('/accounts/S/orders/urgent')).toMatchObject({ pendingReasons: [{ sku: 'A', reason: 'SKU_NOT_MAPPED' }] });
    const [po] = (await get('/accounts/S/orders/lazy')).purchaseOrders as { purchaseOrderId: string }[];
    const { vendorOrderId } = await get(`/accounts/S/purchase-orders/${po!.purchaseOrderId}`);
    expect((await api.post(`/accounts/V/orders/${vendorOrderId}/handover`, { handoverId: 'h1' })).status).toBe(200);
    // The 5 received: 3 are lazy's (pegged), though urgent ranks ahead; the 2 of the pack beyond its need go to urgent.
    expect((await get('/accounts/S/orders/lazy')).lines[0]).toMatchObject({ assigned: 3, pending: 0 });
    expect((await get('/accounts/S/orders/urgent')).lines[0]).toMatchObject({ assigned: 2, pending: 2 });
    const rules = (await api.allEvents())
      .filter((e) => e.type === 'InventoryAssigned' && e.streamName.startsWith('order-S.'))
      .map((e) => [e.streamName, (e.data as { rule: string }).rule, (e.data as { quantity: number }).quantity])
      .sort();
    expect(rules).toEqual([
      ['order-S.lazy', 'PEGGED', 3],
      ['order-S.urgent', 'FIFO', 2],
    ]);
  });
});
