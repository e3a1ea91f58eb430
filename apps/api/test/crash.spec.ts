/**
 * DESIGN.md guarantee 3, durable sagas: a kill -9 anywhere in the backorder flow (SPEC.md steps
 * 1-6) and a restart finish the flow with nothing doubled and nothing lost.
 *
 * Each test runs the whole flow against the built api as a child process on a SQLite file of its
 * own. The child either kills itself at a fault-injection point (FAULT_CRASH_AT) or is killed by a
 * seeded timer. The flow is driven by steps that are safe to repeat (explicit ids); whenever the
 * child has died, it is started again without the fault and the cut step is repeated. Then a clean
 * restart from the checkpoints, and the end state is checked in the log and through the GET API.
 */
import { OrderAggregate, parseRecordedEvent } from '@app/domain/aggregates';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '@app/event-store';
import { grnIdFor, purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { checkInvariants, foldLog } from '@app/domain/invariants/invariants';
import { readLog } from './support/child-api';
import { copySqlite, CrashDriver, Death, describeLog, logIntegrityProblems, nextEventFor, seededRandom } from './support/crash-helpers';

const S = 'S';
const V = 'V';
const SKU = 'SKU';
/** A SKU of a side order that is placed and cancelled, so that the cancellation path runs too. */
const SIDE_SKU = 'SKU-X';
const ORDER = 'o1';
const SIDE_ORDER = 'o2';
const HANDOVER = 'h1';

const PO = purchaseOrderIdFor(S, ORDER, 1, V);
const VO = vendorOrderIdFor(S, PO);
const GRN = grnIdFor(V, VO, HANDOVER);

const ORDER_STREAM = `order-${S}.${ORDER}`;
const SIDE_ORDER_STREAM = `order-${S}.${SIDE_ORDER}`;
const VO_STREAM = `order-${V}.${VO}`;
const PO_STREAM = `po-${S}.${PO}`;
const S_BIN = `bin-${S}.main.default`;
const V_BIN = `bin-${V}.main.default`;

type Variant = 'plain' | 'approval';

const data = (e: RecordedEvent) => e.data as Record<string, any>;
const ofType = (events: readonly RecordedEvent[], type: string, stream?: string | ((name: string) => boolean)) =>
  events.filter(
    (e) =>
      e.type === type &&
      (stream === undefined || (typeof stream === 'string' ? e.streamName === stream : stream(e.streamName))),
  );
const total = (events: readonly RecordedEvent[]) => events.reduce((sum, e) => sum + (data(e)['quantity'] as number), 0);
const forSku = (sku: string) => (e: RecordedEvent) => data(e)['sku'] === sku;

// ---- set-up, once per variant ------------------------------------------------------------------

let root: string;
const templates = new Map<Variant, { path: string; events: number }>();

/** Accounts, mapping and stock: written once by a child without faults, copied for every test. */
const setUp = async (variant: Variant): Promise<{ path: string; events: number }> => {
  const path = join(root, `template-${variant}.sqlite`);
  const driver = new CrashDriver(path);
  await driver.start();
  try {
    const must = (method: string, url: string, body: unknown, status: number) => driver.step(method, url, body, [status]);
    await must('POST', '/accounts', {
      accountId: S,
      name: 'Seller',
      type: 'seller',
      settings: { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true },
    }, 201);
    await must('POST', '/accounts', {
      accountId: V,
      name: 'Vendor',
      type: 'vendor',
      settings: { isB2bNew: true, vendorPanelType: 2, ...(variant === 'approval' ? { orderApprovalRequired: true } : {}) },
    }, 201);
    await must('PUT', `/accounts/${S}/products/${SKU}/vendor`, { vendorAccountId: V }, 200);
    await must('POST', `/accounts/${S}/inventory/adjustments`, { sku: SKU, quantity: 2 }, 201);
    await must('POST', `/accounts/${V}/inventory/adjustments`, { sku: SKU, quantity: 10 }, 201);
    await must('POST', `/accounts/${S}/inventory/adjustments`, { sku: SIDE_SKU, quantity: 1 }, 201);
    const events = await driver.waitUntilQuiet();
    // Stopped gracefully, so that the file is complete on its own.
    const api = driver.api;
    api.child.kill('SIGTERM');
    expect(await api.exited).toMatchObject({ code: 0 });
    return { path, events: events.length };
  } finally {
    await driver.stop();
  }
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'crash-'));
  for (const variant of ['plain', 'approval'] as const) templates.set(variant, await setUp(variant));
}, 60000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  if (summary.length > 0) process.stdout.write(`\ncrash.spec summary:\n${summary.join('\n')}\n`);
});

