/**
 * The bin decider: the stock of every SKU in one bin, what of it is assigned to which order and
 * what is reserved for which order (goods inwarded against a backorder PO). It keeps, per SKU,
 * assigned + reserved <= on hand, all >= 0, and remembers the keys of the commands it has done
 * so that a repeated command writes nothing.
 */
import { z } from 'zod';
import { DomainError, Decider } from '../shared/decider';
import { BinCommand, BinEvent, NothingAssigned, StockAssigned } from './bin.events';

export type StockAssignedData = z.infer<typeof StockAssigned>['data'];
export type NothingAssignedData = z.infer<typeof NothingAssigned>['data'];
/** What an assignment decided: the stock it gave, or that it gave nothing. */
export type AssignmentDecision = { readonly given: StockAssignedData } | { readonly nothing: NothingAssignedData };

/** What one order holds of one SKU in this bin. */
export type Held = { readonly assigned: number; readonly reserved: number };

export type SkuStock = { readonly onHand: number; readonly assigned: number; readonly reserved: number; readonly available: number };

type MutableHeld = { assigned: number; reserved: number };

/** Per SKU: on hand, the totals over orders (kept so that reads are O(1)), and each order's share. */
type SkuLedger = {
  onHand: number;
  assigned: number;
  reserved: number;
  /** Order id → what it holds; an order holding nothing is removed. */
  readonly byOrder: Map<string, MutableHeld>;
};

/**
 * Owned by the fold: `evolve` runs for every event of a busy bin, so it updates this object in
 * place and returns it instead of copying maps per event. That is safe because a state never
 * escapes the command path while it is being folded; `initialState()` is a fresh object every
 * call. Nothing here aliases an event's data. Read it through the selectors below.
 */
export type BinState = {
  readonly skus: Map<string, SkuLedger>;
  /**
   * Whether the keys below are kept. Only a state that keeps them can decide; a reader that only
   * needs the stock (the read models) folds without them: over a busy bin's life they are most of
   * its size (over 1 MB per bin at a million events).
   */
  readonly remembersCommands: boolean;
  /** adjustmentId of every StockAdjusted → what it adjusted (see adjustmentContents): the same id with other contents is refused. */
  readonly adjustments: Map<string, string>;
  /** assignmentId → what that assignment decided (nothing included), for a round that runs again. */
  readonly assignments: Map<string, AssignmentDecision>;
  /** (releaseId, sku) of every partial release. */
  readonly releases: Set<string>;
  /** (grnId, sku) of every GoodsInwarded. */
  readonly inwards: Set<string>;
  /** (handoverId, orderId, sku) of every StockHandedOver. */
  readonly handovers: Set<string>;
};

const initialState = (): BinState => ({
  skus: new Map(),
  remembersCommands: true,
  adjustments: new Map(),
  assignments: new Map(),
  inwards: new Set(),
  handovers: new Set(),
  releases: new Set(),
});

/** The state of a bin for reading its stock only: folds every event, keeps no command keys, cannot decide. */
export const binStateForReading = (): BinState => ({ ...initialState(), remembersCommands: false });

/** Joins the parts of an idempotency key; NUL occurs in no id or SKU. */
const key = (...parts: string[]): string => parts.join('\u0000');

/** What an adjustment changes, as one string: two adjustments under one id are the same when these are. */
const adjustmentContents = (sku: string, quantity: number, reason: string | undefined): string =>
  key(sku, String(quantity), reason === undefined ? '' : `:${reason}`);

const NOTHING_HELD: Held = { assigned: 0, reserved: 0 };

const ledgerOf = (state: BinState, sku: string): SkuLedger => {
  let ledger = state.skus.get(sku);
  if (ledger === undefined) {
    ledger = { onHand: 0, assigned: 0, reserved: 0, byOrder: new Map() };
    state.skus.set(sku, ledger);
  }
  return ledger;
};

const heldOf = (ledger: SkuLedger, orderId: string): MutableHeld => {
  let held = ledger.byOrder.get(orderId);
  if (held === undefined) {
    held = { assigned: 0, reserved: 0 };
    ledger.byOrder.set(orderId, held);
  }
  return held;
};

const forgetIfEmpty = (ledger: SkuLedger, orderId: string, held: MutableHeld): void => {
  if (held.assigned === 0 && held.reserved === 0) ledger.byOrder.delete(orderId);
};

// ---- selectors -----------------------------------------------------------------------------

/** The SKU's stock in this bin; `available` is what no order holds. */
export const stockOf = (state: BinState, sku: string): SkuStock => {
  const ledger = state.skus.get(sku);
  if (ledger === undefined) return { onHand: 0, assigned: 0, reserved: 0, available: 0 };
  const { onHand, assigned, reserved } = ledger;
  return { onHand, assigned, reserved, available: onHand - assigned - reserved };
};


/** What the order holds of the SKU here. */
export const heldFor = (state: BinState, sku: string, orderId: string): Held => {
  const held = state.skus.get(sku)?.byOrder.get(orderId);
  return held === undefined ? NOTHING_HELD : { assigned: held.assigned, reserved: held.reserved };
};

