/**
 * The order decider: a B2B order from placement through approval, assignment rounds, handovers and
 * its end (cancelled, closed short, or refused for stock), with the POs bought for it and why a
 * pending quantity is not being bought. The status rule, what is pending and held, and which bins
 * a handover takes units from live only here.
 *
 * Assignment spans the order and its bins without a cross-stream transaction, so it runs in
 * numbered rounds: the order opens a round, the fulfilment process manager (the one runner of
 * every round) has the bins assign, and the order records their results and closes the round. A
 * round that is run again is recognised by its number; an assignment by its id.
 */
import { z } from 'zod';
import { Decider, DomainError } from '../shared/decider';
import { lineChangeReleaseIdFor, roundExcessReleaseIdFor } from '../fulfilment/ids';
import { later } from '../shared/instants';
import {
  AssignmentResult,
  OrderCommand,
  OrderEvent,
  OrderHandedOver,
  OrderPlaced,
  OrderRefused,
  OrderStatus,
  PendingReason,
  PurchaseOrderLinked,
  OrderLineChanged,
  InventoryReleased,
  VendorClosedShort,
  VendorSkipReason,
} from './order.events';

export type OrderPlacedData = z.infer<typeof OrderPlaced>['data'];
export type OrderHandedOverData = z.infer<typeof OrderHandedOver>['data'];
export type LinkedPurchaseOrder = z.infer<typeof PurchaseOrderLinked>['data'];
export type ClosedShortPurchase = z.infer<typeof VendorClosedShort>['data'];
export type PassedOverVendor = { readonly round: number; readonly sku: string; readonly vendorAccountId: string; readonly reason: VendorSkipReason };

/**
 * One line as read by clients: `assigned` is what the order holds in bins now (assigned and not
 * yet handed over), so assigned + handedOver + pending = quantity. An order that ended (cancelled,
 * closed short) holds nothing: what was never handed over shows as pending, and nothing more is
 * sought for it.
 */
export type OrderLineView = {
  readonly sku: string;
  readonly quantity: number;
  readonly assigned: number;
  readonly pending: number;
  readonly handedOver: number;
};

export type OpenRound = {
  readonly round: number;
  /** Set when the round assigns goods of this GRN reserved for the order. */
  readonly grnId?: string;
  /** SKUs whose line was reduced while the round was open: what the bins gave beyond need is given back. */
  readonly reduced?: readonly string[];
  /** Allocations of free stock this round takes its share of (InventoryAssignmentRequested `allocationId`). */
  readonly allocations?: readonly string[];
  /** A GRN's goods were reserved for the order while this round ran: another round follows it. */
  readonly again?: { readonly grnId: string };
};

/** How an order ended: it gets nothing more, and holds nothing once its stock is released. */
export type OrderEnd = 'CANCELLED' | 'CLOSED_SHORT' | 'REFUSED';

export type BinOfSku = { readonly sku: string; readonly locationId: string; readonly binId: string };

/** `assigned` counts every unit ever assigned to the line, handed over or not. */
type LineState = { readonly sku: string; readonly quantity: number; readonly assigned: number; readonly handedOver: number };

/** An InventoryAssigned, with how many of its units have been handed over since. */
type AssignmentState = AssignmentResult & { readonly handedOver: number };

/**
 * Immutable: every event gives a new state (an order has tens of events, so copying is cheap).
 * Read it through the selectors below; `placed` and `handovers` are read directly by callers.
 */
export type OrderState = {
  /** The OrderPlaced data; undefined while the order does not exist. */
  readonly placed?: OrderPlacedData;
  readonly approved: boolean;
  /** Set once the order ended. */
  readonly end?: OrderEnd;
  /** Why it was refused for stock, when it was. */
  readonly refusal?: z.infer<typeof OrderRefused>['data'];
  /** In the order of OrderPlaced. */
  readonly lines: readonly LineState[];
  /** In the order they were assigned. */
  readonly assignments: readonly AssignmentState[];
  /** How many rounds have opened; the next one gets this + 1. */
  readonly roundsOpened: number;
  /** The number of the round OrderPlaced opened (undefined when the order awaited approval). */
  readonly placementRound?: number;
  /** GRNs a round has been opened for: goods of one GRN are assigned by one round only. */
  readonly grnRounds: ReadonlySet<string>;
  /** Allocations of free stock a round has been opened or joined for: each gives its share once. */
  readonly allocationsServed: ReadonlySet<string>;
  readonly openRound?: OpenRound;
  /** handoverId → the OrderHandedOver data. */
  readonly handovers: ReadonlyMap<string, OrderHandedOverData>;
  readonly purchaseOrders: readonly LinkedPurchaseOrder[];
  /** One per SKU, the latest reason, in the order SKUs were first given one. */
  readonly pendingReasons: readonly { readonly sku: string; readonly reason: PendingReason }[];
  /** Vendors the purchasing step passed over, per round, in the order recorded. */
  readonly passedOver: readonly PassedOverVendor[];
  /** POs of this order that were closed short, in the order recorded. */
  readonly closedShortPurchases: readonly ClosedShortPurchase[];
  /** Every OrderLineChanged, in order (change n is at index n - 1); absent before the first. */
  readonly lineChanges?: readonly LineChange[];
  /** The changes whose outcome across streams is recorded (OrderLineChangeCompleted). */
  readonly lineChangesCompleted?: ReadonlySet<number>;
  /** Each line's eta as last recorded (OrderLineEtaChanged); absent: null. */
  readonly etas?: ReadonlyMap<string, string | null>;
  /** purchaseOrderId → what the order knows of the PO since it was linked (PurchaseOrderProgressRecorded). */
  readonly purchaseOrderProgress?: ReadonlyMap<string, PurchaseOrderProgress>;
  /** A vendor order: the delivery date its vendor promised last (DeliveryPromised). */
  readonly promisedAt?: string;
};

export type PurchaseOrderProgress = { readonly expectedAt?: string; readonly openSkus: readonly string[] };

export type LineChange = z.infer<typeof OrderLineChanged>['data'];

