/**
 * The allocation process manager: the one taker of free stock (SPEC "Allocation of free stock").
 * Events of one account are handled one at a time, in log order: every assignment round of the
 * account's orders and every share of its free stock is decided by this one writer, so the same
 * events give the same allocation whatever the interleaving of requests. Accounts go side by side.
 * Its steps are services/allocation.steps.ts; the rule is libs/domain/src/allocation.
 *
 * order stream:  placed          → the order joins the queue; its round (unless it awaits approval)
 *                approved, assignment requested → its round
 *                cancelled, closed short, refused → it leaves the queue
 *                pending reason recorded (no vendor, refused, closed short) → the free stock of
 *                                  its SKUs goes by the rule (the order now waits on no one else)
 *                                  (a round's step: it wakes a resting order, runs an open round)
 * bin stream:    stock adjusted up, released, inwarded beyond its order's need (main location)
 *                                → the SKU's free stock goes by the rule
 */
import { ICommand } from '@nestjs/cqrs';
import { BinAggregate, OrderAggregate, parseRecordedEvent } from '@app/domain/aggregates';
import { sequenceOf } from '@app/domain/allocation/allocation-rule';
import { BinEvent } from '@app/domain/bin/bin.events';
import { OrderEvent } from '@app/domain/order/order.events';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { parseStreamName, STREAM_PREFIXES } from '@app/domain/shared/streams';
import { RecordedEvent } from '@app/event-store';
import { AllocateFreeStockCommand, LeaveAllocationQueueCommand, QueueOrderForAllocationCommand, RunAssignmentRoundCommand } from '../commands/commands';
import { Saga } from './saga';
import { contextFromEvent } from './saga-context';

export const ALLOCATION = 'allocation';

const ORDER_REACTIONS: ReadonlySet<OrderEvent['type']> = new Set([
  'OrderPlaced',
  'OrderApproved',
  'InventoryAssignmentRequested',
  'OrderCancelled',
  'OrderClosedShort',
  'OrderRefused',
  'PendingReasonRecorded',
]);
const BIN_REACTIONS: ReadonlySet<BinEvent['type']> = new Set(['StockAdjusted', 'StockReleased', 'GoodsInwarded']);

const onOrder = (event: OrderEvent, accountId: string, orderId: string, recorded: RecordedEvent): ICommand[] => {
  const context = (step: string) => contextFromEvent(ALLOCATION, recorded, step);
  switch (event.type) {
    case 'OrderPlaced':
      return [
        new QueueOrderForAllocationCommand(accountId, orderId, sequenceOf(recorded.position), context('queue')),
        ...(event.data.awaitingApproval ? [] : [new RunAssignmentRoundCommand(accountId, orderId, context('round'))]),
      ];
    case 'OrderApproved':
      return [new RunAssignmentRoundCommand(accountId, orderId, context('round'))];
    case 'InventoryAssignmentRequested':
      // A round opened for a share of free stock was run by the step that opened it.
      return event.data.allocationId === undefined ? [new RunAssignmentRoundCommand(accountId, orderId, context('round'))] : [];
    case 'OrderCancelled':
    case 'OrderClosedShort':
    case 'OrderRefused':
      return [new LeaveAllocationQueueCommand(accountId, orderId, context('leave'))];
    case 'PendingReasonRecorded':
      // It waits on no vendor now: the free stock of its SKUs goes by the rule (no round opens).
      return [new RunAssignmentRoundCommand(accountId, orderId, context('round'))];
    default:
      return [];
  }
};

/** Whether the bin event left free stock behind it. */
const freesStock = (event: BinEvent): boolean => {
  switch (event.type) {
    case 'StockAdjusted':
      return event.data.quantity > 0;
    case 'StockReleased':
      return event.data.assigned + event.data.reserved > 0;
    case 'GoodsInwarded':
      return event.data.quantity > (event.data.reservedForOrderId === undefined ? 0 : (event.data.reservedQuantity ?? event.data.quantity));
    default:
      return false;
  }
};

const react = (recorded: RecordedEvent): ICommand[] => {
  const stream = parseStreamName(recorded.streamName);
  if (stream?.category === 'order' && ORDER_REACTIONS.has(recorded.type as OrderEvent['type'])) {
    return onOrder(parseRecordedEvent(OrderAggregate, recorded), stream.accountId, stream.orderId, recorded);
  }
  if (stream?.category === 'bin' && stream.locationId === MAIN_LOCATION_ID && BIN_REACTIONS.has(recorded.type as BinEvent['type'])) {
    const event = parseRecordedEvent(BinAggregate, recorded);
    if (!freesStock(event)) return [];
    return [new AllocateFreeStockCommand(stream.accountId, [event.data.sku], contextFromEvent(ALLOCATION, recorded, 'allocate'))];
  }
  return [];
};

/** Events of one account are handled in log order, one at a time. */
const accountOf = (recorded: RecordedEvent): string => {
  const stream = parseStreamName(recorded.streamName);
  return stream === undefined ? recorded.streamName : stream.accountId;
};

export const allocationSaga: Saga = {
  name: ALLOCATION,
  filter: { streamPrefixes: [STREAM_PREFIXES.order, STREAM_PREFIXES.bin] },
  react,
  keyOf: accountOf,
};
