/**
 * The fulfilment process manager's steps for a change of an order line (`PATCH …/lines/{sku}`,
 * docs/product.md "Changing an order after the PO"), called from sagas/fulfilment.saga.ts. The
 * order decided the change (OrderLineChanged) and what it gives back from its bins
 * (InventoryReleased); these steps carry it across streams, by the rules of
 * libs/domain/src/fulfilment/line-changes.ts:
 *
 * - its POs stop buying what the line no longer waits for: each PO's vendor order shrinks first
 *   (its own line change, which shrinks that vendor's POs in turn), then the PO follows it; a PO
 *   left with nothing open ends (cancelled, or closed when it received something);
 * - reserved goods the line no longer waits for become free stock;
 * - the outcome is recorded on the order (OrderLineChangeCompleted), naming every PO it changed;
 * - units an order gives back become free stock in their bins.
 *
 * Every amount is computed from the streams as they stand and every id from the change, so a step
 * taken again converges on what it did the first time.
 */
import { binsForAssignment } from '@app/domain/account/account.decider';
import { BinAggregate, OrderAggregate, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { hasInwarded } from '@app/domain/bin/bin.decider';
import { surplusReserved } from '@app/domain/fulfilment/assignment-round';
import { lineChangeReductionIdFor, lineChangeReleaseIdFor } from '@app/domain/fulfilment/ids';
import { PurchaseOrderOfLine, purchaseOrderCuts, purchaseOrderLineFor, vendorOrderLineFor, wantedAfterCut } from '@app/domain/fulfilment/line-changes';
import { onOrderFrom } from '@app/domain/fulfilment/on-order';
import { isOpen, OrderState } from '@app/domain/order/order.decider';
import { lineReduction, purchaseOrderStatus, PurchaseOrderState } from '@app/domain/purchase-order/purchase-order.decider';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { binStream, orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { crashPoint } from '@app/event-store';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';
import { reservedForOrder } from './fulfilment.service';

export class LineChangeSteps {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
  ) {}

  /** Line change `change` of the order, carried to its POs, their vendor orders and its reserved goods, and recorded. */
  async carryOut(accountId: string, orderId: string, change: number, context: CommandContext): Promise<void> {
    const stream = orderStream(accountId, orderId);
    let { state: order } = await this.commands.load(OrderAggregate, stream);
    const recorded = order.lineChanges?.[change - 1];
    if (!recorded || order.lineChangesCompleted?.has(change)) return;
    const { sku } = recorded;
    const reductionId = lineChangeReductionIdFor(accountId, orderId, change);
    const reason = `Order ${orderId} of ${accountId}: line ${sku} changed from ${recorded.previousQuantity} to ${recorded.quantity}`;

    if (isOpen(order)) {
      const purchaseOrders = await this.purchaseOrdersOf(accountId, order, sku);
      const reserved = (await this.reservedFor(accountId, order)).get(sku) ?? 0;
      for (const cut of purchaseOrderCuts(order, sku, purchaseOrders, reserved)) {
        const { po, vendorOrder } = purchaseOrders.find((entry) => entry.po.created!.purchaseOrderId === cut.purchaseOrderId)!;
        const wanted = wantedAfterCut(po, sku, cut.quantity);
        // The vendor order first: once it is smaller, no handover can take what the PO gives up.
        let vendor = vendorOrder;
        const target = vendor && isOpen(vendor) ? vendorOrderLineFor(vendor, po, sku, wanted) : undefined;
        if (vendor && target !== undefined) {
          vendor = (
            await this.commands.handle(
              OrderAggregate,
              orderStream(po.created!.vendorAccountId, po.vendorOrderId!),
              { type: 'ChangeOrderLine', sku, quantity: target, fromPurchaseOrder: true },
              stepOf(context, `vendor-order-line/${cut.purchaseOrderId}`),
            )
          ).state;
        }
        crashPoint('line-change:vendor-order-changed');
        await this.commands.handle(
          PurchaseOrderAggregate,
          purchaseOrderStream(accountId, cut.purchaseOrderId),
          { type: 'ReducePurchaseOrderLine', reductionId, sku, quantity: purchaseOrderLineFor(po, sku, wanted, vendor), reason },
          stepOf(context, `reduce-po/${cut.purchaseOrderId}`),
        );
      }
      order = (await this.commands.load(OrderAggregate, stream)).state;
      await this.releaseSurplusReserved(accountId, order, sku, lineChangeReleaseIdFor(orderId, change), context);
    }

    const changed = [];
    for (const { po } of await this.purchaseOrdersOf(accountId, order, sku)) {
      const reduction = lineReduction(po, reductionId, sku);
      if (reduction) changed.push({ purchaseOrderId: po.created!.purchaseOrderId, ...reduction, status: purchaseOrderStatus(po) });
    }
    await this.commands.handle(OrderAggregate, stream, { type: 'CompleteLineChange', change, purchaseOrders: changed }, stepOf(context, `complete-change/${change}`));
  }

  /** Units an order gave back (InventoryReleased) leave it in their bins: free stock there. */
  async releaseAtBins(
    accountId: string,
    orderId: string,
    releaseId: string,
    sku: string,
    bins: readonly { locationId: string; binId: string; quantity: number }[],
    context: CommandContext,
  ): Promise<void> {
    for (const { locationId, binId, quantity } of bins) {
      await this.commands.handle(
        BinAggregate,
        binStream(accountId, locationId, binId),
        { type: 'ReleaseAssigned', releaseId, orderId, sku, quantity },
        stepOf(context, `release/${locationId}.${binId}.${sku}`),
      );
    }
  }

  /** Reserved goods of the SKU beyond what the line still waits for from them become free stock. */
  private async releaseSurplusReserved(accountId: string, order: OrderState, sku: string, releaseId: string, context: CommandContext): Promise<void> {
    if (!isOpen(order)) return;
    const brings = (await this.purchaseOrdersOf(accountId, order, sku)).reduce((sum, entry) => sum + entry.brings, 0);
    const reserved = new Map([[sku, (await this.reservedFor(accountId, order)).get(sku) ?? 0]]);
    const orderId = order.placed!.orderId;
    for (const surplus of surplusReserved(order, (asked) => (asked === sku ? brings : 0), reserved)) {
      let left = surplus.quantity;
      for (const binId of binsForAssignment(await this.accounts.get(accountId), MAIN_LOCATION_ID)) {
        if (left <= 0) break;
        const released = await this.commands.handle(
          BinAggregate,
          binStream(accountId, MAIN_LOCATION_ID, binId),
          { type: 'ReleaseReserved', releaseId, orderId, sku, quantity: left },
          stepOf(context, `release-reserved/${binId}/${sku}`),
        );
        for (const event of released.events) if (event.type === 'StockReleased') left -= event.data.reserved;
      }
    }
  }

  /** The order's POs that exist, each with what it brings of the SKU and its vendor order. */
  private async purchaseOrdersOf(accountId: string, order: OrderState, sku: string): Promise<PurchaseOrderOfLine[]> {
    const found: PurchaseOrderOfLine[] = [];
    for (const linked of order.purchaseOrders) {
      const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(accountId, linked.purchaseOrderId));
      if (!po.created || !po.created.lines.some((line) => line.sku === sku)) continue;
      const vendorOrder =
        po.vendorOrderId === undefined ? undefined : (await this.commands.load(OrderAggregate, orderStream(po.created.vendorAccountId, po.vendorOrderId))).state;
      found.push({ po, brings: await this.bringsOf(accountId, po, sku), ...(vendorOrder ? { vendorOrder } : {}) });
    }
    return found;
  }

  /** What the PO brings of the SKU: open, and received whose goods are not in their bin yet. */
  private async bringsOf(accountId: string, po: PurchaseOrderState, sku: string): Promise<number> {
    const inwarded = new Set<string>();
    for (const grn of po.grns) {
      const { state: bin } = await this.commands.load(BinAggregate, binStream(accountId, grn.locationId, grn.binId));
      if (hasInwarded(bin, grn.grnId, sku)) inwarded.add(grn.grnId);
    }
    return onOrderFrom([po], (grn) => inwarded.has(grn.grnId))(sku);
  }

  private reservedFor(accountId: string, order: OrderState): Promise<Map<string, number>> {
    return reservedForOrder(this.commands, this.accounts, accountId, order);
  }
}
