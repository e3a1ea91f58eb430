import { fold } from '../../src/shared/decider';
import { orderDecider } from '../../src/order/order.decider';
import { OrderEvent } from '../../src/order/order.events';
import { purchaseOrderDecider } from '../../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../../src/purchase-order/purchase-order.events';
import { deliveriesFor, deliveryIdOf, Notification, notificationsOf, ORDER_LINE_ETA_CHANGED } from '../../src/webhook/webhook-mapping';

const placed = (awaitingApproval = false): OrderEvent => ({
  type: 'OrderPlaced',
  data: { orderId: 'o1', accountId: 'S', lines: [{ sku: 'SKU-1', quantity: 3 }], requestHash: 'h', awaitingApproval },
});
const assigned = (quantity: number, n = 1): OrderEvent => ({
  type: 'InventoryAssigned',
  data: { assignmentId: `a${n}`, sku: 'SKU-1', locationId: 'main', binId: 'default', quantity, source: 'stock' },
});
const completed = (round = 1): OrderEvent => ({ type: 'InventoryAssignmentCompleted', data: { round } });
const linked = (purchaseOrderId: string, round = 1): OrderEvent => ({
  type: 'PurchaseOrderLinked',
  data: { purchaseOrderId, vendorAccountId: 'V', accountId: 'S', lines: [{ sku: 'SKU-1', quantity: 2 }], round },
});
const reason = (value: 'AWAITING_VENDOR' | 'SKU_NOT_MAPPED'): OrderEvent => ({ type: 'PendingReasonRecorded', data: { sku: 'SKU-1', reason: value } });

/** What `event` notifies, after `history`. */
const onOrder = (history: OrderEvent[], event: OrderEvent): Notification[] => {
  const before = fold(orderDecider, history);
  return notificationsOf({ kind: 'order', accountId: 'S', orderId: 'o1', event, before, after: orderDecider.evolve(before, event) });
};
const types = (notifications: Notification[]) => notifications.map((n) => n.type);

const created: PurchaseOrderEvent = {
  type: 'PurchaseOrderCreated',
  data: { purchaseOrderId: 'po1', sellerAccountId: 'S', vendorAccountId: 'V', sourceOrderId: 'o1', lines: [{ sku: 'SKU-1', quantity: 2 }] },
};
const received = (grnId: string, quantity: number): PurchaseOrderEvent => ({
  type: 'GoodsReceived',
  data: { grnId, lines: [{ sku: 'SKU-1', quantity }], locationId: 'main', binId: 'default', receivedAt: '2024-05-01T10:00:00.000Z' },
});
const onPurchaseOrder = (history: PurchaseOrderEvent[], event: PurchaseOrderEvent): Notification[] => {
  const before = fold(purchaseOrderDecider, history);
  return notificationsOf({ kind: 'po', accountId: 'S', purchaseOrderId: 'po1', event, before, after: purchaseOrderDecider.evolve(before, event) });
};

