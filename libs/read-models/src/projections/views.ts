/**
 * What the read models hold: views of the aggregates' states, built with the domain's own
 * selectors, so a rule (an order's status, what is pending) is written once, in libs/domain.
 */
import { AccountState, vendorTermsOf } from '@app/domain/account/account.decider';
import { RankedVendor } from '@app/domain/account/account.events';
import { stockOf, BinState } from '@app/domain/bin/bin.decider';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { DEFAULT_ORDER_PRIORITY } from '@app/domain/order/order.events';
import {
  assignmentsOf,
  closedShortOf,
  isRefused,
  lineEtas,
  orderLines,
  orderStatus,
  OrderState,
  pendingReasonsOf,
  purchaseOrdersOf,
} from '@app/domain/order/order.decider';
import { expectedAtOf, purchaseOrderLines, purchaseOrderStatus, PurchaseOrderState } from '@app/domain/purchase-order/purchase-order.decider';

/** Sorts positions as text: fixed-width decimal. */
/** The same fixed-width position the allocation queue ranks creation order by. */
import { sequenceOf } from '@app/domain/allocation/allocation-rule';
export { sequenceOf };

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An account as it is answered: by the account command answers and by the read model. */
export const accountView = (state: AccountState) => {
  const opened = state.opened!;
  return {
    accountId: opened.accountId,
    name: opened.name,
    type: opened.accountType,
    settings: { ...state.settings },
    locations: [...state.locations.entries()]
      .sort(([a], [b]) => (a === MAIN_LOCATION_ID ? -1 : b === MAIN_LOCATION_ID ? 1 : byText(a, b)))
      .map(([locationId, bins]) => ({ locationId, bins: [...bins].sort(byText).map((binId) => ({ binId })) })),
    vendorMappings: [...state.vendorsBySku.entries()]
      .sort(([a], [b]) => byText(a, b))
      .map(([sku, vendors]) => ({ sku, vendorAccountId: vendors[0]!.vendorAccountId, vendors: vendors.map(vendorTermsOf) })),
  };
};

/** A SKU's ranked vendors as answered (`GET …/products/{sku}/vendors`): none when it has no list. */
export const skuVendorsView = (account: { vendorMappings: readonly { sku: string; vendors: readonly Required<RankedVendor>[] }[] }, sku: string) => ({
  sku,
  vendors: (account.vendorMappings.find((mapping) => mapping.sku === sku)?.vendors ?? []).map((vendor) => ({ ...vendor })),
});

/** `openedAt`: when the account was opened (its AccountOpened event's time), for the accounts list. */
export const accountDocument = (state: AccountState, revision: number, openedAt: string) => ({
  _id: state.opened!.accountId,
  _revision: revision,
  _openedAt: openedAt,
  ...accountView(state),
});

export const stockDocument = (
  state: BinState,
  ids: { accountId: string; locationId: string; binId: string },
  sku: string,
  revision: number,
) => ({
  _id: `${ids.accountId}.${ids.locationId}.${ids.binId}.${sku}`,
  _revision: revision,
  accountId: ids.accountId,
  sku,
  locationId: ids.locationId,
  binId: ids.binId,
  ...stockOf(state, sku),
});

/** A search term as the orders list compares it: trimmed, in lower case. */
export const searchTerm = (text: string): string => text.trim().toLowerCase();

/**
 * What finds an order in the orders list: its id, its purchase order's id (a vendor order), each
 * line's SKU, and its customer's name whole and word by word, all in lower case.
 */
const searchTermsOf = (placed: { orderId: string; customer?: string; source?: { purchaseOrderId: string } }, lines: readonly { sku: string }[]): string[] => {
  const customer = placed.customer === undefined ? [] : [placed.customer, ...placed.customer.split(/\s+/)];
  const terms = [placed.orderId, ...(placed.source ? [placed.source.purchaseOrderId] : []), ...lines.map((line) => line.sku), ...customer];
  return [...new Set(terms.map(searchTerm).filter((term) => term.length > 0))];
};

