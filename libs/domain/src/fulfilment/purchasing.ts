/**
 * SPEC.md step 2 as the fulfilment process manager takes it, once per assignment round: the
 * shortfall a round leaves (pending, less what open POs and reserved goods cover) is bought from
 * the first eligible vendor of each SKU's ranked list that has not closed short on the line, one
 * PO per vendor, its quantities rounded up to the vendor's minimum and pack and its delivery
 * expected after the vendor's lead time; or the reason it is not bought is recorded. A line that
 * open POs cover waits for the vendor.
 */
import { planPurchase, VendorChoice, VendorStanding } from '../order/backorder-policy';
import { backorderChainOf, isAwaitingApproval, isOpen, OrderState, vendorsClosedShortOn, waitingQuantity } from '../order/order.decider';
import { PendingReason, VendorSkipReason } from '../order/order.events';
import { OrderLine } from '../shared/ids';
import { Settings } from '../shared/settings';
import { purchaseOrderIdFor } from './ids';

export interface PurchaseDecision {
  readonly purchaseOrders: readonly {
    purchaseOrderId: string;
    vendorAccountId: string;
    accountId: string;
    lines: OrderLine[];
    /** Absent when the decision has no time (`decidedAt`). */
    expectedAt?: string;
    /** Lines bought beyond the need, and by how much; absent when nothing was rounded. */
    rounding?: { sku: string; surplus: number }[];
  }[];
  readonly reasons: readonly { sku: string; reason: PendingReason }[];
  /** Absent when no vendor was passed over. */
  readonly passedOver?: readonly { sku: string; vendorAccountId: string; reason: VendorSkipReason }[];
}

export interface PurchaseFacts {
  readonly settings: Settings;
  /** The SKU's vendors in preference order, their terms' defaults filled in. */
  readonly vendorsOf: (sku: string) => readonly VendorChoice[];
  /** Whether a vendor's account is one that receives auto-created orders (unknown: eligible). */
  readonly standingOf?: (vendorAccountId: string) => VendorStanding;
  /** What open POs of this order will still bring, per SKU. */
  readonly onOrder: (sku: string) => number;
  /** Goods reserved for this order in its bins, not yet assigned, per SKU. */
  readonly reserved: (sku: string) => number;
  /**
   * ISO time the decision is taken at: the recorded time of the event that caused it (the domain
   * has no clock), so a replay computes the same `expectedAt`.
   */
  readonly decidedAt?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** `decidedAt` plus the lead time, as an ISO time. */
export const expectedAtFor = (decidedAt: string, leadTimeDays: number): string => new Date(Date.parse(decidedAt) + leadTimeDays * DAY_MS).toISOString();

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
  const plan = planPurchase(uncovered, {
    settings: facts.settings,
    vendorsOf: facts.vendorsOf,
    ...(facts.standingOf ? { standingOf: facts.standingOf } : {}),
    closedShortOn: (sku) => vendorsClosedShortOn(order, sku),
    chain: backorderChainOf(order),
  });
  const purchaseOrders = [...plan.byVendor].map(([vendorAccountId, lines]) => {
    const terms = plan.terms.get(vendorAccountId)!;
    const rounding = lines.filter((line) => line.quantity > line.needed).map((line) => ({ sku: line.sku, surplus: line.quantity - line.needed }));
    return {
      purchaseOrderId: purchaseOrderIdFor(accountId, orderId, round, vendorAccountId),
      vendorAccountId,
      accountId,
      lines: lines.map(({ sku, quantity }) => ({ sku, quantity })),
      ...(facts.decidedAt === undefined ? {} : { expectedAt: expectedAtFor(facts.decidedAt, terms.leadTimeDays) }),
      ...(rounding.length === 0 ? {} : { rounding }),
    };
  });
  // One reason per waiting line, in the order of the lines: bought or covered lines wait for the vendor.
  const bought = new Set(purchaseOrders.flatMap((po) => po.lines.map((line) => line.sku)));
  const reasons: { sku: string; reason: PendingReason }[] = order.lines.flatMap(({ sku }) => {
    if (covered.has(sku) || bought.has(sku)) return [{ sku, reason: 'AWAITING_VENDOR' as const }];
    const planned = plan.reasons.find((r) => r.sku === sku);
    return planned ? [{ sku, reason: planned.reason }] : [];
  });
  if (purchaseOrders.length === 0 && reasons.length === 0) return undefined;
  const passedOver = plan.skipped.map(({ sku, vendorAccountId, reason }) => ({ sku, vendorAccountId, reason }));
  return { purchaseOrders, reasons, ...(passedOver.length === 0 ? {} : { passedOver }) };
};
