/**
 * Events and commands of a purchase order: bought by a seller from the vendor mapped to the SKUs,
 * for the pending quantity of one source order. Created APPROVED; PARTIALLY_RECEIVED and RECEIVED
 * follow from its GRNs; CANCELLED when it ends with nothing received and nothing on its way;
 * CLOSED when its open remainder is closed (its source order ended, say) after something was
 * received or handed over: goods already handed over are still received on it.
 */
import { z } from 'zod';
import { Id, OrderLine, Sku } from '../shared/ids';

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
/** The open remainder of the PO will not come: `closedQuantity` per line (possibly 0). */
export const PurchaseOrderClosed = z.object({
  type: z.literal('PurchaseOrderClosed'),
  data: z.object({
    reason: z.string().min(1).max(500),
    lines: z.array(z.object({ sku: Sku, closedQuantity: z.number().int().min(0) })).min(1),
  }),
});
/**
 * The vendor handed over and the seller does not inward automatically: the goods wait for a
 * manual GRN. Recorded so that the step is seen to have been taken.
 */
export const ManualGrnAwaited = z.object({
  type: z.literal('ManualGrnAwaited'),
  data: z.object({ handoverId: Id, lines: z.array(OrderLine).min(1) }),
});

export const PurchaseOrderEvent = z.discriminatedUnion('type', [
  PurchaseOrderCreated,
  VendorOrderLinked,
  VendorOrderRefused,
  GoodsReceived,
  PurchaseOrderCancelled,
  PurchaseOrderClosed,
  ManualGrnAwaited,
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
  | { readonly type: 'AwaitManualGrn'; readonly handoverId: string; readonly lines: readonly OrderLine[] };
