/**
 * DESIGN.md guarantee 3 (durable sagas) for the purchasing steps past the seed (docs/decisions.md
 * "Purchasing past the seed"): a kill -9 inside a seller's line decrease after its PO
 * (`line-change:vendor-order-changed`: the vendor order shrank, the PO line not yet) or inside the
 * seller's PO close (`po:close-vendor-order-ended`: the vendor order ended, the PO not yet closed),
 * then a restart without the fault and the same request again, finish the step once: the same end
 * state as without a crash, nothing doubled, every invariant held, nothing parked.
 *
 * One template log (accounts, ranked vendors V then V2, stock, three short orders, each on a SKU of
 * its own) is written once by a child without faults; each test copies it, starts the built api as
 * a child process on the copy with FAULT_CRASH_AT (or kills it with a seeded timer), sends the step,
 * restarts it cleanly when it died, sends the step again (a repeat: it must answer the same
 * outcome and write nothing new), waits until quiet, restarts it cleanly once more (which must write
 * nothing), and checks the log and the GET API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '@app/event-store';
import { grnIdFor, purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import { checkInvariants, foldLog } from '@app/domain/invariants/invariants';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { readLog } from './support/child-api';
import { Answer, copySqlite, CrashDriver, describeLog, logIntegrityProblems, seededRandom } from './support/crash-helpers';

const S = 'S';
const V = 'V';
const V2 = 'V2';
const SELLER_SETTINGS = { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true };
const VENDOR_SETTINGS = { isB2bNew: true, vendorPanelType: 2 };

/**
 * The three short orders of the template, each S holding 2 of its SKU and ordering 5: 2 from stock,
 * a PO of 3 to V (round 1), whose vendor order V fills from its 10.
 * - ONE: one PO; the step decreases the line 5 → 4 (PO and vendor order 3 → 2).
 * - TWO: increased 5 → 8 first (a second PO of 3 to V, round 2); the step decreases 8 → 3: the
 *   newest PO is cut by 3 (cancelled, its vendor order too), then the first by 2 (3 → 1). The
 *   crash point is passed twice, once per PO.
 * - CLOSE: V handed over 1 (the GRN inwarded and assigned it to the order: round 2); the step is
 *   S closing the PO: the vendor order closes short (1 handed over), the PO closes with 1 received
 *   and 2 closed, and a new round (3) buys the 2 from V2.
 */
const ONE = { order: 'oL', sku: 'SKU-L' } as const;
const TWO = { order: 'oM', sku: 'SKU-M' } as const;
const CLOSE = { order: 'oC', sku: 'SKU-C' } as const;
const SKUS = [ONE.sku, TWO.sku, CLOSE.sku];

const poOf = (order: string, round: number, vendor: string) => purchaseOrderIdFor(S, order, round, vendor);
const voOf = (po: string) => vendorOrderIdFor(S, po);
const orderStream = (account: string, order: string) => `order-${account}.${order}`;
const poStream = (po: string) => `po-${S}.${po}`;

const PO_L = poOf(ONE.order, 1, V);
const VO_L = voOf(PO_L);
const PO_M1 = poOf(TWO.order, 1, V);
const VO_M1 = voOf(PO_M1);
const PO_M2 = poOf(TWO.order, 2, V);
const VO_M2 = voOf(PO_M2);
const PO_C = poOf(CLOSE.order, 1, V);
const VO_C = voOf(PO_C);
const HANDOVER = 'h1';
const GRN_C = grnIdFor(V, VO_C, HANDOVER);
/** The PO the close sources again: round 3 (1 placing, 2 the GRN), to the next vendor. */
const PO_C2 = poOf(CLOSE.order, 3, V2);
const VO_C2 = voOf(PO_C2);

const data = (e: RecordedEvent) => e.data as Record<string, any>;
const ofType = (events: readonly RecordedEvent[], type: string, stream?: string) =>
  events.filter((e) => e.type === type && (stream === undefined || e.streamName === stream));
const typesIn = (events: readonly RecordedEvent[], stream: string) => events.filter((e) => e.streamName === stream).map((e) => e.type);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the template ------------------------------------------------------------------------------

