/**
 * A change of an order line after its PO (docs/product.md, "Changing an order after the PO"), as the
 * fulfilment process manager carries it across streams. The order itself decided what it gives up
 * (OrderLineChanged; held units in InventoryReleased); these rules say what follows elsewhere:
 *
 * - the order's POs stop bringing what the line no longer waits for, newest PO first, keeping
 *   what is reserved for it (goods in hand go before goods still to come);
 * - of each PO line, only what the vendor has not handed over can go: its vendor order shrinks first
 *   (so no handover slips in between), then the PO follows it. Goods handed over and not yet received
 *   (in transit) are still received; what arrives beyond the order's need is free stock;
 * - reserved goods the line no longer waits for become free stock (assignment-round.ts, surplusReserved).
 *
 * Every amount is computed from the streams as they stand, so a step taken again converges.
 */
import { isOpen, orderLines, OrderState } from '../order/order.decider';
import { openQuantity, PurchaseOrderState, roundingSurplusOf } from '../purchase-order/purchase-order.decider';

export interface PurchaseOrderOfLine {
  readonly po: PurchaseOrderState;
  /** What the PO will still bring of the SKU for the order (open, and received not yet in its bin). */
  readonly brings: number;
  /** Its vendor order, once opened. */
  readonly vendorOrder?: OrderState;
}

export interface PurchaseOrderCut {
  readonly purchaseOrderId: string;
  /** How much less the PO line is to buy (what it brings, and its rounding surplus once it brings nothing). */
  readonly quantity: number;
}

/**
 * How much less each PO must bring of the SKU so that, together, they bring no more than the line
 * waits for beyond its reserved goods. `purchaseOrders` in the order they were bought; the newest
 * gives first.
 */
export const purchaseOrderCuts = (
  order: OrderState,
  sku: string,
  purchaseOrders: readonly PurchaseOrderOfLine[],
  reserved: number,
): PurchaseOrderCut[] => {
  if (!isOpen(order)) return [];
  const pending = orderLines(order).find((line) => line.sku === sku)?.pending ?? 0;
  const keep = Math.max(0, pending - reserved);
  let excess = purchaseOrders.reduce((sum, { brings }) => sum + brings, 0) - keep;
  const cuts: PurchaseOrderCut[] = [];
  for (const { po, brings, vendorOrder } of [...purchaseOrders].reverse()) {
    if (excess <= 0) break;
    const cut = Math.min(excess, brings, stillToShip(po, sku, vendorOrder));
    if (cut <= 0) continue;
    excess -= cut;
    // A PO that brings nothing the order needs any more does not buy its rounding surplus either.
    const surplus = cut === brings ? Math.min(roundingSurplusOf(po, sku), stillToShip(po, sku, vendorOrder) - cut) : 0;
    cuts.push({ purchaseOrderId: po.created!.purchaseOrderId, quantity: cut + surplus });
  }
  return cuts;
};

/** What of the PO line can still be taken back: open, and not handed over by the vendor. */
const stillToShip = (po: PurchaseOrderState, sku: string, vendorOrder: OrderState | undefined): number =>
  Math.max(0, openQuantity(po, sku) - inTransit(po, sku, vendorOrder));

/** Goods of the SKU the vendor handed over that the PO has not received yet. */
export const inTransit = (po: PurchaseOrderState, sku: string, vendorOrder: OrderState | undefined): number => {
  const handedOver = vendorOrder?.lines.find((line) => line.sku === sku)?.handedOver ?? 0;
  return Math.max(0, handedOver - (po.received.get(sku) ?? 0));
};

/** The PO line's quantity wanted after the cut (before what the vendor already handed over is counted). */
export const wantedAfterCut = (po: PurchaseOrderState, sku: string, cut: number): number =>
  Math.max(0, (po.created!.lines.find((line) => line.sku === sku)?.quantity ?? 0) - cut);

/**
 * The vendor order's line once its PO line is to buy `wanted`: what it handed over, and what the PO
 * still wants beyond what it received, closed or has on its way. Computed from the PO as it stands,
 * so a step taken again asks the same of the vendor order.
 */
export const vendorOrderLineFor = (vendorOrder: OrderState, po: PurchaseOrderState, sku: string, wanted: number): number | undefined => {
  const line = vendorOrder.lines.find((l) => l.sku === sku);
  if (line === undefined) return undefined;
  const settled = (po.received.get(sku) ?? 0) + (po.closed.get(sku) ?? 0) + inTransit(po, sku, vendorOrder);
  return Math.min(line.quantity, line.handedOver + Math.max(0, wanted - settled));
};

/**
 * The PO line's quantity once its vendor order followed (or could not): `wanted`, but never below
 * what was received, closed, or handed over by the vendor and not yet received.
 */
export const purchaseOrderLineFor = (po: PurchaseOrderState, sku: string, wanted: number, vendorOrder: OrderState | undefined): number => {
  const quantity = po.created!.lines.find((line) => line.sku === sku)?.quantity ?? 0;
  const floor = (po.received.get(sku) ?? 0) + (po.closed.get(sku) ?? 0) + inTransit(po, sku, vendorOrder);
  return Math.min(quantity, Math.max(wanted, floor));
};
