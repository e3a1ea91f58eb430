/**
 * The invariants of the product (the project's docs/product.md, "Invariants"), as pure checks over
 * the log folded with the domain's own deciders. They must hold at every quiet moment, whatever
 * the interleaving of requests and events; `npm run audit -- verify --invariants` and the tests
 * that drive many clients at once run them. Each violation names its invariant, what breaks it
 * (the account, stream and SKU) and the numbers that disagree.
 */
import { AccountAggregate, BinAggregate, OrderAggregate, parseRecordedEvent, PurchaseOrderAggregate, StoredEvent } from '../aggregates';
import { AccountState } from '../account/account.decider';
import { BinState, holdersOf, skusOf, stockOf } from '../bin/bin.decider';
import { inTransit } from '../fulfilment/line-changes';
import { onOrderFrom } from '../fulfilment/on-order';
import {
  heldQuantity,
  isAwaitingApproval,
  isOpen,
  orderEnd,
  orderLines,
  orderStatus,
  OrderState,
  recordedReasonOf,
  waitingQuantity,
} from '../order/order.decider';
import { openQuantity, purchaseOrderEnded, purchaseOrderLines, purchaseOrderStatus, PurchaseOrderState } from '../purchase-order/purchase-order.decider';
import { parseStreamName } from '../shared/streams';
import { AllocationQueueAggregate } from '../aggregates';
import { AllocationQueueState, rankOf } from '../allocation/allocation.decider';
import { ALLOCATION_STREAM_PREFIX } from '../allocation/allocation.events';
import { allocateFree, compareRank, freeStockNeed } from '../allocation/allocation-rule';
import { binsForAssignment } from '../account/account.decider';
import { MAIN_LOCATION_ID } from '../shared/ids';

export interface BinSnapshot {
  readonly accountId: string;
  readonly locationId: string;
  readonly binId: string;
  readonly state: BinState;
}

export interface OrderSnapshot {
  readonly accountId: string;
  readonly orderId: string;
  readonly state: OrderState;
}

export interface PurchaseOrderSnapshot {
  readonly accountId: string;
  readonly purchaseOrderId: string;
  readonly state: PurchaseOrderState;
}

/** Every aggregate of the log, folded. Keys: account id; stream names for the others. */
export interface LogSnapshot {
  readonly accounts: ReadonlyMap<string, AccountState>;
  readonly bins: ReadonlyMap<string, BinSnapshot>;
  readonly orders: ReadonlyMap<string, OrderSnapshot>;
  readonly purchaseOrders: ReadonlyMap<string, PurchaseOrderSnapshot>;
  /** Account id → its allocation queue, with every allocation recorded. */
  readonly allocations: ReadonlyMap<string, AllocationQueueState>;
}

export type InvariantNumber = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

export interface Violation {
  readonly invariant: InvariantNumber;
  /** What breaks it: a stream, with the SKU where it is about one. */
  readonly subject: string;
  readonly detail: string;
}

/** Folds events (in log order) into a snapshot; events of streams that are not aggregates are skipped. */
export class LogFolder {
  private readonly accounts = new Map<string, AccountState>();
  private readonly bins = new Map<string, { accountId: string; locationId: string; binId: string; state: BinState }>();
  private readonly orders = new Map<string, { accountId: string; orderId: string; state: OrderState }>();
  private readonly purchaseOrders = new Map<string, { accountId: string; purchaseOrderId: string; state: PurchaseOrderState }>();
  private readonly allocations = new Map<string, AllocationQueueState>();

