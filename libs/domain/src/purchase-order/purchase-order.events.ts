/**
 * Events and commands of a purchase order: bought by a seller from the vendor mapped to the SKUs,
 * for the pending quantity of one source order. Created APPROVED; PARTIALLY_RECEIVED and RECEIVED
 * follow from its GRNs; CANCELLED when it ends with nothing received and nothing on its way;
 * CLOSED when its open remainder is closed (its source order ended, say) after something was
 * received or handed over: goods already handed over are still received on it.
 */
import { z } from 'zod';
import { Id, OrderLine, Quantity, Sku } from '../shared/ids';

export const PURCHASE_ORDER_STATUSES = ['APPROVED', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CLOSED', 'CANCELLED'] as const;
export type PurchaseOrderStatus = (typeof PURCHASE_ORDER_STATUSES)[number];

export const PurchaseOrderCreated = z.object({
  type: z.literal('PurchaseOrderCreated'),
  data: z.object({
    purchaseOrderId: Id,
    sellerAccountId: Id,
    vendorAccountId: Id,
    sourceOrderId: Id,
    lines: z.array(OrderLine).min(1),
    /** The accounts of the backorder chain so far, the first seller first. */
    chain: z.array(Id).optional(),
    /** When the vendor is expected to deliver (the purchase decision's time plus the vendor's lead time). */
    expectedAt: z.string().datetime().optional(),
    /**
     * Units a line buys beyond what the source order needs (the vendor's minimum order quantity and
     * pack size): once received they are free stock, never reserved for the source order.
     */
    rounding: z.array(z.object({ sku: Sku, surplus: Quantity })).optional(),
  }),
});
export const VendorOrderLinked = z.object({
  type: z.literal('VendorOrderLinked'),
  data: z.object({ vendorOrderId: Id }),
});
export const VendorOrderRefused = z.object({
  type: z.literal('VendorOrderRefused'),
  data: z.object({ reason: z.string().min(1).max(500) }),
});
/** A GRN: goods received on the PO and inwarded into a bin of the seller. */
export const GoodsReceived = z.object({
  type: z.literal('GoodsReceived'),
  data: z.object({
    grnId: Id,
    handoverId: Id.optional(),
    lines: z.array(OrderLine).min(1),
    locationId: Id,
    binId: Id,
    receivedAt: z.string().datetime(),
  }),
});
export const PurchaseOrderCancelled = z.object({
  type: z.literal('PurchaseOrderCancelled'),
  data: z.object({ reason: z.string().min(1).max(500) }),
});
/**
 * The open remainder of the PO will not come: `closedQuantity` per line (possibly 0). `closedShort`:
 * closed by its vendor or the seller while the source order still wants it, which sources the
 * rest again from the SKU's next vendor.
 */
export const PurchaseOrderClosed = z.object({
  type: z.literal('PurchaseOrderClosed'),
  data: z.object({
    reason: z.string().min(1).max(500),
    lines: z.array(z.object({ sku: Sku, closedQuantity: z.number().int().min(0) })).min(1),
    closedShort: z.literal(true).optional(),
  }),
});
/**
 * The seller asked to close the PO's open remainder (`POST …/close`): the fulfilment process
 * manager ends the vendor order first, then closes the PO, keeping open what was handed over.
 */
export const PurchaseOrderCloseRequested = z.object({
  type: z.literal('PurchaseOrderCloseRequested'),
  data: z.object({ reason: z.string().min(1).max(500) }),
});
/**
 * The vendor handed over and the seller does not inward automatically: the goods wait for a
 * manual GRN. Recorded so that the step is seen to have been taken.
 */
export const ManualGrnAwaited = z.object({
  type: z.literal('ManualGrnAwaited'),
  data: z.object({ handoverId: Id, lines: z.array(OrderLine).min(1) }),
});

/**
 * Its source order's line shrank (a line change, docs/product.md): the PO line now buys `quantity`
 * (never below what was received, closed or handed over by the vendor). Named by the change that
 * caused it, so the same change is recognised.
 */
export const PurchaseOrderLineReduced = z.object({
  type: z.literal('PurchaseOrderLineReduced'),
  data: z.object({
    reductionId: z.string().min(1).max(400),
    sku: Sku,
    previousQuantity: Quantity,
    quantity: z.number().int().min(0),
    reason: z.string().min(1).max(500),
  }),
});

/** Why a PO's expectedAt moved: its vendor promised a date, or its vendor's own supply moved it. */
export const EXPECTED_AT_CAUSES = ['PROMISED', 'VENDOR_SUPPLY'] as const;
export type ExpectedAtCause = (typeof EXPECTED_AT_CAUSES)[number];

/**
 * When the vendor is expected to deliver moved (docs/product.md, "Expected dates"): to the date the
 * vendor promised on its vendor order (`PROMISED`), or, with no promise, to the later of the
 * lead-time date and the vendor order's own eta (`VENDOR_SUPPLY`: the vendor waits for its own vendors).
 */
export const PurchaseOrderExpectedAtChanged = z.object({
  type: z.literal('PurchaseOrderExpectedAtChanged'),
  data: z.object({ expectedAt: z.iso.datetime(), previous: z.iso.datetime().optional(), cause: z.enum(EXPECTED_AT_CAUSES) }),
});

export const PurchaseOrderEvent = z.discriminatedUnion('type', [
  PurchaseOrderCreated,
  VendorOrderLinked,
  VendorOrderRefused,
  GoodsReceived,
  PurchaseOrderCancelled,
  PurchaseOrderClosed,
  ManualGrnAwaited,
  PurchaseOrderCloseRequested,
  PurchaseOrderLineReduced,
  PurchaseOrderExpectedAtChanged,
]);
export type PurchaseOrderEvent = z.infer<typeof PurchaseOrderEvent>;

export type PurchaseOrderCommand =
  | {
      readonly type: 'CreatePurchaseOrder';
      readonly purchaseOrderId: string;
      readonly sellerAccountId: string;
      readonly vendorAccountId: string;
      readonly sourceOrderId: string;
      readonly lines: readonly OrderLine[];
      readonly chain?: readonly string[];
      readonly expectedAt?: string;
      readonly rounding?: readonly { readonly sku: string; readonly surplus: number }[];
    }
  | { readonly type: 'LinkVendorOrder'; readonly vendorOrderId: string }
  | { readonly type: 'RefuseVendorOrder'; readonly reason: string }
  | {
      readonly type: 'ReceiveGoods';
      readonly grnId: string;
      readonly handoverId?: string;
      readonly lines: readonly OrderLine[];
      readonly locationId: string;
      readonly binId: string;
      readonly receivedAt: string;
      /**
       * A vendor's handover: receive of each line what the PO still has open, and nothing of a
       * line already received otherwise (by a manual GRN). Without it, more than is open is refused.
       */
      readonly upToOpen?: boolean;
    }
  | { readonly type: 'CancelPurchaseOrder'; readonly reason: string }
  | {
      /** Closes what is still open of each line except `keepOpen` of it (goods already on their way). */
      readonly type: 'ClosePurchaseOrder';
      readonly reason: string;
      readonly keepOpen?: readonly { readonly sku: string; readonly quantity: number }[];
      /** Closed short (by the vendor or the seller): the source order sources the rest again. */
      readonly closedShort?: boolean;
    }
  | {
      /** `POST …/purchase-orders/{p}/close`: 409 on a cancelled PO or one with nothing open. */
      readonly type: 'RequestPurchaseOrderClose';
      readonly reason: string;
    }
  | {
      /**
       * Its source order ended: cancelled when nothing was received and nothing is on its way
       * (`keepOpen` empty), else closed keeping `keepOpen` open; decided on the PO as it stands, so a
       * GRN that lands just before is taken into account.
       */
      readonly type: 'EndPurchaseOrder';
      readonly reason: string;
      readonly keepOpen: readonly { readonly sku: string; readonly quantity: number }[];
    }
  | { readonly type: 'AwaitManualGrn'; readonly handoverId: string; readonly lines: readonly OrderLine[] }
  | {
      /**
       * The line buys `quantity` from now on (never below what was received or closed). When nothing
       * is left open on the PO it ends: cancelled when it received nothing, else closed.
       * `reductionId` names the change: the same one again writes nothing.
       */
      readonly type: 'ReducePurchaseOrderLine';
      readonly reductionId: string;
      readonly sku: string;
      readonly quantity: number;
      readonly reason: string;
    }
  | {
      /** The process manager: the PO is now expected at `expectedAt` (nothing on a PO that ended or has nothing open, or at that date already). */
      readonly type: 'MoveExpectedAt';
      readonly expectedAt: string;
      readonly cause: ExpectedAtCause;
    };
