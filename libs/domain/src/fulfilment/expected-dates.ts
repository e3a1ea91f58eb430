/**
 * Expected dates across streams (docs/product.md, "Expected dates"), as the fulfilment process
 * manager carries them. The order derives each line's eta from what its stream knows of its POs
 * (order.decider.ts, lineEtaOf); these rules say how a PO's date follows its vendor order, and what
 * the source order is told of a PO:
 *
 * - a promise on the vendor order sets the PO's expectedAt to it (the latest promise wins, and a
 *   promise stands over the vendor's own supply: the vendor promised knowing it);
 * - without a promise, the PO is expected at the later of its lead-time date and the vendor order's
 *   own eta (the vendor cannot deliver before it has the goods; no transit time is added);
 * - the source order is told the PO's expectedAt and the SKUs it still brings (none once it ended).
 */
import { latestEtaOf, OrderState, promisedAtOf } from '../order/order.decider';
import { ExpectedAtCause } from '../purchase-order/purchase-order.events';
import { expectedAtOf, openQuantity, purchaseOrderEnded, PurchaseOrderState } from '../purchase-order/purchase-order.decider';
import { later } from '../shared/instants';

/** When the PO a vendor order fulfils is expected, and why; undefined when there is no date to give. */
export const expectedAtForVendorOrder = (
  vendorOrder: OrderState,
  po: PurchaseOrderState,
): { readonly expectedAt: string; readonly cause: ExpectedAtCause } | undefined => {
  const source = vendorOrder.placed?.source;
  if (!source || !po.created || source.purchaseOrderId !== po.created.purchaseOrderId) return undefined;
  if (po.vendorOrderId !== undefined && po.vendorOrderId !== vendorOrder.placed!.orderId) return undefined;
  const promised = promisedAtOf(vendorOrder);
  if (promised !== undefined) return { expectedAt: promised, cause: 'PROMISED' };
  const latest = later(po.created.expectedAt ?? null, latestEtaOf(vendorOrder));
  return latest === null ? undefined : { expectedAt: latest, cause: 'VENDOR_SUPPLY' };
};

/** What the source order is told of its PO: when it is expected, and the SKUs it still brings. */
export const purchaseOrderProgressOf = (po: PurchaseOrderState): { readonly expectedAt?: string; readonly openSkus: readonly string[] } => {
  const expectedAt = expectedAtOf(po);
  const openSkus = purchaseOrderEnded(po) ? [] : (po.created?.lines ?? []).filter(({ sku }) => openQuantity(po, sku) > 0).map(({ sku }) => sku);
  return { ...(expectedAt === undefined ? {} : { expectedAt }), openSkus };
};
