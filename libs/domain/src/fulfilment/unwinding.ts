/**
 * An order that ended (cancelled, closed short, refused) gets nothing more: its POs are cancelled
 * (nothing received, nothing on its way) or closed (the rest of them will not come; what they
 * received is free stock), and their vendor orders are ended first, so that no handover slips in
 * between: goods a vendor handed over before that are still received on the closed PO.
 */
import { isOpen, OrderState, orderStatus } from '../order/order.decider';
import { purchaseOrderEnded, PurchaseOrderState } from '../purchase-order/purchase-order.decider';

/** The vendor order of the PO still has to be ended (cancelled, or closed short). */
export const vendorOrderToEnd = (vendorOrder: OrderState | undefined): boolean =>
  vendorOrder !== undefined && isOpen(vendorOrder) && orderStatus(vendorOrder) !== 'HANDED_OVER';

/**
 * How the PO ends once its vendor order ended (or never existed): goods the vendor handed over
 * and the PO has not received yet stay open to be received; the rest will not come. Whether that
 * makes it cancelled or closed is the PO's to decide (EndPurchaseOrder), on its state as it stands.
 * Undefined when it ended already.
 */
export const purchaseOrderEnding = (
  po: PurchaseOrderState,
  vendorOrder: OrderState | undefined,
): { readonly keepOpen: readonly { sku: string; quantity: number }[] } | undefined => {
  if (!po.created || purchaseOrderEnded(po)) return undefined;
  const handedOver = new Map((vendorOrder?.lines ?? []).map((line) => [line.sku, line.handedOver]));
  const keepOpen = po.created.lines
    .map(({ sku }) => ({ sku, quantity: Math.max(0, (handedOver.get(sku) ?? 0) - (po.received.get(sku) ?? 0)) }))
    .filter((line) => line.quantity > 0);
  return { keepOpen };
};
