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
import { PURCHASE_ORDER_STATUSES, PurchaseOrderStatus } from '../purchase-order/purchase-order.events';

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

export const PENDING_REASONS = ['AWAITING_VENDOR', 'SKU_NOT_MAPPED', 'AUTO_PO_DISABLED', 'VENDOR_NOT_ELIGIBLE', 'VENDOR_CLOSED_SHORT'] as const;
export type PendingReason = (typeof PENDING_REASONS)[number];

/** Why the purchasing step passed over a vendor of the SKU's list. */
export const VENDOR_SKIP_REASONS = ['IN_CHAIN', 'NOT_A_VENDOR', 'NOT_ELIGIBLE', 'CLOSED_SHORT'] as const;
export type VendorSkipReason = (typeof VENDOR_SKIP_REASONS)[number];

export const OrderSource = z.object({ purchaseOrderId: Id, sellerAccountId: Id });
export type OrderSource = z.infer<typeof OrderSource>;

export const InventorySource = z.enum(['stock', 'backorder']);

/**
 * The rule of the allocation that chose an assignment (SPEC "Allocation of free stock"): goods
 * inwarded for the order's own PO (`PEGGED`), or free stock, by what put the order ahead of the
 * next waiting order (`PRIORITY`, `REQUIRED_BY`, creation order `FIFO`; `FIFO` too when no other
 * order waited).
 */
export const AllocationRule = z.enum(['PEGGED', 'PRIORITY', 'REQUIRED_BY', 'FIFO']);
export type AllocationRule = z.infer<typeof AllocationRule>;

/** An order's priority for free stock: 1–9, 1 first. */
export const OrderPriority = z.number().int().min(1).max(9);
export const DEFAULT_ORDER_PRIORITY = 5;
/** A calendar date, `YYYY-MM-DD`, that exists. */
export const IsoDate = z.iso.date();

export const OrderPlaced = z.object({
  type: z.literal('OrderPlaced'),
  data: z.object({
    orderId: Id,
    accountId: Id,
    customer: z.string().max(200).optional(),
    /** Who gets free stock first: 1 first, 5 when not given (the allocation rule). */
    priority: OrderPriority.optional(),
    /** When the customer needs the goods (an ISO date): earlier first among equal priorities; a line whose eta is after it is late. */
    requiredBy: IsoDate.optional(),
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
    /**
     * Set when the allocation of free stock gave the order a share: the round takes it. Appended
     * while a round is open too: that round serves the allocation (a GRN's request then reruns it).
     */
    allocationId: z.string().min(1).max(400).optional(),
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
    /** The allocation rule that chose it (absent on events from before allocation by rank). */
    rule: AllocationRule.optional(),
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
    /** When the vendor is expected to deliver: the decision's time plus the vendor's lead time. */
    expectedAt: z.string().datetime().optional(),
    /** Units a line buys beyond what the order needs (the vendor's minimum order quantity, pack size). */
    rounding: z.array(z.object({ sku: Sku, surplus: Quantity })).optional(),
  }),
});
/** The purchasing step passed over vendors of the SKUs' lists (in list order) when it bought for round `round`. */
export const VendorsPassedOver = z.object({
  type: z.literal('VendorsPassedOver'),
  data: z.object({
    round: z.number().int().positive(),
    vendors: z.array(z.object({ sku: Sku, vendorAccountId: Id, reason: z.enum(VENDOR_SKIP_REASONS) })).min(1),
  }),
});
/**
 * A PO of this order was closed short (by its vendor or by the seller): `lines` will not come from
 * it, and that vendor is not bought from again for these lines. Opens a round that sources the
 * rest again.
 */
