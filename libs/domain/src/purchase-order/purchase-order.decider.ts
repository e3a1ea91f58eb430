/**
 * The purchase-order decider: a PO bought from a vendor for the pending quantity of one source
 * order, the vendor order opened for it (or why none was), the goods received on it (GRNs), and
 * its end (cancelled, or its remainder closed). The PO status rule and the open quantity a GRN may
 * not exceed live only here.
 */
import { z } from 'zod';
import { Decider, DomainError } from '../shared/decider';
import {
  GoodsReceived,
  PurchaseOrderCommand,
  PurchaseOrderCreated,
  PurchaseOrderEvent,
  PurchaseOrderStatus,
} from './purchase-order.events';

export type PurchaseOrderCreatedData = z.infer<typeof PurchaseOrderCreated>['data'];
export type GoodsReceivedData = z.infer<typeof GoodsReceived>['data'];

export type PurchaseOrderLineView = {
  readonly sku: string;
  readonly quantity: number;
  readonly receivedQuantity: number;
  readonly closedQuantity: number;
  /** Units bought beyond the source order's need (minimum order quantity, pack size). */
  readonly roundingSurplus: number;
};

/**
 * Immutable: every event gives a new state (a PO has a handful of events). `created` and `grns`
 * are read directly by callers; the rest through the selectors below.
 */
export type PurchaseOrderState = {
  /**
   * The PurchaseOrderCreated data; undefined while the PO does not exist. Its lines hold each
   * line's quantity as it stands: reduced by PurchaseOrderLineReduced.
   */
  readonly created?: PurchaseOrderCreatedData;
  /** The lines as created, before any reduction: a retried creation is recognised by them. */
  readonly orderedLines?: PurchaseOrderCreatedData['lines'];
  /** (reductionId, sku) of every PurchaseOrderLineReduced → the line's quantity before and after it. */
  readonly reductions?: ReadonlyMap<string, { readonly previousQuantity: number; readonly quantity: number }>;
  readonly vendorOrderId?: string;
  /** Why no vendor order was opened, when it was refused. */
  readonly vendorOrderRefusal?: string;
  /** In the order received. */
  readonly grns: readonly GoodsReceivedData[];
  /** SKU → quantity received over all GRNs. */
  readonly received: ReadonlyMap<string, number>;
  /** The reason, once cancelled. */
  readonly cancellation?: string;
  /** The reason, once closed. */
  readonly closure?: string;
  /** SKU → quantity closed (will not come). */
  readonly closed: ReadonlyMap<string, number>;
  /** handoverId of every handover left for a manual GRN. */
  readonly awaitingManualGrn: ReadonlySet<string>;
  /** The seller's close request, once made (the process manager closes the PO). */
  readonly closeRequested?: string;
  /** When the vendor is expected to deliver, once it moved from the creation's (PurchaseOrderExpectedAtChanged). */
  readonly expectedAt?: string;
};

const initialState = (): PurchaseOrderState => ({ grns: [], received: new Map(), closed: new Map(), awaitingManualGrn: new Set() });

// ---- selectors -----------------------------------------------------------------------------

export const purchaseOrderExists = (state: PurchaseOrderState): boolean => state.created !== undefined;

export const purchaseOrderLines = (state: PurchaseOrderState): PurchaseOrderLineView[] =>
  (state.created?.lines ?? []).map(({ sku, quantity }) => ({
    sku,
    quantity,
    receivedQuantity: state.received.get(sku) ?? 0,
    closedQuantity: state.closed.get(sku) ?? 0,
    roundingSurplus: roundingSurplusOf(state, sku),
  }));

/** Units of the SKU's line bought beyond what the source order needs. */
export const roundingSurplusOf = (state: PurchaseOrderState, sku: string): number =>
  state.created?.rounding?.find((line) => line.sku === sku)?.surplus ?? 0;