/** What no order holds of the SKU here: free stock. */
export const freeStockOf = (state: BinState, sku: string): number => stockOf(state, sku).available;

/** What the order may take of the SKU: free stock plus the goods reserved for it. */
export const availableFor = (state: BinState, sku: string, orderId: string): number => {
  const ledger = state.skus.get(sku);
  if (ledger === undefined) return 0;
  const reservedForOrder = ledger.byOrder.get(orderId)?.reserved ?? 0;
  return ledger.onHand - ledger.assigned - (ledger.reserved - reservedForOrder);
};

/** SKU → what the order holds here, for every SKU where it holds something. */
export const heldBy = (state: BinState, orderId: string): Map<string, Held> => {
  const result = new Map<string, Held>();
  for (const [sku, ledger] of state.skus) {
    const held = ledger.byOrder.get(orderId);
    if (held !== undefined && (held.assigned > 0 || held.reserved > 0)) {
      result.set(sku, { assigned: held.assigned, reserved: held.reserved });
    }
  }
  return result;
};

/** What the assignment with this id decided (stock given, or nothing), or undefined when it never ran. */
export const assignmentResult = (state: BinState, assignmentId: string): AssignmentDecision | undefined => {
  const recorded = state.assignments.get(assignmentId);
  if (recorded === undefined) return undefined;
  return 'given' in recorded ? { given: { ...recorded.given } } : { nothing: { ...recorded.nothing } };
};

/** Order id → what it holds of the SKU here, for every order that holds some. */
export const holdersOf = (state: BinState, sku: string): Map<string, Held> => {
  const result = new Map<string, Held>();
  for (const [orderId, held] of state.skus.get(sku)?.byOrder ?? []) {
    if (held.assigned !== 0 || held.reserved !== 0) result.set(orderId, { assigned: held.assigned, reserved: held.reserved });
  }
  return result;
};

/** Whether the goods of this GRN's SKU went into this bin (a state that remembers its commands only). */
export const hasInwarded = (state: BinState, grnId: string, sku: string): boolean => state.inwards.has(key(grnId, sku));

/** The SKUs this bin has ever held. */
export const skusOf = (state: BinState): string[] => [...state.skus.keys()];

// ---- decide --------------------------------------------------------------------------------

const decide = (command: BinCommand, state: BinState): BinEvent[] => {
  if (!state.remembersCommands) throw new Error('A bin state folded for reading (without command keys) cannot decide');
  switch (command.type) {
    case 'AdjustStock': {
      const { adjustmentId, sku, quantity, reason } = command;
      const done = state.adjustments.get(adjustmentId);
      if (done !== undefined) {
        // A retried adjustment writes nothing; another one under the same id is a client's mistake.
        if (done === adjustmentContents(sku, quantity, reason)) return [];
        throw new DomainError(
          'conflict',
          'ADJUSTMENT_EXISTS',
          `Adjustment "${adjustmentId}" was already made in this bin with other contents`,
          'adjustmentId',
        );
      }
      const { onHand, assigned, reserved } = stockOf(state, sku);
      if (onHand + quantity < assigned + reserved) {
        throw new DomainError(
          'conflict',
          'STOCK_BELOW_COMMITTED',
          `Adjusting SKU "${sku}" by ${quantity} would leave ${onHand + quantity} on hand, ` +
            `below the ${assigned} assigned and ${reserved} reserved (on hand now ${onHand})`,
          'quantity',
          { sku, onHand, assigned, reserved },
        );
      }
      return [{ type: 'StockAdjusted', data: { adjustmentId, sku, quantity, ...(reason !== undefined ? { reason } : {}) } }];
    }

    case 'AssignStock': {
      const { assignmentId, orderId, sku, quantity, grnId, stockLimit } = command;
      if (state.assignments.has(assignmentId) || quantity <= 0) return [];
      const reservedHere = heldFor(state, sku, orderId).reserved;
      // Free stock is given only as far as the allocation allows: the order's reserved goods are its own.
      const mayTake = stockLimit === undefined ? availableFor(state, sku, orderId) : Math.min(availableFor(state, sku, orderId), reservedHere + Math.max(0, stockLimit));
      const take = Math.min(quantity, mayTake);
      if (take <= 0) return [{ type: 'NothingAssigned', data: { assignmentId, orderId, sku, requested: quantity } }];
      // The order's reserved goods go first: they are no use to any other order.
      const fromReserved = Math.min(reservedHere, take);
      return [
        {
          type: 'StockAssigned',
          data: {
            assignmentId,
            orderId,
            sku,
            quantity: take,
            fromReserved,
            ...(fromReserved > 0 && grnId !== undefined ? { grnId } : {}),
          },
        },
      ];
    }

    case 'InwardGoods': {
      const { grnId, purchaseOrderId, sku, quantity, reservedForOrderId, reservedQuantity } = command;
      if (state.inwards.has(key(grnId, sku))) return [];
      const reserved = reservedForOrderId === undefined ? 0 : Math.min(quantity, reservedQuantity ?? quantity);
      return [
        {
          type: 'GoodsInwarded',
          data: {
            grnId,
            purchaseOrderId,
            sku,
            quantity,
            ...(reserved > 0 ? { reservedForOrderId: reservedForOrderId!, reservedQuantity: reserved } : {}),
          },
        },
      ];
    }

    case 'ReleaseStock': {
      const { releaseId, orderId } = command;
      return [...heldBy(state, orderId)].map(([sku, held]): BinEvent => ({
        type: 'StockReleased',
        data: { releaseId, orderId, sku, assigned: held.assigned, reserved: held.reserved },
      }));
    }

    case 'ReleaseReserved': {
      const { releaseId, orderId, sku, quantity } = command;
      if (state.releases.has(key(releaseId, sku))) return [];
      const reserved = Math.min(quantity, heldFor(state, sku, orderId).reserved);
      if (reserved <= 0) return [];
      return [{ type: 'StockReleased', data: { releaseId, orderId, sku, assigned: 0, reserved } }];
    }

    case 'ReleaseAssigned': {
      const { releaseId, orderId, sku, quantity } = command;
      if (state.releases.has(key(releaseId, sku))) return [];
      const assigned = Math.min(quantity, heldFor(state, sku, orderId).assigned);
      if (assigned <= 0) return [];
      return [{ type: 'StockReleased', data: { releaseId, orderId, sku, assigned, reserved: 0 } }];
    }

    case 'HandOverStock': {
      const { handoverId, orderId, sku, quantity } = command;
      if (state.handovers.has(key(handoverId, orderId, sku))) return [];
      const { assigned } = heldFor(state, sku, orderId);
      if (quantity > assigned) {
        throw new DomainError(
          'conflict',
          'HANDOVER_EXCEEDS_ASSIGNED',
          `Cannot hand over ${quantity} of SKU "${sku}" for order "${orderId}": only ${assigned} assigned in this bin`,
          'quantity',
          { sku, orderId, assigned, quantity },
        );
      }
      return [{ type: 'StockHandedOver', data: { handoverId, orderId, sku, quantity } }];
    }

    default: {
      const unknown: never = command;
      throw new Error(`Unknown bin command ${JSON.stringify(unknown)}`);
    }
  }
};

