import { grnIdFor } from '../../src/fulfilment/ids';
import { grnInward, handoverInwarding } from '../../src/fulfilment/inwarding';
import { GoodsReceivedData } from '../../src/purchase-order/purchase-order.decider';
import {
  accountOf,
  inventoryAssigned,
  manualGrnAwaited,
  orderCancelled,
  orderHandedOver,
  orderOf,
  orderPlaced,
  partlyAssigned,
  poCreated,
  poOf,
  RECEIVED_AT,
  roundCompleted,
  vendorOrderLinked,
  vendorOrderPlaced,
} from './fixtures';

describe('inwarding', () => {
  describe('handoverInwarding', () => {
    const vendorOrder = orderOf([
      vendorOrderPlaced([{ sku: 'A', quantity: 3 }]),
      inventoryAssigned('r1-A', 'A', 3),
      roundCompleted(1),
      orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }]),
    ]);
    const po = poOf([poCreated([{ sku: 'A', quantity: 3 }]), vendorOrderLinked()]);
    const autoGrnSeller = accountOf('S', 'seller', { autoGrnThroughBackOrder: true });
    const manualSeller = accountOf('S', 'seller');

    it('becomes a GRN on the PO, named after the handover, when the seller inwards automatically', () => {
      expect(handoverInwarding(vendorOrder, 'h-1', autoGrnSeller, po)).toStrictEqual({
        kind: 'grn',
        grnId: grnIdFor('V', 'vo-1', 'h-1'),
        lines: [{ sku: 'A', quantity: 2 }],
      });
    });

    it('waits for the seller\'s manual GRN otherwise, once per handover', () => {
      expect(handoverInwarding(vendorOrder, 'h-1', manualSeller, po)).toStrictEqual({ kind: 'manual', lines: [{ sku: 'A', quantity: 2 }] });
      const awaited = poOf([poCreated([{ sku: 'A', quantity: 3 }]), vendorOrderLinked(), manualGrnAwaited('h-1', [{ sku: 'A', quantity: 2 }])]);
      expect(handoverInwarding(vendorOrder, 'h-1', manualSeller, awaited)).toStrictEqual({ kind: 'none' });
    });

    it('does nothing for an order with no source PO, an unknown handover, or a seller or PO that does not exist', () => {
      const ownOrder = orderOf([orderPlaced(), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1), orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }])]);
      expect(handoverInwarding(ownOrder, 'h-1', autoGrnSeller, po)).toStrictEqual({ kind: 'none' });
      expect(handoverInwarding(vendorOrder, 'h-2', autoGrnSeller, po)).toStrictEqual({ kind: 'none' });
      expect(handoverInwarding(vendorOrder, 'h-1', undefined, po)).toStrictEqual({ kind: 'none' });
      expect(handoverInwarding(vendorOrder, 'h-1', autoGrnSeller, undefined)).toStrictEqual({ kind: 'none' });
      expect(handoverInwarding(vendorOrder, 'h-1', autoGrnSeller, poOf([]))).toStrictEqual({ kind: 'none' });
    });
  });

  describe('grnInward', () => {
    const grn = (lines: { sku: string; quantity: number }[]): GoodsReceivedData => ({
      grnId: 'grn-1',
      lines,
      locationId: 'main',
      binId: 'default',
      receivedAt: RECEIVED_AT,
    });
    const none = () => 0;
    const quantities = (of: Record<string, number>) => (sku: string) => of[sku] ?? 0;
    const waiting = orderOf(partlyAssigned); // A waits for 3, B for 3

    it('reserves the goods for the source order as far as it waits for them', () => {
      expect(grnInward(grn([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }]), waiting, none, none)).toStrictEqual([
        { sku: 'A', quantity: 3, reserved: 3 },
        { sku: 'B', quantity: 1, reserved: 1 },
      ]);
    });

    it('leaves as free stock what the order does not wait for', () => {
      expect(grnInward(grn([{ sku: 'A', quantity: 5 }]), waiting, none, none)).toStrictEqual([{ sku: 'A', quantity: 5, reserved: 3 }]);
    });

    it('counts what open POs still bring and what is already reserved for it', () => {
      expect(grnInward(grn([{ sku: 'A', quantity: 3 }]), waiting, quantities({ A: 1 }), none)).toStrictEqual([{ sku: 'A', quantity: 3, reserved: 2 }]);
      expect(grnInward(grn([{ sku: 'A', quantity: 3 }]), waiting, quantities({ A: 1 }), quantities({ A: 1 }))).toStrictEqual([
        { sku: 'A', quantity: 3, reserved: 1 },
      ]);
      expect(grnInward(grn([{ sku: 'A', quantity: 3 }]), waiting, quantities({ A: 2 }), quantities({ A: 2 }))).toStrictEqual([
        { sku: 'A', quantity: 3, reserved: 0 },
      ]);
    });

    it('reserves nothing for an order that ended, awaits approval, does not exist, or lacks the SKU', () => {
      const lines = [{ sku: 'A', quantity: 3 }];
      expect(grnInward(grn(lines), orderOf([...partlyAssigned, orderCancelled]), none, none)).toStrictEqual([{ sku: 'A', quantity: 3, reserved: 0 }]);
      expect(grnInward(grn(lines), orderOf([orderPlaced({ awaitingApproval: true })]), none, none)).toStrictEqual([{ sku: 'A', quantity: 3, reserved: 0 }]);
      expect(grnInward(grn(lines), undefined, none, none)).toStrictEqual([{ sku: 'A', quantity: 3, reserved: 0 }]);
      expect(grnInward(grn([{ sku: 'C', quantity: 2 }]), waiting, none, none)).toStrictEqual([{ sku: 'C', quantity: 2, reserved: 0 }]);
    });
  });
});