/** When the vendor is expected to deliver now: as created (lead time), or as it moved since. */
export const expectedAtOf = (state: PurchaseOrderState): string | undefined => state.expectedAt ?? state.created?.expectedAt;

/** Cancelled or closed: it is bought from no more; goods already handed over may still be received. */
export const purchaseOrderEnded = (state: PurchaseOrderState): boolean => state.cancellation !== undefined || state.closure !== undefined;

/** The status of a created PO (SPEC.md); the one place this rule is written. */
export const purchaseOrderStatus = (state: PurchaseOrderState): PurchaseOrderStatus => {
  if (state.cancellation !== undefined) return 'CANCELLED';
  if (state.closure !== undefined) return 'CLOSED';
  const lines = purchaseOrderLines(state);
  if (lines.length > 0 && lines.every((line) => line.receivedQuantity === line.quantity)) return 'RECEIVED';
  if (lines.some((line) => line.receivedQuantity > 0)) return 'PARTIALLY_RECEIVED';
  return 'APPROVED';
};

/** What may still be received of `sku`: ordered minus received and closed (0 for a SKU not on the PO, or cancelled). */
export const openQuantity = (state: PurchaseOrderState, sku: string): number => {
  if (state.cancellation !== undefined) return 0;
  const line = state.created?.lines.find((l) => l.sku === sku);
  return line === undefined ? 0 : line.quantity - (state.received.get(sku) ?? 0) - (state.closed.get(sku) ?? 0);
};

// ---- decide --------------------------------------------------------------------------------

const repeatedSkuIndex = (lines: readonly { readonly sku: string }[]): number => {
  const seen = new Set<string>();
  return lines.findIndex(({ sku }) => {
    if (seen.has(sku)) return true;
    seen.add(sku);
    return false;
  });
};

const duplicateSku = (lines: readonly { readonly sku: string }[], index: number): DomainError =>
  new DomainError('rule_violated', 'DUPLICATE_SKU', `SKU "${lines[index]!.sku}" is on more than one line`, `lines[${index}].sku`);

/** The same lines, whatever their order. */
const sameLines = (a: readonly { sku: string; quantity: number }[], b: readonly { sku: string; quantity: number }[]): boolean => {
  if (a.length !== b.length) return false;
  const quantities = new Map(a.map((line) => [line.sku, line.quantity]));
  return b.every((line) => quantities.get(line.sku) === line.quantity);
};

const refuseIfCancelled = (state: PurchaseOrderState): void => {
  if (state.cancellation !== undefined) {
    throw new DomainError('conflict', 'PURCHASE_ORDER_CANCELLED', 'The purchase order is cancelled');
  }
};

const createPurchaseOrder = (
  command: Extract<PurchaseOrderCommand, { type: 'CreatePurchaseOrder' }>,
  state: PurchaseOrderState,
): PurchaseOrderEvent[] => {
  const { purchaseOrderId, sellerAccountId, vendorAccountId, sourceOrderId, lines, chain, expectedAt, rounding } = command;
  const existing = state.created;
  if (existing !== undefined) {
    // The same PO asked for again (a retried step) is recognised; anything else under its id is not.
    if (existing.vendorAccountId === vendorAccountId && existing.sourceOrderId === sourceOrderId && sameLines(state.orderedLines ?? existing.lines, lines)) {
      return [];
    }
    throw new DomainError(
      'conflict',
      'PURCHASE_ORDER_EXISTS',
      `Purchase order "${purchaseOrderId}" already exists with other contents`,
      'purchaseOrderId',
    );
  }
  const repeat = repeatedSkuIndex(lines);
  if (repeat >= 0) throw duplicateSku(lines, repeat);
  return [
    {
      type: 'PurchaseOrderCreated',
      data: {
        purchaseOrderId,
        sellerAccountId,
        vendorAccountId,
        sourceOrderId,
        lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
        ...(chain === undefined ? {} : { chain: [...chain] }),
        ...(expectedAt === undefined ? {} : { expectedAt }),
        ...(rounding === undefined || rounding.length === 0 ? {} : { rounding: rounding.map(({ sku, surplus }) => ({ sku, surplus })) }),
      },
    },
  ];
};

