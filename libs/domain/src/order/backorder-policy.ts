/**
 * The rules of SPEC.md steps 1 and 2 that decide across aggregates: which lines of a new order are
 * short (and whether the account refuses it), and how an order's pending quantity is bought — from
 * which of the SKU's ranked vendors, how many, or why not. Pure: the caller brings the facts (stock, settings, mappings, chain).
 */
import { DomainError } from '../shared/decider';
import { MAX_QUANTITY, OrderLine } from '../shared/ids';
import { Settings } from '../shared/settings';
import { PendingReason, VendorSkipReason } from './order.events';

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


/** One vendor of a SKU's list as the purchasing step sees it, with its terms' defaults filled in. */
export interface VendorChoice {
  readonly vendorAccountId: string;
  readonly leadTimeDays: number;
  readonly minOrderQuantity: number;
  readonly packSize: number;
}

/** What is known of a vendor's account: whether it is a vendor account that receives auto-created orders. */
export type VendorStanding = 'ELIGIBLE' | 'NOT_ELIGIBLE' | 'NOT_A_VENDOR';

export interface PurchaseLine extends OrderLine {
  /** The quantity the order needs; `quantity` is that rounded up to the vendor's minimum and pack. */
  readonly needed: number;
}

export interface PurchasePlan {
  /** The lines to buy from each vendor: one PO per vendor, in the order vendors were first chosen. */
  readonly byVendor: ReadonlyMap<string, readonly PurchaseLine[]>;
  /** The chosen vendor's terms, per vendor bought from. */
  readonly terms: ReadonlyMap<string, VendorChoice>;
  /** Why the other pending lines are not bought. */
  readonly reasons: readonly { readonly sku: string; readonly reason: PendingReason }[];
  /** The vendors passed over for each line, in list order, and why. */
  readonly skipped: readonly { readonly sku: string; readonly vendorAccountId: string; readonly reason: VendorSkipReason }[];
}

export interface PurchasePlanFacts {
  readonly settings: Settings;
  /** The SKU's vendors in preference order (empty: not mapped). */
  readonly vendorsOf: (sku: string) => readonly VendorChoice[];
  /** Unknown vendors count as eligible: the vendor order step then records why not. */
  readonly standingOf?: (vendorAccountId: string) => VendorStanding;
  /** Vendors that closed short on this order's line of the SKU: not bought from again for it. */
  readonly closedShortOn?: (sku: string) => ReadonlySet<string>;
  readonly chain: readonly string[];
}

/** What a PO line for `needed` units is, with the vendor's minimum order quantity and pack size. */
export const roundedQuantity = (needed: number, vendor: Pick<VendorChoice, 'minOrderQuantity' | 'packSize'>): number => {
  const atLeast = Math.max(needed, vendor.minOrderQuantity);
  // Capped at the largest quantity a line may hold: past it, the vendor gets what is needed.
  const rounded = Math.ceil(atLeast / vendor.packSize) * vendor.packSize;
  return rounded <= MAX_QUANTITY ? rounded : needed;
};

/**
 * How the pending quantity of an order is bought: nothing when the account does not buy
 * automatically (AUTO_PO_DISABLED); a SKU without vendors stays pending (SKU_NOT_MAPPED). Otherwise
 * each line goes to the first vendor of its list that is not in the order's backorder chain (a
 * loop), has not closed short on this line, and is a vendor account that receives auto-created
 * orders; the ones passed over are reported with why. When none is left: VENDOR_CLOSED_SHORT if
 * a vendor closed short on it, else VENDOR_NOT_ELIGIBLE, except that a vendor failing only on its
 * settings is still bought from when no other is left, so that its PO records why nothing comes
 * (SPEC step 3). The quantity is rounded up to the vendor's minimum and pack; lines are grouped by vendor.
 */
export const planPurchase = (pending: readonly OrderLine[], facts: PurchasePlanFacts): PurchasePlan => {
  const byVendor = new Map<string, PurchaseLine[]>();
  const terms = new Map<string, VendorChoice>();
  const reasons: { sku: string; reason: PendingReason }[] = [];
  const skipped: { sku: string; vendorAccountId: string; reason: VendorSkipReason }[] = [];
  for (const line of pending) {
    const vendors = facts.vendorsOf(line.sku);
    if (!facts.settings.autoPoVendorLevel) {
      reasons.push({ sku: line.sku, reason: 'AUTO_PO_DISABLED' });
      continue;
    }
    if (vendors.length === 0) {
      reasons.push({ sku: line.sku, reason: 'SKU_NOT_MAPPED' });
      continue;
    }
    const closedShort = facts.closedShortOn?.(line.sku) ?? new Set<string>();
    const passed: { sku: string; vendorAccountId: string; reason: VendorSkipReason }[] = [];
    let chosen: VendorChoice | undefined;
    let fallback: VendorChoice | undefined;
    for (const vendor of vendors) {
      const { vendorAccountId } = vendor;
      const standing = facts.standingOf?.(vendorAccountId) ?? 'ELIGIBLE';
      let reason: VendorSkipReason | undefined;
      if (facts.chain.includes(vendorAccountId)) reason = 'IN_CHAIN';
      else if (closedShort.has(vendorAccountId)) reason = 'CLOSED_SHORT';
      else if (standing === 'NOT_A_VENDOR') reason = 'NOT_A_VENDOR';
      else if (standing === 'NOT_ELIGIBLE') reason = 'NOT_ELIGIBLE';
      if (reason === undefined) {
        chosen = vendor;
        break;
      }
      if (reason === 'NOT_ELIGIBLE') fallback ??= vendor;
      passed.push({ sku: line.sku, vendorAccountId, reason });
    }
    const buyFrom = chosen ?? fallback;
    // The fallback vendor is bought from, not passed over.
    skipped.push(...passed.filter((p) => chosen !== undefined || p.vendorAccountId !== buyFrom?.vendorAccountId));
    if (buyFrom === undefined) {
      reasons.push({ sku: line.sku, reason: passed.some((p) => p.reason === 'CLOSED_SHORT') ? 'VENDOR_CLOSED_SHORT' : 'VENDOR_NOT_ELIGIBLE' });
      continue;
    }
    terms.set(buyFrom.vendorAccountId, buyFrom);
    const bought = { sku: line.sku, quantity: roundedQuantity(line.quantity, buyFrom), needed: line.quantity };
    byVendor.set(buyFrom.vendorAccountId, [...(byVendor.get(buyFrom.vendorAccountId) ?? []), bought]);
  }
  return { byVendor, terms, reasons, skipped };
};