const initialState = (): OrderState => ({
  approved: false,
  lines: [],
  assignments: [],
  roundsOpened: 0,
  grnRounds: new Set(),
  allocationsServed: new Set(),
  handovers: new Map(),
  purchaseOrders: [],
  pendingReasons: [],
  passedOver: [],
  closedShortPurchases: [],
});

// ---- selectors -----------------------------------------------------------------------------

export const orderExists = (state: OrderState): boolean => state.placed !== undefined;

/** Refused for stock after it was written: to clients, an order that was never placed. */
export const isRefused = (state: OrderState): boolean => state.end === 'REFUSED';

/** Placed and not ended: it may still be assigned, handed over, bought for. */
export const isOpen = (state: OrderState): boolean => state.placed !== undefined && state.end === undefined;

export const orderEnd = (state: OrderState): OrderEnd | undefined => state.end;

/** The accounts this order's backorder chain has passed through, the first seller first, this one last. */
export const backorderChainOf = (state: OrderState): readonly string[] => state.placed!.chain ?? [state.placed!.accountId];

/** Placed with approval required and not approved yet. */
export const isAwaitingApproval = (state: OrderState): boolean => (state.placed?.awaitingApproval ?? false) && !state.approved;

const pendingOf = (line: LineState): number => line.quantity - line.assigned;
const heldOn = (line: LineState): number => line.assigned - line.handedOver;

/** The status of a placed order (SPEC.md); the one place this rule is written. */
export const orderStatus = (state: OrderState): OrderStatus => {
  if (state.end === 'CANCELLED' || state.end === 'REFUSED') return 'CANCELLED';
  if (state.end === 'CLOSED_SHORT') return 'CLOSED_SHORT';
  if (isAwaitingApproval(state)) return 'UNAPPROVED';
  const { lines } = state;
  if (lines.length > 0 && lines.every((line) => line.handedOver === line.quantity)) return 'HANDED_OVER';
  if (lines.some((line) => line.handedOver > 0)) return 'PARTIALLY_HANDED_OVER';
  if (lines.some((line) => pendingOf(line) > 0)) return 'PENDING_INVENTORY';
  return 'READY';
};

export const orderLines = (state: OrderState): OrderLineView[] => {
  const ended = state.end !== undefined;
  return state.lines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    assigned: ended ? 0 : heldOn(line),
    pending: ended ? line.quantity - line.handedOver : pendingOf(line),
    handedOver: line.handedOver,
  }));
};

/** What the order holds of the SKU in bins (assigned, not handed over); nothing once it ended. */
export const heldQuantity = (state: OrderState, sku: string): number => {
  if (state.end !== undefined) return 0;
  const line = state.lines.find((l) => l.sku === sku);
  return line === undefined ? 0 : heldOn(line);
};

/** What the line still waits for while the order is open and approved; 0 otherwise. */
export const waitingQuantity = (state: OrderState, sku: string): number => {
  if (!isOpen(state) || isAwaitingApproval(state)) return 0;
  const line = state.lines.find((l) => l.sku === sku);
  return line === undefined ? 0 : pendingOf(line);
};

/**
 * The assignment round now open, if any. Still reported after the order ended: its runner then
 * closes it with nothing assigned, and the end releases whatever the bins assigned meanwhile.
 */
export const openRound = (state: OrderState): OpenRound | undefined => state.openRound;

/** The last round that opened is `round` and it is closed: nothing is being assigned now. */
export const isLatestRoundClosed = (state: OrderState, round: number): boolean =>
  state.openRound === undefined && state.roundsOpened === round;

/** Distinct bins where the order has assigned units not yet handed over, in the order assigned. */
export const heldBins = (state: OrderState): BinOfSku[] =>
  distinctBins(state.assignments.filter((a) => a.quantity > a.handedOver));

/** The order's inventory details: what it holds now, per assignment (nothing once it ended). */
export const assignmentsOf = (state: OrderState): AssignmentResult[] =>
  state.end !== undefined
    ? []
    : state.assignments.filter((a) => a.quantity > a.handedOver).map((a) => assignmentOnly({ ...a, quantity: a.quantity - a.handedOver }));

export const purchaseOrdersOf = (state: OrderState): LinkedPurchaseOrder[] =>
  state.purchaseOrders.map((po) => ({ ...po, lines: po.lines.map((line) => ({ ...line })) }));

/** Why each pending SKU waits (the latest reason recorded); none for a SKU no longer pending, or once the order ended. */
export const pendingReasonsOf = (state: OrderState): { sku: string; reason: PendingReason }[] => {
  if (state.end !== undefined) return [];
  const pending = new Set(state.lines.filter((line) => pendingOf(line) > 0).map((line) => line.sku));
  return state.pendingReasons.filter(({ sku }) => pending.has(sku)).map(({ sku, reason }) => ({ sku, reason }));
};

/** What of the line will not come from POs that were closed short. */
export const closedShortOf = (state: OrderState, sku: string): number =>
  state.closedShortPurchases.reduce((sum, po) => sum + (po.lines.find((line) => line.sku === sku)?.quantity ?? 0), 0);

/** The vendors that closed short on the line: it is not bought from them again. */
export const vendorsClosedShortOn = (state: OrderState, sku: string): ReadonlySet<string> =>
  new Set(state.closedShortPurchases.filter((po) => po.lines.some((line) => line.sku === sku)).map((po) => po.vendorAccountId));

/** The latest reason recorded for the SKU, whether or not it is still pending. */
export const recordedReasonOf = (state: OrderState, sku: string): PendingReason | undefined =>
  state.pendingReasons.find((recorded) => recorded.sku === sku)?.reason;

// ---- expected dates (docs/product.md, "Expected dates") ------------------------------------

/** The PO as the order knows it now: as linked, or as the process manager last recorded it. */
const progressOf = (state: OrderState, po: LinkedPurchaseOrder): PurchaseOrderProgress =>
  state.purchaseOrderProgress?.get(po.purchaseOrderId) ?? {
    ...(po.expectedAt === undefined ? {} : { expectedAt: po.expectedAt }),
    openSkus: po.lines.filter((line) => line.quantity > 0).map((line) => line.sku),
  };

