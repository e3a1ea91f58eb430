/**
 * A realistic, deterministic workload written through the real write side, for the benchmarks that
 * need a large event log (bench:rebuild, bench). Every event is decided by the real deciders: the
 * clients' commands through the services (`AccountsService`, `InventoryService`, `OrdersService`,
 * `PurchaseOrdersService`), and after each of them the fulfilment process manager's steps, fed
 * from the log in order through its own reaction (`fulfilmentSaga.react`) and taken by the real
 * `FulfilmentService`, one at a time, as its runner would; nothing is appended by hand. For speed
 * only, appends run inside large explicit SQLite transactions. Fixed-seed PRNG: 4 sellers,
 * 3 vendors, 300 SKUs, 4 extra bins per account, orders of 1-4 lines, approvals, assignment
 * rounds, backorders (PO, vendor order, handover, GRN, reserved assignment), manual GRNs,
 * handovers, cancellations.
 */
import { ICommand } from '@nestjs/cqrs';
import { OrderAggregate, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { CommandContext } from '../src/command-path/command-context';
import { CommandPath } from '../src/command-path/command-path';
import { AccountsService } from '../src/services/accounts.service';
import { InventoryService } from '../src/services/inventory.service';
import { OrdersService } from '../src/services/orders.service';
import { PurchaseOrdersService } from '../src/services/purchase-orders.service';
import { mulberry32 } from '../../event-store/bench/mulberry32';
import { FulfilmentService } from '../src/services/fulfilment.service';
import { ClosingShortSteps } from '../src/services/closing-short.steps';
import { ExpectedDatesSteps } from '../src/services/expected-dates.steps';
import { fulfilmentSaga } from '../src/sagas/fulfilment.saga';
import { allocationSaga } from '../src/sagas/allocation.saga';
import { AllocationSteps } from '../src/services/allocation.steps';
import {
  BuyShortfallCommand,
  HandOverAtBinsCommand,
  InwardGoodsCommand,
  InwardHandoverCommand,
  OpenVendorOrderCommand,
  RunAssignmentRoundCommand,
  QueueOrderForAllocationCommand,
  LeaveAllocationQueueCommand,
  AllocateFreeStockCommand,
  UnwindOrderCommand,
  CloseForEndedVendorOrderCommand,
  ClosePurchaseOrderOnRequestCommand,
  SourceAgainCommand,
  MoveExpectedAtForVendorOrderCommand,
  RecordPurchaseOrderProgressCommand,
} from '../src/commands/commands';
import { DomainError } from '@app/domain/shared/decider';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { orderLines, orderStatus } from '@app/domain/order/order.decider';
import { orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { SqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';

/** Orders per explicit generation transaction. */
const GEN_COMMIT_EVERY = 500;

export const SELLERS = ['seller-north', 'seller-south', 'seller-east', 'seller-west'] as const;
/** Orders per seller are weighted: north is the busiest. */
const SELLER_WEIGHTS = [0.4, 0.2, 0.25, 0.15];
/** This seller requires approval of every order. */
const APPROVING_SELLER = 'seller-south';
export const VENDORS = ['vendor-acme', 'vendor-globex', 'vendor-initech'] as const;
const EXTRA_BINS = ['A-01', 'A-02', 'B-01', 'B-02'];
const SKU_COUNT = 300;
const SKUS = Array.from({ length: SKU_COUNT }, (_, i) => `SKU-${String(i + 1).padStart(5, '0')}`);

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

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

export interface Generated {
  readonly events: number;
  readonly orders: number;
  readonly purchaseOrders: number;
  readonly byType: readonly { type: string; count: number }[];
}

export class Workload {
  private readonly commands: CommandPath;
  private readonly accounts: AccountsService;
  private readonly inventory: InventoryService;
  private readonly orders: OrdersService;
  private readonly purchaseOrders: PurchaseOrdersService;
  private readonly fulfilment: FulfilmentService;
  private readonly allocation: AllocationSteps;
  private readonly closing: ClosingShortSteps;
  private readonly expectedDates: ExpectedDatesSteps;
  /** The position up to which the process manager's steps were taken. */
  private drained: bigint | undefined;

  private commandSeq = 0;
  private clock = Date.UTC(2025, 0, 6, 8, 0, 0);
  private orderSeq = 0;
  private step = 0;
  private readonly agenda = new Map<number, (() => Promise<void>)[]>();
  ordersPlaced = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: SqliteEventStore,
  ) {
    // Wired as ApplicationModule wires them.
    this.commands = new CommandPath(store);
    this.accounts = new AccountsService(this.commands);
    this.inventory = new InventoryService(this.commands, this.accounts);
    this.orders = new OrdersService(this.commands, this.accounts, this.inventory);
    this.purchaseOrders = new PurchaseOrdersService(this.commands);
    this.fulfilment = new FulfilmentService(this.commands, this.accounts, this.orders, this.purchaseOrders);
    this.allocation = new AllocationSteps(this.commands, this.accounts);
    this.closing = new ClosingShortSteps(this.commands);
    this.expectedDates = new ExpectedDatesSteps(this.commands);
  }

  /** Takes the process manager's steps for everything appended since the last call, until the log is quiet. */
  private async drain(): Promise<void> {
    for (;;) {
      const batch = await this.store.readAll({ ...(this.drained === undefined ? {} : { after: this.drained }), maxCount: 500 });
      if (batch.length === 0) return;
      for (const event of batch) {
        for (const command of [...fulfilmentSaga.react(event), ...allocationSaga.react(event)]) await this.tolerant(() => this.takeStep(command));
        this.drained = event.position;
      }
    }
  }

  private takeStep(command: ICommand): Promise<void> {
    const f = this.fulfilment;
    const a = this.allocation;
    if (command instanceof QueueOrderForAllocationCommand) return a.queueOrder(command.accountId, command.orderId, command.sequence, command.context);
    if (command instanceof LeaveAllocationQueueCommand) return a.leaveQueue(command.accountId, command.orderId, command.context);
    if (command instanceof AllocateFreeStockCommand) return a.allocateFreeStock(command.accountId, command.skus, command.context);
    if (command instanceof RunAssignmentRoundCommand) return a.runRound(command.accountId, command.orderId, command.context);
    if (command instanceof BuyShortfallCommand) return f.buyShortfall(command.accountId, command.orderId, command.round, command.context);
    if (command instanceof OpenVendorOrderCommand) return f.openVendorOrder(command.sellerAccountId, command.purchaseOrderId, command.context);
    if (command instanceof HandOverAtBinsCommand) return f.handOverAtBins(command.accountId, command.orderId, command.handoverId, command.bins, command.context);
    if (command instanceof InwardHandoverCommand) return f.inwardHandover(command.vendorAccountId, command.vendorOrderId, command.handoverId, command.context);
    if (command instanceof InwardGoodsCommand) return f.inwardGoods(command.accountId, command.purchaseOrderId, command.grnId, command.context);
    if (command instanceof UnwindOrderCommand) return f.unwindOrder(command.accountId, command.orderId, command.context);
    if (command instanceof CloseForEndedVendorOrderCommand) return this.closing.closeForEndedVendorOrder(command.vendorAccountId, command.vendorOrderId, command.context);
    if (command instanceof ClosePurchaseOrderOnRequestCommand) return this.closing.closeOnRequest(command.sellerAccountId, command.purchaseOrderId, command.context);
    if (command instanceof SourceAgainCommand) return this.closing.sourceAgain(command.sellerAccountId, command.purchaseOrderId, command.context);
    if (command instanceof MoveExpectedAtForVendorOrderCommand) return this.expectedDates.moveForVendorOrder(command.vendorAccountId, command.vendorOrderId, command.context);
    if (command instanceof RecordPurchaseOrderProgressCommand) return this.expectedDates.recordOnSourceOrder(command.sellerAccountId, command.purchaseOrderId, command.context);
    throw new Error(`The workload does not take ${command.constructor.name}`);
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

  async run(target: number, progress: (head: bigint) => void = () => undefined): Promise<Generated> {
    this.db.exec('BEGIN');
    await this.setUp();
    await this.drain();
    this.db.exec('COMMIT');
    this.db.exec('BEGIN');
    let head = (await this.store.headPosition()) ?? 0n;
    while (head < BigInt(target)) {
      this.step++;
      for (const task of this.agenda.get(this.step) ?? []) {
        await task();
        await this.drain();
      }
      this.agenda.delete(this.step);
      await this.oneOrder();
      await this.drain();
      if (this.step % 25 === 0) await this.replenish();
      if (this.step % GEN_COMMIT_EVERY === 0) {
        this.db.exec('COMMIT');
        this.db.exec('BEGIN');
        progress(head);
      }
      head = (await this.store.headPosition()) ?? 0n;
    }
    this.db.exec('COMMIT');
    const byType = this.db
      .prepare<[], { type: string; count: number | bigint }>('SELECT type, COUNT(*) AS count FROM events GROUP BY type ORDER BY count DESC')
      .all()
      .map(({ type, count }) => ({ type, count: Number(count) }));
    const purchaseOrders = byType.find((t) => t.type === 'PurchaseOrderCreated')?.count ?? 0;
    return { events: Number(head), orders: this.ordersPlaced, purchaseOrders, byType };
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

    await this.orders.place(seller, { orderId, customer: `customer-${between(1, 2_000)}`, lines }, context(), { enforceStockPolicy: false });
    this.ordersPlaced++;
    await this.drain();

    if (seller === APPROVING_SELLER) {
      if (chance(0.95)) {
        this.schedule(between(5, 150), () =>
          this.tolerant(() => this.commands.handle(OrderAggregate, orderStream(seller, orderId), { type: 'ApproveOrder' }, context())),
        );
      }
      else this.schedule(between(50, 300), () => this.cancel(seller, orderId, context));
      // Pending quantity of an approved order is handled like any other, once approved.
      this.schedule(between(160, 400), () => this.afterPlacement(seller, orderId, context));
    } else {
      await this.afterPlacement(seller, orderId, context);
    }
  }

  /** The order's later life: more stock assigned, a handover or a cancellation (the process manager buys its shortfall). */
  private async afterPlacement(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const status = orderStatus(state);
    if (status === 'UNAPPROVED' || status === 'CANCELLED') return;
    if (status === 'PENDING_INVENTORY' && chance(0.2)) {
      this.schedule(between(50, 400), () =>
        this.tolerant(() => this.commands.handle(OrderAggregate, orderStream(seller, orderId), { type: 'RequestInventoryAssignment' }, context())),
      );
    }
    for (const po of state.purchaseOrders) {
      const vendorContext = () => this.context(`account:${po.vendorAccountId}`, orderStream(seller, orderId));
      this.schedule(between(50, 3_000), () => this.vendorShips(seller, po.purchaseOrderId, po.vendorAccountId, vendorContext));
    }
    const fate = random();
    if (fate < 0.07) this.schedule(between(20, 600), () => this.cancel(seller, orderId, context));
    else if (fate < 0.1) this.schedule(between(8_000, 15_000), () => this.handOver(seller, orderId, context)); // long after
    else if (fate < 0.67) this.schedule(between(30, 2_500), () => this.handOver(seller, orderId, context));
  }

  /**
   * The vendor hands over what its order holds (the process manager makes the GRN); a PO the vendor
   * could not take is bought by phone now and then, and received with a manual GRN.
   */
  private async vendorShips(seller: string, purchaseOrderId: string, vendor: string, context: () => CommandContext): Promise<void> {
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(seller, purchaseOrderId));
    if (po.vendorOrderId === undefined) {
      if (po.vendorOrderRefusal !== undefined && po.grns.length === 0 && chance(0.5)) {
        await this.tolerant(() =>
          this.purchaseOrders.receiveGoods(seller, purchaseOrderId, { grnId: `GRN-${this.commandSeq + 1}`, lines: po.created!.lines }, context()),
        );
      }
      return;
    }
    const vendorOrderId = po.vendorOrderId;
    const stream = orderStream(vendor, vendorOrderId);
    const { state } = await this.commands.load(OrderAggregate, stream);
    if (orderStatus(state) === 'CANCELLED' || orderStatus(state) === 'CLOSED_SHORT') return;
    if (orderLines(state).some((line) => line.pending > 0)) {
      await this.tolerant(() => this.commands.handle(OrderAggregate, stream, { type: 'RequestInventoryAssignment' }, context()));
      await this.drain();
    }
    const { state: now } = await this.commands.load(OrderAggregate, stream);
    const ready = orderLines(now).filter((line) => line.assigned > 0);
    if (ready.length === 0) return;
    // Most ship everything at once; some ship the first line first and the rest later.
    const partial = ready.length > 1 && chance(0.2);
    await this.tolerant(() =>
      this.orders.handOverOrder(
        vendor,
        vendorOrderId,
        { handoverId: `HO-${this.commandSeq + 1}`, ...(partial ? { lines: [{ sku: ready[0]!.sku, quantity: ready[0]!.assigned }] } : {}) },
        context(),
      ),
    );
    if (partial) this.schedule(between(50, 500), () => this.vendorShips(seller, purchaseOrderId, vendor, context));
  }

  private async handOver(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const status = orderStatus(state);
    if (status === 'CANCELLED' || status === 'UNAPPROVED' || status === 'HANDED_OVER' || status === 'CLOSED_SHORT') return;
    const ready = orderLines(state).filter((line) => line.assigned > 0);
    if (ready.length === 0) return;
    const partial = chance(0.25);
    const line = ready[0]!;
    const lines = partial ? [{ sku: line.sku, quantity: Math.max(1, line.assigned >> 1) }] : undefined;
    await this.orders.handOverOrder(seller, orderId, { handoverId: `HO-${this.commandSeq + 1}`, ...(lines ? { lines } : {}) }, context());
    // The rest of a partial handover goes later.
    if (partial) this.schedule(between(50, 800), () => this.handOver(seller, orderId, context));
  }

  /** The process manager releases its stock and ends its POs and their vendor orders. */
  private async cancel(seller: string, orderId: string, context: () => CommandContext): Promise<void> {
    const { state } = await this.commands.load(OrderAggregate, orderStream(seller, orderId));
    const status = orderStatus(state);
    if (status === 'CANCELLED' || status === 'HANDED_OVER' || status === 'CLOSED_SHORT') return;
    await this.orders.cancelOrder(seller, orderId, context());
  }
}