const summary: string[] = [];

// ---- the flow ----------------------------------------------------------------------------------

const sumAssigned = (events: readonly RecordedEvent[], stream: string) => total(ofType(events, 'InventoryAssigned', stream));
/** Whether the order has a round open, as its decider folds the stream (a request may join an open round). */
const roundOpen = (events: readonly RecordedEvent[], stream: string) =>
  events
    .filter((e) => e.streamName === stream)
    .map((e) => parseRecordedEvent(OrderAggregate, e))
    .reduce(OrderAggregate.decider.evolve, OrderAggregate.decider.initialState()).openRound !== undefined;
const logWhere = (driver: CrashDriver, done: (events: RecordedEvent[]) => boolean) => async () => {
  const events = await readLog(driver.path);
  return done(events) ? events : undefined;
};

/** The flow in four stages; a faulty child can be started at the beginning of any of them. */
type Stage = 'order' | 'vendor' | 'handover' | 'side-order';

interface FlowOptions {
  /** Runs once o1 is placed (the random kill's timer). */
  readonly afterPlacing?: () => void;
  /**
   * Before this stage the system is left to settle and the child is restarted cleanly with `env`
   * (the fault), so that a point's passes are counted from there: `#1` is the first pass after it.
   */
  readonly faultFrom?: { readonly stage: Stage; readonly start: (eventsSoFar: number) => Promise<void> };
}

/** SPEC.md steps 1-6 through the API, every step safe to repeat. */
const runFlow = async (driver: CrashDriver, variant: Variant, options: FlowOptions = {}): Promise<void> => {
  const stage = async (name: Stage, run: () => Promise<void>) => {
    if (options.faultFrom?.stage === name) {
      const events = name === 'order' ? await readLog(driver.path) : await driver.waitUntilQuiet();
      await options.faultFrom.start(events.length);
    }
    await run();
  };

  await stage('order', async () => {
    // 1. The order: 2 of 5 from stock, 3 pending.
    await driver.step('POST', `/accounts/${S}/orders`, { orderId: ORDER, lines: [{ sku: SKU, quantity: 5 }] }, [201]);
    options.afterPlacing?.();
    // 2-3. The purchasing and vendor-orders sagas: one PO, one order in V's account.
    await driver.waitFor('the vendor order', logWhere(driver, (events) => ofType(events, 'OrderPlaced', VO_STREAM).length > 0));
  });

  await stage('vendor', async () => {
    // V (approves and) fills its order from its own stock.
    if (variant === 'approval') await driver.step('POST', `/accounts/${V}/orders/${VO}/approve`, undefined, [200]);
    await driver.waitFor(
      'the vendor order to be assigned 3 from V',
      logWhere(driver, (events) => sumAssigned(events, VO_STREAM) === 3 && !roundOpen(events, VO_STREAM)),
    );
  });

  await stage('handover', async () => {
    // 4. V hands over.
    await driver.step('POST', `/accounts/${V}/orders/${VO}/handover`, { handoverId: HANDOVER }, [200]);
    // 5-6. The inwarding saga's GRN, and the goods assigned to o1.
    await driver.waitFor(
      'o1 to be assigned all 5',
      logWhere(driver, (events) => sumAssigned(events, ORDER_STREAM) === 5 && !roundOpen(events, ORDER_STREAM)),
    );
  });

  await stage('side-order', async () => {
    // A side order of the seller, placed and cancelled: the cancellation path of the same process.
    await driver.step('POST', `/accounts/${S}/orders`, { orderId: SIDE_ORDER, lines: [{ sku: SIDE_SKU, quantity: 1 }] }, [201]);
    await driver.step('POST', `/accounts/${S}/orders/${SIDE_ORDER}/cancel`, undefined, [200]);
  });
};

/** After the flow: a clean restart from the checkpoints writes nothing, and the end state holds. */
const finishAndCheck = async (driver: CrashDriver): Promise<RecordedEvent[]> => {
  const before = await driver.waitUntilQuiet();
  await driver.cleanRestart();
  const events = await driver.waitUntilQuiet();
  expect(describeLog(events.slice(before.length))).toBe('');
  await checkEndState(driver, events);
  return events;
};

