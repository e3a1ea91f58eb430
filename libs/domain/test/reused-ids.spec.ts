/**
 * A body id a client gives (adjustmentId, handoverId, grnId) names one request: the same request
 * again writes nothing; another request under the same id is refused (409), as orders already are.
 */
import { binDecider } from '../src/bin/bin.decider';
import { BinEvent } from '../src/bin/bin.events';
import { orderDecider } from '../src/order/order.decider';
import { OrderEvent } from '../src/order/order.events';
import { purchaseOrderDecider } from '../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../src/purchase-order/purchase-order.events';
import { DeciderSpecification } from './decider-spec';

describe('reused body ids', () => {
  describe('adjustmentId (bin)', () => {
    const given = DeciderSpecification.for(binDecider, BinEvent);
    const adjusted: BinEvent = { type: 'StockAdjusted', data: { adjustmentId: 'adj-1', sku: 'A', quantity: 5, reason: 'count' } };
    const adjust = (sku: string, quantity: number, reason?: string) =>
      ({ type: 'AdjustStock', adjustmentId: 'adj-1', sku, quantity, ...(reason === undefined ? {} : { reason }) }) as const;

    it('writes nothing for the same adjustment again', () => {
      given([adjusted]).when(adjust('A', 5, 'count')).thenNothingHappened();
    });

    it('refuses another adjustment under the same id: other quantity, SKU or reason', () => {
      given([adjusted]).when(adjust('A', 6, 'count')).thenThrows({ kind: 'conflict', code: 'ADJUSTMENT_EXISTS', field: 'adjustmentId' });
      given([adjusted]).when(adjust('B', 5, 'count')).thenThrows({ kind: 'conflict', code: 'ADJUSTMENT_EXISTS', field: 'adjustmentId' });
      given([adjusted]).when(adjust('A', 5)).thenThrows({ kind: 'conflict', code: 'ADJUSTMENT_EXISTS', field: 'adjustmentId' });
      given([adjusted]).when(adjust('A', 5, '')).thenThrows({ kind: 'conflict', code: 'ADJUSTMENT_EXISTS', field: 'adjustmentId' });
    });
  });

  describe('handoverId (order)', () => {
    const given = DeciderSpecification.for(orderDecider, OrderEvent);
    const inBin = (sku: string, quantity: number) => ({ sku, locationId: 'main', binId: 'default', quantity });
    const ready: OrderEvent[] = [
      {
        type: 'OrderPlaced',
        data: {
          orderId: 'o-1',
          accountId: 'S',
          lines: [
            { sku: 'A', quantity: 5 },
            { sku: 'B', quantity: 3 },
          ],
          requestHash: 'h',
          awaitingApproval: false,
        },
      },
      { type: 'InventoryAssigned', data: { assignmentId: 'r1-A', sku: 'A', locationId: 'main', binId: 'default', quantity: 5, source: 'stock' } },
      { type: 'InventoryAssigned', data: { assignmentId: 'r1-B', sku: 'B', locationId: 'main', binId: 'default', quantity: 3, source: 'stock' } },
      { type: 'InventoryAssignmentCompleted', data: { round: 1 } },
    ];
    const handedOver: OrderEvent = { type: 'OrderHandedOver', data: { handoverId: 'h-1', lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }], bins: [inBin('A', 2), inBin('B', 1)] } };
    const handOver = (lines?: { sku: string; quantity: number }[]) => ({ type: 'HandOverOrder', handoverId: 'h-1', ...(lines ? { lines } : {}) }) as const;

    it('writes nothing for the same handover again, its lines in any order', () => {
      given([...ready, handedOver]).when(handOver([{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 2 }])).thenNothingHappened();
    });

    it('takes a handover without lines under a used id as a retry (it asks for whatever was assigned)', () => {
      given([...ready, handedOver]).when(handOver()).thenNothingHappened();
    });

    it('refuses other lines under the same id', () => {
      given([...ready, handedOver]).when(handOver([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }])).thenThrows({ kind: 'conflict', code: 'HANDOVER_EXISTS', field: 'handoverId' });
      given([...ready, handedOver]).when(handOver([{ sku: 'A', quantity: 2 }])).thenThrows({ kind: 'conflict', code: 'HANDOVER_EXISTS', field: 'handoverId' });
    });
  });

  describe('grnId (purchase order)', () => {
    const given = DeciderSpecification.for(purchaseOrderDecider, PurchaseOrderEvent);
    const created: PurchaseOrderEvent = {
      type: 'PurchaseOrderCreated',
      data: { purchaseOrderId: 'po-1', sellerAccountId: 'S', vendorAccountId: 'V', sourceOrderId: 'o-1', lines: [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 5 }] },
    };
    const received: PurchaseOrderEvent = {
      type: 'GoodsReceived',
      data: { grnId: 'g-1', lines: [{ sku: 'A', quantity: 2 }], locationId: 'main', binId: 'default', receivedAt: '2024-05-01T10:00:00.000Z' },
    };
    const receive = (lines: { sku: string; quantity: number }[], upToOpen = false) =>
      ({ type: 'ReceiveGoods', grnId: 'g-1', lines, locationId: 'main', binId: 'default', receivedAt: '2024-05-02T10:00:00.000Z', ...(upToOpen ? { upToOpen } : {}) }) as const;

    it('writes nothing for the same manual GRN again, whenever it comes', () => {
      given([created, received]).when(receive([{ sku: 'A', quantity: 2 }])).thenNothingHappened();
    });

    it('refuses a manual GRN with other lines under the same id', () => {
      given([created, received]).when(receive([{ sku: 'A', quantity: 3 }])).thenThrows({ kind: 'conflict', code: 'GRN_EXISTS', field: 'grnId' });
      given([created, received]).when(receive([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }])).thenThrows({ kind: 'conflict', code: 'GRN_EXISTS', field: 'grnId' });
    });

    it('recognises an automatic GRN (up to the open quantity) by its id alone: it may have received less than it was sent', () => {
      given([created, received]).when(receive([{ sku: 'A', quantity: 9 }], true)).thenNothingHappened();
    });
  });
});