let root: string;
let template: { path: string; events: number };
const summary: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'crash-closing-'));
  const path = join(root, 'template.sqlite');
  const driver = new CrashDriver(path);
  await driver.start();
  try {
    const must = (method: string, url: string, body: unknown, status = 200) => driver.step(method, url, body, [status]);
    await must('POST', '/accounts', { accountId: S, name: 'Seller', type: 'seller', settings: SELLER_SETTINGS }, 201);
    for (const vendor of [V, V2]) {
      await must('POST', '/accounts', { accountId: vendor, name: vendor, type: 'vendor', settings: VENDOR_SETTINGS }, 201);
    }
    for (const sku of SKUS) {
      await must('PUT', `/accounts/${S}/products/${sku}/vendors`, { vendors: [{ vendorAccountId: V }, { vendorAccountId: V2 }] });
      await must('POST', `/accounts/${S}/inventory/adjustments`, { adjustmentId: `s-${sku}`, sku, quantity: 2 }, 201);
      await must('POST', `/accounts/${V}/inventory/adjustments`, { adjustmentId: `v-${sku}`, sku, quantity: 10 }, 201);
      await must('POST', `/accounts/${V2}/inventory/adjustments`, { adjustmentId: `v2-${sku}`, sku, quantity: 10 }, 201);
    }
    for (const { order, sku } of [ONE, TWO, CLOSE]) {
      await must('POST', `/accounts/${S}/orders`, { orderId: order, lines: [{ sku, quantity: 5 }] }, 201);
    }
    await driver.waitUntilQuiet();
    // TWO: a second PO of a second round, to V.
    expect((await must('PATCH', `/accounts/${S}/orders/${TWO.order}/lines/${TWO.sku}`, { quantity: 8 })).body).toMatchObject({
      lines: [{ sku: TWO.sku, quantity: 8, assigned: 2, pending: 6 }],
    });
    // CLOSE: V hands over 1 of 3; the GRN assigns it to the order.
    await driver.waitUntilQuiet();
    await must('POST', `/accounts/${V}/orders/${VO_C}/handover`, { handoverId: HANDOVER, lines: [{ sku: CLOSE.sku, quantity: 1 }] });
    const events = await driver.waitUntilQuiet();

    // The template is what the tests assume.
    const get = async (url: string) => (await must('GET', url, undefined)).body;
    expect(await get(`/accounts/${S}/orders/${ONE.order}`)).toMatchObject({ lines: [{ quantity: 5, assigned: 2, pending: 3 }] });
    expect(await get(`/accounts/${V}/orders/${VO_L}`)).toMatchObject({ status: 'READY', lines: [{ quantity: 3, assigned: 3 }] });
    expect(await get(`/accounts/${S}/purchase-orders/${PO_M2}`)).toMatchObject({ status: 'APPROVED', vendorAccountId: V, lines: [{ quantity: 3 }] });
    expect(await get(`/accounts/${V}/orders/${VO_M2}`)).toMatchObject({ status: 'READY', lines: [{ quantity: 3, assigned: 3 }] });
    expect(await get(`/accounts/${S}/orders/${CLOSE.order}`)).toMatchObject({ lines: [{ quantity: 5, assigned: 3, pending: 2 }] });
    expect(await get(`/accounts/${S}/purchase-orders/${PO_C}`)).toMatchObject({
      status: 'PARTIALLY_RECEIVED',
      lines: [{ quantity: 3, receivedQuantity: 1 }],
      grns: [{ grnId: GRN_C }],
    });
    expect(ofType(events, 'PurchaseOrderCreated').map((e) => e.streamName).sort()).toEqual(
      [PO_L, PO_M1, PO_M2, PO_C].map(poStream).sort(),
    );

    // Stopped gracefully, so that the file is complete on its own.
    const api = driver.api;
    api.child.kill('SIGTERM');
    expect(await api.exited).toMatchObject({ code: 0 });
    template = { path, events: events.length };
  } finally {
    await driver.stop();
  }
}, 60000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  if (summary.length > 0) process.stdout.write(`\ncrash-closing.spec summary:\n${summary.join('\n')}\n`);
});

// ---- the steps and what they must end in ---------------------------------------------------------

interface Flow {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  /** The step's answer, the first time and every time again. */
  readonly checkAnswer: (answer: Answer) => void;
  /** The log right at the crash: the point cut where it says. */
  readonly checkAtCrash: (point: string, stepEvents: RecordedEvent[]) => void;
  /** The end state: the step's events (after the template) and the GET API. */
  readonly checkEnd: (stepEvents: RecordedEvent[], all: RecordedEvent[], get: (url: string) => Promise<any>) => Promise<void>;
}