const receiveGoods = (command: Extract<PurchaseOrderCommand, { type: 'ReceiveGoods' }>, state: PurchaseOrderState): PurchaseOrderEvent[] => {
  const done = state.grns.find((grn) => grn.grnId === command.grnId);
  if (done !== undefined) {
    // A retried GRN writes nothing. A manual one under the id of another is a client's mistake; an
    // automatic one (up to the open quantity) may have received less than it was sent, so only its id counts.
    if (command.upToOpen || sameLines(done.lines, command.lines)) return [];
    throw new DomainError('conflict', 'GRN_EXISTS', `GRN "${command.grnId}" was already received with other lines`, 'grnId');
  }
  if (!command.upToOpen) refuseIfCancelled(state);
  const { grnId, handoverId, locationId, binId, receivedAt } = command;
  const lines = command.upToOpen
    ? command.lines.map(({ sku, quantity }) => ({ sku, quantity: Math.min(quantity, Math.max(0, openQuantity(state, sku))) })).filter((l) => l.quantity > 0)
    : command.lines;
  if (lines.length === 0) return [];
  const onPo = new Set(state.created!.lines.map((line) => line.sku));
  lines.forEach(({ sku }, i) => {
    if (!onPo.has(sku)) {
      throw new DomainError('rule_violated', 'SKU_NOT_ON_PURCHASE_ORDER', `SKU "${sku}" is not on the purchase order`, `lines[${i}].sku`);
    }
  });
  const repeat = repeatedSkuIndex(lines);
  if (repeat >= 0) throw duplicateSku(lines, repeat);
  lines.forEach(({ sku, quantity }, i) => {
    const open = openQuantity(state, sku);
    if (quantity > open) {
      throw new DomainError(
        'conflict',
        'GRN_EXCEEDS_OPEN_QUANTITY',
        `Cannot receive ${quantity} x ${sku}: ${open} still open on the purchase order`,
        `lines[${i}].quantity`,
        { sku, requested: quantity, open },
      );
    }
  });
  return [
    {
      type: 'GoodsReceived',
      data: {
        grnId,
        ...(handoverId === undefined ? {} : { handoverId }),
        lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
        locationId,
        binId,
        receivedAt,
      },
    },
  ];
};

const reductionKey = (reductionId: string, sku: string): string => `${reductionId}\u0000${sku}`;

/** What the reduction `reductionId` did to the SKU's line, if it reduced it. */
export const lineReduction = (state: PurchaseOrderState, reductionId: string, sku: string) => state.reductions?.get(reductionKey(reductionId, sku));

/** A line shrinks to `quantity`, not below what was received or closed; a PO left with nothing open ends. */
const reducePurchaseOrderLine = (
  command: Extract<PurchaseOrderCommand, { type: 'ReducePurchaseOrderLine' }>,
  state: PurchaseOrderState,
): PurchaseOrderEvent[] => {
  const { reductionId, sku, reason } = command;
  const line = state.created!.lines.find((l) => l.sku === sku);
  if (line === undefined) throw new DomainError('rule_violated', 'SKU_NOT_ON_PURCHASE_ORDER', `SKU "${sku}" is not on the purchase order`, 'sku');
  if (purchaseOrderEnded(state) || state.reductions?.has(reductionKey(reductionId, sku))) return [];
  const floor = (state.received.get(sku) ?? 0) + (state.closed.get(sku) ?? 0);
  const quantity = Math.max(floor, command.quantity);
  if (quantity >= line.quantity) return [];
  const events: PurchaseOrderEvent[] = [{ type: 'PurchaseOrderLineReduced', data: { reductionId, sku, previousQuantity: line.quantity, quantity, reason } }];
  const after = evolve(state, events[0]!);
  if (after.created!.lines.every((l) => openQuantity(after, l.sku) <= 0)) {
    events.push(
      state.grns.length === 0
        ? { type: 'PurchaseOrderCancelled', data: { reason } }
        : { type: 'PurchaseOrderClosed', data: { reason, lines: after.created!.lines.map((l) => ({ sku: l.sku, closedQuantity: 0 })) } },
    );
  }
  return events;
};

