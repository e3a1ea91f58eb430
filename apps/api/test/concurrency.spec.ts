/**
 * Nothing lost under concurrency, two ways:
 *
 * 1. The scenario a new user tried: one seller, several vendors (one SKU each, mapped, plenty of
 *    vendor stock, 1 unit of each SKU at the seller), many short orders placed at once, each needing
 *    every SKU; once every vendor order is READY, all of them are handed over at the same moment.
 *    Every order must end READY, and the seller's bins must hold as assigned exactly what the
 *    orders show as assigned.
 * 2. A model-based run (fast-check): random programs of creates (with priorities and requiredBy
 *    dates drawn from few values, so that ties leave it to the next criterion), adjustments, assignments,
 *    approvals, handovers (partial and full), cancellations, line changes (decreases and increases),
 *    manual GRNs, settings and mapping
 *    changes over two sellers and four vendors (one of them buying from another), sent in
 *    concurrent waves; once the log is quiet every invariant holds (8: free stock went by the
 *    allocation rule, no stock idles while an order waits for it) and nothing was parked. Seeded
 *    (FC_SEED), the seed printed on failure; `npm run soak` runs it long (FC_RUNS, default 400).
 */
import fc from 'fast-check';
import { ApiHarness, ADMIN_TOKEN } from './support/api-harness';
import { Deployment, forEachDeployment } from './support/deployment';
import { program, runProgram, setUpWorld } from './support/concurrency-model';

const SELLER_SETTINGS = { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true };
const VENDOR_SETTINGS = { isB2bNew: true, vendorPanelType: 2 };

interface Scenario {
  readonly orders: number;
  readonly vendors: number;
}

export const runHandoverScenario = async (api: Deployment, { orders, vendors }: Scenario) => {
  // Spread over every api process there is, in turn.
  const bases = await api.baseUrls();
  let turn = 0;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${bases[turn++ % bases.length]}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
  };
  const skus = Array.from({ length: vendors }, (_, i) => `SKU-${i + 1}`);
  await api.openAccount('S', 'seller', SELLER_SETTINGS);
  for (const [i, sku] of skus.entries()) {
    await api.openAccount(`V${i + 1}`, 'vendor', VENDOR_SETTINGS);
    await api.adjust(`V${i + 1}`, sku, 100_000);
    expect(await api.request('PUT', `/accounts/S/products/${sku}/vendor`, { body: { vendorAccountId: `V${i + 1}` } })).toMatchObject({ status: 200 });
    await api.adjust('S', sku, 1);
  }

  const placed = await Promise.all(
    Array.from({ length: orders }, (_, i) => call('POST', '/accounts/S/orders', { orderId: `o${i + 1}`, lines: skus.map((sku) => ({ sku, quantity: 2 })) })),
  );
  expect(placed.map((p) => p.status)).toEqual(Array(orders).fill(201));

  // Every vendor order READY (assigned from the vendor's stock).
  await api.settle(300, 60_000);
  const vendorOrders: { vendor: string; orderId: string; status: string }[] = [];
  for (let v = 1; v <= vendors; v++) {
    let after: string | null = null;
    do {
      const page: { status: number; body: { items: { orderId: string; status: string }[]; next: string | null } } = await call(
        'GET',
        `/accounts/V${v}/orders?limit=200${after ? `&after=${after}` : ''}`,
      );
      vendorOrders.push(...page.body.items.map((o) => ({ vendor: `V${v}`, orderId: o.orderId, status: o.status })));
      after = page.body.next;
    } while (after);
  }
  // Each SKU: the first order took the seller's one unit, the rest buy 2 and the first buys 1.
  expect(vendorOrders).toHaveLength(orders * vendors);
  expect(vendorOrders.filter((o) => o.status !== 'READY')).toEqual([]);

  // All handed over at the same moment.
  const handovers = await Promise.all(vendorOrders.map((o) => call('POST', `/accounts/${o.vendor}/orders/${o.orderId}/handover`, {})));
  expect(handovers.map((h) => h.status)).toEqual(Array(vendorOrders.length).fill(200));
  await api.settle(300, 120_000);

  const notReady: string[] = [];
  const assignedByOrders = new Map<string, number>();
  for (let i = 1; i <= orders; i++) {
    const order = (await call('GET', `/accounts/S/orders/o${i}`)).body as { status: string; lines: { sku: string; assigned: number }[] };
    if (order.status !== 'READY') {
      notReady.push(`o${i} ${order.status}`);
      if (process.env['DEBUG_SCENARIO']) {
        const events = (await call('GET', `/accounts/S/orders/o${i}/trail`)).body;
        console.log(JSON.stringify(order), JSON.stringify(events.events.map((e: any) => [e.streamName ?? '', e.type, JSON.stringify(e.data)]), null, 1));
      }
    }
    for (const line of order.lines) assignedByOrders.set(line.sku, (assignedByOrders.get(line.sku) ?? 0) + line.assigned);
  }
  expect(notReady).toEqual([]);
  const inventory = (await call('GET', '/accounts/S/inventory')).body as { sku: string; onHand: number; assigned: number; reserved: number }[];
  for (const sku of skus) {
    const rows = inventory.filter((row) => row.sku === sku);
    const inBins = rows.reduce((sum, row) => sum + row.assigned, 0);
    expect({ sku, inBins, reserved: rows.reduce((sum, row) => sum + row.reserved, 0) }).toEqual({ sku, inBins: orders * 2, reserved: 0 });
    expect({ sku, byOrders: assignedByOrders.get(sku) }).toEqual({ sku, byOrders: orders * 2 });
  }
};