const lineUrl = ({ order, sku }: { order: string; sku: string }) => `/accounts/${S}/orders/${order}/lines/${sku}`;

const LINE_ONE: Flow = {
  name: 'line 5 → 4 (one PO)',
  method: 'PATCH',
  url: lineUrl(ONE),
  body: { quantity: 4 },
  checkAnswer: (answer) =>
    expect(answer).toMatchObject({
      status: 200,
      body: { orderId: ONE.order, status: 'PENDING_INVENTORY', lines: [{ sku: ONE.sku, quantity: 4, assigned: 2, pending: 2 }] },
    }),
  checkAtCrash: (_point, events) => {
    // The vendor order shrank; the PO did not yet.
    expect(ofType(events, 'OrderLineChanged', orderStream(V, VO_L)).map(data)).toEqual([{ change: 1, sku: ONE.sku, previousQuantity: 3, quantity: 2 }]);
    expect(ofType(events, 'PurchaseOrderLineReduced')).toEqual([]);
    expect(ofType(events, 'OrderLineChangeCompleted', orderStream(S, ONE.order))).toEqual([]);
  },
  checkEnd: async (events, _all, get) => {
    const order = orderStream(S, ONE.order);
    // One change on the order, carried once.
    expect(ofType(events, 'OrderLineChanged', order).map(data)).toEqual([{ change: 1, sku: ONE.sku, previousQuantity: 5, quantity: 4 }]);
    expect(ofType(events, 'OrderLineChangeCompleted', order).map(data)).toEqual([
      { change: 1, sku: ONE.sku, purchaseOrders: [{ purchaseOrderId: PO_L, previousQuantity: 3, quantity: 2, status: 'APPROVED' }] },
    ]);
    // The vendor order shrank once (1 unit back to V's stock), then the PO line once.
    expect(ofType(events, 'OrderLineChanged', orderStream(V, VO_L)).map(data)).toEqual([{ change: 1, sku: ONE.sku, previousQuantity: 3, quantity: 2 }]);
    expect(ofType(events, 'OrderLineChangeCompleted', orderStream(V, VO_L))).toHaveLength(1);
    expect(ofType(events, 'InventoryReleased', orderStream(V, VO_L))).toHaveLength(1);
    expect(ofType(events, 'StockReleased', `bin-${V}.main.default`).map((e) => [data(e)['orderId'], data(e)['assigned']])).toEqual([[VO_L, 1]]);
    expect(ofType(events, 'PurchaseOrderLineReduced').map((e) => [e.streamName, data(e)['previousQuantity'], data(e)['quantity']])).toEqual([
      [poStream(PO_L), 3, 2],
    ]);
    expect(ofType(events, 'PurchaseOrderCreated')).toEqual([]);
    expect(ofType(events, 'PurchaseOrderCancelled')).toEqual([]);

    expect(await get(`/accounts/${S}/orders/${ONE.order}`)).toMatchObject({
      status: 'PENDING_INVENTORY',
      lines: [{ sku: ONE.sku, quantity: 4, assigned: 2, pending: 2 }],
      purchaseOrders: [{ purchaseOrderId: PO_L }],
    });
    expect(await get(`/accounts/${S}/purchase-orders/${PO_L}`)).toMatchObject({ status: 'APPROVED', lines: [{ sku: ONE.sku, quantity: 2, receivedQuantity: 0 }] });
    expect(await get(`/accounts/${V}/orders/${VO_L}`)).toMatchObject({ status: 'READY', lines: [{ sku: ONE.sku, quantity: 2, assigned: 2, pending: 0 }] });
    expect(await get(`/accounts/${V}/inventory?sku=${ONE.sku}`)).toMatchObject([{ onHand: 10, assigned: 2, available: 8 }]);
    expect((await get(`/accounts/${S}/purchase-orders?sourceOrderId=${ONE.order}`)).items).toHaveLength(1);
  },
};

