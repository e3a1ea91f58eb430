/**
 * Events and commands of a purchase order: bought by a seller from the vendor mapped to the SKUs,
 * for the pending quantity of one source order. Created APPROVED; PARTIALLY_RECEIVED and RECEIVED
 * follow from its GRNs; CANCELLED when its source order is cancelled before anything arrived.
 */
import { z } from 'zod';
import { Id, OrderLine } from '../shared/ids';

export const PURCHASE_ORDER_STATUSES = ['APPROVED', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CANCELLED'] as const;
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

export const PurchaseOrderEvent = z.discriminatedUnion('type', [
  PurchaseOrderCreated,
  VendorOrderLinked,
  VendorOrderRefused,
  GoodsReceived,
  PurchaseOrderCancelled,
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
    }
  | { readonly type: 'CancelPurchaseOrder'; readonly reason: string };
