/**
 * `npm run bench:rebuild`: how fast `ReadModelsService.rebuild()` replays a realistic SQLite log into
 * the in-memory read store, against the floor a rebuild cannot beat (read + parse every event).
 *
 * Generation (not measured; its time is printed separately). A SQLite log in a temp dir
 * (durability `normal`) filled to at least BENCH_EVENTS (default 200000) events by driving the REAL
 * write side: `AccountsService`, `InventoryService`, `OrdersService`, `PurchaseOrdersService` and,
 * for the two steps no service offers (linking a PO to its order / a vendor order to its PO,
 * recording why a quantity is pending, cancelling a PO), `CommandPath.handle` with the domain's own
 * commands. So every event is decided by the real deciders, carries the real metadata and ids, and
 * passes its aggregate's zod schema; revisions are whatever the command path appended. No event is
 * appended by hand. For speed only, the appends run inside large explicit SQLite transactions
 * (`BEGIN` ... `COMMIT` every GEN_COMMIT_EVERY orders; the adapter's own per-append transaction
 * becomes a savepoint inside it). The workload is deterministic (fixed-seed PRNG):
 * - 4 sellers and 3 vendors (AccountOpened), settings changes, 4 extra bins per account
 *   (BinAdded), ~85% of 300 SKUs per seller mapped to a vendor (VendorMapped), a few unmapped /
 *   remapped; one seller requires order approval.
 * - Opening stock in the Default Bin and some extra bins of every account, then replenishment
 *   (StockAdjusted, positive and occasionally negative) as orders go on.
 * - Orders of 1-4 lines with popular and rare SKUs (OrderPlaced, then an assignment round:
 *   StockAssigned in each bin that gives stock + InventoryAssigned / InventoryAssignmentCompleted
 *   in the order); approvals for the approving seller; later re-assignment rounds for some pending
 *   orders (InventoryAssignmentRequested).
 * - Backorders: for an order left short, a PO per mapped vendor (PurchaseOrderCreated +
 *   PurchaseOrderLinked), a vendor order placed in the vendor's account for it (OrderPlaced with
 *   source, its own assignment round) and VendorOrderLinked, or VendorOrderRefused; unmapped SKUs
 *   get PendingReasonRecorded. Later the vendor hands over (OrderHandedOver + StockHandedOver) and
 *   the seller receives a GRN on the PO (GoodsReceived, GoodsInwarded reserved for the order, and
 *   a GRN round assigning from the reserved goods).
 * - Handovers (full and partial) of ~60% of orders, some of them long after placement (so the
 *   projection's bounded fold cache also misses, as it does on a real log); cancellations of ~7%
 *   (OrderCancelled + StockReleased, PurchaseOrderCancelled for their POs without GRNs).
 *
 * Measured (after generation, on a freshly opened SqliteEventStore over the same file):
 * - rebuild: `ReadModelsService.rebuild()`, constructed exactly as ReadModelsModule does for
 *   memory; one warm-up rebuild (not measured), then BENCH_ROUNDS (default 3) measured rebuilds.
 *   Reported: best and median; the headline is the median.
 * - baseline: `readAll` in batches of 2000 + `parseRecordedEvent` (the aggregate's zod schema, as
 *   the projection does) of every event, nothing else. One warm-up, then one run before each
 *   measured rebuild (interleaved); median reported.
 *
 * Human-readable lines first; the LAST line is one JSON object: {"events", "seconds",
 * "eventsPerSec", ...} for the median rebuild, then extra keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AccountAggregate, BinAggregate, OrderAggregate, PurchaseOrderAggregate } from '@app/application/aggregates';
import { Aggregate } from '@app/application/command-path/aggregate';
import { CommandContext } from '@app/application/command-path/command-context';
import { CommandPath, parseRecordedEvent } from '@app/application/command-path/command-path';
import { AccountsService } from '@app/application/services/accounts.service';
import { InventoryService } from '@app/application/services/inventory.service';
import { OrdersService } from '@app/application/services/orders.service';
import { PurchaseOrdersService } from '@app/application/services/purchase-orders.service';
import { mappedVendor } from '@app/domain/account/account.decider';
import { DomainError } from '@app/domain/shared/decider';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { orderLines, orderStatus } from '@app/domain/order/order.decider';
import { orderStream, parseStreamName, purchaseOrderStream } from '@app/domain/shared/streams';
import { EventStore, ProcessorRunner } from '@app/event-store';
import { openSqliteDatabase, SqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { MemoryCheckpointStore } from '../src/memory-checkpoint-store';
import { COLLECTIONS } from '../src/projections/read-models.projection';
import { ReadModelsService } from '../src/read-models.service';
import { MemoryReadStore } from '../src/store/memory-read-store';

// ---------------------------------------------------------------------------------------------
// Configuration

const intFromEnv = (name: string, fallback: number, min: number): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got "${text}"`);
  return value;
};

const EVENTS = intFromEnv('BENCH_EVENTS', 200_000, 1);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1);
const READ_BATCH = 2_000;
/** Orders per explicit generation transaction. */
const GEN_COMMIT_EVERY = 500;

