/**
 * Events and commands of an order (a B2B order of a seller, or the order a PO opens in a vendor's
 * account). Its status is derived from its events:
 * CANCELLED if cancelled; UNAPPROVED while it awaits approval; HANDED_OVER when every unit is
 * handed over; PARTIALLY_HANDED_OVER when some are; PENDING_INVENTORY while a quantity is pending;
 * else READY.
 */
import { z } from 'zod';
import { Id, OrderLine, Quantity, Sku } from '../shared/ids';

export const ORDER_STATUSES = [
  'UNAPPROVED',
  'PENDING_INVENTORY',
  'READY',
  'PARTIALLY_HANDED_OVER',
  'HANDED_OVER',
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
/** A PO was created for pending quantity of this order. */
export const PurchaseOrderLinked = z.object({
  type: z.literal('PurchaseOrderLinked'),
  data: z.object({ purchaseOrderId: Id, vendorAccountId: Id, accountId: Id, lines: z.array(OrderLine).min(1) }),
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
      readonly type: 'LinkPurchaseOrder';
      readonly purchaseOrderId: string;
      readonly vendorAccountId: string;
      readonly accountId: string;
      readonly lines: readonly OrderLine[];
    }
  | { readonly type: 'RecordPendingReason'; readonly sku: string; readonly reason: PendingReason };