const LINE_TWO: Flow = {
  name: 'line 8 → 3 (two POs)',
  method: 'PATCH',
  url: lineUrl(TWO),
  body: { quantity: 3 },
  checkAnswer: (answer) =>
    expect(answer).toMatchObject({
      status: 200,
      body: { orderId: TWO.order, status: 'PENDING_INVENTORY', lines: [{ sku: TWO.sku, quantity: 3, assigned: 2, pending: 1 }] },
    }),
  checkAtCrash: (point, events) => {
    if (point.endsWith('#1')) {
      // The newest PO's vendor order was cancelled; that PO not yet, the first PO not touched.
      expect(typesIn(events, orderStream(V, VO_M2))).toEqual(expect.arrayContaining(['OrderLineChanged', 'OrderCancelled']));
      expect(ofType(events, 'PurchaseOrderLineReduced')).toEqual([]);
      expect(typesIn(events, orderStream(V, VO_M1))).toEqual([]);
    } else {
      // The newest PO done; the first PO's vendor order shrank 3 → 1, that PO not yet.
      expect(ofType(events, 'PurchaseOrderLineReduced').map((e) => e.streamName)).toEqual([poStream(PO_M2)]);
      expect(ofType(events, 'PurchaseOrderCancelled').map((e) => e.streamName)).toEqual([poStream(PO_M2)]);
      expect(ofType(events, 'OrderLineChanged', orderStream(V, VO_M1)).map(data)).toEqual([{ change: 1, sku: TWO.sku, previousQuantity: 3, quantity: 1 }]);
    }
    expect(ofType(events, 'OrderLineChangeCompleted', orderStream(S, TWO.order))).toEqual([]);
  },
  checkEnd: async (events, all, get) => {
    const order = orderStream(S, TWO.order);
    expect(ofType(events, 'OrderLineChanged', order).map(data)).toEqual([{ change: 2, sku: TWO.sku, previousQuantity: 8, quantity: 3 }]);
    expect(ofType(events, 'OrderLineChangeCompleted', order).map(data)).toEqual([
      {
        change: 2,
        sku: TWO.sku,
        purchaseOrders: [
          { purchaseOrderId: PO_M1, previousQuantity: 3, quantity: 1, status: 'APPROVED' },
          { purchaseOrderId: PO_M2, previousQuantity: 3, quantity: 0, status: 'CANCELLED' },
        ],
      },
    ]);
    // Each vendor order changed once: the newest to 0 (cancelled), the first 3 → 1.
    expect(ofType(events, 'OrderLineChanged', orderStream(V, VO_M2)).map(data)).toEqual([{ change: 1, sku: TWO.sku, previousQuantity: 3, quantity: 0 }]);
    expect(ofType(events, 'OrderCancelled', orderStream(V, VO_M2))).toHaveLength(1);
    expect(ofType(events, 'OrderLineChanged', orderStream(V, VO_M1)).map(data)).toEqual([{ change: 1, sku: TWO.sku, previousQuantity: 3, quantity: 1 }]);
    const vBin = `bin-${V}.main.default`;
    const released = new Map<string, number>();
    for (const e of ofType(events, 'StockReleased', vBin)) released.set(data(e)['orderId'], (released.get(data(e)['orderId']) ?? 0) + data(e)['assigned']);
    expect(Object.fromEntries(released)).toEqual({ [VO_M2]: 3, [VO_M1]: 2 });
    // Each PO line reduced once; the newest PO cancelled once; no new PO.
    expect(ofType(events, 'PurchaseOrderLineReduced').map((e) => [e.streamName, data(e)['previousQuantity'], data(e)['quantity']])).toEqual([
      [poStream(PO_M2), 3, 0],
      [poStream(PO_M1), 3, 1],
    ]);
    expect(ofType(events, 'PurchaseOrderCancelled').map((e) => e.streamName)).toEqual([poStream(PO_M2)]);
    expect(ofType(events, 'PurchaseOrderCreated')).toEqual([]);
    expect(ofType(all, 'PurchaseOrderCreated').filter((e) => data(e)['sourceOrderId'] === TWO.order)).toHaveLength(2);

    expect(await get(`/accounts/${S}/orders/${TWO.order}`)).toMatchObject({
      status: 'PENDING_INVENTORY',
      lines: [{ sku: TWO.sku, quantity: 3, assigned: 2, pending: 1 }],
      purchaseOrders: [{ purchaseOrderId: PO_M1 }, { purchaseOrderId: PO_M2 }],
    });
    expect(await get(`/accounts/${S}/purchase-orders/${PO_M1}`)).toMatchObject({ status: 'APPROVED', lines: [{ sku: TWO.sku, quantity: 1, receivedQuantity: 0 }] });
    expect(await get(`/accounts/${S}/purchase-orders/${PO_M2}`)).toMatchObject({ status: 'CANCELLED', lines: [{ sku: TWO.sku, quantity: 0 }] });
    expect(await get(`/accounts/${V}/orders/${VO_M1}`)).toMatchObject({ status: 'READY', lines: [{ sku: TWO.sku, quantity: 1, assigned: 1, pending: 0 }] });
    expect(await get(`/accounts/${V}/orders/${VO_M2}`)).toMatchObject({ status: 'CANCELLED' });
    expect(await get(`/accounts/${V}/inventory?sku=${TWO.sku}`)).toMatchObject([{ onHand: 10, assigned: 1, available: 9 }]);
  },
};

