/**
 * Which webhook notifications an event of the log makes (the one place this rule is written), and
 * the deliveries they make for an account's registrations. Pure: the outbox feeds it each event of
 * an order or PO stream with the stream's state folded just before and just after it, so "became
 * READY" is read from the order's status (orderStatus), never guessed from the event's type.
 *
 *   order.backordered        a line gets a pending reason (PendingReasonRecorded), or a further PO
 *                            is bought for a line already awaiting a vendor (PurchaseOrderLinked)
 *   order.ready              the order's status turns READY
 *   order.eta_changed        OrderLineEtaChanged: a line's eta changed (`change` is the event's data)
 *   purchase_order.created   PurchaseOrderCreated
 *   purchase_order.received  GoodsReceived
 *   purchase_order.closed    the PO's status turns CLOSED or CANCELLED
 */
import { derivedId } from '../shared/deterministic-id';
import { OrderEvent } from '../order/order.events';
import { OrderState, orderLines, orderStatus, pendingReasonsOf, purchaseOrdersOf, recordedReasonOf } from '../order/order.decider';
import { PurchaseOrderEvent } from '../purchase-order/purchase-order.events';
import { expectedAtOf, PurchaseOrderState, purchaseOrderLines, purchaseOrderStatus } from '../purchase-order/purchase-order.decider';
import { ScheduledDelivery } from './delivery.events';
import { WebhookEventType } from './webhook.events';

/** The order event that tells order.eta_changed. */
export const ORDER_LINE_ETA_CHANGED = 'OrderLineEtaChanged';

export type Notification = { readonly type: WebhookEventType; readonly data: Record<string, unknown> };

export type StreamChange =
  | { readonly kind: 'order'; readonly accountId: string; readonly orderId: string; readonly event: OrderEvent; readonly before: OrderState; readonly after: OrderState }
  | {
      readonly kind: 'po';
      readonly accountId: string;
      readonly purchaseOrderId: string;
      readonly event: PurchaseOrderEvent;
      readonly before: PurchaseOrderState;
      readonly after: PurchaseOrderState;
    };

/** What a receiver is told of an order: its status and lines as they stand after the event. */
const orderData = (orderId: string, state: OrderState): Record<string, unknown> => ({
  orderId,
  status: orderStatus(state),
  lines: orderLines(state).map(({ sku, quantity, assigned, pending, handedOver }) => ({ sku, quantity, assigned, pending, handedOver })),
  pendingReasons: pendingReasonsOf(state),
  purchaseOrders: purchaseOrdersOf(state).map(({ purchaseOrderId, vendorAccountId }) => ({ purchaseOrderId, vendorAccountId })),
});

const purchaseOrderData = (purchaseOrderId: string, state: PurchaseOrderState): Record<string, unknown> => ({
  purchaseOrderId,
  status: purchaseOrderStatus(state),
  vendorAccountId: state.created?.vendorAccountId,
  sourceOrderId: state.created?.sourceOrderId,
  ...(expectedAtOf(state) === undefined ? {} : { expectedAt: expectedAtOf(state) }),
  lines: purchaseOrderLines(state).map(({ sku, quantity, receivedQuantity, closedQuantity }) => ({ sku, quantity, receivedQuantity, closedQuantity })),
});

const pendingOn = (state: OrderState, sku: string): number => orderLines(state).find((line) => line.sku === sku)?.pending ?? 0;

