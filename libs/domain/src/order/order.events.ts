/**
 * Events and commands of an order (a B2B order of a seller, or the order a PO opens in a vendor's
 * account). Its status is derived from its events:
 * CANCELLED if cancelled; CLOSED_SHORT if closed with part of it handed over; UNAPPROVED while it
 * awaits approval; HANDED_OVER when every unit is handed over; PARTIALLY_HANDED_OVER when some are;
 * PENDING_INVENTORY while a quantity is pending; else READY. An order refused for stock after it
 * was written (two orders racing for the last units) is, to clients, an order that was never
 * placed: every request on it answers 404, and placing it again with the same body answers the
 * same 422 (another body: 409). A client that wants to try again uses a new order id.
 */
import { z } from 'zod';
import { Id, OrderLine, Quantity, Sku } from '../shared/ids';

export const ORDER_STATUSES = [
  'UNAPPROVED',
  'PENDING_INVENTORY',
  'READY',
  'PARTIALLY_HANDED_OVER',
  'HANDED_OVER',
  'CLOSED_SHORT',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PENDING_REASONS = ['AWAITING_VENDOR', 'SKU_NOT_MAPPED', 'AUTO_PO_DISABLED', 'VENDOR_NOT_ELIGIBLE'] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

export const OrderSource = z.object({ purchaseOrderId: Id, sellerAccountId: Id });
export type OrderSource = z.infer<typeof OrderSource>;

export const InventorySource = z.enum(['stock', 'backorder']);

export const OrderPlaced = z.object({
  type: z.literal('OrderPlaced'),
  data: z.object({
    orderId: Id,
    accountId: Id,
    customer: z.string().max(200).optional(),
    lines: z.array(OrderLine).min(1),
    /** Set on an order opened in a vendor's account for a seller's PO. */
    source: OrderSource.optional(),
    /** The accounts of the backorder chain this order belongs to, the first seller first. */
    chain: z.array(Id).optional(),
    /** Fingerprint of the request that placed it: a retried request is recognised by it. */
    requestHash: z.string().min(1).max(128),
    awaitingApproval: z.boolean(),
    /** Lines that were short of stock when the order was placed, as the client was told. */
    warnings: z.array(z.object({ sku: Sku, requested: Quantity, available: z.number().int().min(0) })).optional(),
    /**
     * The account does not allow orders without inventory: if the first round leaves anything
     * pending (stock taken by another order meanwhile), the order is refused after all.
     */
    refuseIfShort: z.boolean().optional(),
  }),
});
export const OrderApproved = z.object({ type: z.literal('OrderApproved'), data: z.object({}) });
/**
 * Opens an assignment round for the pending quantity (OrderPlaced without approval and
 * OrderApproved open one too). Rounds are numbered 1, 2, ... in the order they open.
 */
export const InventoryAssignmentRequested = z.object({
  type: z.literal('InventoryAssignmentRequested'),
  data: z.object({
    /** Set when the round assigns goods of this GRN reserved for the order. */
    grnId: Id.optional(),
  }),
});
/** Closes the open round; appended together with the round's InventoryAssigned events. */
export const InventoryAssignmentCompleted = z.object({
  type: z.literal('InventoryAssignmentCompleted'),
  data: z.object({ round: z.number().int().positive() }),
});
/** Stock of a bin assigned to a line (mirrors the bin's StockAssigned with the same assignmentId). */
export const InventoryAssigned = z.object({
  type: z.literal('InventoryAssigned'),
  data: z.object({
    assignmentId: z.string().min(1).max(400),
    sku: Sku,
    locationId: Id,
    binId: Id,
    quantity: Quantity,
    source: InventorySource,
    grnId: Id.optional(),
  }),
});
export const OrderHandedOver = z.object({
  type: z.literal('OrderHandedOver'),
  data: z.object({
    handoverId: Id,
    lines: z.array(OrderLine).min(1),
    /** Where the handed-over units leave from. */
    bins: z.array(z.object({ sku: Sku, locationId: Id, binId: Id, quantity: Quantity })).min(1),
  }),
});
export const OrderCancelled = z.object({
  type: z.literal('OrderCancelled'),
  data: z.object({
    /** Bins where the order held assigned or reserved stock, to be released there. */
    bins: z.array(z.object({ sku: Sku, locationId: Id, binId: Id })),
  }),
});
/**
 * A PO is bought for pending quantity of this order: recorded on the order before the PO is
 * created, so the decision is taken once and a cancellation of the order always finds it.
 * `round` is the assignment round whose shortfall it buys (absent on POs of the first release).
 */
export const PurchaseOrderLinked = z.object({
  type: z.literal('PurchaseOrderLinked'),
  data: z.object({
    purchaseOrderId: Id,
    vendorAccountId: Id,
    accountId: Id,
    lines: z.array(OrderLine).min(1),
    round: z.number().int().positive().optional(),
  }),
});
/**
 * The order was refused for stock after it was placed: its account does not allow orders without
 * inventory and its first round found less than the estimate (another order took the units).
 * What the round assigned is released; to clients the order was never placed.
 */
export const OrderRefused = z.object({
  type: z.literal('OrderRefused'),
  data: z.object({
    shortages: z.array(z.object({ sku: Sku, requested: Quantity, available: z.number().int().min(0) })).min(1),
  }),
});
/** What has not been handed over will not be: the rest of the order is closed (its stock released). */
export const OrderClosedShort = z.object({
  type: z.literal('OrderClosedShort'),
  data: z.object({ reason: z.string().min(1).max(500) }),
});
/** Why a pending quantity is not being bought. */
export const PendingReasonRecorded = z.object({
  type: z.literal('PendingReasonRecorded'),
  data: z.object({ sku: Sku, reason: z.enum(PENDING_REASONS) }),
});

export const OrderEvent = z.discriminatedUnion('type', [
  OrderPlaced,
  OrderApproved,
  InventoryAssignmentRequested,
  InventoryAssigned,
  InventoryAssignmentCompleted,
  OrderHandedOver,
  OrderCancelled,
  PurchaseOrderLinked,
  PendingReasonRecorded,
  OrderRefused,
  OrderClosedShort,
]);
export type OrderEvent = z.infer<typeof OrderEvent>;

export type InventorySource = z.infer<typeof InventorySource>;

export type AssignmentResult = {
  readonly assignmentId: string;
  readonly sku: string;
  readonly locationId: string;
  readonly binId: string;
  readonly quantity: number;
  readonly source: InventorySource;
  readonly grnId?: string;
};

export type OrderCommand =
  | {
      readonly type: 'PlaceOrder';
      readonly orderId: string;
      readonly accountId: string;
      readonly customer?: string;
      readonly lines: readonly OrderLine[];
      readonly source?: OrderSource;
      readonly chain?: readonly string[];
      readonly requestHash: string;
      readonly approvalRequired: boolean;
      readonly warnings?: readonly { readonly sku: string; readonly requested: number; readonly available: number }[];
      /** Refuse the order after its first round if that round leaves anything pending. */
      readonly refuseIfShort?: boolean;
    }
  | { readonly type: 'ApproveOrder' }
  | { readonly type: 'RequestInventoryAssignment'; readonly grnId?: string }
  | {
      /** Record what the bins assigned in the open round `round` (the bins decided first), and close it. */
      readonly type: 'CompleteInventoryAssignment';
      readonly round: number;
      readonly assignments: readonly AssignmentResult[];
    }
  | {
      readonly type: 'HandOverOrder';
      readonly handoverId: string;
      /** Omitted: everything assigned and not yet handed over. */
      readonly lines?: readonly OrderLine[];
    }
  | {
      readonly type: 'CancelOrder';
      /** Bins that may hold goods reserved for this order (the Default Bin), besides its assignments. */
      readonly reservationBins: readonly { readonly locationId: string; readonly binId: string }[];
    }
  | {
      /**
       * The purchasing step's decision for the shortfall left by round `round`: the POs bought
       * (recorded before they are created) and why the rest is not bought. Taken once per round.
       */
      readonly type: 'RecordPurchaseDecision';
      readonly round: number;
      readonly purchaseOrders: readonly {
        readonly purchaseOrderId: string;
        readonly vendorAccountId: string;
        readonly accountId: string;
        readonly lines: readonly OrderLine[];
      }[];
      readonly reasons: readonly { readonly sku: string; readonly reason: PendingReason }[];
    }
  | { readonly type: 'RecordPendingReason'; readonly sku: string; readonly reason: PendingReason }
  | {
      /**
       * Ends an order that will get nothing more (its PO was cancelled or closed): cancelled when
       * nothing was handed over, closed short otherwise; nothing when it already ended or is
       * handed over in full.
       */
      readonly type: 'EndOrder';
      readonly reason: string;
    };