const checkEndState = async (driver: CrashDriver, events: RecordedEvent[]): Promise<void> => {
  // The log itself, and every invariant of the product over it.
  expect(logIntegrityProblems(events)).toEqual([]);
  expect(checkInvariants(foldLog(events))).toEqual([]);

  // One PO, one vendor order, one GRN of 3, each linked once.
  const created = ofType(events, 'PurchaseOrderCreated');
  expect(created.map((e) => [e.streamName, data(e)['lines']])).toEqual([[PO_STREAM, [{ sku: SKU, quantity: 3 }]]]);
  expect(ofType(events, 'PurchaseOrderLinked', ORDER_STREAM)).toHaveLength(1);
  expect(ofType(events, 'PendingReasonRecorded', ORDER_STREAM).map(data)).toEqual([{ sku: SKU, reason: 'AWAITING_VENDOR' }]);
  const vendorOrders = ofType(events, 'OrderPlaced', (name) => name.startsWith(`order-${V}.`));
  expect(vendorOrders.map((e) => [e.streamName, data(e)['lines'], data(e)['source']])).toEqual([
    [VO_STREAM, [{ sku: SKU, quantity: 3 }], { purchaseOrderId: PO, sellerAccountId: S }],
  ]);
  expect(ofType(events, 'VendorOrderLinked', PO_STREAM).map((e) => data(e)['vendorOrderId'])).toEqual([VO]);
  expect(ofType(events, 'OrderHandedOver', VO_STREAM)).toHaveLength(1);
  const received = ofType(events, 'GoodsReceived');
  expect(received.map((e) => [e.streamName, data(e)['grnId'], data(e)['handoverId'], data(e)['lines']])).toEqual([
    [PO_STREAM, GRN, HANDOVER, [{ sku: SKU, quantity: 3 }]],
  ]);

  // Exactly one GoodsInwarded per GRN and SKU: the 3 units into S's Default Bin, reserved for o1.
  const inwarded = ofType(events, 'GoodsInwarded');
  const perGrnAndSku = new Map<string, number>();
  for (const e of inwarded) {
    const key = `${e.streamName} ${data(e)['grnId']} ${data(e)['sku']}`;
    perGrnAndSku.set(key, (perGrnAndSku.get(key) ?? 0) + 1);
  }
  expect([...perGrnAndSku.values()].every((count) => count === 1)).toBe(true);
  expect(inwarded.map((e) => [e.streamName, data(e)])).toEqual([
    [S_BIN, { grnId: GRN, purchaseOrderId: PO, sku: SKU, quantity: 3, reservedForOrderId: ORDER, reservedQuantity: 3 }],
  ]);

  // S's Default Bin: 5 assigned to o1 (3 of them the reserved goods), on hand 2 + 3.
  const sAssigned = ofType(events, 'StockAssigned', S_BIN).filter(forSku(SKU));
  expect(sAssigned.every((e) => data(e)['orderId'] === ORDER)).toBe(true);
  expect(total(sAssigned)).toBe(5);
  expect(sAssigned.reduce((sum, e) => sum + (data(e)['fromReserved'] as number), 0)).toBe(3);
  const onHand = (bin: string, sku: string) =>
    total(ofType(events, 'StockAdjusted', bin).filter(forSku(sku))) +
    total(ofType(events, 'GoodsInwarded', bin).filter(forSku(sku))) -
    total(ofType(events, 'StockHandedOver', bin).filter(forSku(sku)));
  expect(onHand(S_BIN, SKU)).toBe(2 + 3);
  expect(ofType(events, 'StockHandedOver', S_BIN)).toHaveLength(0);

  // V's Default Bin: 3 assigned to the vendor order and handed over.
  expect(total(ofType(events, 'StockAssigned', V_BIN).filter((e) => data(e)['orderId'] === VO))).toBe(3);
  const handedOver = ofType(events, 'StockHandedOver', V_BIN);
  expect(handedOver.every((e) => data(e)['orderId'] === VO && data(e)['handoverId'] === HANDOVER)).toBe(true);
  expect(total(handedOver)).toBe(3);
  expect(onHand(V_BIN, SKU)).toBe(10 - 3);

  // o1: 5 assigned, in two rounds (stock, then the GRN), each completed once.
  expect(sumAssigned(events, ORDER_STREAM)).toBe(5);
  expect(ofType(events, 'InventoryAssignmentCompleted', ORDER_STREAM).map((e) => data(e)['round'])).toEqual([1, 2]);
  expect(ofType(events, 'InventoryAssignmentCompleted', VO_STREAM).map((e) => data(e)['round'])).toEqual([1]);

  // The side order: cancelled, its unit back to free stock.
  expect(ofType(events, 'OrderCancelled', SIDE_ORDER_STREAM)).toHaveLength(1);
  const sideAssigned = total(ofType(events, 'StockAssigned', S_BIN).filter(forSku(SIDE_SKU)));
  const sideReleased = ofType(events, 'StockReleased', S_BIN)
    .filter(forSku(SIDE_SKU))
    .reduce((sum, e) => sum + (data(e)['assigned'] as number), 0);
  expect(sideReleased).toBe(sideAssigned);

  // Through the GET API (the read models, rebuilt from the log at the restart).
  const get = async (url: string) => {
    const answer = await driver.get(url);
    expect(answer).toMatchObject({ status: 200 });
    return answer!.body;
  };
  expect(await get(`/accounts/${S}/orders/${ORDER}`)).toMatchObject({
    status: 'READY',
    lines: [{ sku: SKU, quantity: 5, assigned: 5, pending: 0, handedOver: 0 }],
    inventoryDetails: [
      { sku: SKU, locationId: 'main', binId: 'default', quantity: 2, source: 'stock' },
      { sku: SKU, locationId: 'main', binId: 'default', quantity: 3, source: 'backorder', grnId: GRN },
    ],
    purchaseOrders: [{ purchaseOrderId: PO, vendorAccountId: V }],
  });
  const order = await get(`/accounts/${S}/orders/${ORDER}`);
  expect(order.inventoryDetails).toHaveLength(2);
  expect(order.inventoryDetails[0]).not.toHaveProperty('grnId');
  const pos = await get(`/accounts/${S}/purchase-orders?sourceOrderId=${ORDER}`);
  expect(pos.items).toHaveLength(1);
  expect(pos.items[0]).toMatchObject({
    purchaseOrderId: PO,
    status: 'RECEIVED',
    vendorAccountId: V,
    vendorOrderId: VO,
    sourceOrderId: ORDER,
    lines: [{ sku: SKU, quantity: 3, receivedQuantity: 3 }],
    grns: [{ grnId: GRN, handoverId: HANDOVER, locationId: 'main', binId: 'default', lines: [{ sku: SKU, quantity: 3 }] }],
  });
  expect(pos.items[0].grns).toHaveLength(1);
  const handedOverOrders = await get(`/accounts/${V}/orders?status=HANDED_OVER`);
  expect(handedOverOrders.items.map((o: { orderId: string }) => o.orderId)).toEqual([VO]);
  expect((await get(`/accounts/${V}/orders?status=UNAPPROVED`)).items).toEqual([]);
  expect(await get(`/accounts/${V}/orders/${VO}`)).toMatchObject({
    status: 'HANDED_OVER',
    source: { purchaseOrderId: PO, sellerAccountId: S },
    lines: [{ sku: SKU, quantity: 3, assigned: 0, pending: 0, handedOver: 3 }],
    inventoryDetails: [],
  });
  expect(await get(`/accounts/${S}/inventory?sku=${SKU}`)).toMatchObject([
    { sku: SKU, locationId: 'main', binId: 'default', onHand: 5, assigned: 5, reserved: 0, available: 0 },
  ]);
  expect(await get(`/accounts/${V}/inventory?sku=${SKU}`)).toMatchObject([
    { sku: SKU, locationId: 'main', binId: 'default', onHand: 7, assigned: 0, reserved: 0, available: 7 },
  ]);
  expect(await get(`/accounts/${S}/orders/${SIDE_ORDER}`)).toMatchObject({ status: 'CANCELLED' });
  expect(await get(`/accounts/${S}/inventory?sku=${SIDE_SKU}`)).toMatchObject([
    { sku: SIDE_SKU, locationId: 'main', binId: 'default', onHand: 1, assigned: 0, reserved: 0, available: 1 },
  ]);
};