/**
 * A line's eta: the latest expectedAt of the order's open POs that still bring its SKU, while the
 * line has something pending and the order is open; null otherwise (nothing pending, no PO, an
 * order that ended). A PO closed short, cancelled, closed or received in full brings nothing.
 */
export const lineEtaOf = (state: OrderState, sku: string): string | null => {
  const line = state.lines.find((l) => l.sku === sku);
  if (!isOpen(state) || line === undefined || pendingOf(line) <= 0) return null;
  const closedShort = new Set(state.closedShortPurchases.map((po) => po.purchaseOrderId));
  let eta: string | null = null;
  for (const po of state.purchaseOrders) {
    if (closedShort.has(po.purchaseOrderId)) continue;
    const { expectedAt, openSkus } = progressOf(state, po);
    if (expectedAt === undefined || !openSkus.includes(sku)) continue;
    eta = later(eta, expectedAt);
  }
  return eta;
};

/** Late: the eta's date (in UTC) is after `requiredBy`; never without an eta or a requiredBy. */
export const isLate = (eta: string | null, requiredBy: string | undefined): boolean =>
  eta !== null && requiredBy !== undefined && new Date(eta).toISOString().slice(0, 10) > requiredBy;

/** Each line's eta and whether it is late, in the order of the lines. */
export const lineEtas = (state: OrderState): { sku: string; eta: string | null; late: boolean }[] =>
  state.lines.map(({ sku }) => {
    const eta = lineEtaOf(state, sku);
    return { sku, eta, late: isLate(eta, state.placed?.requiredBy) };
  });

/** The eta of the lines of a vendor order, the latest of them: when it can deliver everything. */
export const latestEtaOf = (state: OrderState): string | null =>
  lineEtas(state).reduce<string | null>((latest, { eta }) => later(latest, eta), null);

/** The date the vendor promised for this vendor order, if it did. */
export const promisedAtOf = (state: OrderState): string | undefined => state.promisedAt;

const assignmentOnly = ({ assignmentId, sku, locationId, binId, quantity, source, grnId }: AssignmentState): AssignmentResult => ({
  assignmentId,
  sku,
  locationId,
  binId,
  quantity,
  source,
  ...(grnId === undefined ? {} : { grnId }),
});

const binKey = (sku: string, locationId: string, binId: string): string => [sku, locationId, binId].join('\u0000');

const distinctBins = (bins: readonly BinOfSku[]): BinOfSku[] => {
  const seen = new Map<string, BinOfSku>();
  for (const { sku, locationId, binId } of bins) {
    const key = binKey(sku, locationId, binId);
    if (!seen.has(key)) seen.set(key, { sku, locationId, binId });
  }
  return [...seen.values()];
};


// ---- decide --------------------------------------------------------------------------------


/** The index of the first line whose SKU appeared on an earlier line, or -1. */
const repeatedSkuIndex = (lines: readonly { readonly sku: string }[]): number => {
  const seen = new Set<string>();
  return lines.findIndex(({ sku }) => {
    if (seen.has(sku)) return true;
    seen.add(sku);
    return false;
  });
};


const refuseIfEnded = (state: OrderState): void => {
  if (state.end === 'CANCELLED') throw new DomainError('conflict', 'ORDER_CANCELLED', 'The order is cancelled');
  if (state.end === 'CLOSED_SHORT') throw new DomainError('conflict', 'ORDER_CLOSED_SHORT', 'The order is closed short');
};

const refuseIfNotApproved = (state: OrderState): void => {
  if (isAwaitingApproval(state)) throw new DomainError('conflict', 'ORDER_NOT_APPROVED', 'The order is awaiting approval');
};

const placeOrder = (command: Extract<OrderCommand, { type: 'PlaceOrder' }>, state: OrderState): OrderEvent[] => {
  if (state.placed !== undefined) {
    if (state.placed.requestHash === command.requestHash) return [];
    throw new DomainError('conflict', 'ORDER_EXISTS', `Order "${command.orderId}" already exists with other contents`, 'orderId');
  }
  const repeat = repeatedSkuIndex(command.lines);
  if (repeat >= 0) {
    throw new DomainError(
      'rule_violated',
      'DUPLICATE_SKU',
      `SKU "${command.lines[repeat]!.sku}" is on more than one line`,
      `lines[${repeat}].sku`,
    );
  }
  const { orderId, accountId, customer, priority, requiredBy, lines, source, chain, requestHash, approvalRequired, warnings, refuseIfShort } = command;
  return [
    {
      type: 'OrderPlaced',
      data: {
        orderId,
        accountId,
        ...(customer === undefined ? {} : { customer }),
        ...(priority === undefined ? {} : { priority }),
        ...(requiredBy === undefined ? {} : { requiredBy }),
        lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
        ...(source === undefined ? {} : { source: { purchaseOrderId: source.purchaseOrderId, sellerAccountId: source.sellerAccountId } }),
        ...(chain === undefined ? {} : { chain: [...chain] }),
        requestHash,
        awaitingApproval: approvalRequired,
        ...(warnings === undefined ? {} : { warnings: warnings.map(({ sku, requested, available }) => ({ sku, requested, available })) }),
        // Only a round opened at placement can refuse: an order awaiting approval waits instead.
        ...(refuseIfShort && !approvalRequired ? { refuseIfShort: true } : {}),
      },
    },
  ];
};


