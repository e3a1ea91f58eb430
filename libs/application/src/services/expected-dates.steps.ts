/**
 * The fulfilment process manager's steps for expected dates (docs/product.md, "Expected dates"),
 * called from sagas/fulfilment.saga.ts, with the rules in libs/domain/src/fulfilment/expected-dates.ts:
 *
 * - a vendor order's promise, or a change of its own eta: the PO it fulfils moves its expectedAt;
 * - a PO's expectedAt moved, or it stopped bringing a SKU (received in full, reduced, closed,
 *   cancelled): its source order records it, and its lines' etas follow in the same append.
 *
 * Each step computes its command from the streams as they stand, and the aggregates write nothing
 * when they already stand there, so a step taken again changes nothing. Down a chain the two steps
 * alternate: a vendor's PO moves, its source order (the middle vendor's order) records it, its eta
 * changes, so the PO that order fulfils moves, and so on up to the first seller.
 */
import { OrderAggregate, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { expectedAtForVendorOrder, purchaseOrderProgressOf } from '@app/domain/fulfilment/expected-dates';
import { isRefused } from '@app/domain/order/order.decider';
import { orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';

export class ExpectedDatesSteps {
  constructor(private readonly commands: CommandPath) {}

  /** The PO a vendor order fulfils is expected when the vendor promised, or when the vendor's own supply allows. */
  async moveForVendorOrder(vendorAccountId: string, vendorOrderId: string, context: CommandContext): Promise<void> {
    const { state: vendorOrder } = await this.commands.load(OrderAggregate, orderStream(vendorAccountId, vendorOrderId));
    const source = vendorOrder.placed?.source;
    if (!source) return;
    const poStream = purchaseOrderStream(source.sellerAccountId, source.purchaseOrderId);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
    const move = expectedAtForVendorOrder(vendorOrder, po);
    if (!move) return;
    await this.commands.handle(PurchaseOrderAggregate, poStream, { type: 'MoveExpectedAt', expectedAt: move.expectedAt, cause: move.cause }, stepOf(context, 'move-expected-at'));
  }

  /** The source order records what its PO stands at now (expectedAt, the SKUs it still brings). */
  async recordOnSourceOrder(sellerAccountId: string, purchaseOrderId: string, context: CommandContext): Promise<void> {
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(sellerAccountId, purchaseOrderId));
    if (!po.created) return;
    const sourceStream = orderStream(sellerAccountId, po.created.sourceOrderId);
    const { state: order } = await this.commands.load(OrderAggregate, sourceStream);
    if (!order.placed || isRefused(order)) return;
    const progress = purchaseOrderProgressOf(po);
    await this.commands.handle(
      OrderAggregate,
      sourceStream,
      { type: 'RecordPurchaseOrderProgress', purchaseOrderId, ...(progress.expectedAt === undefined ? {} : { expectedAt: progress.expectedAt }), openSkus: progress.openSkus },
      stepOf(context, `po-progress/${purchaseOrderId}`),
    );
  }
}