  add(event: StoredEvent): void {
    if (event.streamName.startsWith(ALLOCATION_STREAM_PREFIX)) {
      const accountId = event.streamName.slice(ALLOCATION_STREAM_PREFIX.length);
      const state = this.allocations.get(accountId) ?? AllocationQueueAggregate.decider.initialState();
      this.allocations.set(accountId, AllocationQueueAggregate.decider.evolve(state, parseRecordedEvent(AllocationQueueAggregate, event)));
      return;
    }
    const stream = parseStreamName(event.streamName);
    switch (stream?.category) {
      case 'account': {
        const state = this.accounts.get(stream.accountId) ?? AccountAggregate.decider.initialState();
        this.accounts.set(stream.accountId, AccountAggregate.decider.evolve(state, parseRecordedEvent(AccountAggregate, event)));
        return;
      }
      case 'bin': {
        const entry = this.bins.get(event.streamName) ?? { ...stream, state: BinAggregate.decider.initialState() };
        entry.state = BinAggregate.decider.evolve(entry.state, parseRecordedEvent(BinAggregate, event));
        this.bins.set(event.streamName, entry);
        return;
      }
      case 'order': {
        const entry = this.orders.get(event.streamName) ?? { ...stream, state: OrderAggregate.decider.initialState() };
        entry.state = OrderAggregate.decider.evolve(entry.state, parseRecordedEvent(OrderAggregate, event));
        this.orders.set(event.streamName, entry);
        return;
      }
      case 'po': {
        const entry = this.purchaseOrders.get(event.streamName) ?? { ...stream, state: PurchaseOrderAggregate.decider.initialState() };
        entry.state = PurchaseOrderAggregate.decider.evolve(entry.state, parseRecordedEvent(PurchaseOrderAggregate, event));
        this.purchaseOrders.set(event.streamName, entry);
        return;
      }
      default:
        return;
    }
  }

  snapshot(): LogSnapshot {
    return { accounts: this.accounts, bins: this.bins, orders: this.orders, purchaseOrders: this.purchaseOrders, allocations: this.allocations };
  }
}

export const foldLog = (events: Iterable<StoredEvent>): LogSnapshot => {
  const folder = new LogFolder();
  for (const event of events) folder.add(event);
  return folder.snapshot();
};

