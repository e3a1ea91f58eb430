/**
 * The fulfilment process manager: the one owner of every step that spans streams (DESIGN.md,
 * "Cross-stream steps have one owner"). It is fed from the log; each event it reacts to maps,
 * purely, to the step it sets off, which its runner executes through the CommandBus
 * (services/fulfilment.service.ts takes the step). Events of one flow (one correlation id: a
 * client's order and everything bought for it, across accounts) are handled one at a time, in log
 * order, so no two steps of a flow ever overlap; different flows go side by side.
 *
 * order stream:  round completed → buy its shortfall (rounds are run by the allocation process
 *                                  manager, allocation.saga.ts, one account at a time)
 *                handed over     → the units leave the bins; a vendor order's becomes a GRN
 *                line changed    → shrink its POs and their vendor orders, free reserved goods (line-change.steps.ts)
 *                inventory released → the units it gave back are free stock in their bins
 *                cancelled, closed short, refused → release its stock, end its POs; a vendor
 *                                  order's PO closes short (closing-short.steps.ts)
 *                delivery promised, line eta changed → a vendor order's PO moves its expectedAt
 *                                  (expected-dates.steps.ts)
 * PO stream:     created         → open the vendor's order
 *                goods received  → inward into the bin, reserved for the source order, ask for a round
 *                close requested → end the vendor order, close the PO
 *                closed short    → the source order sources the rest again
 *                expectedAt moved, goods received, line reduced, closed, cancelled → the source
 *                                  order records what the PO stands at (its lines' etas follow)
 */
import { ICommand } from '@nestjs/cqrs';
import { OrderAggregate, parseRecordedEvent, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { OrderEvent } from '@app/domain/order/order.events';
import { PurchaseOrderEvent } from '@app/domain/purchase-order/purchase-order.events';
import { parseStreamName, STREAM_PREFIXES } from '@app/domain/shared/streams';
import { RecordedEvent } from '@app/event-store';
import {
  BuyShortfallCommand,
  HandOverAtBinsCommand,
  InwardGoodsCommand,
  InwardHandoverCommand,
  OpenVendorOrderCommand,
  UnwindOrderCommand,
  CloseForEndedVendorOrderCommand,
  ClosePurchaseOrderOnRequestCommand,
  SourceAgainCommand,
  CarryOutLineChangeCommand,
  ReleaseAtBinsCommand,
  MoveExpectedAtForVendorOrderCommand,
  RecordPurchaseOrderProgressCommand,
} from '../commands/commands';
import { Saga } from './saga';
import { contextFromEvent } from './saga-context';

export const FULFILMENT = 'fulfilment';

/** The event types it reacts to: no other event is parsed (a broken one stops only who reads it). */
const ORDER_REACTIONS: ReadonlySet<OrderEvent['type']> = new Set([
  'InventoryAssignmentCompleted',
  'OrderHandedOver',
  'OrderCancelled',
  'OrderClosedShort',
  'OrderRefused',
  'OrderLineChanged',
  'InventoryReleased',
  'DeliveryPromised',
  'OrderLineEtaChanged',
]);
const PURCHASE_ORDER_REACTIONS: ReadonlySet<PurchaseOrderEvent['type']> = new Set([
  'PurchaseOrderCreated',
  'GoodsReceived',
  'PurchaseOrderCloseRequested',
  'PurchaseOrderClosed',
  'PurchaseOrderCancelled',
  'PurchaseOrderLineReduced',
  'PurchaseOrderExpectedAtChanged',
]);

const onOrder = (event: OrderEvent, accountId: string, orderId: string, context: (step: string) => ReturnType<typeof contextFromEvent>): ICommand[] => {
  switch (event.type) {
    case 'InventoryAssignmentCompleted':
      return [new BuyShortfallCommand(accountId, orderId, event.data.round, context('buy'))];
    case 'OrderHandedOver':
      return [
        new HandOverAtBinsCommand(accountId, orderId, event.data.handoverId, event.data.bins, context('handover')),
        new InwardHandoverCommand(accountId, orderId, event.data.handoverId, context('grn')),
      ];
    case 'OrderCancelled':
    case 'OrderClosedShort':
      return [
        new UnwindOrderCommand(accountId, orderId, context('unwind')),
        // A vendor order that ended: the seller's PO it was opened for will get no more of it.
        new CloseForEndedVendorOrderCommand(accountId, orderId, context('close-source-po')),
      ];
    case 'OrderRefused':
      return [new UnwindOrderCommand(accountId, orderId, context('unwind'))];
    case 'OrderLineChanged':
      return [new CarryOutLineChangeCommand(accountId, orderId, event.data.change, context(`line-change/${event.data.change}`))];
    case 'InventoryReleased':
      return [new ReleaseAtBinsCommand(accountId, orderId, event.data.releaseId, event.data.sku, event.data.bins, context('release'))];
    case 'DeliveryPromised':
    case 'OrderLineEtaChanged':
      // Only a vendor order has a PO to move; the step finds out from its stream.
      return [new MoveExpectedAtForVendorOrderCommand(accountId, orderId, context('expected-at'))];
    default:
      return [];
  }
};

const react = (recorded: RecordedEvent): ICommand[] => {
  const stream = parseStreamName(recorded.streamName);
  const context = (step: string) => contextFromEvent(FULFILMENT, recorded, step);
  if (stream?.category === 'order' && ORDER_REACTIONS.has(recorded.type as OrderEvent['type'])) {
    return onOrder(parseRecordedEvent(OrderAggregate, recorded), stream.accountId, stream.orderId, context);
  }
  if (stream?.category === 'po' && PURCHASE_ORDER_REACTIONS.has(recorded.type as PurchaseOrderEvent['type'])) {
    const event = parseRecordedEvent(PurchaseOrderAggregate, recorded);
    const { accountId, purchaseOrderId } = stream;
    const progress = () => new RecordPurchaseOrderProgressCommand(accountId, purchaseOrderId, context('po-progress'));
    switch (event.type) {
      case 'PurchaseOrderCreated':
        return [new OpenVendorOrderCommand(accountId, purchaseOrderId, context('vendor-order'))];
      case 'GoodsReceived':
        return [new InwardGoodsCommand(accountId, purchaseOrderId, event.data.grnId, context('inward')), progress()];
      case 'PurchaseOrderCloseRequested':
        return [new ClosePurchaseOrderOnRequestCommand(accountId, purchaseOrderId, context('close'))];
      case 'PurchaseOrderClosed':
        return [...(event.data.closedShort ? [new SourceAgainCommand(accountId, purchaseOrderId, context('source-again'))] : []), progress()];
      case 'PurchaseOrderCancelled':
      case 'PurchaseOrderLineReduced':
      case 'PurchaseOrderExpectedAtChanged':
        return [progress()];
      default:
        return [];
    }
  }
  return [];
};

/** The flow an event belongs to: its correlation id (the originating order's stream). */
const flowOf = (recorded: RecordedEvent): string => {
  const correlationId = recorded.metadata['correlationId'];
  return typeof correlationId === 'string' && correlationId.length > 0 ? correlationId : recorded.streamName;
};

export const fulfilmentSaga: Saga = {
  name: FULFILMENT,
  filter: { streamPrefixes: [STREAM_PREFIXES.order, STREAM_PREFIXES.purchaseOrder] },
  react,
  keyOf: flowOf,
};