const completeInventoryAssignment = (
  command: Extract<OrderCommand, { type: 'CompleteInventoryAssignment' }>,
  state: OrderState,
): OrderEvent[] => {
  // A round that already completed (or never opened) is recognised: the results are on record.
  if (state.openRound?.round !== command.round) return [];
  // An order that ended takes nothing: the round closes empty, and its end releases the bins.
  if (state.end !== undefined) return [{ type: 'InventoryAssignmentCompleted', data: { round: command.round } }];

  const known = new Set(state.assignments.map((a) => a.assignmentId));
  const assigned = new Map(state.lines.map((line) => [line.sku, line.assigned]));
  const events: OrderEvent[] = [];
  command.assignments.forEach((assignment, i) => {
    if (known.has(assignment.assignmentId) || assignment.quantity <= 0) return;
    const line = state.lines.find((l) => l.sku === assignment.sku);
    const pending = line === undefined ? 0 : line.quantity - assigned.get(line.sku)!;
    // A line reduced while the round ran may get more than it now needs: the excess is given back below.
    if (assignment.quantity > pending && !state.openRound!.reduced?.includes(assignment.sku)) {
      throw new DomainError(
        'conflict',
        'ASSIGNMENT_EXCEEDS_PENDING',
        `Assignment "${assignment.assignmentId}" of ${assignment.quantity} x ${assignment.sku} exceeds the pending ${pending}`,
        `assignments[${i}].quantity`,
        { sku: assignment.sku, requested: assignment.quantity, pending },
      );
    }
    known.add(assignment.assignmentId);
    assigned.set(assignment.sku, assigned.get(assignment.sku)! + assignment.quantity);
    const { assignmentId, sku, locationId, binId, quantity, source, grnId, rule } = assignment;
    events.push({
      type: 'InventoryAssigned',
      data: { assignmentId, sku, locationId, binId, quantity, source, ...(grnId === undefined ? {} : { grnId }), ...(rule === undefined ? {} : { rule }) },
    });
  });
  events.push(...roundExcessReleases(state, events, command.round));
  events.push({ type: 'InventoryAssignmentCompleted', data: { round: command.round } });
  if (state.placed!.refuseIfShort === true && command.round === state.placementRound) {
    // The estimate let the order through, but another order took the units first.
    const shortages = state.lines
      .filter((line) => assigned.get(line.sku)! < line.quantity)
      .map((line) => ({ sku: line.sku, requested: line.quantity, available: assigned.get(line.sku)! }));
    if (shortages.length > 0) events.push({ type: 'OrderRefused', data: { shortages } });
  }
  // Goods reserved for the order while the round ran (a GRN) are assigned by the next round.
  const again = state.openRound!.again;
  if (again !== undefined && !events.some((e) => e.type === 'OrderRefused') && state.lines.some((line) => line.quantity > assigned.get(line.sku)!)) {
    events.push({ type: 'InventoryAssignmentRequested', data: { grnId: again.grnId } });
  }
  return events;
};

/** Units of `sku` not yet handed over, taken from the order's assignments in the order they were made, per bin. */
const takeFromBins = (state: OrderState, sku: string, quantity: number): OrderHandedOverData['bins'] => {
  const perBin = new Map<string, { sku: string; locationId: string; binId: string; quantity: number }>();
  let left = quantity;
  for (const a of state.assignments) {
    if (left === 0) break;
    if (a.sku !== sku) continue;
    const take = Math.min(a.quantity - a.handedOver, left);
    if (take <= 0) continue;
    left -= take;
    const key = binKey(sku, a.locationId, a.binId);
    const entry = perBin.get(key);
    if (entry === undefined) perBin.set(key, { sku, locationId: a.locationId, binId: a.binId, quantity: take });
    else entry.quantity += take;
  }
  return [...perBin.values()];
};

/**
 * Whether a handover asks for what the recorded one under its id did: the same lines, in any order.
 * One without lines asks for everything assigned; under an id already used it is taken as a retry of that handover.
 */
const sameHandover = (done: OrderHandedOverData, command: Extract<OrderCommand, { type: 'HandOverOrder' }>): boolean => {
  if (command.lines === undefined) return true;
  if (command.lines.length !== done.lines.length) return false;
  const quantities = new Map(done.lines.map((line) => [line.sku, line.quantity]));
  return command.lines.every((line) => quantities.get(line.sku) === line.quantity);
};

const handOverOrder = (command: Extract<OrderCommand, { type: 'HandOverOrder' }>, state: OrderState): OrderEvent[] => {
  const done = state.handovers.get(command.handoverId);
  if (done !== undefined) {
    // A retried handover writes nothing; another one under the same id is a client's mistake.
    if (sameHandover(done, command)) return [];
    throw new DomainError('conflict', 'HANDOVER_EXISTS', `Handover "${command.handoverId}" was already made with other lines`, 'handoverId');
  }
  refuseIfEnded(state);
  refuseIfNotApproved(state);

  const available = (line: LineState): number => line.assigned - line.handedOver;
  let lines: { sku: string; quantity: number }[];
  if (command.lines === undefined) {
    lines = state.lines.map((line) => ({ sku: line.sku, quantity: available(line) }));
  } else {
    const requested = command.lines;
    requested.forEach(({ sku }, i) => {
      if (!state.lines.some((line) => line.sku === sku)) {
        throw new DomainError('rule_violated', 'SKU_NOT_ON_ORDER', `SKU "${sku}" is not on the order`, `lines[${i}].sku`);
      }
    });
    const repeat = repeatedSkuIndex(requested);
    if (repeat >= 0) {
      throw new DomainError('rule_violated', 'DUPLICATE_SKU', `SKU "${requested[repeat]!.sku}" is on more than one line`, `lines[${repeat}].sku`);
    }
    requested.forEach(({ sku, quantity }, i) => {
      const free = available(state.lines.find((line) => line.sku === sku)!);
      if (quantity > free) {
        throw new DomainError(
          'conflict',
          'HANDOVER_EXCEEDS_ASSIGNED',
          `Cannot hand over ${quantity} x ${sku}: ${free} assigned and not yet handed over`,
          `lines[${i}].quantity`,
          { sku, requested: quantity, available: free },
        );
      }
    });
    lines = requested.map(({ sku, quantity }) => ({ sku, quantity }));
  }

  lines = lines.filter((line) => line.quantity > 0);
  if (lines.length === 0) throw new DomainError('conflict', 'NOTHING_TO_HAND_OVER', 'Nothing is assigned and not yet handed over');
  const bins = lines.flatMap((line) => takeFromBins(state, line.sku, line.quantity));
  return [{ type: 'OrderHandedOver', data: { handoverId: command.handoverId, lines, bins } }];
};