const CLOSE_PO: Flow = {
  name: 'S closes the PO (1 of 3 received)',
  method: 'POST',
  url: `/accounts/${S}/purchase-orders/${PO_C}/close`,
  body: { reason: 'Too slow' },
  checkAnswer: (answer) =>
    expect(answer).toMatchObject({
      status: 200,
      body: { purchaseOrderId: PO_C, status: 'CLOSED', lines: [{ sku: CLOSE.sku, quantity: 3, receivedQuantity: 1, closedQuantity: 2 }] },
    }),
  checkAtCrash: (_point, events) => {
    // The vendor order ended (closed short: 1 handed over); the PO is not closed yet.
    expect(typesIn(events, poStream(PO_C))).toEqual(['PurchaseOrderCloseRequested']);
    expect(ofType(events, 'OrderClosedShort', orderStream(V, VO_C))).toHaveLength(1);
    expect(ofType(events, 'PurchaseOrderCreated')).toEqual([]);
  },
  checkEnd: async (events, all, get) => {
    // One close request, one close of the PO, one end of the vendor order.
    expect(ofType(events, 'PurchaseOrderCloseRequested').map((e) => e.streamName)).toEqual([poStream(PO_C)]);
    expect(ofType(events, 'PurchaseOrderClosed').map((e) => [e.streamName, data(e)['lines'], data(e)['closedShort']])).toEqual([
      [poStream(PO_C), [{ sku: CLOSE.sku, closedQuantity: 2 }], true],
    ]);
    expect(ofType(events, 'OrderClosedShort').map((e) => e.streamName)).toEqual([orderStream(V, VO_C)]);
    expect(ofType(events, 'OrderCancelled')).toEqual([]);
    // V's 2 assigned and not handed over are released once.
    expect(ofType(events, 'StockReleased', `bin-${V}.main.default`).map((e) => [data(e)['orderId'], data(e)['assigned']])).toEqual([[VO_C, 2]]);
    // The source order records the close once and sources again once: one new PO, to V2, of 2.
    const order = orderStream(S, CLOSE.order);
    expect(ofType(events, 'VendorClosedShort', order).map((e) => [data(e)['purchaseOrderId'], data(e)['vendorAccountId'], data(e)['lines']])).toEqual([
      [PO_C, V, [{ sku: CLOSE.sku, quantity: 2 }]],
    ]);
    expect(ofType(events, 'PurchaseOrderCreated').map((e) => [e.streamName, data(e)['vendorAccountId'], data(e)['lines']])).toEqual([
      [poStream(PO_C2), V2, [{ sku: CLOSE.sku, quantity: 2 }]],
    ]);
    expect(ofType(events, 'PurchaseOrderLinked', order).map((e) => data(e)['purchaseOrderId'])).toEqual([PO_C2]);
    expect(events.filter((e) => e.type === 'OrderPlaced' && e.streamName.startsWith(`order-${V2}.`)).map((e) => e.streamName)).toEqual([
      orderStream(V2, VO_C2),
    ]);
    expect(ofType(all, 'PurchaseOrderCreated').filter((e) => data(e)['sourceOrderId'] === CLOSE.order)).toHaveLength(2);

    expect(await get(`/accounts/${S}/purchase-orders/${PO_C}`)).toMatchObject({
      status: 'CLOSED',
      lines: [{ sku: CLOSE.sku, quantity: 3, receivedQuantity: 1, closedQuantity: 2 }],
      grns: [{ grnId: GRN_C }],
    });
    expect(await get(`/accounts/${V}/orders/${VO_C}`)).toMatchObject({ status: 'CLOSED_SHORT', lines: [{ sku: CLOSE.sku, quantity: 3, handedOver: 1, assigned: 0 }] });
    expect(await get(`/accounts/${V}/inventory?sku=${CLOSE.sku}`)).toMatchObject([{ onHand: 9, assigned: 0, available: 9 }]);
    const pos = await get(`/accounts/${S}/purchase-orders?sourceOrderId=${CLOSE.order}`);
    expect(pos.items.map((p: { purchaseOrderId: string }) => p.purchaseOrderId).sort()).toEqual([PO_C, PO_C2].sort());
    expect(await get(`/accounts/${S}/purchase-orders/${PO_C2}`)).toMatchObject({ status: 'APPROVED', vendorAccountId: V2, vendorOrderId: VO_C2, lines: [{ sku: CLOSE.sku, quantity: 2 }] });
    expect(await get(`/accounts/${V2}/orders/${VO_C2}`)).toMatchObject({ status: 'READY', lines: [{ sku: CLOSE.sku, quantity: 2, assigned: 2 }] });
    expect(await get(`/accounts/${S}/orders/${CLOSE.order}`)).toMatchObject({
      status: 'PENDING_INVENTORY',
      lines: [{ sku: CLOSE.sku, quantity: 5, assigned: 3, pending: 2, closedShort: 2 }],
      purchaseOrders: [{ purchaseOrderId: PO_C }, { purchaseOrderId: PO_C2 }],
      pendingReasons: [{ sku: CLOSE.sku, reason: 'AWAITING_VENDOR' }],
      passedOverVendors: [{ round: 3, sku: CLOSE.sku, vendorAccountId: V, reason: 'CLOSED_SHORT' }],
    });
  },
};

