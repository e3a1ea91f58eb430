/**
 * The backorder flow across accounts (SPEC.md steps 2 to 5), one step per saga reaction:
 * buying an order's shortfall from the SKUs' vendors, opening the matching order in each vendor's
 * account, inwarding a vendor's handover on the PO, and unwinding all of it when an order is
 * cancelled. Every id is derived from its cause, so running a step twice does nothing new.
 */
import { mappedVendor, settingsOf } from '@app/domain/account/account.decider';
import { DomainError } from '@app/domain/shared/decider';
import { derivedId } from '@app/domain/shared/deterministic-id';
import { vendorReceivesAutoOrders } from '@app/domain/shared/settings';
import { orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { backorderChainOf, orderStatus, pendingCoverage } from '@app/domain/order/order.decider';
import { PendingReason } from '@app/domain/order/order.events';
import { OrderLine } from '@app/domain/shared/ids';
import { planPurchase } from '@app/domain/order/backorder-policy';
import { purchaseOrderStatus } from '@app/domain/purchase-order/purchase-order.decider';
import { crashPoint } from '@app/event-store';
import { OrderAggregate, PurchaseOrderAggregate } from '../aggregates';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';
import { OrdersService } from './orders.service';
import { PurchaseOrdersService } from './purchase-orders.service';

/** The PO an order buys from a vendor: one per (order, vendor). */
export const purchaseOrderIdFor = (accountId: string, orderId: string, vendorAccountId: string): string =>
  derivedId('po', orderStream(accountId, orderId), vendorAccountId);

/** The order a PO opens in the vendor's account. */
export const vendorOrderIdFor = (sellerAccountId: string, purchaseOrderId: string): string =>
  derivedId('vo', purchaseOrderStream(sellerAccountId, purchaseOrderId));

/** The GRN a vendor's handover becomes on the seller's PO. */
export const grnIdFor = (vendorAccountId: string, vendorOrderId: string, handoverId: string): string =>
  derivedId('grn', orderStream(vendorAccountId, vendorOrderId), handoverId);

export class BackordersService {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
    private readonly orders: OrdersService,
    private readonly purchaseOrders: PurchaseOrdersService,
  ) {}

  /**
   * Step 2: the order's pending quantity not yet covered by a PO is bought from each SKU's vendor,
   * one PO per vendor, or the reason it is not bought is recorded on the order.
   */
  async buyShortfall(accountId: string, orderId: string, context: CommandContext): Promise<void> {
    const stream = orderStream(accountId, orderId);
    const { state: order } = await this.commands.load(OrderAggregate, stream);
    if (!order.placed || order.openRound || ['CANCELLED', 'UNAPPROVED'].includes(orderStatus(order))) return;
    const { bought, notBought } = pendingCoverage(order);
    // A SKU bought on a PO waits for the vendor, unless a reason was recorded since (a crash between
    // linking the PO and recording this must not leave it without one).
    const reasons: { sku: string; reason: PendingReason }[] = bought
      .filter((sku) => !order.pendingReasons.some((recorded) => recorded.sku === sku))
      .map((sku) => ({ sku, reason: 'AWAITING_VENDOR' }));

    const account = notBought.length === 0 ? undefined : await this.accounts.get(accountId);
    const chain = backorderChainOf(order);
    const plan = account
      ? planPurchase(notBought, { settings: settingsOf(account), vendorOf: (sku) => mappedVendor(account, sku), chain })
      : { byVendor: new Map<string, OrderLine[]>(), reasons: [] };
    reasons.push(...plan.reasons);
    for (const [vendorAccountId, lines] of plan.byVendor) {
      const purchaseOrderId = purchaseOrderIdFor(accountId, orderId, vendorAccountId);
      const step = (name: string) => stepOf(context, `${name}/${purchaseOrderId}`);
      // Said before the PO exists: the vendor-orders saga reacts to the PO and may find the vendor
      // not eligible; what it records must come after this, never be overwritten by it.
      for (const line of lines) await this.recordReason(stream, line.sku, 'AWAITING_VENDOR', stepOf(context, `awaiting/${line.sku}`));
      try {
        await this.purchaseOrders.createPurchaseOrder(
          accountId,
          { purchaseOrderId, vendorAccountId, sourceOrderId: orderId, lines, chain },
          step('create-po'),
        );
      } catch (error) {
        // A PO for this vendor was already bought for other lines: these stay pending, said why.
        if (!(error instanceof DomainError && error.code === 'PURCHASE_ORDER_EXISTS')) throw error;
        for (const line of lines) reasons.push({ sku: line.sku, reason: 'VENDOR_NOT_ELIGIBLE' });
        continue;
      }
      crashPoint('backorder:po-created');
      await this.commands.handle(
        OrderAggregate,
        stream,
        { type: 'LinkPurchaseOrder', purchaseOrderId, vendorAccountId, accountId, lines },
        step('link-po'),
      );
    }
    for (const { sku, reason } of reasons) await this.recordReason(stream, sku, reason, stepOf(context, `reason/${sku}`));
  }

  private async recordReason(stream: string, sku: string, reason: PendingReason, context: CommandContext): Promise<void> {
    await this.commands.handle(OrderAggregate, stream, { type: 'RecordPendingReason', sku, reason }, context);
  }

  /**
   * Step 3: the PO opens an order in the vendor's account for its lines, referencing the PO and the
   * seller, unless the vendor cannot receive auto-created orders (the PO then records why).
   */
  async openVendorOrder(sellerAccountId: string, purchaseOrderId: string, context: CommandContext): Promise<void> {
    const poStream = purchaseOrderStream(sellerAccountId, purchaseOrderId);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
    const created = po.created;
    if (!created || purchaseOrderStatus(po) === 'CANCELLED' || po.vendorOrderId !== undefined) return;
    const vendor = await this.accounts.find(created.vendorAccountId);
    const sourceStream = orderStream(sellerAccountId, created.sourceOrderId);

    if (!vendor || !vendorReceivesAutoOrders(settingsOf(vendor))) {
      const reason = !vendor
        ? `Vendor account ${created.vendorAccountId} does not exist`
        : `Vendor ${created.vendorAccountId} cannot receive auto-created orders: it needs isB2bNew and vendorPanelType 2 (Advanced Vendor Panel)`;
      await this.commands.handle(PurchaseOrderAggregate, poStream, { type: 'RefuseVendorOrder', reason }, stepOf(context, 'refuse'));
      for (const line of created.lines) {
        await this.commands.handle(
          OrderAggregate,
          sourceStream,
          { type: 'RecordPendingReason', sku: line.sku, reason: 'VENDOR_NOT_ELIGIBLE' },
          stepOf(context, `reason/${line.sku}`),
        );
      }
      return;
    }

    const vendorOrderId = vendorOrderIdFor(sellerAccountId, purchaseOrderId);
    await this.orders.placeOrder(
      created.vendorAccountId,
      {
        orderId: vendorOrderId,
        lines: created.lines,
        source: { purchaseOrderId, sellerAccountId },
        chain: [...(created.chain ?? [sellerAccountId]), created.vendorAccountId],
      },
      stepOf(context, 'vendor-order'),
      // The vendor's order is an ordinary order, but it is never refused for stock: it waits.
      { enforceStockPolicy: false },
    );
    crashPoint('backorder:vendor-order-placed');
    try {
      await this.commands.handle(PurchaseOrderAggregate, poStream, { type: 'LinkVendorOrder', vendorOrderId }, stepOf(context, 'link'));
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'PURCHASE_ORDER_CANCELLED')) throw error;
      // The seller cancelled while the vendor's order was being opened: it must not stay open.
      await this.orders.cancelOrder(created.vendorAccountId, vendorOrderId, stepOf(context, 'cancel-vendor-order'));
    }
  }

  /**
   * Step 5: a vendor order's handover becomes one GRN on the seller's PO, when the seller inwards
   * automatically; otherwise the seller inwards with a manual GRN.
   */
  async inwardHandover(vendorAccountId: string, vendorOrderId: string, handoverId: string, context: CommandContext): Promise<void> {
    const { state: vendorOrder } = await this.commands.load(OrderAggregate, orderStream(vendorAccountId, vendorOrderId));
    const source = vendorOrder.placed?.source;
    const handover = vendorOrder.handovers.get(handoverId);
    if (!source || !handover) return;
    const seller = await this.accounts.find(source.sellerAccountId);
    if (!seller || !settingsOf(seller).autoGrnThroughBackOrder) return;
    try {
      await this.purchaseOrders.receiveGoods(
        source.sellerAccountId,
        source.purchaseOrderId,
        { grnId: grnIdFor(vendorAccountId, vendorOrderId, handoverId), handoverId, lines: handover.lines },
        stepOf(context, 'grn'),
      );
    } catch (error) {
      // Handed over after the seller cancelled the PO: nothing to inward against; the goods are
      // the vendor's to take back. Anything else is a real failure.
      if (error instanceof DomainError && error.code === 'PURCHASE_ORDER_CANCELLED') return;
      throw error;
    }
  }

  /**
   * Cancelling an order unwinds its backorders: each PO with nothing received is cancelled, and so
   * is the vendor's order it opened. A PO with goods received keeps them (free stock by then).
   */
  async cancelBackorders(accountId: string, orderId: string, context: CommandContext): Promise<void> {
    const { state: order } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId));
    for (const linked of order.purchaseOrders) {
      const poStream = purchaseOrderStream(accountId, linked.purchaseOrderId);
      const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
      if (!po.created || po.grns.length > 0) continue;
      await this.commands.handle(
        PurchaseOrderAggregate,
        poStream,
        { type: 'CancelPurchaseOrder', reason: `Source order ${orderId} was cancelled` },
        stepOf(context, `cancel-po/${linked.purchaseOrderId}`),
      );
      const vendorOrderId = po.vendorOrderId;
      if (vendorOrderId === undefined) continue;
      const { state: vendorOrder } = await this.commands.load(OrderAggregate, orderStream(linked.vendorAccountId, vendorOrderId));
      if (!vendorOrder.placed || ['CANCELLED', 'HANDED_OVER'].includes(orderStatus(vendorOrder))) continue;
      await this.orders.cancelOrder(linked.vendorAccountId, vendorOrderId, stepOf(context, `cancel-vendor-order/${vendorOrderId}`));
    }
  }
}