forEachDeployment('many short orders and all their vendor orders handed over at once', (start, kind) => {
  let api: Deployment;

  beforeEach(async () => {
    api = await start();
  }, 60_000);
  afterEach(() => api.stop(), 120_000);

  it('20 orders x 4 vendors: every order READY, the bins agree with the orders', async () => {
    await runHandoverScenario(api, { orders: 20, vendors: 4 });
  }, 180_000);

  it('40 orders x 4 vendors: every order READY, the bins agree with the orders', async () => {
    await runHandoverScenario(api, { orders: 40, vendors: 4 });
  }, 300_000);

  // On the deployment the long run is the soak's (npm run soak runs it there too).
  (kind === 'embedded' || process.env['SOAK'] === '1' ? it : it.skip)('100 orders x 5 vendors: every order READY, the bins agree with the orders', async () => {
    await runHandoverScenario(api, { orders: 100, vendors: 5 });
  }, 600_000);
});

describe('random interleavings of every command, over sellers and a two-tier chain of vendors (fast-check)', () => {
  const soak = process.env['SOAK'] === '1';
  const runs = Number(process.env['FC_RUNS'] ?? (soak ? 400 : 10));
  const seed = process.env['FC_SEED'] === undefined ? Date.now() % 2_147_483_647 : Number(process.env['FC_SEED']);
  const shape = soak ? { waves: 10, perWave: 8 } : { waves: 8, perWave: 8 };

  it(`${runs} programs: once the log is quiet every invariant holds, every flow finished, nothing parked (seed ${seed})`, async () => {
    let programs = 0;
    let commands = 0;
    const outcomes: Record<string, number> = {};
    const allocated = { allocations: 0, contested: 0, PRIORITY: 0, REQUIRED_BY: 0, FIFO: 0 };
    await fc.assert(
      fc.asyncProperty(program(shape), async (waves) => {
        const api = await ApiHarness.start();
        api.invariantsWaived = 'checked by the property itself, with the program that broke them';
        try {
          await setUpWorld(api);
          const result = await runProgram(api, waves);
          programs++;
          commands += result.commands;
          for (const [key, count] of Object.entries(result.statuses)) outcomes[key] = (outcomes[key] ?? 0) + count;
          for (const key of Object.keys(allocated) as (keyof typeof allocated)[]) allocated[key] += result.allocations[key];
          expect({ violations: result.violations, parked: result.parked }).toEqual({ violations: [], parked: [] });
        } finally {
          await api.stop();
        }
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );
    const sent = (prefix: string) => Object.entries(outcomes).filter(([key]) => key.split(' ')[1]!.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);
    const summary =
      `fast-check: ${programs} programs, ${commands} commands in concurrent waves (${sent('2')} accepted, ${sent('4')} refused, ` +
      `${sent('0')} with nothing to act on), seed ${seed}; every invariant held, nothing parked; ` +
      `free stock allocated ${allocated.allocations} times (${allocated.contested} with several waiting orders; shares by ` +
      `PRIORITY ${allocated.PRIORITY}, REQUIRED_BY ${allocated.REQUIRED_BY}, FIFO ${allocated.FIFO}), each as the rule gives (invariant 8)`;
    process.stdout.write(`\n${summary}\n${JSON.stringify(outcomes)}\n`);
    // The programs exercised the rule: stock was given out by it (invariant 8 checked every allocation).
    expect(allocated.allocations).toBeGreaterThan(0);
  }, soak ? 6 * 60 * 60_000 : 180_000);
});