// ---- one test per crash point ------------------------------------------------------------------

/**
 * The points, each with the pass at which it kills, counted from the start of a stage of the flow
 * (the child that runs the stages before it has no fault), so that every pass counted is a pass
 * inside the flow and lands where `where` says. `#+k`: the k-th pass after the events already in
 * the log (the read models replay them at every start).
 */
const POINTS: readonly { point: string; from: Stage; variant: Variant; where: string }[] = [
  { point: 'order:placed#1', from: 'order', variant: 'plain', where: 'o1 placed (HTTP), before its first assignment round' },
  { point: 'order:round-assigned-in-bins#1', from: 'order', variant: 'plain', where: "o1's first round: S's bin assigned, o1 not yet told" },
  { point: 'order:round-assigned-in-bins#2', from: 'order', variant: 'plain', where: "the vendor order's round: V's bin assigned, the order not yet told" },
  { point: 'order:round-assigned-in-bins#1', from: 'vendor', variant: 'approval', where: "the vendor order's round on approval: V's bin assigned, the order not yet told" },
  { point: 'order:round-assigned-in-bins#1', from: 'handover', variant: 'plain', where: "o1's GRN round: reserved goods assigned in S's bin, o1 not yet told" },
  { point: 'order:handed-over#1', from: 'handover', variant: 'plain', where: "V's handover decided by the vendor order, V's bin not yet told" },
  { point: 'order:cancelled#1', from: 'side-order', variant: 'plain', where: 'the side order cancelled, its bin not yet released' },
  { point: 'po:goods-received#1', from: 'order', variant: 'plain', where: 'GRN on the PO, goods not yet inwarded' },
  { point: 'po:goods-inwarded#1', from: 'order', variant: 'plain', where: 'goods inwarded and reserved, o1 not yet assigned from them' },
  { point: 'backorder:po-linked#1', from: 'order', variant: 'plain', where: 'the PO recorded on o1, not yet created' },
  { point: 'backorder:po-created#1', from: 'order', variant: 'plain', where: 'PO created, its vendor order not yet opened' },
  { point: 'backorder:vendor-order-placed#1', from: 'order', variant: 'plain', where: 'vendor order placed, not yet linked to the PO' },
  { point: 'backorder:vendor-order-placed#1', from: 'order', variant: 'approval', where: 'UNAPPROVED vendor order placed, not yet linked' },
  { point: 'processor:read-models:handled#+3', from: 'order', variant: 'plain', where: 'read models, after the third event of the flow' },
  { point: 'processor:read-models:handled#+2', from: 'handover', variant: 'plain', where: 'read models, after the second event of the handover' },
  { point: 'processor:fulfilment:handled#1', from: 'order', variant: 'plain', where: 'process manager, after OrderPlaced of o1 (its round)' },
  { point: 'processor:fulfilment:handled#3', from: 'order', variant: 'plain', where: 'process manager, after a later event of o1 (its first round closed)' },
  { point: 'processor:fulfilment:handled#6', from: 'order', variant: 'plain', where: 'process manager, after the PO was bought' },
  { point: 'processor:fulfilment:handled#9', from: 'order', variant: 'plain', where: 'process manager, further on in the flow' },
  { point: 'processor:fulfilment:handled#1', from: 'vendor', variant: 'approval', where: "process manager, after the vendor order's OrderApproved (its round)" },
  { point: 'processor:fulfilment:handled#1', from: 'handover', variant: 'plain', where: "process manager, after the vendor order's OrderHandedOver (V's bin, the GRN)" },
  { point: 'processor:fulfilment:handled#2', from: 'handover', variant: 'plain', where: 'process manager, after GoodsReceived (inward, assign to o1)' },
  { point: 'processor:fulfilment:handled#4', from: 'side-order', variant: 'plain', where: "process manager, after the side order's OrderCancelled (released)" },
];

