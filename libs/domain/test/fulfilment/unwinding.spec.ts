import { purchaseOrderEnding, vendorOrderToEnd } from '../../src/fulfilment/unwinding';
import { purchaseOrderDecider } from '../../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../../src/purchase-order/purchase-order.events';
import { DeciderSpecification } from '../decider-spec';
import {
  goodsReceived,
  inventoryAssigned,
  orderCancelled,
  orderClosedShort,
  orderHandedOver,
  orderOf,
  poCancelled,
  poClosed,
  poCreated,
  poOf,
  roundCompleted,
  vendorOrderLinked,
  vendorOrderPlaced,
} from './fixtures';

const LINES = [
  { sku: 'A', quantity: 5 },
  { sku: 'B', quantity: 3 },
];
const vendorOrderEvents = [vendorOrderPlaced(LINES), inventoryAssigned('r1-A', 'A', 5), inventoryAssigned('r1-B', 'B', 3), roundCompleted(1)];

describe('unwinding', () => {
  describe('vendorOrderToEnd', () => {
    it('ends a vendor order that is still open and not handed over in full', () => {
      expect(vendorOrderToEnd(orderOf([vendorOrderPlaced(LINES)]))).toBe(true);
      expect(vendorOrderToEnd(orderOf([vendorOrderPlaced(LINES, { awaitingApproval: true })]))).toBe(true);
      expect(vendorOrderToEnd(orderOf(vendorOrderEvents))).toBe(true);
      expect(vendorOrderToEnd(orderOf([...vendorOrderEvents, orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }])]))).toBe(true);
    });

    it('leaves alone a vendor order that does not exist, ended, or was handed over in full', () => {
      expect(vendorOrderToEnd(undefined)).toBe(false);
      expect(vendorOrderToEnd(orderOf([vendorOrderPlaced(LINES), orderCancelled]))).toBe(false);
      expect(vendorOrderToEnd(orderOf([...vendorOrderEvents, orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }]), orderClosedShort]))).toBe(false);
      expect(vendorOrderToEnd(orderOf([...vendorOrderEvents, orderHandedOver('h-1', LINES)]))).toBe(false);
    });
  });

  describe('purchaseOrderEnding', () => {
    const po = poOf([poCreated(LINES), vendorOrderLinked()]);

    it('cancels a PO with nothing received and nothing handed over', () => {
      expect(purchaseOrderEnding(po, undefined)).toStrictEqual({ keepOpen: [] });
      expect(purchaseOrderEnding(po, orderOf([...vendorOrderEvents, orderCancelled]))).toStrictEqual({ keepOpen: [] });
      expect(purchaseOrderEnding(poOf([poCreated(LINES)]), undefined)).toStrictEqual({ keepOpen: [] });
    });

    it('closes a PO that received something, keeping nothing open when nothing more is on its way', () => {
      const received = poOf([poCreated(LINES), vendorOrderLinked(), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }], { handoverId: 'h-1' })]);
      const vendorOrder = orderOf([...vendorOrderEvents, orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }]), orderClosedShort]);
      expect(purchaseOrderEnding(received, vendorOrder)).toStrictEqual({ keepOpen: [] });
    });

    it('keeps open what the vendor handed over and the PO has not received yet', () => {
      const vendorOrder = orderOf([
        ...vendorOrderEvents,
        orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }]),
        orderHandedOver('h-2', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 3 }]),
        orderClosedShort,
      ]);
      expect(purchaseOrderEnding(po, vendorOrder)).toStrictEqual({ keepOpen: [
          { sku: 'A', quantity: 3 },
          { sku: 'B', quantity: 3 },
        ],
      });
      const h1Received = poOf([poCreated(LINES), vendorOrderLinked(), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }], { handoverId: 'h-1' })]);
      expect(purchaseOrderEnding(h1Received, vendorOrder)).toStrictEqual({ keepOpen: [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 3 },
        ],
      });
    });

    it('does nothing for a PO that does not exist or already ended', () => {
      expect(purchaseOrderEnding(poOf([]), undefined)).toBeUndefined();
      expect(purchaseOrderEnding(poOf([poCreated(LINES), poCancelled]), undefined)).toBeUndefined();
      expect(purchaseOrderEnding(poOf([poCreated(LINES), poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 3 }])]), undefined)).toBeUndefined();
    });

    it('closes the PO so that exactly the goods on their way can still be received', () => {
      const history: PurchaseOrderEvent[] = [poCreated(LINES), vendorOrderLinked(), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }], { handoverId: 'h-1' })];
      const vendorOrder = orderOf([...vendorOrderEvents, orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }]), orderHandedOver('h-2', [{ sku: 'A', quantity: 1 }]), orderClosedShort]);
      const ending = purchaseOrderEnding(poOf(history), vendorOrder);
      if (!ending) throw new Error('expected an ending');
      DeciderSpecification.for(purchaseOrderDecider, PurchaseOrderEvent)(history)
        .when({ type: 'EndPurchaseOrder', reason: 'Source order ended', keepOpen: ending.keepOpen })
        .then([
          {
            type: 'PurchaseOrderClosed',
            data: {
              reason: 'Source order ended',
              lines: [
                { sku: 'A', closedQuantity: 2 },
                { sku: 'B', closedQuantity: 3 },
              ],
            },
          },
        ]);
    });
  });
});