const orderKey = (accountId: string, orderId: string) => `order-${accountId}.${orderId}`;
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** Every violation of every invariant in the snapshot, in invariant order. */
export const checkInvariants = (log: LogSnapshot): Violation[] => {
  const violations: Violation[] = [];
  const violate = (invariant: InvariantNumber, subject: string, detail: string) => violations.push({ invariant, subject, detail });

  // What bins hold per order and SKU: order stream → SKU → {assigned, reserved}.
  const held = new Map<string, Map<string, { assigned: number; reserved: number }>>();
  for (const [binStream, { accountId, state }] of log.bins) {
    for (const sku of skusOf(state)) {
      const stock = stockOf(state, sku);
      // 1. Per bin and SKU: assigned + reserved <= onHand, all three >= 0.
      if (stock.onHand < 0 || stock.assigned < 0 || stock.reserved < 0 || stock.assigned + stock.reserved > stock.onHand) {
        violate(1, `${binStream} ${sku}`, `onHand ${stock.onHand}, assigned ${stock.assigned}, reserved ${stock.reserved}`);
      }
      for (const [orderId, holding] of holdersOf(state, sku)) {
        if (holding.assigned < 0 || holding.reserved < 0) {
          violate(1, `${binStream} ${sku}`, `order ${orderId} holds assigned ${holding.assigned}, reserved ${holding.reserved}`);
        }
        const key = orderKey(accountId, orderId);
        const bySku = held.get(key) ?? new Map<string, { assigned: number; reserved: number }>();
        const entry = bySku.get(sku) ?? { assigned: 0, reserved: 0 };
        bySku.set(sku, { assigned: entry.assigned + holding.assigned, reserved: entry.reserved + holding.reserved });
        held.set(key, bySku);
      }
    }
  }
  const heldBy = (key: string, sku: string) => held.get(key)?.get(sku) ?? { assigned: 0, reserved: 0 };
  const vendorOrderOf = (po: PurchaseOrderState): OrderState | undefined =>
    po.vendorOrderId === undefined ? undefined : log.orders.get(orderKey(po.created!.vendorAccountId, po.vendorOrderId))?.state;

  // The POs of each source order (same account).
  const purchaseOrdersOf = new Map<string, PurchaseOrderSnapshot[]>();
  for (const po of log.purchaseOrders.values()) {
    const created = po.state.created;
    if (!created) continue;
    const key = orderKey(created.sellerAccountId, created.sourceOrderId);
    purchaseOrdersOf.set(key, [...(purchaseOrdersOf.get(key) ?? []), po]);
  }

  // 2. Units the bins hold as assigned to an order are those its lines show as assigned; none for an unknown order.
  for (const [key, bySku] of held) {
    const order = log.orders.get(key);
    for (const [sku, { assigned }] of bySku) {
      const shown = order ? heldQuantity(order.state, sku) : 0;
      if (assigned !== shown) violate(2, `${key} ${sku}`, `bins hold ${assigned} assigned, ${order ? 'the order shows' : 'no such order;'} ${shown}`);
    }
  }
  for (const [key, { state }] of log.orders) {
    for (const line of state.lines) {
      const shown = heldQuantity(state, line.sku);
      if (shown !== 0 && !held.get(key)?.has(line.sku)) violate(2, `${key} ${line.sku}`, `the order shows ${shown} assigned, the bins hold none`);
    }
  }

  for (const [key, { state }] of log.orders) {
    if (!state.placed) continue;
    const status = orderStatus(state);
    const onOrder = onOrderFrom((purchaseOrdersOf.get(key) ?? []).map((po) => po.state));
    // 3. Per order line: assigned + handedOver + pending = quantity; READY has nothing pending; an ended order holds nothing.
    for (const line of orderLines(state)) {
      if (line.assigned + line.handedOver + line.pending !== line.quantity || line.assigned < 0 || line.pending < 0) {
        violate(3, `${key} ${line.sku}`, `assigned ${line.assigned} + handedOver ${line.handedOver} + pending ${line.pending} != quantity ${line.quantity}`);
      }
      if (status === 'READY' && line.pending > 0) violate(3, `${key} ${line.sku}`, `READY with ${line.pending} pending`);
      const inBins = heldBy(key, line.sku);
      if (orderEnd(state) !== undefined && (inBins.assigned !== 0 || inBins.reserved !== 0)) {
        violate(3, `${key} ${line.sku}`, `${status} order still holds ${inBins.assigned} assigned, ${inBins.reserved} reserved`);
      }
      // 4. Reserved units belong to an open order line that still waits for them.
      const needs = Math.max(0, waitingQuantity(state, line.sku) - onOrder(line.sku));
      if (inBins.reserved > needs) {
        violate(4, `${key} ${line.sku}`, `${inBins.reserved} reserved for a line that waits for ${needs} of them (pending ${line.pending}, on order ${onOrder(line.sku)})`);
      }
      // 7. Once quiet, goods reserved for a line that still waits beyond what POs bring were taken by a round.
      if (inBins.reserved > 0 && needs > 0) {
        violate(7, `${key} ${line.sku}`, `${inBins.reserved} reserved for it were never assigned (pending ${line.pending}, on order ${onOrder(line.sku)})`);
      }
      // 5. No over-buying; a pending quantity is covered by open POs or has a recorded reason. What a
      // PO line brings for its order leaves out the rounding surplus recorded on it when it was bought
      // (minimum order quantity, pack size: received last, closed first, free stock): see onOrderFrom.
      if (isOpen(state) && !isAwaitingApproval(state)) {
        const waiting = waitingQuantity(state, line.sku);
        // Goods a vendor handed over before the line was reduced are still received (beyond the need: free stock).
        const shipped = sum((purchaseOrdersOf.get(key) ?? []).map(({ state: po }) => inTransit(po, line.sku, vendorOrderOf(po))));
        if (onOrder(line.sku) > Math.max(waiting, shipped)) {
          const inTransitNote = shipped > 0 ? ` (${shipped} handed over by vendors, not yet received)` : '';
          violate(5, `${key} ${line.sku}`, `open POs bring ${onOrder(line.sku)}, the line waits for ${waiting}${inTransitNote}`);
        }
        const covered = onOrder(line.sku) + inBins.reserved;
        const reason = recordedReasonOf(state, line.sku);
        if (waiting > covered && (reason === undefined || reason === 'AWAITING_VENDOR')) {
          violate(5, `${key} ${line.sku}`, `${waiting} pending, ${covered} covered by open POs and reserved goods, reason ${reason ?? 'none'}`);
        }
      }
    }
    for (const sku of held.get(key)?.keys() ?? []) {
      if (!state.lines.some((line) => line.sku === sku) && heldBy(key, sku).reserved > 0) {
        violate(4, `${key} ${sku}`, `${heldBy(key, sku).reserved} reserved for a SKU the order does not have`);
      }
    }
    // 7. Once quiet, no round is left open, every line change was carried out, and every handover reached the bins.
    if (state.openRound !== undefined) violate(7, key, `assignment round ${state.openRound.round} is still open`);
    for (const change of state.lineChanges ?? []) {
      if (!state.lineChangesCompleted?.has(change.change)) violate(7, `${key} ${change.sku}`, `line change ${change.change} (${change.previousQuantity} to ${change.quantity}) was never carried out`);
    }
    for (const handover of state.handovers.values()) {
      for (const entry of handover.bins) {
        const bin = log.bins.get(`bin-${state.placed.accountId}.${entry.locationId}.${entry.binId}`);
        if (!bin?.state.handovers.has([handover.handoverId, state.placed.orderId, entry.sku].join('\u0000'))) {
          violate(7, `${key} ${entry.sku}`, `handover ${handover.handoverId} never reached bin ${entry.locationId}.${entry.binId}`);
        }
      }
    }
    // 6. An ended order's POs are cancelled or closed.
    if (orderEnd(state) !== undefined) {
      for (const po of purchaseOrdersOf.get(key) ?? []) {
        const poStatus = purchaseOrderStatus(po.state);
        if (poStatus !== 'CANCELLED' && poStatus !== 'CLOSED') violate(6, `po-${po.accountId}.${po.purchaseOrderId}`, `${poStatus} for a ${status} order`);
      }
    }
  }

  for (const [key, { accountId, state }] of log.purchaseOrders) {
    const created = state.created;
    if (!created) continue;
    // 5. Per PO line: receivedQuantity + closedQuantity <= quantity.
    for (const line of purchaseOrderLines(state)) {
      if (line.receivedQuantity < 0 || line.closedQuantity < 0 || line.receivedQuantity + line.closedQuantity > line.quantity) {
        violate(5, `${key} ${line.sku}`, `received ${line.receivedQuantity} + closed ${line.closedQuantity} > quantity ${line.quantity}`);
      }
    }
    const vendorOrder = state.vendorOrderId === undefined ? undefined : log.orders.get(orderKey(created.vendorAccountId, state.vendorOrderId));
    // 6. Every vendor order of a CANCELLED or CLOSED PO is cancelled or closed short (or was handed over in full).
    if (purchaseOrderEnded(state) && vendorOrder) {
      const voStatus = orderStatus(vendorOrder.state);
      if (!['CANCELLED', 'CLOSED_SHORT', 'HANDED_OVER'].includes(voStatus)) {
        violate(6, orderKey(created.vendorAccountId, state.vendorOrderId!), `${voStatus} while its PO ${created.purchaseOrderId} is ${purchaseOrderStatus(state)}`);
      }
    }
    // 7. Once quiet, every PO has its vendor order (or why not), every GRN is in its bin, every
    // handover of its vendor order was received (or waits for a manual GRN).
    if (!purchaseOrderEnded(state) && state.vendorOrderId === undefined && state.vendorOrderRefusal === undefined) {
      violate(7, key, 'no vendor order was opened, and no reason recorded');
    }
    if (state.vendorOrderId !== undefined && !vendorOrder) violate(7, key, `vendor order ${state.vendorOrderId} does not exist`);
    if (state.closeRequested !== undefined && !purchaseOrderEnded(state)) violate(7, key, 'a close was requested and the PO was never closed');
    for (const grn of state.grns) {
      const bin = log.bins.get(`bin-${accountId}.${grn.locationId}.${grn.binId}`);
      for (const line of grn.lines) {
        if (!bin?.state.inwards.has([grn.grnId, line.sku].join('\u0000'))) {
          violate(7, `${key} ${line.sku}`, `GRN ${grn.grnId} was never inwarded into ${grn.locationId}.${grn.binId}`);
        }
      }
    }
    for (const handover of vendorOrder?.state.handovers.values() ?? []) {
      const received = state.grns.some((grn) => grn.handoverId === handover.handoverId) || state.awaitingManualGrn.has(handover.handoverId);
      const nothingOpen = handover.lines.every((line) => openQuantity(state, line.sku) <= 0);
      if (!received && !nothingOpen) {
        violate(7, `${key}`, `handover ${handover.handoverId} of vendor order ${state.vendorOrderId} was never received, nor left for a manual GRN`);
      }
    }
  }
  violations.push(...checkAllocation(log, held, purchaseOrdersOf));
  for (const [key, bySku] of held) {
    const order = log.orders.get(key);
    if (order && isOpen(order.state)) continue;
    for (const [sku, { reserved }] of bySku) {
      if (reserved > 0 && !order) violate(4, `${key} ${sku}`, `${reserved} reserved for an order that does not exist`);
    }
  }
  return violations.sort((a, b) => a.invariant - b.invariant);
};