/** What the crash cut: for a processor point, the event it had handled; else the last event written. */
const whatWasCut = (name: string, death: Death, events: readonly RecordedEvent[]): string => {
  const processor = /^processor:(.+):handled$/.exec(name)?.[1];
  if (processor && processor !== 'read-models') {
    const e = nextEventFor(events, processor, death.checkpoints.get(processor));
    return e ? `had handled ${e.streamName} ${e.type}` : 'had handled nothing';
  }
  const last = events[death.logLength - 1];
  return last ? `last written ${last.streamName} ${last.type}` : 'nothing written';
};

describe('a kill -9 at each crash point of the backorder flow, then a restart', () => {
  let dir: string;
  let driver: CrashDriver | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'point-'));
  });
  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it.each(POINTS)('$point from the $from stage ($variant): $where', async ({ point, from, variant }) => {
    const startedAt = Date.now();
    const template = templates.get(variant)!;
    const path = join(dir, 'events.sqlite');
    copySqlite(template.path, path);
    const name = point.split('#')[0]!;
    let fault = '';

    driver = new CrashDriver(path);
    const current = driver;
    const startFaulty = async (eventsSoFar: number) => {
      fault = point.replace(/#\+(\d+)$/, (_, k: string) => `#${eventsSoFar + Number(k)}`);
      if (from === 'order') await current.start({ FAULT_CRASH_AT: fault });
      else await current.cleanRestart({ FAULT_CRASH_AT: fault });
    };
    if (from !== 'order') await driver.start();
    await runFlow(driver, variant, { faultFrom: { stage: from, start: startFaulty } });
    await driver.waitUntilQuiet();

    // The point was really reached: the child killed itself there, once, and nothing else died.
    const crashes = driver.deaths.filter((d) => d.reason === 'crash');
    expect(crashes.map((d) => d.signal)).toEqual(['SIGKILL']);
    expect(crashes[0]!.output).toContain(`FAULT_CRASH_AT: killing the process at ${name} (pass ${fault.split('#')[1]})`);
    expect(driver.deaths.filter((d) => d.reason === 'killed')).toEqual([]);

    const events = await finishAndCheck(driver);
    summary.push(
      `${point} from ${from} (${variant}): ${whatWasCut(name, crashes[0]!, events)} (${crashes[0]!.logLength - template.events} flow events); ` +
        `${driver.startCount} starts; ${Date.now() - startedAt} ms`,
    );
  }, 60000);
});