const cancelOrder = (command: Extract<OrderCommand, { type: 'CancelOrder' }>, state: OrderState): OrderEvent[] => {
  if (state.end === 'CANCELLED') return [];
  if (state.end === 'CLOSED_SHORT') throw new DomainError('conflict', 'ORDER_CLOSED_SHORT', 'The order is closed short');
  if (orderStatus(state) === 'HANDED_OVER') throw new DomainError('conflict', 'ORDER_HANDED_OVER', 'The order is handed over');
  const reserved = command.reservationBins.flatMap(({ locationId, binId }) =>
    state.lines.map(({ sku }) => ({ sku, locationId, binId })),
  );
  return [{ type: 'OrderCancelled', data: { bins: distinctBins([...heldBins(state), ...reserved]) } }];
};

const endOrder = (command: Extract<OrderCommand, { type: 'EndOrder' }>, state: OrderState): OrderEvent[] => {
  if (state.end !== undefined || orderStatus(state) === 'HANDED_OVER') return [];
  if (state.lines.some((line) => line.handedOver > 0)) return [{ type: 'OrderClosedShort', data: { reason: command.reason } }];
  return [{ type: 'OrderCancelled', data: { bins: heldBins(state) } }];
};

/** `POST …/close-short`: like EndOrder, but refused (409) on an order with nothing left to close. */
const closeOrderShort = (command: Extract<OrderCommand, { type: 'CloseOrderShort' }>, state: OrderState): OrderEvent[] => {
  if (state.end === 'CLOSED_SHORT') return [];
  if (state.end === 'CANCELLED') throw new DomainError('conflict', 'ORDER_CANCELLED', 'The order is cancelled');
  if (orderStatus(state) === 'HANDED_OVER') throw new DomainError('conflict', 'ORDER_HANDED_OVER', 'The order is handed over in full');
  return endOrder({ type: 'EndOrder', reason: command.reason }, state);
};

const recordVendorClosedShort = (command: Extract<OrderCommand, { type: 'RecordVendorClosedShort' }>, state: OrderState): OrderEvent[] => {
  // An order that ended sources nothing again; a PO closed short is recorded once.
  if (!isOpen(state) || state.closedShortPurchases.some((po) => po.purchaseOrderId === command.purchaseOrderId)) return [];
  const lines = command.lines.filter((line) => line.quantity > 0 && state.lines.some((l) => l.sku === line.sku));
  if (lines.length === 0) return [];
  const events: OrderEvent[] = [
    {
      type: 'VendorClosedShort',
      data: { purchaseOrderId: command.purchaseOrderId, vendorAccountId: command.vendorAccountId, lines: lines.map(({ sku, quantity }) => ({ sku, quantity })) },
    },
  ];
  // A round sources the rest again (bins first, then the next vendor); one already open will.
  if (state.openRound === undefined && !isAwaitingApproval(state) && state.lines.some((line) => pendingOf(line) > 0)) {
    events.push({ type: 'InventoryAssignmentRequested', data: {} });
  }
  return events;
};

const recordPurchaseDecision = (
  command: Extract<OrderCommand, { type: 'RecordPurchaseDecision' }>,
  state: OrderState,
): OrderEvent[] => {
  // Taken once per round, and only while the order still waits for what it decides about.
  if (!isOpen(state) || isAwaitingApproval(state)) return [];
  if (state.purchaseOrders.some((po) => po.round === command.round)) return [];
  // A round opened since (free stock allocated to the order, a GRN) decides the shortfall instead.
  if (!isLatestRoundClosed(state, command.round)) return [];
  const events: OrderEvent[] = [];
  for (const { purchaseOrderId, vendorAccountId, accountId, lines, expectedAt, rounding } of command.purchaseOrders) {
    if (state.purchaseOrders.some((po) => po.purchaseOrderId === purchaseOrderId)) continue;
    events.push({
      type: 'PurchaseOrderLinked',
      data: {
        purchaseOrderId,
        vendorAccountId,
        accountId,
        lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
        round: command.round,
        ...(expectedAt === undefined ? {} : { expectedAt }),
        ...(rounding === undefined || rounding.length === 0 ? {} : { rounding: rounding.map(({ sku, surplus }) => ({ sku, surplus })) }),
      },
    });
  }
  const passedOver = command.passedOver ?? [];
  if (passedOver.length > 0 && !state.passedOver.some((p) => p.round === command.round)) {
    events.push({
      type: 'VendorsPassedOver',
      data: { round: command.round, vendors: passedOver.map(({ sku, vendorAccountId, reason }) => ({ sku, vendorAccountId, reason })) },
    });
  }
  for (const { sku, reason } of command.reasons) {
    if (recordedReasonOf(state, sku) !== reason) events.push({ type: 'PendingReasonRecorded', data: { sku, reason } });
  }
  return events;
};

// ---- line changes (docs/product.md, "Changing an order"; the steps: fulfilment/line-changes.ts) ----

/** Where `quantity` held units of the SKU are given back from: the latest assignments first, per bin. */
const releaseFromBins = (state: OrderState, sku: string, quantity: number): { locationId: string; binId: string; quantity: number }[] => {
  const perBin = new Map<string, { locationId: string; binId: string; quantity: number }>();
  let left = quantity;
  for (const a of [...state.assignments].reverse()) {
    if (left === 0) break;
    if (a.sku !== sku) continue;
    const take = Math.min(a.quantity - a.handedOver, left);
    if (take <= 0) continue;
    left -= take;
    const key = binKey(sku, a.locationId, a.binId);
    const entry = perBin.get(key);
    if (entry === undefined) perBin.set(key, { locationId: a.locationId, binId: a.binId, quantity: take });
    else entry.quantity += take;
  }
  return [...perBin.values()];
};