const orderNotifications = (change: Extract<StreamChange, { kind: 'order' }>): Notification[] => {
  const { event, before, after, orderId } = change;
  if (before.placed === undefined && event.type !== 'OrderPlaced') return [];
  const notifications: Notification[] = [];
  if (event.type === ORDER_LINE_ETA_CHANGED) {
    notifications.push({ type: 'order.eta_changed', data: { ...orderData(orderId, after), change: event.data } });
  }
  if (event.type === 'PendingReasonRecorded' && after.end === undefined && pendingOn(after, event.data.sku) > 0) {
    const { sku, reason } = event.data;
    notifications.push({ type: 'order.backordered', data: { ...orderData(orderId, after), backordered: [{ sku, reason }] } });
  }
  if (event.type === 'PurchaseOrderLinked' && after.end === undefined) {
    // A line without that reason gets AWAITING_VENDOR in the same append, and is told of then.
    const already = event.data.lines.filter((line) => recordedReasonOf(before, line.sku) === 'AWAITING_VENDOR' && pendingOn(after, line.sku) > 0);
    if (already.length > 0) {
      notifications.push({
        type: 'order.backordered',
        data: { ...orderData(orderId, after), backordered: already.map(({ sku }) => ({ sku, reason: 'AWAITING_VENDOR' })), purchaseOrderId: event.data.purchaseOrderId },
      });
    }
  }
  const was = before.placed === undefined ? undefined : orderStatus(before);
  if (orderStatus(after) === 'READY' && was !== 'READY' && after.end === undefined) {
    notifications.push({ type: 'order.ready', data: orderData(orderId, after) });
  }
  return notifications;
};

const purchaseOrderNotifications = (change: Extract<StreamChange, { kind: 'po' }>): Notification[] => {
  const { event, before, after, purchaseOrderId } = change;
  const notifications: Notification[] = [];
  if (event.type === 'PurchaseOrderCreated' && before.created === undefined) {
    notifications.push({ type: 'purchase_order.created', data: purchaseOrderData(purchaseOrderId, after) });
  }
  if (event.type === 'GoodsReceived' && !before.grns.some((grn) => grn.grnId === event.data.grnId)) {
    const { grnId, lines, receivedAt, locationId, binId } = event.data;
    notifications.push({ type: 'purchase_order.received', data: { ...purchaseOrderData(purchaseOrderId, after), grn: { grnId, lines, receivedAt, locationId, binId } } });
  }
  const ended = (state: PurchaseOrderState) => state.created !== undefined && ['CLOSED', 'CANCELLED'].includes(purchaseOrderStatus(state));
  if (ended(after) && !ended(before)) {
    const reason = event.type === 'PurchaseOrderClosed' || event.type === 'PurchaseOrderCancelled' ? event.data.reason : undefined;
    notifications.push({ type: 'purchase_order.closed', data: { ...purchaseOrderData(purchaseOrderId, after), ...(reason === undefined ? {} : { reason }) } });
  }
  return notifications;
};

/** The notifications one event of an order or PO stream makes, in the order they are told. */
export const notificationsOf = (change: StreamChange): Notification[] =>
  change.kind === 'order' ? orderNotifications(change) : purchaseOrderNotifications(change);

/** A registration as the mapping needs it: the types it receives. */
export type Subscriber = { readonly webhookId: string; readonly events: readonly WebhookEventType[] };

/** One delivery per (webhook, log event, type): the same event seen again gives the same id. */
export const deliveryIdOf = (webhookId: string, sourceEventId: string, type: WebhookEventType): string =>
  derivedId('dlv', webhookId, sourceEventId, type);

/**
 * The deliveries the notifications make for each subscriber that receives their type, by webhook.
 * `source` is the log event (its id, stream and time); `accountId` the account whose stream it is in.
 */
export const deliveriesFor = (
  notifications: readonly Notification[],
  subscribers: readonly Subscriber[],
  source: { readonly eventId: string; readonly streamName: string; readonly occurredAt: string; readonly accountId: string },
): Map<string, ScheduledDelivery[]> => {
  const byWebhook = new Map<string, ScheduledDelivery[]>();
  for (const subscriber of subscribers) {
    const deliveries = notifications
      .filter((notification) => subscriber.events.includes(notification.type))
      .map((notification) => ({
        deliveryId: deliveryIdOf(subscriber.webhookId, source.eventId, notification.type),
        type: notification.type,
        sourceStream: source.streamName,
        sourceEventId: source.eventId,
        occurredAt: source.occurredAt,
        accountId: source.accountId,
        data: notification.data,
      }));
    if (deliveries.length > 0) byWebhook.set(subscriber.webhookId, deliveries);
  }
  return byWebhook;
};