// ---- kill -9 at random moments -----------------------------------------------------------------

describe('a kill -9 at a random moment of the backorder flow, then a restart', () => {
  const SEED = 20240607;
  const ITERATIONS = 12;
  const random = seededRandom(SEED);
  const plan = Array.from({ length: ITERATIONS }, (_, i) => ({
    iteration: i + 1,
    delayMs: 20 + Math.floor(random() * 381),
    variant: (i % 3 === 2 ? 'approval' : 'plain') as Variant,
  }));
  let driver: CrashDriver | undefined;

  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it.each(plan)('iteration $iteration ($variant): killed $delayMs ms after o1 is placed', async ({ delayMs, variant }) => {
    const startedAt = Date.now();
    const template = templates.get(variant)!;
    const dir = mkdtempSync(join(root, 'random-'));
    const path = join(dir, 'events.sqlite');
    copySqlite(template.path, path);
    driver = new CrashDriver(path);
    const current = driver;
    await driver.start();
    let killed: Promise<void> | undefined;
    let killedAt: number | undefined;
    await runFlow(driver, variant, { afterPlacing: () => {
      killed = new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          readLog(path)
            .then((events) => {
              killedAt = events.length - template.events;
              return current.killNow();
            })
            .then(resolve, reject);
        }, delayMs),
      );
    } });
    await killed;
    await current.ensureUp();
    expect(current.deaths.map((d) => [d.reason, d.signal])).toEqual([['killed', 'SIGKILL']]);
    const events = await finishAndCheck(current);
    summary.push(
      `random #${delayMs} ms (${variant}): killed with ${killedAt} of ${events.length - template.events} flow events in the log; ${current.startCount} starts; ${Date.now() - startedAt} ms`,
    );
  }, 60000);
});

// ---- kill -9 while many handovers are in flight -------------------------------------------------