/** A round that assigned a line reduced meanwhile beyond its quantity gives the excess back. */
const roundExcessReleases = (state: OrderState, assigned: readonly OrderEvent[], round: number): OrderEvent[] => {
  const reduced = state.openRound?.reduced ?? [];
  if (reduced.length === 0) return [];
  const after = assigned.reduce(evolve, state);
  return reduced.flatMap((sku): OrderEvent[] => {
    const line = after.lines.find((l) => l.sku === sku);
    const excess = line === undefined ? 0 : line.assigned - line.quantity;
    if (excess <= 0) return [];
    return [{ type: 'InventoryReleased', data: { releaseId: roundExcessReleaseIdFor(state.placed!.orderId, round), sku, bins: releaseFromBins(after, sku, excess) } }];
  });
};

/**
 * A line's new quantity. A decrease gives up pending quantity first (the process manager then
 * shrinks the POs and frees reserved goods), then held units (released here, latest assignments
 * first); an increase is pending, sourced in a round of its own. A line change that leaves nothing
 * on an order nothing was handed over from cancels it.
 */
const changeOrderLine = (command: Extract<OrderCommand, { type: 'ChangeOrderLine' }>, state: OrderState): OrderEvent[] => {
  const line = state.lines.find((l) => l.sku === command.sku);
  if (line === undefined) throw new DomainError('not_found', 'ORDER_LINE_NOT_FOUND', `SKU "${command.sku}" is not on the order`, 'sku');
  const fromPurchaseOrder = command.fromPurchaseOrder === true;
  if (fromPurchaseOrder && state.end !== undefined) return [];
  refuseIfEnded(state);
  if (state.placed!.source !== undefined && !fromPurchaseOrder) {
    throw new DomainError(
      'conflict',
      'ORDER_FOLLOWS_PURCHASE_ORDER',
      'A vendor order follows its purchase order: the seller changes its own order, or the vendor closes short',
    );
  }
  if (orderStatus(state) === 'HANDED_OVER') {
    if (fromPurchaseOrder) return [];
    throw new DomainError('conflict', 'ORDER_HANDED_OVER', 'The order is handed over in full');
  }
  let quantity = command.quantity;
  if (quantity < line.handedOver) {
    if (!fromPurchaseOrder) {
      throw new DomainError(
        'conflict',
        'QUANTITY_BELOW_HANDED_OVER',
        `Cannot change ${command.sku} to ${quantity}: ${line.handedOver} already handed over`,
        'quantity',
        { sku: command.sku, requested: quantity, handedOver: line.handedOver },
      );
    }
    quantity = line.handedOver;
  }
  if (quantity === line.quantity) return [];
  const change = (state.lineChanges?.length ?? 0) + 1;
  const events: OrderEvent[] = [{ type: 'OrderLineChanged', data: { change, sku: line.sku, previousQuantity: line.quantity, quantity } }];
  const release = line.assigned - quantity;
  if (release > 0) {
    events.push({ type: 'InventoryReleased', data: { releaseId: lineChangeReleaseIdFor(state.placed!.orderId, change), sku: line.sku, bins: releaseFromBins(state, line.sku, release) } });
  }
  const after = events.reduce(evolve, state);
  if (after.lines.every((l) => l.quantity === 0)) {
    events.push({ type: 'OrderCancelled', data: { bins: heldBins(state).filter((bin) => bin.sku === line.sku) } });
  } else if (quantity > line.quantity && !isAwaitingApproval(state) && state.openRound === undefined) {
    events.push({ type: 'InventoryAssignmentRequested', data: {} });
  }
  return events;
};

const completeLineChange = (command: Extract<OrderCommand, { type: 'CompleteLineChange' }>, state: OrderState): OrderEvent[] => {
  const recorded = state.lineChanges?.[command.change - 1];
  if (recorded === undefined || state.lineChangesCompleted?.has(command.change)) return [];
  const { change, purchaseOrders } = command;
  return [
    {
      type: 'OrderLineChangeCompleted',
      data: {
        change,
        sku: recorded.sku,
        purchaseOrders: purchaseOrders.map(({ purchaseOrderId, previousQuantity, quantity, status }) => ({ purchaseOrderId, previousQuantity, quantity, status })),
      },
    },
  ];
};

/** A vendor's promised date: only on a vendor order that still has something to hand over. */
const promiseDelivery = (command: Extract<OrderCommand, { type: 'PromiseDelivery' }>, state: OrderState): OrderEvent[] => {
  if (state.placed!.source === undefined) {
    throw new DomainError('conflict', 'NOT_A_VENDOR_ORDER', 'Only a vendor order (one a purchase order opened) takes a promised delivery date');
  }
  refuseIfEnded(state);
  if (orderStatus(state) === 'HANDED_OVER') throw new DomainError('conflict', 'ORDER_HANDED_OVER', 'The order is handed over in full');
  if (state.promisedAt === command.promisedAt) return [];
  return [{ type: 'DeliveryPromised', data: { promisedAt: command.promisedAt } }];
};

/** What a PO of the order stands at now; recorded only when it differs from what the order knows. */
const recordPurchaseOrderProgress = (command: Extract<OrderCommand, { type: 'RecordPurchaseOrderProgress' }>, state: OrderState): OrderEvent[] => {
  const linked = state.purchaseOrders.find((po) => po.purchaseOrderId === command.purchaseOrderId);
  if (!isOpen(state) || linked === undefined) return [];
  const known = progressOf(state, linked);
  const open = new Set(command.openSkus);
  const openSkus = linked.lines.map((line) => line.sku).filter((sku) => open.has(sku));
  if (known.expectedAt === command.expectedAt && known.openSkus.length === openSkus.length && openSkus.every((sku) => known.openSkus.includes(sku))) return [];
  return [
    {
      type: 'PurchaseOrderProgressRecorded',
      data: { purchaseOrderId: linked.purchaseOrderId, ...(command.expectedAt === undefined ? {} : { expectedAt: command.expectedAt }), openSkus },
    },
  ];
};

/**
 * Every change of a line's eta is an event: after whatever a command decided, each line whose eta
 * (derived from the events) differs from the one last recorded gets an OrderLineEtaChanged, in the
 * same append. A command that decides nothing changes no eta.
 */
