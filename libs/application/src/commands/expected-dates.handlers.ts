/** Thin handlers of expected dates: the vendor's promise, and the process manager's steps for it. */
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { OrderAggregate, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { isRefused } from '@app/domain/order/order.decider';
import { expectedAtOf } from '@app/domain/purchase-order/purchase-order.decider';
import { DomainError } from '@app/domain/shared/decider';
import { orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { CommandPath } from '../command-path/command-path';
import { ExpectedDatesSteps } from '../services/expected-dates.steps';
import { FulfilmentProgress } from '../services/fulfilment-progress';
import { MoveExpectedAtForVendorOrderCommand, PromiseAnswer, PromiseDeliveryCommand, RecordPurchaseOrderProgressCommand } from './commands';

/**
 * The promise is the vendor order's; the answer waits until the process manager moved the PO's
 * expectedAt (the seller's order records it in a step after that).
 */
@CommandHandler(PromiseDeliveryCommand)
export class PromiseDeliveryHandler implements ICommandHandler<PromiseDeliveryCommand> {
  constructor(
    private readonly commands: CommandPath,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: PromiseDeliveryCommand): Promise<PromiseAnswer> {
    const stream = orderStream(c.accountId, c.orderId);
    const handled = await this.commands.handle(OrderAggregate, stream, { type: 'PromiseDelivery', promisedAt: c.promisedAt }, c.context);
    // Also when nothing was written: a repeat after a crash finds the PO perhaps not moved yet.
    if (handled.position !== undefined) await this.progress.awaitSteps(stream, handled.position, c.context);
    const { state: order } = await this.commands.load(OrderAggregate, stream, { context: c.context });
    const source = order.placed?.source;
    if (!source || isRefused(order)) throw new DomainError('not_found', 'ORDER_NOT_FOUND', `Order ${c.orderId} does not exist`);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(source.sellerAccountId, source.purchaseOrderId), { context: c.context });
    const expectedAt = expectedAtOf(po);
    return {
      orderId: c.orderId,
      promisedAt: order.promisedAt ?? c.promisedAt,
      source: { purchaseOrderId: source.purchaseOrderId, sellerAccountId: source.sellerAccountId },
      ...(expectedAt === undefined ? {} : { expectedAt }),
    };
  }
}

@CommandHandler(MoveExpectedAtForVendorOrderCommand)
export class MoveExpectedAtForVendorOrderHandler implements ICommandHandler<MoveExpectedAtForVendorOrderCommand> {
  constructor(private readonly steps: ExpectedDatesSteps) {}
  execute(c: MoveExpectedAtForVendorOrderCommand) {
    return this.steps.moveForVendorOrder(c.vendorAccountId, c.vendorOrderId, c.context);
  }
}

@CommandHandler(RecordPurchaseOrderProgressCommand)
export class RecordPurchaseOrderProgressHandler implements ICommandHandler<RecordPurchaseOrderProgressCommand> {
  constructor(private readonly steps: ExpectedDatesSteps) {}
  execute(c: RecordPurchaseOrderProgressCommand) {
    return this.steps.recordOnSourceOrder(c.sellerAccountId, c.purchaseOrderId, c.context);
  }
}

export const EXPECTED_DATES_HANDLERS = [PromiseDeliveryHandler, MoveExpectedAtForVendorOrderHandler, RecordPurchaseOrderProgressHandler];