describe('a kill -9 while many vendor orders are handed over at once, then a restart', () => {
  const SEED = 20261201;
  const random = seededRandom(SEED);
  const ORDERS = 6;
  const VENDORS = ['V1', 'V2'] as const;
  const SKUS = ['K1', 'K2'] as const;
  const plan = Array.from({ length: 4 }, (_, i) => ({ iteration: i + 1, delayMs: 5 + Math.floor(random() * 250) }));
  let template: { path: string; vendorOrders: { vendor: string; orderId: string }[] } | undefined;
  let driver: CrashDriver | undefined;

  /** S short of two SKUs on 6 orders, each SKU bought from its vendor: 12 vendor orders, all READY. */
  beforeAll(async () => {
    const dir = mkdtempSync(join(root, 'handovers-'));
    const path = join(dir, 'template.sqlite');
    const setup = new CrashDriver(path);
    await setup.start();
    try {
      const must = (method: string, url: string, body: unknown, status: number) => setup.step(method, url, body, [status]);
      await must('POST', '/accounts', { accountId: S, name: 'Seller', type: 'seller', settings: { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true } }, 201);
      for (const [i, vendor] of VENDORS.entries()) {
        await must('POST', '/accounts', { accountId: vendor, name: vendor, type: 'vendor', settings: { isB2bNew: true, vendorPanelType: 2 } }, 201);
        await must('POST', `/accounts/${vendor}/inventory/adjustments`, { sku: SKUS[i], quantity: 1000 }, 201);
        await must('PUT', `/accounts/${S}/products/${SKUS[i]}/vendor`, { vendorAccountId: vendor }, 200);
        await must('POST', `/accounts/${S}/inventory/adjustments`, { sku: SKUS[i], quantity: 1 }, 201);
      }
      for (let o = 1; o <= ORDERS; o++) {
        await must('POST', `/accounts/${S}/orders`, { orderId: `h${o}`, lines: SKUS.map((sku) => ({ sku, quantity: 2 })) }, 201);
      }
      await setup.waitUntilQuiet();
      const vendorOrders: { vendor: string; orderId: string }[] = [];
      for (const vendor of VENDORS) {
        const listed = await setup.step('GET', `/accounts/${vendor}/orders?limit=100`, undefined, [200]);
        for (const order of listed.body.items as { orderId: string; status: string }[]) {
          expect(order.status).toBe('READY');
          vendorOrders.push({ vendor, orderId: order.orderId });
        }
      }
      expect(vendorOrders).toHaveLength(ORDERS * VENDORS.length);
      setup.api.child.kill('SIGTERM');
      expect(await setup.api.exited).toMatchObject({ code: 0 });
      template = { path, vendorOrders };
    } finally {
      await setup.stop();
    }
  }, 90000);

  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it.each(plan)('iteration $iteration: killed $delayMs ms after 12 handovers were sent at once', async ({ delayMs }) => {
    const dir = mkdtempSync(join(root, 'handovers-run-'));
    const path = join(dir, 'events.sqlite');
    copySqlite(template!.path, path);
    driver = new CrashDriver(path);
    const current = driver;
    await current.start();
    const api = current.api;
    const handoverOf = (order: { orderId: string }) => `ho-${order.orderId}`;
    // Every handover at once, straight to the child (some are cut by the kill).
    const sent = Promise.all(
      template!.vendorOrders.map((o) => api.request('POST', `/accounts/${o.vendor}/orders/${o.orderId}/handover`, { handoverId: handoverOf(o) })),
    );
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await current.killNow();
    await sent;
    // Restarted: the clients send again what they did not hear back about (the same handover ids).
    for (const o of template!.vendorOrders) {
      await current.step('POST', `/accounts/${o.vendor}/orders/${o.orderId}/handover`, { handoverId: handoverOf(o) }, [200]);
    }
    const before = await current.waitUntilQuiet(60000);
    await current.cleanRestart();
    const events = await current.waitUntilQuiet(60000);
    expect(describeLog(events.slice(before.length))).toBe('');
    expect(logIntegrityProblems(events)).toEqual([]);
    expect(checkInvariants(foldLog(events))).toEqual([]);
    // Each handover happened once, and became one GRN; every order is READY with all 4 units.
    expect(ofType(events, 'OrderHandedOver')).toHaveLength(template!.vendorOrders.length);
    expect(ofType(events, 'GoodsReceived')).toHaveLength(template!.vendorOrders.length);
    for (let o = 1; o <= ORDERS; o++) {
      const order = await current.get(`/accounts/${S}/orders/h${o}`);
      expect(order?.body).toMatchObject({ status: 'READY', lines: SKUS.map((sku) => ({ sku, quantity: 2, assigned: 2, pending: 0 })) });
    }
    summary.push(`handovers: killed ${delayMs} ms in, ${current.startCount} starts`);
  }, 120000);
});
