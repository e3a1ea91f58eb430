/**
 * The ids of what the fulfilment process manager creates, derived from their cause, so a step run
 * again (a replay after a crash, a duplicate delivery) is recognised instead of repeated.
 */
import { derivedId } from '../shared/deterministic-id';
import { orderStream, purchaseOrderStream } from '../shared/streams';

/**
 * The PO an order buys from a vendor for the shortfall left by its assignment round `round`: one
 * per (order, round, vendor), so a later shortfall of the same order is a new PO with a new id.
 */
export const purchaseOrderIdFor = (accountId: string, orderId: string, round: number, vendorAccountId: string): string =>
  derivedId('po', orderStream(accountId, orderId), `round-${round}`, vendorAccountId);

/** The order a PO opens in the vendor's account. */
export const vendorOrderIdFor = (sellerAccountId: string, purchaseOrderId: string): string =>
  derivedId('vo', purchaseOrderStream(sellerAccountId, purchaseOrderId));

/** The GRN a vendor's handover becomes on the seller's PO. */
export const grnIdFor = (vendorAccountId: string, vendorOrderId: string, handoverId: string): string =>
  derivedId('grn', orderStream(vendorAccountId, vendorOrderId), handoverId);

/** What a bin is asked for in one round, for one line. */
export const assignmentIdFor = (orderId: string, round: number, sku: string, locationId: string, binId: string): string =>
  `${orderId}:${round}:${sku}:${locationId}:${binId}`;

/** The release of everything an order held, once it ended. */
export const endReleaseIdFor = (orderId: string): string => `${orderId}:end`;

/** What round `round` gave an order that ended while it ran, given back. */
export const roundEndReleaseIdFor = (orderId: string, round: number): string => `${orderId}:end-of-round:${round}`;

/** The release of reserved goods an order no longer needs, after round `round`. */
export const surplusReleaseIdFor = (orderId: string, round: number): string => `${orderId}:surplus:${round}`;

/** What line change `change` of the order releases (assigned units given back, reserved goods it no longer needs). */
export const lineChangeReleaseIdFor = (orderId: string, change: number): string => `${orderId}:change:${change}`;

/** Units round `round` assigned beyond what a line reduced meanwhile needs, given back. */
export const roundExcessReleaseIdFor = (orderId: string, round: number): string => `${orderId}:excess:${round}`;

/** The reduction of the order's PO lines that line change `change` makes (one id per change, on every PO it reduces). */
export const lineChangeReductionIdFor = (accountId: string, orderId: string, change: number): string => `${orderStream(accountId, orderId)}:change:${change}`;
