/**
 * SPEC.md step 2 as the fulfilment process manager takes it, once per assignment round: the
 * shortfall a round leaves (pending, less what open POs and reserved goods cover) is bought from
 * each SKU's vendor, one PO per vendor, or the reason it is not bought is recorded; a line that
 * open POs cover waits for the vendor.
 */
import { planPurchase } from '../order/backorder-policy';
import { backorderChainOf, isAwaitingApproval, isOpen, OrderState, waitingQuantity } from '../order/order.decider';
import { PendingReason } from '../order/order.events';
import { OrderLine } from '../shared/ids';
import { Settings } from '../shared/settings';
import { purchaseOrderIdFor } from './ids';

export interface PurchaseDecision {
  readonly purchaseOrders: readonly { purchaseOrderId: string; vendorAccountId: string; accountId: string; lines: OrderLine[] }[];
  readonly reasons: readonly { sku: string; reason: PendingReason }[];
}

export interface PurchaseFacts {
  readonly settings: Settings;
  readonly vendorOf: (sku: string) => string | undefined;
  /** What open POs of this order will still bring, per SKU. */
  readonly onOrder: (sku: string) => number;
  /** Goods reserved for this order in its bins, not yet assigned, per SKU. */
  readonly reserved: (sku: string) => number;
}

/** The decision for the shortfall left by round `round`; undefined when there is nothing to decide. */
export const purchaseDecision = (order: OrderState, round: number, facts: PurchaseFacts): PurchaseDecision | undefined => {
  if (!isOpen(order) || isAwaitingApproval(order)) return undefined;
  const { accountId, orderId } = order.placed!;
  const uncovered: OrderLine[] = [];
  const covered = new Set<string>();
  for (const line of order.lines) {
    const pending = waitingQuantity(order, line.sku);
    if (pending <= 0) continue;
    const short = pending - facts.onOrder(line.sku) - facts.reserved(line.sku);
    if (short > 0) uncovered.push({ sku: line.sku, quantity: short });
    else if (facts.onOrder(line.sku) > 0) covered.add(line.sku);
  }
  const plan = planPurchase(uncovered, { settings: facts.settings, vendorOf: facts.vendorOf, chain: backorderChainOf(order) });
  const purchaseOrders = [...plan.byVendor].map(([vendorAccountId, lines]) => ({
    purchaseOrderId: purchaseOrderIdFor(accountId, orderId, round, vendorAccountId),
    vendorAccountId,
    accountId,
    lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
  }));
  // One reason per waiting line, in the order of the lines: bought or covered lines wait for the vendor.
  const bought = new Set(purchaseOrders.flatMap((po) => po.lines.map((line) => line.sku)));
  const reasons: { sku: string; reason: PendingReason }[] = order.lines.flatMap(({ sku }) => {
    if (covered.has(sku) || bought.has(sku)) return [{ sku, reason: 'AWAITING_VENDOR' as const }];
    const planned = plan.reasons.find((r) => r.sku === sku);
    return planned ? [{ sku, reason: planned.reason }] : [];
  });
  if (purchaseOrders.length === 0 && reasons.length === 0) return undefined;
  return { purchaseOrders, reasons };
};