export const orderDocument = (state: OrderState, revision: number, placedSequence: string) => {
  const placed = state.placed!;
  const etas = lineEtas(state);
  const lines = orderLines(state).map((line, i) => ({ ...line, closedShort: closedShortOf(state, line.sku), eta: etas[i]!.eta, late: etas[i]!.late }));
  const pendingReasons = pendingReasonsOf(state);
  return {
    _id: `${placed.accountId}.${placed.orderId}`,
    _revision: revision,
    _sequence: placedSequence,
    /** Refused for stock after it was written: to clients, an order that was never placed. */
    ...(isRefused(state) ? { _refused: true } : {}),
    accountId: placed.accountId,
    orderId: placed.orderId,
    status: orderStatus(state),
    ...(placed.customer === undefined ? {} : { customer: placed.customer }),
    priority: placed.priority ?? DEFAULT_ORDER_PRIORITY,
    ...(placed.requiredBy === undefined ? {} : { requiredBy: placed.requiredBy }),
    ...(placed.source === undefined ? {} : { source: { ...placed.source } }),
    lines,
    inventoryDetails: assignmentsOf(state).map(({ assignmentId: _assignmentId, ...detail }) => detail),
    purchaseOrders: purchaseOrdersOf(state).map(({ purchaseOrderId, vendorAccountId }) => ({ purchaseOrderId, vendorAccountId })),
    /** Which SKUs each purchase order buys, for the backorder report. */
    _purchaseOrderSkus: purchaseOrdersOf(state).map(({ purchaseOrderId, lines }) => ({ purchaseOrderId, skus: lines.map((l) => l.sku) })),
    pendingReasons,
    /** The vendors the purchasing step passed over, per round, and why. */
    passedOverVendors: state.passedOver.map(({ round, sku, vendorAccountId, reason }) => ({ round, sku, vendorAccountId, reason })),
    /** What the orders list's `search` matches: see searchTermsOf. */
    _search: searchTermsOf(placed, lines),
    /** Lines still pending, and the reasons recorded for them, for the backorder report's filters. */
    _pendingSkus: lines.filter((line) => line.pending > 0).map((line) => line.sku),
    _pendingReasons: [...new Set(pendingReasons.map(({ reason }) => reason))],
  };
};

export const purchaseOrderDocument = (
  state: PurchaseOrderState,
  revision: number,
  createdSequence: string,
) => {
  const created = state.created!;
  return {
    _id: `${created.sellerAccountId}.${created.purchaseOrderId}`,
    _revision: revision,
    _sequence: createdSequence,
    ...purchaseOrderView(state),
  };
};

/** A PO as it is answered: by the read model, and by the close command. */
export const purchaseOrderView = (state: PurchaseOrderState) => {
  const created = state.created!;
  return {
    accountId: created.sellerAccountId,
    purchaseOrderId: created.purchaseOrderId,
    status: purchaseOrderStatus(state),
    vendorAccountId: created.vendorAccountId,
    ...(state.vendorOrderId === undefined ? {} : { vendorOrderId: state.vendorOrderId }),
    ...(state.vendorOrderId === undefined && state.vendorOrderRefusal !== undefined ? { vendorOrderError: state.vendorOrderRefusal } : {}),
    sourceOrderId: created.sourceOrderId,
    ...(expectedAtOf(state) === undefined ? {} : { expectedAt: expectedAtOf(state) }),
    lines: purchaseOrderLines(state),
    grns: state.grns.map((grn) => ({
      grnId: grn.grnId,
      ...(grn.handoverId === undefined ? {} : { handoverId: grn.handoverId }),
      receivedAt: grn.receivedAt,
      locationId: grn.locationId,
      binId: grn.binId,
      lines: grn.lines.map((line) => ({ ...line })),
    })),
  };
};

export type AccountDocument = ReturnType<typeof accountDocument>;
export type StockDocument = ReturnType<typeof stockDocument>;
export type OrderDocument = ReturnType<typeof orderDocument>;
export type PurchaseOrderDocument = ReturnType<typeof purchaseOrderDocument>;
