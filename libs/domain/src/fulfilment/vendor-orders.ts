/**
 * SPEC.md step 3: a PO opens the matching order in the vendor's account, for its lines,
 * referencing the PO and the seller, unless the vendor cannot receive auto-created orders (the PO
 * then records why, and the source order's lines say VENDOR_NOT_ELIGIBLE).
 */
import { AccountState, settingsOf } from '../account/account.decider';
import { purchaseOrderEnded, PurchaseOrderState } from '../purchase-order/purchase-order.decider';
import { OrderLine } from '../shared/ids';
import { vendorReceivesAutoOrders } from '../shared/settings';
import { vendorOrderIdFor } from './ids';

export type VendorOrderDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'refuse'; readonly reason: string; readonly skus: readonly string[] }
  | {
      readonly kind: 'place';
      readonly vendorAccountId: string;
      readonly vendorOrderId: string;
      readonly lines: readonly OrderLine[];
      readonly source: { readonly purchaseOrderId: string; readonly sellerAccountId: string };
      readonly chain: readonly string[];
    };

export const vendorOrderDecision = (po: PurchaseOrderState, vendor: AccountState | undefined): VendorOrderDecision => {
  const created = po.created;
  if (!created || purchaseOrderEnded(po) || po.vendorOrderId !== undefined || po.vendorOrderRefusal !== undefined) return { kind: 'none' };
  const skus = created.lines.map((line) => line.sku);
  if (!vendor) return { kind: 'refuse', reason: `Vendor account ${created.vendorAccountId} does not exist`, skus };
  if (!vendorReceivesAutoOrders(settingsOf(vendor))) {
    return {
      kind: 'refuse',
      reason: `Vendor ${created.vendorAccountId} cannot receive auto-created orders: it needs isB2bNew and vendorPanelType 2 (Advanced Vendor Panel)`,
      skus,
    };
  }
  return {
    kind: 'place',
    vendorAccountId: created.vendorAccountId,
    vendorOrderId: vendorOrderIdFor(created.sellerAccountId, created.purchaseOrderId),
    // Lines as they stand: a line its source order reduced to nothing is not ordered.
    lines: created.lines.filter((line) => line.quantity > 0).map(({ sku, quantity }) => ({ sku, quantity })),
    source: { purchaseOrderId: created.purchaseOrderId, sellerAccountId: created.sellerAccountId },
    chain: [...(created.chain ?? [created.sellerAccountId]), created.vendorAccountId],
  };
};
