/**
 * What an order's POs will still bring, per SKU: the quantity stock is never taken for, and no
 * second PO is bought for. That is what is still open on them, and what they received whose
 * goods are not in their bin yet (a GRN is decided by the PO, its goods go in as the next step).
 */
import { openQuantity, PurchaseOrderState } from '../purchase-order/purchase-order.decider';

/** Whether the goods of a GRN's SKU are in their bin. */
export type Inwarded = (grn: { grnId: string; locationId: string; binId: string }, sku: string) => boolean;

export const onOrderFrom =
  (purchaseOrders: readonly PurchaseOrderState[], inwarded: Inwarded = () => true) =>
  (sku: string): number =>
    purchaseOrders.reduce(
      (sum, po) =>
        sum +
        openQuantity(po, sku) +
        po.grns.reduce((coming, grn) => coming + (inwarded(grn, sku) ? 0 : (grn.lines.find((l) => l.sku === sku)?.quantity ?? 0)), 0),
      0,
    );