const SELLERS = ['seller-north', 'seller-south', 'seller-east', 'seller-west'] as const;
/** Orders per seller are weighted: north is the busiest. */
const SELLER_WEIGHTS = [0.4, 0.2, 0.25, 0.15];
/** This seller requires approval of every order. */
const APPROVING_SELLER = 'seller-south';
const VENDORS = ['vendor-acme', 'vendor-globex', 'vendor-initech'] as const;
const EXTRA_BINS = ['A-01', 'A-02', 'B-01', 'B-02'];
const SKU_COUNT = 300;
const SKUS = Array.from({ length: SKU_COUNT }, (_, i) => `SKU-${String(i + 1).padStart(5, '0')}`);

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

const mulberry32 = (seed: number) => (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const random = mulberry32(0x5eed);
const chance = (p: number): boolean => random() < p;
const between = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const pickWeighted = <T>(items: readonly T[], weights: readonly number[]): T => {
  let r = random();
  for (let i = 0; i < items.length; i++) {
    r -= weights[i]!;
    if (r < 0) return items[i]!;
  }
  return items[items.length - 1]!;
};
/** Skewed popularity: low SKU numbers sell much more often than high ones. */
const popularSku = (): string => SKUS[Math.min(SKU_COUNT - 1, Math.floor(SKU_COUNT * random() ** 2.2))]!;

// ---------------------------------------------------------------------------------------------
// Generation through the real write side

interface Generated {
  readonly events: number;
  readonly orders: number;
  readonly purchaseOrders: number;
  readonly byType: readonly { type: string; count: number }[];
}

class Workload {
  private readonly commands: CommandPath;
  private readonly accounts: AccountsService;
  private readonly inventory: InventoryService;
  private readonly orders: OrdersService;
  private readonly purchaseOrders: PurchaseOrdersService;

  private commandSeq = 0;
  private clock = Date.UTC(2025, 0, 6, 8, 0, 0);
  private orderSeq = 0;
  private step = 0;
  private readonly agenda = new Map<number, (() => Promise<void>)[]>();
  ordersPlaced = 0;
  purchaseOrdersCreated = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: SqliteEventStore,
  ) {
    // Wired as ApplicationModule wires them.
    this.commands = new CommandPath(store);
    this.accounts = new AccountsService(this.commands);
    this.inventory = new InventoryService(this.commands, this.accounts);
    this.orders = new OrdersService(this.commands, this.accounts, this.inventory);
    this.purchaseOrders = new PurchaseOrdersService(this.commands, this.orders);
  }

  private context(actor: string, correlationId?: string): CommandContext {
    const commandId = `bench-${++this.commandSeq}`;
    this.clock += between(1_000, 40_000);
    return { commandId, correlationId: correlationId ?? commandId, causationId: commandId, actor, occurredAt: new Date(this.clock).toISOString() };
  }

  private schedule(lag: number, task: () => Promise<void>): void {
    const at = this.step + Math.max(1, lag);
    const tasks = this.agenda.get(at);
    if (tasks) tasks.push(task);
    else this.agenda.set(at, [task]);
  }

  /** Domain refusals are part of real traffic (e.g. a shrinkage below what is committed): skipped. */
  private async tolerant(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }

  async run(target: number): Promise<Generated> {
    this.db.exec('BEGIN');
    await this.setUp();
    this.db.exec('COMMIT');
    this.db.exec('BEGIN');
    let head = (await this.store.headPosition()) ?? 0n;
    while (head < BigInt(target)) {
      this.step++;
      for (const task of this.agenda.get(this.step) ?? []) await task();
      this.agenda.delete(this.step);
      await this.oneOrder();
      if (this.step % 25 === 0) await this.replenish();
      if (this.step % GEN_COMMIT_EVERY === 0) {
        this.db.exec('COMMIT');
        this.db.exec('BEGIN');
      }
      head = (await this.store.headPosition()) ?? 0n;
    }
    this.db.exec('COMMIT');
    const byType = this.db
      .prepare<[], { type: string; count: number | bigint }>('SELECT type, COUNT(*) AS count FROM events GROUP BY type ORDER BY count DESC')
      .all()
      .map(({ type, count }) => ({ type, count: Number(count) }));
    return { events: Number(head), orders: this.ordersPlaced, purchaseOrders: this.purchaseOrdersCreated, byType };
  }

  private async setUp(): Promise<void> {
    const admin = () => this.context('admin');
    for (const vendor of VENDORS) {
      await this.accounts.openAccount(
        { accountId: vendor, name: `Vendor ${vendor}`, accountType: 'vendor', settings: { allowOrdersWithoutInventory: true } },
        admin(),
      );
      await this.accounts.changeSettings(vendor, { isB2bNew: true }, admin());
      await this.accounts.changeSettings(vendor, { vendorPanelType: 2 }, admin());
      for (const bin of EXTRA_BINS) await this.accounts.addBin(vendor, MAIN_LOCATION_ID, bin, admin());
    }
    for (const seller of SELLERS) {
      await this.accounts.openAccount(
        {
          accountId: seller,
          name: `Seller ${seller}`,
          accountType: 'seller',
          settings: { allowOrdersWithoutInventory: true, orderApprovalRequired: seller === APPROVING_SELLER },
        },
        admin(),
      );
      await this.accounts.changeSettings(seller, { autoPoVendorLevel: true, autoGrnThroughBackOrder: true }, admin());
      await this.accounts.changeSettings(seller, { isB2bNew: true }, admin());
      for (const bin of EXTRA_BINS) await this.accounts.addBin(seller, MAIN_LOCATION_ID, bin, admin());
      for (const sku of SKUS) {
        if (chance(0.85)) await this.accounts.mapVendor(seller, sku, pick(VENDORS), admin());
      }
      // A few SKUs change vendor or lose theirs.
      for (let i = 0; i < 12; i++) await this.accounts.unmapVendor(seller, pick(SKUS), admin());
      for (let i = 0; i < 12; i++) await this.accounts.mapVendor(seller, pick(SKUS), pick(VENDORS), admin());
    }
    // Opening stock: the Default Bin for most SKUs, an extra bin for some; vendors hold plenty.
    for (const seller of SELLERS) {
      for (const sku of SKUS) {
        if (chance(0.8)) await this.adjust(seller, sku, DEFAULT_BIN_ID, between(5, 60), 'opening stock');
        if (chance(0.35)) await this.adjust(seller, sku, pick(EXTRA_BINS), between(5, 40), 'opening stock');
      }
    }
    for (const vendor of VENDORS) {
      for (const sku of SKUS) {
        await this.adjust(vendor, sku, DEFAULT_BIN_ID, between(300, 1_500), 'opening stock');
        if (chance(0.3)) await this.adjust(vendor, sku, pick(EXTRA_BINS), between(100, 500), 'opening stock');
      }
    }
  }

  private async adjust(accountId: string, sku: string, binId: string, quantity: number, reason: string): Promise<void> {
    await this.tolerant(() =>
      this.inventory.adjustStock(
        accountId,
        { adjustmentId: `adj-${this.commandSeq + 1}`, sku, quantity, locationId: MAIN_LOCATION_ID, binId, reason },
        this.context(`account:${accountId}`),
      ),
    );
  }

  /** Goods come in (and now and then go missing) as orders go on. */
  private async replenish(): Promise<void> {
    const seller = pickWeighted(SELLERS, SELLER_WEIGHTS);
    for (let i = 0; i < 8; i++) {
      await this.adjust(seller, popularSku(), chance(0.7) ? DEFAULT_BIN_ID : pick(EXTRA_BINS), between(10, 60), 'goods in');
    }
    if (chance(0.15)) await this.adjust(seller, popularSku(), DEFAULT_BIN_ID, -between(1, 5), 'shrinkage');
    if (this.step % 100 === 0) {
      const vendor = pick(VENDORS);
      for (let i = 0; i < 20; i++) await this.adjust(vendor, popularSku(), DEFAULT_BIN_ID, between(100, 400), 'goods in');
    }
  }

  private async oneOrder(): Promise<void> {
    const seller = pickWeighted(SELLERS, SELLER_WEIGHTS);
    const orderId = `SO-${++this.orderSeq}`;
    const skus = new Set<string>();
    const lineCount = pickWeighted([1, 2, 3, 4], [0.35, 0.35, 0.2, 0.1]);
    while (skus.size < lineCount) skus.add(popularSku());
    const lines = [...skus].map((sku) => ({ sku, quantity: between(1, 12) }));
    const correlationId = orderStream(seller, orderId);
    const context = () => this.context(`account:${seller}`, correlationId);

    await this.orders.placeOrder(seller, { orderId, customer: `customer-${between(1, 2_000)}`, lines }, context());
    this.ordersPlaced++;

    if (seller === APPROVING_SELLER) {
      if (chance(0.95)) this.schedule(between(5, 150), () => this.tolerant(() => this.orders.approveOrder(seller, orderId, context())));
      else this.schedule(between(50, 300), () => this.cancel(seller, orderId, context));
      // Pending quantity of an approved order is handled like any other, once approved.
      this.schedule(between(160, 400), () => this.afterPlacement(seller, orderId, context));
    } else {
      await this.afterPlacement(seller, orderId, context);
    }
  }

  /** Backorders for what is pending, then the order's later life: handover or cancellation. */
  private async afterPlacement(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const status = orderStatus(state);
    if (status === 'UNAPPROVED' || status === 'CANCELLED') return;
    if (status === 'PENDING_INVENTORY') {
      if (chance(0.7)) await this.backorder(seller, orderId, context);
      else if (chance(0.3)) this.schedule(between(50, 400), () => this.tolerant(() => this.orders.assignOrder(seller, orderId, context())));
    }
    const fate = random();
    if (fate < 0.07) this.schedule(between(20, 600), () => this.cancel(seller, orderId, context));
    else if (fate < 0.1) this.schedule(between(8_000, 15_000), () => this.handOver(seller, orderId, context)); // long after
    else if (fate < 0.67) this.schedule(between(30, 2_500), () => this.handOver(seller, orderId, context));
  }

  private async backorder(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const account = await this.accounts.get(seller);
    const byVendor = new Map<string, { sku: string; quantity: number }[]>();
    for (const line of orderLines(state)) {
      if (line.pending <= 0) continue;
      const vendor = mappedVendor(account, line.sku);
      if (vendor === undefined) {
        await this.commands.handle(OrderAggregate, orderStream(seller, orderId), { type: 'RecordPendingReason', sku: line.sku, reason: 'SKU_NOT_MAPPED' }, context());
        continue;
      }
      const lines = byVendor.get(vendor) ?? [];
      lines.push({ sku: line.sku, quantity: line.pending });
      byVendor.set(vendor, lines);
    }
    for (const [vendor, lines] of byVendor) {
      const purchaseOrderId = `PO-${orderId.slice(3)}-${vendor.slice(7)}`;
      await this.purchaseOrders.createPurchaseOrder(
        seller,
        { purchaseOrderId, vendorAccountId: vendor, sourceOrderId: orderId, lines, chain: [seller] },
        context(),
      );
      this.purchaseOrdersCreated++;
      await this.commands.handle(
        OrderAggregate,
        orderStream(seller, orderId),
        { type: 'LinkPurchaseOrder', purchaseOrderId, vendorAccountId: vendor, accountId: seller, lines },
        context(),
      );
      if (chance(0.08)) {
        await this.commands.handle(
          PurchaseOrderAggregate,
          purchaseOrderStream(seller, purchaseOrderId),
          { type: 'RefuseVendorOrder', reason: 'The vendor does not receive automatic orders' },
          context(),
        );
        for (const { sku } of lines) {
          await this.commands.handle(OrderAggregate, orderStream(seller, orderId), { type: 'RecordPendingReason', sku, reason: 'VENDOR_NOT_ELIGIBLE' }, context());
        }
        // Bought by phone instead: a manual GRN later, for some.
        if (chance(0.5)) this.schedule(between(100, 1_500), () => this.receive(seller, purchaseOrderId, lines, undefined, context));
        continue;
      }
      const vendorOrderId = `VO-${purchaseOrderId}`;
      const vendorContext = () => this.context(`processor:backorders`, orderStream(seller, orderId));
      await this.orders.placeOrder(
        vendor,
        { orderId: vendorOrderId, lines, source: { purchaseOrderId, sellerAccountId: seller }, chain: [seller] },
        vendorContext(),
        { enforceStockPolicy: false },
      );
      this.ordersPlaced++;
      await this.commands.handle(PurchaseOrderAggregate, purchaseOrderStream(seller, purchaseOrderId), { type: 'LinkVendorOrder', vendorOrderId }, vendorContext());
      this.schedule(between(50, 3_000), () => this.vendorShips(seller, purchaseOrderId, vendor, vendorOrderId, vendorContext));
    }
  }

  /** The vendor hands over what its order holds, and the seller receives it on the PO (a GRN). */
  private async vendorShips(
    seller: string,
    purchaseOrderId: string,
    vendor: string,
    vendorOrderId: string,
    context: () => CommandContext,
  ): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(vendor, vendorOrderId));
    if (orderStatus(state) === 'CANCELLED') return;
    if (orderLines(state).some((line) => line.pending > 0)) await this.orders.assignOrder(vendor, vendorOrderId, context());
    const { state: now } = await this.commands.load(OrderAggregate, orderStream(vendor, vendorOrderId));
    const ready = orderLines(now).filter((line) => line.assigned > line.handedOver);
    if (ready.length === 0) return;
    // Most ship everything at once; some ship the first line first and the rest later.
    const partial = ready.length > 1 && chance(0.2);
    const handoverId = `HO-${this.commandSeq + 1}`;
    const handed = await this.orders.handOverOrder(
      vendor,
      vendorOrderId,
      { handoverId, ...(partial ? { lines: [{ sku: ready[0]!.sku, quantity: ready[0]!.assigned - ready[0]!.handedOver }] } : {}) },
      context(),
    );
    await this.receive(seller, purchaseOrderId, handed.lines, handoverId, context);
    if (partial) this.schedule(between(50, 500), () => this.vendorShips(seller, purchaseOrderId, vendor, vendorOrderId, context));
  }

  private async receive(
    seller: string,
    purchaseOrderId: string,
    lines: readonly { sku: string; quantity: number }[],
    handoverId: string | undefined,
    context: () => CommandContext,
  ): Promise<void> {
    await this.tolerant(() =>
      this.purchaseOrders.receiveGoods(
        seller,
        purchaseOrderId,
        { grnId: `GRN-${this.commandSeq + 1}`, ...(handoverId === undefined ? {} : { handoverId }), lines },
        context(),
      ),
    );
  }

  private async handOver(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const status = orderStatus(state);
    if (status === 'CANCELLED' || status === 'UNAPPROVED' || status === 'HANDED_OVER') return;
    const ready = orderLines(state).filter((line) => line.assigned > line.handedOver);
    if (ready.length === 0) return;
    const partial = chance(0.25);
    const line = ready[0]!;
    const lines = partial ? [{ sku: line.sku, quantity: Math.max(1, (line.assigned - line.handedOver) >> 1) }] : undefined;
    await this.orders.handOverOrder(seller, orderId, { handoverId: `HO-${this.commandSeq + 1}`, ...(lines ? { lines } : {}) }, context());
    // The rest of a partial handover goes later.
    if (partial) this.schedule(between(50, 800), () => this.handOver(seller, orderId, context));
  }

  private async cancel(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const status = orderStatus(state);
    if (status === 'CANCELLED' || status === 'HANDED_OVER') return;
    await this.orders.cancelOrder(seller, orderId, context());
    for (const po of state.purchaseOrders) {
      const { state: poState } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(seller, po.purchaseOrderId));
      if (poState.grns.length > 0 || poState.cancellation !== undefined) continue;
      await this.commands.handle(
        PurchaseOrderAggregate,
        purchaseOrderStream(seller, po.purchaseOrderId),
        { type: 'CancelPurchaseOrder', reason: 'The source order was cancelled' },
        context(),
      );
      if (poState.vendorOrderId !== undefined) {
        await this.tolerant(() => this.orders.cancelOrder(po.vendorAccountId, poState.vendorOrderId!, context()));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements

const AGGREGATES: Record<string, Aggregate<unknown, unknown, { type: string; data: unknown }>> = {
  account: AccountAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
  bin: BinAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
  order: OrderAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
  po: PurchaseOrderAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
};

/** The floor: read every event in batches of 2000 and parse it with its aggregate's schema. */
const baseline = async (events: EventStore): Promise<{ events: number; ms: number }> => {
  const started = performance.now();
  let count = 0;
  let last: bigint | undefined;
  for (;;) {
    const batch = await events.readAll({ ...(last === undefined ? {} : { after: last }), maxCount: READ_BATCH });
    if (batch.length === 0) break;
    for (const event of batch) {
      const stream = parseStreamName(event.streamName);
      if (stream) parseRecordedEvent(AGGREGATES[stream.category]!, event);
      last = event.position;
      count++;
    }
  }
  return { events: count, ms: performance.now() - started };
};

const rebuildOnce = async (service: ReadModelsService): Promise<{ events: number; ms: number; reportedMs: number }> => {
  const started = performance.now();
  const result = await service.rebuild();
  return { events: result.events, ms: performance.now() - started, reportedMs: result.durationMs };
};

// ---------------------------------------------------------------------------------------------
// Driver

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const perSec = (count: number, ms: number): number => count / (ms / 1_000);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const round3 = (n: number): number => Math.round(n * 1_000) / 1_000;

const check = (condition: boolean, message: string): void => {
  if (!condition) throw new Error(`Benchmark sanity check failed: ${message}`);
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const path = join(dir, 'events.db');

  try {
    console.log('Read-model rebuild benchmark: ReadModelsService.rebuild() from SQLite into MemoryReadStore');
    console.log(`  target events=${EVENTS}  measured rounds=${ROUNDS}  readAll batch=${READ_BATCH}  temp dir: ${dir}`);

    // ---- generation (not measured)
    const genStarted = performance.now();
    let generated: Generated;
    {
      const db = openSqliteDatabase({ path, durability: 'normal' });
      const store = new SqliteEventStore(db, { ownsDatabase: true });
      try {
        generated = await new Workload(db, store).run(EVENTS);
      } finally {
        await store.close();
      }
    }
    const genSeconds = (performance.now() - genStarted) / 1_000;
    console.log(
      `generation: ${fmt(generated.events)} events in ${genSeconds.toFixed(1)} s through the real services ` +
        `(${fmt(generated.orders)} orders incl. vendor orders, ${fmt(generated.purchaseOrders)} POs) - not measured`,
    );
    const total = generated.events;
    console.log(`  event mix: ${generated.byType.map(({ type, count }) => `${type} ${(100 * count / total).toFixed(1)}%`).join(', ')}`);

    // ---- measurements on a freshly opened store over the same file
    const db = openSqliteDatabase({ path, durability: 'normal' });
    const events = new SqliteEventStore(db, { ownsDatabase: true });
    try {
      const quiet = { log: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
      const checkpoints = new MemoryCheckpointStore();
      const runner = new ProcessorRunner(events, checkpoints, { logger: quiet });
      // As ReadModelsModule builds it for READ_STORE=memory.
      const service = new ReadModelsService(events, new MemoryReadStore(), checkpoints, runner, () => new MemoryReadStore());

      const warmBaseline = await baseline(events);
      check(warmBaseline.events === total, `baseline read ${warmBaseline.events} of ${total} events`);
      const warm = await rebuildOnce(service);
      check(warm.events === total, `rebuild applied ${warm.events} of ${total} events`);
      console.log(
        `warm-up (not measured): baseline ${(warmBaseline.ms / 1_000).toFixed(3)} s, rebuild ${(warm.ms / 1_000).toFixed(3)} s`,
      );

      const baselines: number[] = [];
      const rebuilds: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const b = await baseline(events);
        check(b.events === total, `baseline read ${b.events} of ${total} events`);
        baselines.push(b.ms);
        const r = await rebuildOnce(service);
        check(r.events === total, `rebuild applied ${r.events} of ${total} events`);
        rebuilds.push(r.ms);
        console.log(
          `round ${round}: baseline ${(b.ms / 1_000).toFixed(3)} s (${fmt(perSec(total, b.ms))} ev/s)  ` +
            `rebuild ${(r.ms / 1_000).toFixed(3)} s (${fmt(perSec(total, r.ms))} ev/s; service reported ${r.reportedMs} ms)`,
        );
      }

      // What the last rebuild produced, against what was generated.
      const store = service.store;
      const counts = {
        accounts: await store.collection(COLLECTIONS.accounts).countDocuments({}),
        stock: await store.collection(COLLECTIONS.stock).countDocuments({}),
        orders: await store.collection(COLLECTIONS.orders).countDocuments({}),
        purchaseOrders: await store.collection(COLLECTIONS.purchaseOrders).countDocuments({}),
      };
      check(counts.accounts === SELLERS.length + VENDORS.length, `${counts.accounts} account documents`);
      check(counts.orders === generated.orders, `${counts.orders} order documents, ${generated.orders} orders placed`);
      check(counts.purchaseOrders === generated.purchaseOrders, `${counts.purchaseOrders} PO documents, ${generated.purchaseOrders} created`);
      console.log(
        `read models after rebuild: ${counts.accounts} accounts, ${fmt(counts.stock)} stock rows, ${fmt(counts.orders)} orders, ` +
          `${fmt(counts.purchaseOrders)} purchase orders`,
      );

      const rebuildMedian = median(rebuilds);
      const rebuildBest = Math.min(...rebuilds);
      const baselineMedian = median(baselines);
      console.log(`rebuild over ${ROUNDS} round(s): best ${(rebuildBest / 1_000).toFixed(3)} s (${fmt(perSec(total, rebuildBest))} ev/s), median ${(rebuildMedian / 1_000).toFixed(3)} s (${fmt(perSec(total, rebuildMedian))} ev/s)`);
      console.log(
        `baseline (readAll x${READ_BATCH} + zod parse) median ${(baselineMedian / 1_000).toFixed(3)} s (${fmt(perSec(total, baselineMedian))} ev/s); ` +
          `rebuild/baseline time ratio ${(rebuildMedian / baselineMedian).toFixed(2)}x`,
      );
      console.log(
        JSON.stringify({
          events: total,
          seconds: round3(rebuildMedian / 1_000),
          eventsPerSec: Math.round(perSec(total, rebuildMedian)),
          bestSeconds: round3(rebuildBest / 1_000),
          bestEventsPerSec: Math.round(perSec(total, rebuildBest)),
          baselineSeconds: round3(baselineMedian / 1_000),
          baselineEventsPerSec: Math.round(perSec(total, baselineMedian)),
          rebuildToBaselineRatio: round3(rebuildMedian / baselineMedian),
          generationSeconds: round3(genSeconds),
        }),
      );
    } finally {
      await events.close();
    }
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