export const VendorClosedShort = z.object({
  type: z.literal('VendorClosedShort'),
  data: z.object({ purchaseOrderId: Id, vendorAccountId: Id, lines: z.array(OrderLine).min(1) }),
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

/**
 * A line's quantity changed after the order was placed (`PATCH …/lines/{sku}`, or a vendor order
 * following its PO). Changes are numbered 1, 2, ... per order; the fulfilment process manager
 * carries each one to the POs and bins and records the outcome (OrderLineChangeCompleted).
 */
export const OrderLineChanged = z.object({
  type: z.literal('OrderLineChanged'),
  data: z.object({
    change: z.number().int().positive(),
    sku: Sku,
    previousQuantity: z.number().int().min(0),
    quantity: z.number().int().min(0),
  }),
});
/**
 * Units the order held (assigned, not handed over) that it gives back, per bin: a line reduced
 * below what it holds, or a round that assigned more than the line needs after a reduction. The
 * process manager releases them at the bins, where they become free stock.
 */
export const InventoryReleased = z.object({
  type: z.literal('InventoryReleased'),
  data: z.object({
    releaseId: z.string().min(1).max(400),
    sku: Sku,
    bins: z.array(z.object({ locationId: Id, binId: Id, quantity: Quantity })).min(1),
  }),
});
/** What line change `change` did across streams: each PO line it reduced (the bins' StockReleased name the goods it freed). */
export const OrderLineChangeCompleted = z.object({
  type: z.literal('OrderLineChangeCompleted'),
  data: z.object({
    change: z.number().int().positive(),
    sku: Sku,
    purchaseOrders: z.array(
      z.object({
        purchaseOrderId: Id,
        previousQuantity: Quantity,
        quantity: z.number().int().min(0),
        status: z.enum(PURCHASE_ORDER_STATUSES),
      }),
    ),
  }),
});

/** A time the domain compares: ISO 8601 in UTC (`…Z`), as `Date.prototype.toISOString` writes it. */
export const UtcTimestamp = z.iso.datetime();

/**
 * The vendor promised when it delivers this vendor order (`POST …/orders/{o}/promise`): the
 * process manager sets the expectedAt of the PO the order fulfils to it. The latest promise counts.
 */
export const DeliveryPromised = z.object({
  type: z.literal('DeliveryPromised'),
  data: z.object({ promisedAt: UtcTimestamp }),
});
/**
 * What the order knows of one of its POs now, recorded by the process manager when the PO's
 * expectedAt moves or it stops bringing a SKU (received in full, reduced to nothing, closed or
 * cancelled): the facts a line's eta is derived from. `openSkus`: the SKUs it still brings.
 */
export const PurchaseOrderProgressRecorded = z.object({
  type: z.literal('PurchaseOrderProgressRecorded'),
  data: z.object({ purchaseOrderId: Id, expectedAt: UtcTimestamp.optional(), openSkus: z.array(Sku) }),
});
/**
 * A line's eta changed: the latest expectedAt of the open POs that cover its pending quantity (null
 * when none does, or nothing is pending). `late`: its UTC date is after the order's requiredBy.
 * Appended by the order's own decisions, with the event that changed it.
 */
export const OrderLineEtaChanged = z.object({
  type: z.literal('OrderLineEtaChanged'),
  data: z.object({ sku: Sku, eta: UtcTimestamp.nullable(), previous: UtcTimestamp.nullable(), late: z.boolean() }),
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
  VendorsPassedOver,
  VendorClosedShort,
  OrderLineChanged,
  InventoryReleased,
  OrderLineChangeCompleted,
  DeliveryPromised,
  PurchaseOrderProgressRecorded,
  OrderLineEtaChanged,
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
  readonly rule?: AllocationRule;
};

export type OrderCommand =
  | {
      readonly type: 'PlaceOrder';
      readonly orderId: string;
      readonly accountId: string;
      readonly customer?: string;
      readonly priority?: number;
      readonly requiredBy?: string;
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
  | { readonly type: 'RequestInventoryAssignment'; readonly grnId?: string; readonly allocationId?: string }
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
        readonly expectedAt?: string;
        readonly rounding?: readonly { readonly sku: string; readonly surplus: number }[];
      }[];
      readonly reasons: readonly { readonly sku: string; readonly reason: PendingReason }[];
      readonly passedOver?: readonly { readonly sku: string; readonly vendorAccountId: string; readonly reason: VendorSkipReason }[];
    }
  | { readonly type: 'RecordPendingReason'; readonly sku: string; readonly reason: PendingReason }
  | {
      /** `POST …/close-short`: what has not been handed over will not be (409 when nothing is left to close). */
      readonly type: 'CloseOrderShort';
      readonly reason: string;
    }
  | {
      /** A PO of the order closed short: recorded once per PO, and the rest is sourced again in a new round. */
      readonly type: 'RecordVendorClosedShort';
      readonly purchaseOrderId: string;
      readonly vendorAccountId: string;
      readonly lines: readonly OrderLine[];
    }
  | {
      /**
       * Ends an order that will get nothing more (its PO was cancelled or closed): cancelled when
       * nothing was handed over, closed short otherwise; nothing when it already ended or is
       * handed over in full.
       */
      readonly type: 'EndOrder';
      readonly reason: string;
    }
  | {
      /**
       * The line's quantity becomes `quantity`: 409 below what was handed over, on an order that
       * ended or is handed over in full. `fromPurchaseOrder`: a vendor order following its PO (the
       * process manager), taken down to what was handed over at the least, and never refused.
       */
      readonly type: 'ChangeOrderLine';
      readonly sku: string;
      readonly quantity: number;
      readonly fromPurchaseOrder?: boolean;
    }
  | {
      /** Records what line change `change` did across streams; once per change. */
      readonly type: 'CompleteLineChange';
      readonly change: number;
      readonly purchaseOrders: readonly { readonly purchaseOrderId: string; readonly previousQuantity: number; readonly quantity: number; readonly status: PurchaseOrderStatus }[];
    }
  | {
      /** `POST …/orders/{o}/promise` on a vendor order: 409 on another order, or one ended or handed over in full. */
      readonly type: 'PromiseDelivery';
      /** ISO 8601 in UTC. */
      readonly promisedAt: string;
    }
  | {
      /** The process manager: what one of the order's POs stands at now (its expectedAt, the SKUs it still brings). */
      readonly type: 'RecordPurchaseOrderProgress';
      readonly purchaseOrderId: string;
      readonly expectedAt?: string;
      readonly openSkus: readonly string[];
    };