/** Quiet, a clean restart that writes nothing, and every check of the end state. */
const finishAndCheck = async (driver: CrashDriver, flow: Flow): Promise<RecordedEvent[]> => {
  const before = await driver.waitUntilQuiet();
  await driver.cleanRestart();
  const events = await driver.waitUntilQuiet();
  expect(describeLog(events.slice(before.length))).toBe('');

  expect(logIntegrityProblems(events)).toEqual([]);
  expect(checkInvariants(foldLog(events))).toEqual([]);
  // Nothing parked by any processor.
  expect(describeLog(events.filter((e) => e.streamName.startsWith('parked-')))).toBe('');
  const processors = await driver.get('/admin/processors');
  expect(processors).toMatchObject({ status: 200 });
  expect(processors!.body.processors.flatMap((p: { name: string; parked: unknown[] }) => p.parked.map((x) => [p.name, x]))).toEqual([]);

  const get = async (url: string) => {
    const answer = await driver.get(url);
    expect(answer).toMatchObject({ status: 200 });
    return answer!.body;
  };
  await flow.checkEnd(events.slice(template.events), events, get);
  return events;
};

// ---- one test per crash point and pass ----------------------------------------------------------

const POINTS: readonly { point: string; flow: Flow; where: string }[] = [
  { point: 'line-change:vendor-order-changed#1', flow: LINE_ONE, where: 'the vendor order shrank 3 → 2, the PO line not yet' },
  { point: 'line-change:vendor-order-changed#1', flow: LINE_TWO, where: 'the newest vendor order cancelled, its PO not yet cut' },
  { point: 'line-change:vendor-order-changed#2', flow: LINE_TWO, where: 'the newest PO cancelled, the first vendor order shrank 3 → 1, its PO not yet' },
  { point: 'po:close-vendor-order-ended#1', flow: CLOSE_PO, where: 'the vendor order closed short, the PO not yet closed' },
];

