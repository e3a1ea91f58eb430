/**
 * The rules of SPEC.md steps 1 and 2 that decide across aggregates: which lines of a new order are
 * short (and whether the account refuses it), and how an order's pending quantity is bought — from
 * which vendor, or why not. Pure: the caller brings the facts (stock, settings, mappings, chain).
 */
import { DomainError } from '../shared/decider';
import { OrderLine } from '../shared/ids';
import { Settings } from '../shared/settings';
import { PendingReason } from './order.events';

export interface StockWarning {
  readonly code: 'INVENTORY_NOT_AVAILABLE';
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

/** One warning per line that asks for more than is available to the order. */
export const stockWarnings = (lines: readonly OrderLine[], available: (sku: string) => number): StockWarning[] =>
  lines
    .filter((line) => available(line.sku) < line.quantity)
    .map((line) => ({ code: 'INVENTORY_NOT_AVAILABLE', sku: line.sku, requested: line.quantity, available: available(line.sku) }));

/** An account that does not allow orders without inventory refuses a short order (422, nothing written). */
export const refuseIfShortAndNotAllowed = (warnings: readonly StockWarning[], settings: Settings): void => {
  if (warnings.length === 0 || settings.allowOrdersWithoutInventory) return;
  throw new DomainError(
    'rule_violated',
    'INVENTORY_NOT_AVAILABLE',
    `Not enough stock for ${warnings.map((w) => `${w.sku} (requested ${w.requested}, available ${w.available})`).join(', ')}, and the account does not allow orders without inventory`,
    'lines',
    { warnings },
  );
};

export interface PurchasePlan {
  /** The lines to buy from each vendor: one PO per vendor. */
  readonly byVendor: ReadonlyMap<string, readonly OrderLine[]>;
  /** Why the other pending lines are not bought. */
  readonly reasons: readonly { readonly sku: string; readonly reason: PendingReason }[];
}

/**
 * How the pending quantity of an order is bought: nothing when the account does not buy
 * automatically (AUTO_PO_DISABLED); a SKU without a vendor stays pending (SKU_NOT_MAPPED); a vendor
 * already in the order's backorder chain would close a loop, so it is not bought from
 * (VENDOR_NOT_ELIGIBLE); the rest is grouped by vendor.
 */
export const planPurchase = (
  pending: readonly OrderLine[],
  facts: { readonly settings: Settings; readonly vendorOf: (sku: string) => string | undefined; readonly chain: readonly string[] },
): PurchasePlan => {
  const byVendor = new Map<string, OrderLine[]>();
  const reasons: { sku: string; reason: PendingReason }[] = [];
  for (const line of pending) {
    const vendor = facts.vendorOf(line.sku);
    if (!facts.settings.autoPoVendorLevel) reasons.push({ sku: line.sku, reason: 'AUTO_PO_DISABLED' });
    else if (vendor === undefined) reasons.push({ sku: line.sku, reason: 'SKU_NOT_MAPPED' });
    else if (facts.chain.includes(vendor)) reasons.push({ sku: line.sku, reason: 'VENDOR_NOT_ELIGIBLE' });
    else byVendor.set(vendor, [...(byVendor.get(vendor) ?? []), { sku: line.sku, quantity: line.quantity }]);
  }
  return { byVendor, reasons };
};
