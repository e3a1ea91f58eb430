/**
 * The fulfilment process manager's steps for closing short and sourcing again (SPEC.md, wave 2),
 * taken by that one owner only (sagas/fulfilment.saga.ts), with the rules in
 * libs/domain/src/fulfilment/closing.ts. Each step is recognised when taken again: a closed PO
 * closes nothing more, and a source order records a PO closed short once.
 *
 * - a vendor order ended (closed short or cancelled in the vendor's account): its PO closes what
 *   will not come, keeping open what was handed over;
 * - the seller asked to close a PO: its vendor order ends first (so no handover slips in between),
 *   then the PO closes the same way;
 * - a PO closed short: the source order records what will not come from that vendor, and a new
 *   round sources it again (bins, then the SKU's next vendor).
 */
import { OrderAggregate, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { closedForSourceOrder, closingForEndedVendorOrder } from '@app/domain/fulfilment/closing';
import { purchaseOrderEnding, vendorOrderToEnd } from '@app/domain/fulfilment/unwinding';
import { isRefused } from '@app/domain/order/order.decider';
import { purchaseOrderEnded } from '@app/domain/purchase-order/purchase-order.decider';
import { orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { crashPoint } from '@app/event-store';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';

export class ClosingShortSteps {
  constructor(private readonly commands: CommandPath) {}

  /** A vendor order that ended: the seller's PO it was opened for closes short. */
  async closeForEndedVendorOrder(vendorAccountId: string, vendorOrderId: string, context: CommandContext): Promise<void> {
    const { state: vendorOrder } = await this.commands.load(OrderAggregate, orderStream(vendorAccountId, vendorOrderId));
    const source = vendorOrder.placed?.source;
    if (!source) return;
    const poStream = purchaseOrderStream(source.sellerAccountId, source.purchaseOrderId);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
    const closing = closingForEndedVendorOrder(vendorOrder, po);
    if (!closing) return;
    await this.commands.handle(
      PurchaseOrderAggregate,
      poStream,
      { type: 'ClosePurchaseOrder', reason: closing.reason, keepOpen: closing.keepOpen, closedShort: true },
      stepOf(context, 'close-po'),
    );
  }

  /** The seller's close request: the vendor order ends, then the PO closes keeping open what was handed over. */
  async closeOnRequest(sellerAccountId: string, purchaseOrderId: string, context: CommandContext): Promise<void> {
    const poStream = purchaseOrderStream(sellerAccountId, purchaseOrderId);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
    if (!po.created || po.closeRequested === undefined || purchaseOrderEnded(po)) return;
    const reason = po.closeRequested;
    const vendorStream = po.vendorOrderId === undefined ? undefined : orderStream(po.created.vendorAccountId, po.vendorOrderId);
    let vendorOrder = vendorStream ? (await this.commands.load(OrderAggregate, vendorStream)).state : undefined;
    if (vendorStream && vendorOrderToEnd(vendorOrder)) {
      vendorOrder = (
        await this.commands.handle(
          OrderAggregate,
          vendorStream,
          { type: 'EndOrder', reason: `Purchase order ${purchaseOrderId} was closed by ${sellerAccountId}: ${reason}` },
          stepOf(context, 'end-vendor-order'),
        )
      ).state;
    }
    crashPoint('po:close-vendor-order-ended');
    // Read again: a GRN may have landed since; the PO decides on its state as it stands.
    const { state: now } = await this.commands.load(PurchaseOrderAggregate, poStream);
    const ending = purchaseOrderEnding(now, vendorOrder);
    if (!ending) return;
    await this.commands.handle(
      PurchaseOrderAggregate,
      poStream,
      { type: 'ClosePurchaseOrder', reason, keepOpen: ending.keepOpen, closedShort: true },
      stepOf(context, 'close'),
    );
  }

  /** A PO closed short: its source order records what will not come from that vendor and sources it again. */
  async sourceAgain(sellerAccountId: string, purchaseOrderId: string, context: CommandContext): Promise<void> {
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(sellerAccountId, purchaseOrderId));
    if (!po.created || po.closure === undefined) return;
    const lines = closedForSourceOrder(po);
    if (lines.length === 0) return;
    const sourceStream = orderStream(sellerAccountId, po.created.sourceOrderId);
    const { state: order } = await this.commands.load(OrderAggregate, sourceStream);
    if (!order.placed || isRefused(order)) return;
    await this.commands.handle(
      OrderAggregate,
      sourceStream,
      { type: 'RecordVendorClosedShort', purchaseOrderId, vendorAccountId: po.created.vendorAccountId, lines },
      stepOf(context, 'source-again'),
    );
  }
}
