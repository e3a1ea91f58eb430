/**
 * Events and commands of a bin: the stock of every SKU in one bin of one location of one account.
 * Per SKU the bin keeps on hand, what is assigned to each order and what is reserved for each order
 * (goods inwarded against a backorder PO). Always, per SKU: assigned + reserved <= on hand.
 * Orders are named by id within the bin's account.
 */
import { z } from 'zod';
import { Adjustment, Id, Quantity, Sku } from '../shared/ids';

const NonNegative = z.number().int().min(0);

export const StockAdjusted = z.object({
  type: z.literal('StockAdjusted'),
  data: z.object({ adjustmentId: z.string().min(1).max(200), sku: Sku, quantity: Adjustment, reason: z.string().max(500).optional() }),
});
/** Stock of the bin assigned to an order line; `fromReserved` of it was reserved for that order. */
export const StockAssigned = z.object({
  type: z.literal('StockAssigned'),
  data: z.object({
    assignmentId: z.string().min(1).max(400),
    orderId: Id,
    sku: Sku,
    quantity: Quantity,
    fromReserved: NonNegative,
    /** The GRN whose reserved goods were taken, when `fromReserved` > 0. */
    grnId: Id.optional(),
  }),
});
/**
 * An assignment that found nothing to give: recorded all the same, so that the same assignment
 * (a round run again) never gives later what it did not give then.
 */
export const NothingAssigned = z.object({
  type: z.literal('NothingAssigned'),
  data: z.object({ assignmentId: z.string().min(1).max(400), orderId: Id, sku: Sku, requested: Quantity }),
});
/**
 * Goods received on a PO (a GRN) and put into this bin. `reservedQuantity` of them (all, when
 * absent and `reservedForOrderId` is set) are reserved for the PO's source order; the rest is free.
 */
export const GoodsInwarded = z.object({
  type: z.literal('GoodsInwarded'),
  data: z.object({
    grnId: Id,
    purchaseOrderId: Id,
    sku: Sku,
    quantity: Quantity,
    reservedForOrderId: Id.optional(),
    reservedQuantity: z.number().int().min(0).optional(),
  }),
});
/**
 * An order let go of stock it held here: assigned stock and reserved goods become free stock.
 * A release of everything (an order that ended) writes nothing when nothing is held; a partial
 * release (reserved goods the order no longer needs) is recognised by its releaseId.
 */
export const StockReleased = z.object({
  type: z.literal('StockReleased'),
  data: z.object({ releaseId: z.string().min(1).max(200), orderId: Id, sku: Sku, assigned: NonNegative, reserved: NonNegative }),
});
/** Assigned stock handed over for an order: it leaves the bin (on hand and assigned both drop). */
export const StockHandedOver = z.object({
  type: z.literal('StockHandedOver'),
  data: z.object({ handoverId: Id, orderId: Id, sku: Sku, quantity: Quantity }),
});

export const BinEvent = z.discriminatedUnion('type', [
  StockAdjusted,
  StockAssigned,
  NothingAssigned,
  GoodsInwarded,
  StockReleased,
  StockHandedOver,
]);
export type BinEvent = z.infer<typeof BinEvent>;

export type BinCommand =
  | { readonly type: 'AdjustStock'; readonly adjustmentId: string; readonly sku: string; readonly quantity: number; readonly reason?: string }
  | {
      /** Assign up to `quantity` of the SKU to the order: its reserved goods first, then free stock. */
      readonly type: 'AssignStock';
      readonly assignmentId: string;
      readonly orderId: string;
      readonly sku: string;
      readonly quantity: number;
      /** Set when assigning goods of this GRN that were reserved for the order. */
      readonly grnId?: string;
      /** At most this many of free stock (the order's share by the allocation rule); unlimited when omitted. */
      readonly stockLimit?: number;
    }
  | {
      readonly type: 'InwardGoods';
      readonly grnId: string;
      readonly purchaseOrderId: string;
      readonly sku: string;
      readonly quantity: number;
      readonly reservedForOrderId?: string;
      /** How many of them are reserved (all when omitted and `reservedForOrderId` is set). */
      readonly reservedQuantity?: number;
    }
  /** Everything the order holds here becomes free stock. */
  | { readonly type: 'ReleaseStock'; readonly releaseId: string; readonly orderId: string }
  /** Up to `quantity` of the goods reserved here for the order become free stock. */
  | { readonly type: 'ReleaseReserved'; readonly releaseId: string; readonly orderId: string; readonly sku: string; readonly quantity: number }
  /** Up to `quantity` of the units assigned here to the order become free stock (its line was reduced). */
  | { readonly type: 'ReleaseAssigned'; readonly releaseId: string; readonly orderId: string; readonly sku: string; readonly quantity: number }
  | { readonly type: 'HandOverStock'; readonly handoverId: string; readonly orderId: string; readonly sku: string; readonly quantity: number };
