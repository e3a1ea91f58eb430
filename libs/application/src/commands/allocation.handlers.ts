/** Thin handlers of the allocation process manager's steps (services/allocation.steps.ts). */
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AllocationSteps } from '../services/allocation.steps';
import { AllocateFreeStockCommand, LeaveAllocationQueueCommand, QueueOrderForAllocationCommand, RunAssignmentRoundCommand } from './commands';

@CommandHandler(QueueOrderForAllocationCommand)
export class QueueOrderForAllocationHandler implements ICommandHandler<QueueOrderForAllocationCommand> {
  constructor(private readonly steps: AllocationSteps) {}
  execute(c: QueueOrderForAllocationCommand) {
    return this.steps.queueOrder(c.accountId, c.orderId, c.sequence, c.context);
  }
}

@CommandHandler(LeaveAllocationQueueCommand)
export class LeaveAllocationQueueHandler implements ICommandHandler<LeaveAllocationQueueCommand> {
  constructor(private readonly steps: AllocationSteps) {}
  execute(c: LeaveAllocationQueueCommand) {
    return this.steps.leaveQueue(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(AllocateFreeStockCommand)
export class AllocateFreeStockHandler implements ICommandHandler<AllocateFreeStockCommand> {
  constructor(private readonly steps: AllocationSteps) {}
  execute(c: AllocateFreeStockCommand) {
    return this.steps.allocateFreeStock(c.accountId, c.skus, c.context);
  }
}

@CommandHandler(RunAssignmentRoundCommand)
export class RunAssignmentRoundHandler implements ICommandHandler<RunAssignmentRoundCommand> {
  constructor(private readonly steps: AllocationSteps) {}
  execute(c: RunAssignmentRoundCommand) {
    return this.steps.runRound(c.accountId, c.orderId, c.context);
  }
}

export const ALLOCATION_HANDLERS = [QueueOrderForAllocationHandler, LeaveAllocationQueueHandler, AllocateFreeStockHandler, RunAssignmentRoundHandler];