const decide = (command: PurchaseOrderCommand, state: PurchaseOrderState): PurchaseOrderEvent[] => {
  if (command.type === 'CreatePurchaseOrder') return createPurchaseOrder(command, state);
  if (state.created === undefined) throw new DomainError('not_found', 'PURCHASE_ORDER_NOT_FOUND', 'Purchase order does not exist');

  switch (command.type) {
    case 'LinkVendorOrder':
      if (state.vendorOrderId === command.vendorOrderId) return [];
      refuseIfCancelled(state);
      if (state.closure !== undefined) throw new DomainError('conflict', 'PURCHASE_ORDER_CLOSED', 'The purchase order is closed');
      if (state.vendorOrderId !== undefined) {
        // One vendor order per PO: its id is derived from the PO, so another one is a mistake.
        throw new DomainError(
          'conflict',
          'VENDOR_ORDER_ALREADY_LINKED',
          `Vendor order "${state.vendorOrderId}" is already linked to the purchase order`,
          'vendorOrderId',
        );
      }
      return [{ type: 'VendorOrderLinked', data: { vendorOrderId: command.vendorOrderId } }];

    case 'RefuseVendorOrder':
      // Nothing will come from a vendor that cannot take the order: the PO ends with its reason,
      // nothing stays on order, and the source order's line is bought again at its next round.
      if (state.vendorOrderRefusal !== undefined) return [];
      return [
        { type: 'VendorOrderRefused', data: { reason: command.reason } },
        ...(purchaseOrderEnded(state) ? [] : [{ type: 'PurchaseOrderCancelled' as const, data: { reason: command.reason } }]),
      ];

    case 'ReceiveGoods':
      return receiveGoods(command, state);

    case 'CancelPurchaseOrder':
      if (state.cancellation !== undefined) return [];
      if (state.grns.length > 0) {
        throw new DomainError('conflict', 'GOODS_ALREADY_RECEIVED', 'Goods were already received on the purchase order');
      }
      if (state.closure !== undefined) throw new DomainError('conflict', 'PURCHASE_ORDER_CLOSED', 'The purchase order is closed');
      return [{ type: 'PurchaseOrderCancelled', data: { reason: command.reason } }];

    case 'EndPurchaseOrder': {
      if (purchaseOrderEnded(state)) return [];
      if (state.grns.length === 0 && command.keepOpen.every((line) => line.quantity <= 0)) {
        return [{ type: 'PurchaseOrderCancelled', data: { reason: command.reason } }];
      }
      return decide({ type: 'ClosePurchaseOrder', reason: command.reason, keepOpen: command.keepOpen }, state);
    }

    case 'ClosePurchaseOrder': {
      if (purchaseOrderEnded(state)) return [];
      const keep = new Map((command.keepOpen ?? []).map(({ sku, quantity }) => [sku, quantity]));
      const lines = state.created.lines.map(({ sku }) => {
        const open = openQuantity(state, sku);
        return { sku, closedQuantity: Math.max(0, open - Math.min(open, keep.get(sku) ?? 0)) };
      });
      return [{ type: 'PurchaseOrderClosed', data: { reason: command.reason, lines, ...(command.closedShort ? { closedShort: true as const } : {}) } }];
    }

    case 'RequestPurchaseOrderClose': {
      if (state.closure !== undefined || state.closeRequested !== undefined) return [];
      refuseIfCancelled(state);
      if (state.created.lines.every(({ sku }) => openQuantity(state, sku) <= 0)) {
        throw new DomainError('conflict', 'NOTHING_OPEN', 'Nothing is open on the purchase order: it was received in full');
      }
      return [{ type: 'PurchaseOrderCloseRequested', data: { reason: command.reason } }];
    }

    case 'ReducePurchaseOrderLine':
      return reducePurchaseOrderLine(command, state);

    case 'MoveExpectedAt': {
      const previous = expectedAtOf(state);
      const nothingOpen = state.created.lines.every(({ sku }) => openQuantity(state, sku) <= 0);
      if (purchaseOrderEnded(state) || nothingOpen || previous === command.expectedAt) return [];
      return [
        {
          type: 'PurchaseOrderExpectedAtChanged',
          data: { expectedAt: command.expectedAt, ...(previous === undefined ? {} : { previous }), cause: command.cause },
        },
      ];
    }

    case 'AwaitManualGrn':
      if (state.awaitingManualGrn.has(command.handoverId)) return [];
      return [
        {
          type: 'ManualGrnAwaited',
          data: { handoverId: command.handoverId, lines: command.lines.map(({ sku, quantity }) => ({ sku, quantity })) },
        },
      ];

    default: {
      const unknown: never = command;
      throw new Error(`Unknown purchase order command ${JSON.stringify(unknown)}`);
    }
  }
};