describe('which webhook notifications an event makes', () => {
  describe('orders', () => {
    it('tells order.ready when the status turns READY, read from the folded state, once', () => {
      expect(onOrder([], placed())).toEqual([]);
      expect(onOrder([placed()], assigned(2))).toEqual([]);
      const ready = onOrder([placed(), assigned(2)], assigned(1, 2));
      expect(types(ready)).toEqual(['order.ready']);
      expect(ready[0]!.data).toMatchObject({ orderId: 'o1', status: 'READY', lines: [{ sku: 'SKU-1', quantity: 3, assigned: 3, pending: 0, handedOver: 0 }] });
      // The round's close (the same append) tells nothing more.
      expect(onOrder([placed(), assigned(2), assigned(1, 2)], completed())).toEqual([]);
    });

    it('does not tell order.ready of an order waiting for approval, nor of one handed over', () => {
      expect(onOrder([placed(true)], assigned(3))).toEqual([]);
      const handedOver: OrderEvent = {
        type: 'OrderHandedOver',
        data: { handoverId: 'h1', lines: [{ sku: 'SKU-1', quantity: 3 }], bins: [{ sku: 'SKU-1', locationId: 'main', binId: 'default', quantity: 3 }] },
      };
      expect(onOrder([placed(), assigned(3), completed()], handedOver)).toEqual([]);
    });

    it('tells order.backordered when a pending line gets a reason', () => {
      const history = [placed(), assigned(1), completed(), linked('po1')];
      const told = onOrder(history, reason('AWAITING_VENDOR'));
      expect(types(told)).toEqual(['order.backordered']);
      expect(told[0]!.data).toMatchObject({ orderId: 'o1', status: 'PENDING_INVENTORY', backordered: [{ sku: 'SKU-1', reason: 'AWAITING_VENDOR' }], purchaseOrders: [{ purchaseOrderId: 'po1', vendorAccountId: 'V' }] });
      expect(types(onOrder([placed(), assigned(1), completed()], reason('SKU_NOT_MAPPED')))).toEqual(['order.backordered']);
    });

    it('tells order.backordered once per purchase decision: the PO first is told by the reason that follows it', () => {
      expect(onOrder([placed(), assigned(1), completed()], linked('po1'))).toEqual([]);
      // A further PO for a line already awaiting a vendor: no reason event follows, the PO tells it.
      const again = onOrder([placed(), assigned(1), completed(), linked('po1'), reason('AWAITING_VENDOR'), { type: 'InventoryAssignmentRequested', data: {} }, completed(2)], linked('po2', 2));
      expect(types(again)).toEqual(['order.backordered']);
      expect(again[0]!.data).toMatchObject({ purchaseOrderId: 'po2', backordered: [{ sku: 'SKU-1', reason: 'AWAITING_VENDOR' }] });
    });

    it(`tells order.eta_changed of ${ORDER_LINE_ETA_CHANGED}, with the change`, () => {
      const etaChanged: OrderEvent = { type: ORDER_LINE_ETA_CHANGED, data: { sku: 'SKU-1', eta: '2024-06-01T00:00:00.000Z', previous: null, late: false } };
      const told = onOrder([placed(), assigned(1), completed(), { ...linked('po1'), data: { ...(linked('po1').data as object), expectedAt: '2024-06-01T00:00:00.000Z' } } as OrderEvent], etaChanged);
      expect(types(told)).toEqual(['order.eta_changed']);
      expect(told[0]!.data).toMatchObject({ orderId: 'o1', change: { sku: 'SKU-1', eta: '2024-06-01T00:00:00.000Z', previous: null, late: false } });
    });
  });

  describe('purchase orders', () => {
    it('tells purchase_order.created when the PO is created', () => {
      const told = onPurchaseOrder([], created);
      expect(types(told)).toEqual(['purchase_order.created']);
      expect(told[0]!.data).toMatchObject({ purchaseOrderId: 'po1', status: 'APPROVED', vendorAccountId: 'V', sourceOrderId: 'o1' });
    });

    it('tells purchase_order.received of each GRN, once', () => {
      const told = onPurchaseOrder([created], received('g1', 1));
      expect(types(told)).toEqual(['purchase_order.received']);
      expect(told[0]!.data).toMatchObject({ status: 'PARTIALLY_RECEIVED', grn: { grnId: 'g1', lines: [{ sku: 'SKU-1', quantity: 1 }] } });
      expect(onPurchaseOrder([created, received('g1', 1)], received('g1', 1))).toEqual([]);
    });

    it('tells purchase_order.closed when it is closed or cancelled, not of the close request', () => {
      expect(onPurchaseOrder([created], { type: 'PurchaseOrderCloseRequested', data: { reason: 'no' } })).toEqual([]);
      const closed = onPurchaseOrder([created, received('g1', 1)], { type: 'PurchaseOrderClosed', data: { reason: 'Vendor cannot deliver', lines: [{ sku: 'SKU-1', closedQuantity: 1 }] } });
      expect(types(closed)).toEqual(['purchase_order.closed']);
      expect(closed[0]!.data).toMatchObject({ status: 'CLOSED', reason: 'Vendor cannot deliver' });
      const cancelled = onPurchaseOrder([created], { type: 'PurchaseOrderCancelled', data: { reason: 'Source order cancelled' } });
      expect(cancelled[0]).toMatchObject({ type: 'purchase_order.closed', data: { status: 'CANCELLED' } });
    });
  });

  describe('deliveries', () => {
    const notifications: Notification[] = [
      { type: 'order.backordered', data: { orderId: 'o1' } },
      { type: 'order.ready', data: { orderId: 'o1' } },
    ];
    const source = { eventId: 'e-1', streamName: 'order-S.o1', occurredAt: '2024-05-01T10:00:00.000Z', accountId: 'S' };

    it('makes one delivery per subscriber that receives the type, with an id derived from webhook, event and type', () => {
      const byWebhook = deliveriesFor(notifications, [{ webhookId: 'w1', events: ['order.ready'] }, { webhookId: 'w2', events: ['order.ready', 'order.backordered'] }, { webhookId: 'w3', events: ['purchase_order.created'] }], source);
      expect([...byWebhook.keys()]).toEqual(['w1', 'w2']);
      expect(byWebhook.get('w1')).toEqual([{ deliveryId: deliveryIdOf('w1', 'e-1', 'order.ready'), type: 'order.ready', sourceStream: 'order-S.o1', sourceEventId: 'e-1', occurredAt: source.occurredAt, accountId: 'S', data: { orderId: 'o1' } }]);
      expect(byWebhook.get('w2')!.map((d) => d.type)).toEqual(['order.backordered', 'order.ready']);
      const ids = [...byWebhook.values()].flat().map((d) => d.deliveryId);
      expect(new Set(ids).size).toBe(ids.length);
      // The same event seen again: the same ids.
      expect(deliveriesFor(notifications, [{ webhookId: 'w1', events: ['order.ready'] }], source).get('w1')![0]!.deliveryId).toBe(ids[0]);
    });
  });
});
