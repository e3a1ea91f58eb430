/**
 * Finishes what a command began on one stream and carries it on to others: an assignment round the
 * order opened, a handover or cancellation the order decided, goods a PO received. The command
 * handlers take these steps at once; this saga takes them again from the log, so a crash between
 * two appends is finished after a restart. Every step is recognised when it was already done.
 */
import { ICommand } from '@nestjs/cqrs';
import { parseStreamName, STREAM_PREFIXES } from '@app/domain/shared/streams';
import { RecordedEvent } from '@app/event-store';
import { OrderAggregate, PurchaseOrderAggregate } from '../aggregates';
import { parseRecordedEvent } from '../command-path/command-path';
import { HandOverAtBinsCommand, InwardGoodsCommand, ReleaseAtBinsCommand, RunAssignmentRoundCommand } from '../commands/commands';
import { contextFromEvent } from './saga-context';
import { Saga } from './saga';

export const FULFILMENT_SAGA = 'fulfilment';

const react = (recorded: RecordedEvent): ICommand[] => {
  const stream = parseStreamName(recorded.streamName);
  const context = (step: string) => contextFromEvent(FULFILMENT_SAGA, recorded, step);
  if (stream?.category === 'order') {
    const event = parseRecordedEvent(OrderAggregate, recorded);
    switch (event.type) {
      case 'OrderPlaced':
      case 'OrderApproved':
      case 'InventoryAssignmentRequested':
        return [new RunAssignmentRoundCommand(stream.accountId, stream.orderId, context('round'))];
      case 'OrderHandedOver':
        return [
          new HandOverAtBinsCommand(stream.accountId, stream.orderId, event.data.handoverId, event.data.bins, context('handover')),
        ];
      case 'OrderCancelled':
        return [new ReleaseAtBinsCommand(stream.accountId, stream.orderId, context('release'))];
      default:
        return [];
    }
  }
  if (stream?.category === 'po') {
    const event = parseRecordedEvent(PurchaseOrderAggregate, recorded);
    if (event.type === 'GoodsReceived') {
      return [new InwardGoodsCommand(stream.accountId, stream.purchaseOrderId, event.data, context('inward'))];
    }
  }
  return [];
};

export const fulfilmentSaga: Saga = {
  name: FULFILMENT_SAGA,
  filter: { streamPrefixes: [STREAM_PREFIXES.order, STREAM_PREFIXES.purchaseOrder] },
  react,
};