const withEtaChanges = (state: OrderState, events: OrderEvent[]): OrderEvent[] => {
  if (events.length === 0) return events;
  const after = events.reduce(evolve, state);
  if (after.placed === undefined) return events;
  const changes = lineEtas(after).flatMap(({ sku, eta, late }): OrderEvent[] => {
    const previous = after.etas?.get(sku) ?? null;
    return eta === previous ? [] : [{ type: 'OrderLineEtaChanged', data: { sku, eta, previous, late } }];
  });
  return changes.length === 0 ? events : [...events, ...changes];
};

const decide = (command: OrderCommand, state: OrderState): OrderEvent[] => withEtaChanges(state, decideCommand(command, state));

const decideCommand = (command: OrderCommand, state: OrderState): OrderEvent[] => {
  if (command.type === 'PlaceOrder') return placeOrder(command, state);
  // A refused order is, to clients, one that was never placed; only the process manager finishes
  // what was under way when it was refused (its round; a line change that raced the refusal).
  if (state.placed === undefined || (isRefused(state) && command.type !== 'CompleteInventoryAssignment' && command.type !== 'CompleteLineChange')) {
    throw new DomainError('not_found', 'ORDER_NOT_FOUND', 'Order does not exist');
  }

  switch (command.type) {
    case 'ApproveOrder':
      refuseIfEnded(state);
      return isAwaitingApproval(state) ? [{ type: 'OrderApproved', data: {} }] : [];

    case 'RequestInventoryAssignment':
      refuseIfEnded(state);
      refuseIfNotApproved(state);
      if (!state.lines.some((line) => pendingOf(line) > 0)) return [];
      // A share of free stock is taken once: by the round open now, or by a round opened for it.
      if (command.allocationId !== undefined) {
        return state.allocationsServed.has(command.allocationId) ? [] : [{ type: 'InventoryAssignmentRequested', data: { allocationId: command.allocationId } }];
      }
      // A GRN's reserved goods: by a round of their own, after the one open now (it may have read the bins before them).
      if (command.grnId !== undefined) {
        return state.grnRounds.has(command.grnId) ? [] : [{ type: 'InventoryAssignmentRequested', data: { grnId: command.grnId } }];
      }
      // The round already open will assign what is pending.
      if (state.openRound !== undefined) return [];
      return [{ type: 'InventoryAssignmentRequested', data: {} }];

    case 'CompleteInventoryAssignment':
      return completeInventoryAssignment(command, state);

    case 'HandOverOrder':
      return handOverOrder(command, state);

    case 'CancelOrder':
      return cancelOrder(command, state);

    case 'EndOrder':
      return endOrder(command, state);

    case 'RecordPurchaseDecision':
      return recordPurchaseDecision(command, state);

    case 'RecordPendingReason': {
      const { sku, reason } = command;
      if (!isOpen(state) || recordedReasonOf(state, sku) === reason) return [];
      return [{ type: 'PendingReasonRecorded', data: { sku, reason } }];
    }

    case 'CloseOrderShort':
      return closeOrderShort(command, state);

    case 'RecordVendorClosedShort':
      return recordVendorClosedShort(command, state);

    case 'ChangeOrderLine':
      return changeOrderLine(command, state);

    case 'CompleteLineChange':
      return completeLineChange(command, state);

    case 'PromiseDelivery':
      return promiseDelivery(command, state);

    case 'RecordPurchaseOrderProgress':
      return recordPurchaseOrderProgress(command, state);

    default: {
      const unknown: never = command;
      throw new Error(`Unknown order command ${JSON.stringify(unknown)}`);
    }
  }
};

// ---- evolve --------------------------------------------------------------------------------

const withRoundOpened = (state: OrderState, grnId?: string): OrderState => {
  const round = state.roundsOpened + 1;
  const grnRounds = grnId === undefined ? state.grnRounds : new Set([...state.grnRounds, grnId]);
  return { ...state, roundsOpened: round, grnRounds, openRound: { round, ...(grnId === undefined ? {} : { grnId }) } };
};

/** Marks the units of each bin entry handed over on that bin's assignments, oldest first (as decided). */
const withHandedOver = (state: OrderState, data: OrderHandedOverData): OrderState => {
  const handedOver = state.assignments.map((a) => a.handedOver);
  for (const entry of data.bins) {
    let left = entry.quantity;
    state.assignments.forEach((a, i) => {
      if (left === 0 || a.sku !== entry.sku || a.locationId !== entry.locationId || a.binId !== entry.binId) return;
      const take = Math.min(a.quantity - handedOver[i]!, left);
      if (take <= 0) return;
      handedOver[i] = handedOver[i]! + take;
      left -= take;
    });
  }
  const bySku = new Map(data.lines.map((line) => [line.sku, line.quantity]));
  return {
    ...state,
    lines: state.lines.map((line) => (bySku.has(line.sku) ? { ...line, handedOver: line.handedOver + bySku.get(line.sku)! } : line)),
    assignments: state.assignments.map((a, i) => (handedOver[i] === a.handedOver ? a : { ...a, handedOver: handedOver[i]! })),
    handovers: new Map(state.handovers).set(data.handoverId, data),
  };
};


/** Gives back held units of each bin entry, from the bin's latest assignments first (as decided). */
const withReleased = (state: OrderState, data: z.infer<typeof InventoryReleased>['data']): OrderState => {
  const quantities = state.assignments.map((a) => a.quantity);
  let total = 0;
  for (const entry of data.bins) {
    let left = entry.quantity;
    for (let i = state.assignments.length - 1; i >= 0 && left > 0; i--) {
      const a = state.assignments[i]!;
      if (a.sku !== data.sku || a.locationId !== entry.locationId || a.binId !== entry.binId) continue;
      const take = Math.min(quantities[i]! - a.handedOver, left);
      if (take <= 0) continue;
      quantities[i] = quantities[i]! - take;
      left -= take;
      total += take;
    }
  }
  return {
    ...state,
    lines: state.lines.map((line) => (line.sku === data.sku ? { ...line, assigned: line.assigned - total } : line)),
    assignments: state.assignments.map((a, i) => (quantities[i] === a.quantity ? a : { ...a, quantity: quantities[i]! })),
  };
};