describe('a kill -9 at the crash points of line changes and PO closes, then a restart and the same request', () => {
  let driver: CrashDriver | undefined;
  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it.each(POINTS)('$point, $flow.name: $where', async ({ point, flow }) => {
    const startedAt = Date.now();
    const path = join(mkdtempSync(join(root, 'point-')), 'events.sqlite');
    copySqlite(template.path, path);
    const [name, pass] = point.split('#') as [string, string];
    driver = new CrashDriver(path);
    // The template is quiet (every checkpoint at its end): the passes counted are the step's.
    const faulty = await driver.start({ FAULT_CRASH_AT: point });

    // The step: the child kills itself inside it, before it answers.
    const first = await faulty.request(flow.method, flow.url, flow.body);
    expect(first).toHaveProperty('failed');
    expect(await faulty.exited).toMatchObject({ signal: 'SIGKILL' });
    const atCrash = await readLog(path);
    flow.checkAtCrash(point, atCrash.slice(template.events));

    // Restarted without the fault; the same request again answers the step's outcome.
    const again = await driver.step(flow.method, flow.url, flow.body, [200]);
    const crashes = driver.deaths.filter((d) => d.reason === 'crash');
    expect(crashes.map((d) => d.signal)).toEqual(['SIGKILL']);
    expect(crashes[0]!.output).toContain(`FAULT_CRASH_AT: killing the process at ${name} (pass ${pass})`);
    flow.checkAnswer(again);

    // Once quiet, the same request once more: the same answer, nothing written.
    const settled = await driver.waitUntilQuiet();
    flow.checkAnswer(await driver.step(flow.method, flow.url, flow.body, [200]));
    await sleep(300);
    expect(describeLog((await driver.waitUntilQuiet()).slice(settled.length))).toBe('');

    const events = await finishAndCheck(driver, flow);
    expect(driver.deaths.filter((d) => d.reason === 'killed')).toEqual([]);
    summary.push(
      `${point} (${flow.name}): ${atCrash.length - template.events} step events at the crash, ${events.length - template.events} in the end; ` +
        `${driver.startCount} starts; ${Date.now() - startedAt} ms`,
    );
  }, 60000);
});

// ---- kill -9 at a random moment of each step -----------------------------------------------------

describe('a kill -9 at a random moment of the step, then a restart and the same request', () => {
  /**
   * Measured from the send, the kill lands before the request wrote anything or after it answered
   * on most machines (the step takes some 20-30 ms): the delay is counted from the step's first
   * event in the log instead, so that it lands inside the step (or just after its answer).
   */
  const SEED = Number(process.env['CRASH_CLOSING_SEED'] ?? 20260315);
  const random = seededRandom(SEED);
  const plan = [LINE_TWO, CLOSE_PO].map((flow) => ({ flow, delayMs: Math.floor(random() * 25) }));
  let driver: CrashDriver | undefined;
  afterEach(async () => {
    await driver?.stop();
    driver = undefined;
  });

  it.each(plan)(`seed ${SEED}: $flow.name, killed $delayMs ms after its first event`, async ({ flow, delayMs }) => {
    const startedAt = Date.now();
    const path = join(mkdtempSync(join(root, 'random-')), 'events.sqlite');
    copySqlite(template.path, path);
    driver = new CrashDriver(path);
    const current = driver;
    await current.start();

    let killedWith: number | undefined;
    const watcher = openSqliteDatabase({ path });
    const count = () => (watcher.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    const killed = (async () => {
      try {
        const deadline = Date.now() + 10000;
        while (count() <= template.events) {
          if (Date.now() > deadline) throw new Error('the step wrote nothing');
          await sleep(1);
        }
        await sleep(delayMs);
        killedWith = count() - template.events;
        await current.killNow();
      } finally {
        watcher.close();
      }
    })();
    // Sent; repeated by the driver on a restarted child when the kill cut it.
    const sent = current.step(flow.method, flow.url, flow.body, [200]);
    const [first] = await Promise.all([sent, killed]);
    const cut = current.startCount > 1;
    flow.checkAnswer(first);
    // The same request again, on the child that runs after the kill.
    await current.ensureUp();
    flow.checkAnswer(await current.step(flow.method, flow.url, flow.body, [200]));
    expect(current.deaths.map((d) => [d.reason, d.signal])).toEqual([['killed', 'SIGKILL']]);

    const events = await finishAndCheck(current, flow);
    summary.push(
      `random +${delayMs} ms (${flow.name}, seed ${SEED}): killed with ${killedWith} of ${events.length - template.events} step events in the log` +
        `${cut ? ', the answer cut' : ', after the answer'}; ${current.startCount} starts; ${Date.now() - startedAt} ms`,
    );
  }, 60000);
});