// ---- evolve --------------------------------------------------------------------------------

const evolve = (state: BinState, event: BinEvent): BinState => {
  switch (event.type) {
    case 'StockAdjusted': {
      const { adjustmentId, sku, quantity, reason } = event.data;
      ledgerOf(state, sku).onHand += quantity;
      if (state.remembersCommands) state.adjustments.set(adjustmentId, adjustmentContents(sku, quantity, reason));
      return state;
    }
    case 'StockAssigned': {
      const { assignmentId, orderId, sku, quantity, fromReserved } = event.data;
      const ledger = ledgerOf(state, sku);
      const held = heldOf(ledger, orderId);
      ledger.assigned += quantity;
      ledger.reserved -= fromReserved;
      held.assigned += quantity;
      held.reserved -= fromReserved;
      if (state.remembersCommands) state.assignments.set(assignmentId, { given: { ...event.data } });
      return state;
    }
    case 'NothingAssigned':
      if (state.remembersCommands) state.assignments.set(event.data.assignmentId, { nothing: { ...event.data } });
      return state;
    case 'GoodsInwarded': {
      const { grnId, sku, quantity, reservedForOrderId, reservedQuantity } = event.data;
      const ledger = ledgerOf(state, sku);
      ledger.onHand += quantity;
      if (reservedForOrderId !== undefined) {
        const reserved = reservedQuantity ?? quantity;
        ledger.reserved += reserved;
        heldOf(ledger, reservedForOrderId).reserved += reserved;
      }
      if (state.remembersCommands) state.inwards.add(key(grnId, sku));
      return state;
    }
    case 'StockReleased': {
      const { releaseId, orderId, sku, assigned, reserved } = event.data;
      const ledger = ledgerOf(state, sku);
      const held = heldOf(ledger, orderId);
      ledger.assigned -= assigned;
      ledger.reserved -= reserved;
      held.assigned -= assigned;
      held.reserved -= reserved;
      forgetIfEmpty(ledger, orderId, held);
      if (state.remembersCommands) state.releases.add(key(releaseId, sku));
      return state;
    }
    case 'StockHandedOver': {
      const { handoverId, orderId, sku, quantity } = event.data;
      const ledger = ledgerOf(state, sku);
      const held = heldOf(ledger, orderId);
      ledger.onHand -= quantity;
      ledger.assigned -= quantity;
      held.assigned -= quantity;
      forgetIfEmpty(ledger, orderId, held);
      if (state.remembersCommands) state.handovers.add(key(handoverId, orderId, sku));
      return state;
    }
    default: {
      const unknown: never = event;
      throw new Error(`Unknown bin event ${JSON.stringify(unknown)}`);
    }
  }
};

export const binDecider: Decider<BinState, BinCommand, BinEvent> = { initialState, evolve, decide };