const ended = (state: OrderState, end: OrderEnd): OrderState => (state.end === undefined ? { ...state, end } : state);

const evolve = (state: OrderState, event: OrderEvent): OrderState => {
  switch (event.type) {
    case 'OrderPlaced': {
      const placed: OrderState = {
        ...state,
        placed: event.data,
        lines: event.data.lines.map(({ sku, quantity }) => ({ sku, quantity, assigned: 0, handedOver: 0 })),
      };
      if (event.data.awaitingApproval) return placed;
      const opened = withRoundOpened(placed);
      return { ...opened, placementRound: opened.roundsOpened };
    }

    case 'OrderApproved':
      if (!isAwaitingApproval(state)) return state;
      return withRoundOpened({ ...state, approved: true });

    case 'InventoryAssignmentRequested': {
      const { grnId, allocationId } = event.data;
      const served = allocationId === undefined ? state.allocationsServed : new Set([...state.allocationsServed, allocationId]);
      const open = state.openRound;
      if (open === undefined) {
        const opened = withRoundOpened({ ...state, allocationsServed: served }, grnId);
        return allocationId === undefined ? opened : { ...opened, openRound: { ...opened.openRound!, allocations: [allocationId] } };
      }
      // Asked while a round is open: that round takes the allocation's share; a GRN's goods get the next round.
      return {
        ...state,
        allocationsServed: served,
        grnRounds: grnId === undefined ? state.grnRounds : new Set([...state.grnRounds, grnId]),
        openRound: {
          ...open,
          ...(allocationId === undefined ? {} : { allocations: [...(open.allocations ?? []), allocationId] }),
          ...(grnId === undefined ? {} : { again: { grnId } }),
        },
      };
    }

    case 'InventoryAssigned': {
      const { assignmentId, sku, locationId, binId, quantity, source, grnId, rule } = event.data;
      if (state.assignments.some((a) => a.assignmentId === assignmentId)) return state;
      const assignment: AssignmentState = {
        assignmentId,
        sku,
        locationId,
        binId,
        quantity,
        source,
        ...(grnId === undefined ? {} : { grnId }),
        ...(rule === undefined ? {} : { rule }),
        handedOver: 0,
      };
      return {
        ...state,
        assignments: [...state.assignments, assignment],
        lines: state.lines.map((line) => (line.sku === sku ? { ...line, assigned: line.assigned + quantity } : line)),
      };
    }

    case 'InventoryAssignmentCompleted': {
      if (state.openRound?.round !== event.data.round) return state;
      const { openRound: _closed, ...rest } = state;
      return rest;
    }

    case 'OrderHandedOver':
      return withHandedOver(state, event.data);

    case 'OrderCancelled':
      return ended(state, 'CANCELLED');

    case 'OrderClosedShort':
      return ended(state, 'CLOSED_SHORT');

    case 'OrderRefused':
      return state.end === undefined ? { ...state, end: 'REFUSED', refusal: event.data } : state;

    case 'PurchaseOrderLinked':
      if (state.purchaseOrders.some((po) => po.purchaseOrderId === event.data.purchaseOrderId)) return state;
      return { ...state, purchaseOrders: [...state.purchaseOrders, event.data] };

    case 'VendorsPassedOver': {
      const { round, vendors } = event.data;
      if (state.passedOver.some((p) => p.round === round)) return state;
      return { ...state, passedOver: [...state.passedOver, ...vendors.map((v) => ({ round, ...v }))] };
    }

    case 'VendorClosedShort':
      if (state.closedShortPurchases.some((po) => po.purchaseOrderId === event.data.purchaseOrderId)) return state;
      return { ...state, closedShortPurchases: [...state.closedShortPurchases, event.data] };

    case 'OrderLineChanged': {
      const { change, sku, previousQuantity, quantity } = event.data;
      if ((state.lineChanges?.length ?? 0) >= change) return state;
      const round = state.openRound;
      const reducedInRound = round !== undefined && quantity < previousQuantity && !round.reduced?.includes(sku);
      return {
        ...state,
        lines: state.lines.map((line) => (line.sku === sku ? { ...line, quantity } : line)),
        lineChanges: [...(state.lineChanges ?? []), event.data],
        ...(reducedInRound ? { openRound: { ...round, reduced: [...(round.reduced ?? []), sku] } } : {}),
      };
    }

    case 'InventoryReleased':
      return withReleased(state, event.data);

    case 'OrderLineChangeCompleted':
      return { ...state, lineChangesCompleted: new Set([...(state.lineChangesCompleted ?? []), event.data.change]) };

    case 'DeliveryPromised':
      return { ...state, promisedAt: event.data.promisedAt };

    case 'PurchaseOrderProgressRecorded': {
      const { purchaseOrderId, expectedAt, openSkus } = event.data;
      const progress: PurchaseOrderProgress = { ...(expectedAt === undefined ? {} : { expectedAt }), openSkus };
      return { ...state, purchaseOrderProgress: new Map(state.purchaseOrderProgress ?? []).set(purchaseOrderId, progress) };
    }

    case 'OrderLineEtaChanged':
      return { ...state, etas: new Map(state.etas ?? []).set(event.data.sku, event.data.eta) };

    case 'PendingReasonRecorded': {
      const { sku, reason } = event.data;
      const has = state.pendingReasons.some((recorded) => recorded.sku === sku);
      return {
        ...state,
        pendingReasons: has
          ? state.pendingReasons.map((recorded) => (recorded.sku === sku ? { sku, reason } : recorded))
          : [...state.pendingReasons, { sku, reason }],
      };
    }

    default: {
      const unknown: never = event;
      throw new Error(`Unknown order event ${JSON.stringify(unknown)}`);
    }
  }
};

export const orderDecider: Decider<OrderState, OrderCommand, OrderEvent> = { initialState, evolve, decide };