/**
 * 8. Free stock goes by the allocation rule. Once quiet, no free stock of a SKU idles in an
 * account's main location while one of its orders waits for it (pending, approved, not covered by
 * open POs or reserved goods). Every recorded allocation weighed its candidates in rank order (by
 * what the orders were placed with and where their OrderPlaced stands) and gave them exactly what
 * the rule gives; no order took more free stock of a SKU than its shares.
 */
const checkAllocation = (
  log: LogSnapshot,
  held: ReadonlyMap<string, ReadonlyMap<string, { assigned: number; reserved: number }>>,
  purchaseOrdersOf: ReadonlyMap<string, readonly PurchaseOrderSnapshot[]>,
): Violation[] => {
  const violations: Violation[] = [];
  const violate = (subject: string, detail: string) => violations.push({ invariant: 8, subject, detail });
  for (const [accountId, account] of log.accounts) {
    const free = new Map<string, number>();
    for (const binId of binsForAssignment(account, MAIN_LOCATION_ID)) {
      const bin = log.bins.get(`bin-${accountId}.${MAIN_LOCATION_ID}.${binId}`);
      for (const sku of bin ? skusOf(bin.state) : []) free.set(sku, (free.get(sku) ?? 0) + stockOf(bin!.state, sku).available);
    }
    for (const [key, { state }] of log.orders) {
      if (state.placed?.accountId !== accountId || !isOpen(state)) continue;
      const onOrder = onOrderFrom((purchaseOrdersOf.get(key) ?? []).map((po) => po.state));
      for (const line of state.lines) {
        const need = freeStockNeed(state, line.sku, onOrder, held.get(key)?.get(line.sku)?.reserved ?? 0);
        const idle = free.get(line.sku) ?? 0;
        if (need > 0 && idle > 0) violate(`${key} ${line.sku}`, `waits for ${need} while ${idle} are free in ${accountId}'s main location`);
      }
    }
  }
  for (const [accountId, queue] of log.allocations) {
    const taken = new Map<string, number>();
    for (const allocation of queue.allocations.values()) {
      const subject = `allocation-${accountId} ${allocation.allocationId}`;
      const ranked = allocation.candidates.map((candidate) => {
        const order = log.orders.get(orderKey(accountId, candidate.orderId))?.state.placed;
        const queued = rankOf(queue, candidate.orderId);
        return {
          ...candidate,
          ...(order?.priority === undefined ? {} : { priority: order.priority }),
          ...(order?.requiredBy === undefined ? {} : { requiredBy: order.requiredBy }),
          sequence: queued?.sequence ?? '',
          known: order !== undefined && queued !== undefined,
        };
      });
      for (const candidate of ranked) if (!candidate.known) violate(subject, `candidate ${candidate.orderId} is not a queued order of ${accountId}`);
      for (let i = 1; i < ranked.length; i++) {
        if (compareRank(ranked[i - 1]!, ranked[i]!) > 0) violate(subject, `${ranked[i - 1]!.orderId} was weighed before ${ranked[i]!.orderId}, which ranks ahead of it`);
      }
      const expected = allocateFree(allocation.free, ranked);
      const shares = allocation.shares.map(({ orderId, quantity, rule }) => `${orderId} ${quantity} ${rule}`).join(', ');
      const byRule = expected.map(({ orderId, quantity, rule }) => `${orderId} ${quantity} ${rule}`).join(', ');
      if (shares !== byRule) violate(subject, `gave [${shares}] where the rule gives [${byRule}] of ${allocation.free} free`);
      for (const share of allocation.shares) {
        const at = `${share.orderId}\u0000${allocation.sku}`;
        taken.set(at, (taken.get(at) ?? 0) + share.quantity);
      }
    }
    for (const [key, { state }] of log.orders) {
      if (state.placed?.accountId !== accountId) continue;
      for (const line of state.lines) {
        const fromStock = sum(state.assignments.filter((a) => a.sku === line.sku && a.source === 'stock' && a.rule !== undefined).map((a) => a.quantity));
        const shared = taken.get(`${state.placed.orderId}\u0000${line.sku}`) ?? 0;
        if (fromStock > shared) violate(`${key} ${line.sku}`, `took ${fromStock} of free stock, its shares were ${shared}`);
      }
    }
  }
  return violations;
};

/** Sums kept for callers that report totals (the audit prints them beside the violations). */
export const snapshotTotals = (log: LogSnapshot) => ({
  accounts: log.accounts.size,
  bins: log.bins.size,
  orders: log.orders.size,
  purchaseOrders: log.purchaseOrders.size,
  units: sum([...log.bins.values()].flatMap(({ state }) => skusOf(state).map((sku) => stockOf(state, sku).onHand))),
});
