/**
 * Closing short and sourcing again (SPEC.md, wave 2): a vendor order that ended before it was
 * handed over in full, or a PO the seller closes, leaves part of the source order's line without
 * a PO. The PO closes what will not come (keeping open what the vendor already handed over, so
 * received goods are never lost), the source order records what will not come from that vendor,
 * and a new round sources it again: bins first, then the next vendor of the SKU's list that has
 * not closed short on the line (purchasing.ts), else the line waits with VENDOR_CLOSED_SHORT.
 */
import { orderEnd, OrderState } from '../order/order.decider';
import { openQuantity, purchaseOrderEnded, PurchaseOrderState, roundingSurplusOf } from '../purchase-order/purchase-order.decider';
import { OrderLine } from '../shared/ids';
import { purchaseOrderEnding } from './unwinding';

export interface PurchaseOrderClosing {
  readonly reason: string;
  /** Handed over by the vendor and not yet received: still to be received on the closed PO. */
  readonly keepOpen: readonly OrderLine[];
}

/**
 * How the PO a vendor order was opened for closes once that order ended (cancelled or closed
 * short in the vendor's account): undefined when the order has no source, has not ended, or the PO
 * ended already (it was ended first: the source order ended, or the seller closed it).
 */
export const closingForEndedVendorOrder = (vendorOrder: OrderState, po: PurchaseOrderState): PurchaseOrderClosing | undefined => {
  const placed = vendorOrder.placed;
  const end = orderEnd(vendorOrder);
  if (!placed?.source || (end !== 'CANCELLED' && end !== 'CLOSED_SHORT')) return undefined;
  if (!po.created || purchaseOrderEnded(po) || (po.vendorOrderId !== undefined && po.vendorOrderId !== placed.orderId)) return undefined;
  const ending = purchaseOrderEnding(po, vendorOrder);
  if (!ending) return undefined;
  const how = end === 'CANCELLED' ? 'cancelled' : 'closed short';
  return { reason: `Vendor order ${placed.orderId} was ${how} by ${placed.accountId}`, keepOpen: ending.keepOpen };
};

/**
 * Per line, what the closed PO will no longer bring for its source order: what it brought before
 * the close less what it brings now, the rounding surplus left out (it is closed first).
 */
export const closedForSourceOrder = (po: PurchaseOrderState): OrderLine[] =>
  (po.created?.lines ?? [])
    .map(({ sku, quantity }) => {
      const stillNeeded = Math.max(0, quantity - roundingSurplusOf(po, sku) - (po.received.get(sku) ?? 0));
      const open = Math.max(0, openQuantity(po, sku));
      const closed = po.closed.get(sku) ?? 0;
      return { sku, quantity: Math.min(open + closed, stillNeeded) - Math.min(open, stillNeeded) };
    })
    .filter((line) => line.quantity > 0);
