/**
 * The sagas of the backorder flow (SPEC.md steps 2 to 5, and cancellation), each a pure function
 * from an event to the commands it causes, each run as a processor with a checkpoint of its own:
 *
 * - purchasing: an order's assignment round closed with quantity pending → buy the shortfall;
 * - vendor-orders: a purchase order created → open the matching order in the vendor's account;
 * - inwarding: an order handed over (a vendor order, if it has a source PO) → GRN on that PO;
 * - cancellation: an order cancelled → cancel its untouched POs and their vendor orders.
 *
 * Goods received → assigned to the waiting order is the fulfilment saga's (it inwards every GRN).
 */
import { ICommand } from '@nestjs/cqrs';
import { parseStreamName, STREAM_PREFIXES } from '@app/domain/shared/streams';
import { RecordedEvent } from '@app/event-store';
import { OrderEvent } from '@app/domain/order/order.events';
import { OrderAggregate, PurchaseOrderAggregate } from '../aggregates';
import { parseRecordedEvent } from '../command-path/command-path';
import { BuyShortfallCommand, CancelBackordersCommand, InwardHandoverCommand, OpenVendorOrderCommand } from '../commands/commands';
import { Saga } from './saga';
import { contextFromEvent } from './saga-context';

/**
 * A reaction to events of one type of order streams. Events of other types are not parsed: a saga
 * reads only what it reacts to (a broken event stops the processors that use its type, and the
 * read-model projection, which uses every event).
 */
const onOrderEvent =
  <Type extends OrderEvent['type']>(
    type: Type,
    react: (event: Extract<OrderEvent, { type: Type }>, ids: { accountId: string; orderId: string }, recorded: RecordedEvent) => ICommand[],
  ) =>
  (recorded: RecordedEvent): ICommand[] => {
    if (recorded.type !== type) return [];
    const stream = parseStreamName(recorded.streamName);
    if (stream?.category !== 'order') return [];
    // Parsing checks the data against the schema of `recorded.type`, which is `type`.
    return react(parseRecordedEvent(OrderAggregate, recorded) as Extract<OrderEvent, { type: Type }>, stream, recorded);
  };

export const purchasingSaga: Saga = {
  name: 'purchasing',
  filter: { streamPrefixes: [STREAM_PREFIXES.order] },
  react: onOrderEvent('InventoryAssignmentCompleted', (_event, { accountId, orderId }, recorded) => [
    new BuyShortfallCommand(accountId, orderId, contextFromEvent('purchasing', recorded, 'buy')),
  ]),
};

export const vendorOrdersSaga: Saga = {
  name: 'vendor-orders',
  filter: { streamPrefixes: [STREAM_PREFIXES.purchaseOrder] },
  react: (recorded) => {
    if (recorded.type !== 'PurchaseOrderCreated') return [];
    const stream = parseStreamName(recorded.streamName);
    if (stream?.category !== 'po') return [];
    const event = parseRecordedEvent(PurchaseOrderAggregate, recorded);
    return event.type === 'PurchaseOrderCreated'
      ? [new OpenVendorOrderCommand(stream.accountId, stream.purchaseOrderId, contextFromEvent('vendor-orders', recorded, 'open'))]
      : [];
  },
};

export const inwardingSaga: Saga = {
  name: 'inwarding',
  filter: { streamPrefixes: [STREAM_PREFIXES.order] },
  react: onOrderEvent('OrderHandedOver', (event, { accountId, orderId }, recorded) => [
    new InwardHandoverCommand(accountId, orderId, event.data.handoverId, contextFromEvent('inwarding', recorded, 'grn')),
  ]),
};

export const cancellationSaga: Saga = {
  name: 'cancellation',
  filter: { streamPrefixes: [STREAM_PREFIXES.order] },
  react: onOrderEvent('OrderCancelled', (_event, { accountId, orderId }, recorded) => [
    new CancelBackordersCommand(accountId, orderId, contextFromEvent('cancellation', recorded, 'unwind')),
  ]),
};
