/** Thin handlers of a line change: the request on the order, and the process manager's steps for it. */
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { OrderAggregate } from '@app/domain/aggregates';
import { orderStream } from '@app/domain/shared/streams';
import { CommandPath } from '../command-path/command-path';
import { FulfilmentProgress } from '../services/fulfilment-progress';
import { LineChangeSteps } from '../services/line-change.steps';
import { OrdersService } from '../services/orders.service';
import { CarryOutLineChangeCommand, ChangeOrderLineCommand, ReleaseAtBinsCommand } from './commands';

/**
 * The change is the order's; the answer waits until the process manager carried it (POs shrunk,
 * stock released, or the increase's round run) and is the order as it stands then.
 */
@CommandHandler(ChangeOrderLineCommand)
export class ChangeOrderLineHandler implements ICommandHandler<ChangeOrderLineCommand> {
  constructor(
    private readonly commands: CommandPath,
    private readonly orders: OrdersService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: ChangeOrderLineCommand) {
    const stream = orderStream(c.accountId, c.orderId);
    const handled = await this.commands.handle(OrderAggregate, stream, { type: 'ChangeOrderLine', sku: c.sku, quantity: c.quantity }, c.context);
    // Also when nothing was written: a repeat after a crash finds its change perhaps still under way.
    // An increase opens a round (the allocation's): the answer covers it.
    if (handled.position !== undefined) await this.progress.awaitSteps(stream, handled.position, c.context, { andAllocation: true });
    return this.orders.current(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(CarryOutLineChangeCommand)
export class CarryOutLineChangeHandler implements ICommandHandler<CarryOutLineChangeCommand> {
  constructor(private readonly steps: LineChangeSteps) {}
  execute(c: CarryOutLineChangeCommand) {
    return this.steps.carryOut(c.accountId, c.orderId, c.change, c.context);
  }
}

@CommandHandler(ReleaseAtBinsCommand)
export class ReleaseAtBinsHandler implements ICommandHandler<ReleaseAtBinsCommand> {
  constructor(private readonly steps: LineChangeSteps) {}
  execute(c: ReleaseAtBinsCommand) {
    return this.steps.releaseAtBins(c.accountId, c.orderId, c.releaseId, c.sku, c.bins, c.context);
  }
}

export const LINE_CHANGE_HANDLERS = [ChangeOrderLineHandler, CarryOutLineChangeHandler, ReleaseAtBinsHandler];
