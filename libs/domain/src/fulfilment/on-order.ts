/**
 * What an order's POs will still bring, per SKU: the quantity stock is never taken for, and no
 * second PO is bought for. That is what is still open on them, and what they received whose
 * goods are not in their bin yet (a GRN is decided by the PO, its goods go in as the next step),
 * never counting a line's rounding surplus (docs/product.md, invariant 5).
 */
import { openQuantity, PurchaseOrderState, roundingSurplusOf } from '../purchase-order/purchase-order.decider';

/** Whether the goods of a GRN's SKU are in their bin. */
export type Inwarded = (grn: { grnId: string; locationId: string; binId: string }, sku: string) => boolean;

/**
 * What one PO still brings of the SKU for its source order: open quantity plus goods received but
 * not in their bin yet, up to what the order needs of the line (its quantity less the rounding
 * surplus, which is received last and is free stock: it never counts as on order).
 */
const bringsFor = (po: PurchaseOrderState, sku: string, inwarded: Inwarded): number => {
  const line = po.created?.lines.find((l) => l.sku === sku);
  if (line === undefined) return 0;
  const notInBin = po.grns.reduce((coming, grn) => coming + (inwarded(grn, sku) ? 0 : (grn.lines.find((l) => l.sku === sku)?.quantity ?? 0)), 0);
  const inBin = (po.received.get(sku) ?? 0) - notInBin;
  const needed = Math.max(0, line.quantity - roundingSurplusOf(po, sku));
  return Math.min(openQuantity(po, sku) + notInBin, Math.max(0, needed - inBin));
};

export const onOrderFrom =
  (purchaseOrders: readonly PurchaseOrderState[], inwarded: Inwarded = () => true) =>
  (sku: string): number =>
    purchaseOrders.reduce((sum, po) => sum + bringsFor(po, sku, inwarded), 0);
