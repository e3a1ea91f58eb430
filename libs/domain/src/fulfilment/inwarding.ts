/**
 * SPEC.md steps 5 and 6: a vendor's handover becomes a GRN on the seller's PO (or waits for a
 * manual GRN), and a GRN's goods go into their bin, reserved for the PO's source order as far as
 * that order still waits for them; the rest is free stock.
 */
import { AccountState, settingsOf } from '../account/account.decider';
import { isAwaitingApproval, isOpen, OrderState, waitingQuantity } from '../order/order.decider';
import { GoodsReceivedData, PurchaseOrderState } from '../purchase-order/purchase-order.decider';
import { OrderLine } from '../shared/ids';
import { grnIdFor } from './ids';

export type HandoverInwarding =
  | { readonly kind: 'none' }
  | { readonly kind: 'grn'; readonly grnId: string; readonly lines: readonly OrderLine[] }
  | { readonly kind: 'manual'; readonly lines: readonly OrderLine[] };

/**
 * What a handover of a vendor order (an order with a source PO) becomes on that PO: a GRN (which
 * receives no more than the PO still has open) when the seller inwards automatically, else a
 * note that the goods wait for the seller's manual GRN.
 */
export const handoverInwarding = (
  vendorOrder: OrderState,
  handoverId: string,
  seller: AccountState | undefined,
  po: PurchaseOrderState | undefined,
): HandoverInwarding => {
  const placed = vendorOrder.placed;
  const handover = vendorOrder.handovers.get(handoverId);
  if (!placed?.source || !handover || !seller || !po?.created) return { kind: 'none' };
  const lines = handover.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  if (!settingsOf(seller).autoGrnThroughBackOrder) return po.awaitingManualGrn.has(handoverId) ? { kind: 'none' } : { kind: 'manual', lines };
  return { kind: 'grn', grnId: grnIdFor(placed.accountId, placed.orderId, handoverId), lines };
};

export interface GrnInwardLine {
  readonly sku: string;
  readonly quantity: number;
  /** How many of them are reserved for the source order (0: all free stock). */
  readonly reserved: number;
}

/**
 * Per GRN line: what goes in, and how much of it the source order still waits for: its pending
 * quantity, less what open POs will still bring (this GRN already counted as received), less
 * goods already reserved for it and not yet assigned.
 */
export const grnInward = (
  grn: GoodsReceivedData,
  sourceOrder: OrderState | undefined,
  onOrder: (sku: string) => number,
  reserved: (sku: string) => number,
): GrnInwardLine[] =>
  grn.lines.map(({ sku, quantity }) => {
    const waits = sourceOrder && isOpen(sourceOrder) && !isAwaitingApproval(sourceOrder);
    const need = waits ? Math.max(0, waitingQuantity(sourceOrder, sku) - onOrder(sku) - reserved(sku)) : 0;
    return { sku, quantity, reserved: Math.min(quantity, need) };
  });