// ---- evolve --------------------------------------------------------------------------------

const evolve = (state: PurchaseOrderState, event: PurchaseOrderEvent): PurchaseOrderState => {
  switch (event.type) {
    case 'PurchaseOrderCreated':
      return { ...state, created: event.data };

    case 'VendorOrderLinked':
      return { ...state, vendorOrderId: event.data.vendorOrderId };

    case 'VendorOrderRefused':
      return { ...state, vendorOrderRefusal: event.data.reason };

    case 'GoodsReceived': {
      if (state.grns.some((grn) => grn.grnId === event.data.grnId)) return state;
      const received = new Map(state.received);
      for (const { sku, quantity } of event.data.lines) received.set(sku, (received.get(sku) ?? 0) + quantity);
      return { ...state, grns: [...state.grns, event.data], received };
    }

    case 'PurchaseOrderCancelled':
      return { ...state, cancellation: event.data.reason };

    case 'PurchaseOrderClosed': {
      if (state.closure !== undefined) return state;
      const closed = new Map(state.closed);
      for (const { sku, closedQuantity } of event.data.lines) closed.set(sku, (closed.get(sku) ?? 0) + closedQuantity);
      return { ...state, closure: event.data.reason, closed };
    }

    case 'ManualGrnAwaited':
      return { ...state, awaitingManualGrn: new Set([...state.awaitingManualGrn, event.data.handoverId]) };

    case 'PurchaseOrderLineReduced': {
      const { reductionId, sku, quantity } = event.data;
      const key = reductionKey(reductionId, sku);
      if (!state.created || state.reductions?.has(key)) return state;
      return {
        ...state,
        orderedLines: state.orderedLines ?? state.created.lines,
        created: { ...state.created, lines: state.created.lines.map((line) => (line.sku === sku ? { sku, quantity } : line)) },
        reductions: new Map(state.reductions ?? []).set(key, { previousQuantity: event.data.previousQuantity, quantity }),
      };
    }

    case 'PurchaseOrderExpectedAtChanged':
      return { ...state, expectedAt: event.data.expectedAt };

    case 'PurchaseOrderCloseRequested':
      return state.closeRequested === undefined ? { ...state, closeRequested: event.data.reason } : state;

    default: {
      const unknown: never = event;
      throw new Error(`Unknown purchase order event ${JSON.stringify(unknown)}`);
    }
  }
};

export const purchaseOrderDecider: Decider<PurchaseOrderState, PurchaseOrderCommand, PurchaseOrderEvent> = {
  initialState,
  evolve,
  decide,
};
