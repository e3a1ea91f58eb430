import { InventoryAssigned } from '../../src/order/order.events';
import { StockAssigned, StockReleased } from '../../src/bin/bin.events';
import { assignmentIdFor, endReleaseIdFor, grnIdFor, purchaseOrderIdFor, surplusReleaseIdFor, vendorOrderIdFor } from '../../src/fulfilment/ids';
import { Id } from '../../src/shared/ids';

const LONG = 'x'.repeat(64);

describe('fulfilment ids', () => {
  describe('purchaseOrderIdFor', () => {
    it('is the same for the same cause, so a purchase step taken again finds its PO', () => {
      expect(purchaseOrderIdFor('S', 'o-1', 1, 'V')).toBe(purchaseOrderIdFor('S', 'o-1', 1, 'V'));
    });

    it('differs per round: a later shortfall of the same order is a new PO', () => {
      expect(purchaseOrderIdFor('S', 'o-1', 1, 'V')).not.toBe(purchaseOrderIdFor('S', 'o-1', 2, 'V'));
      expect(purchaseOrderIdFor('S', 'o-1', 1, 'V')).not.toBe(purchaseOrderIdFor('S', 'o-1', 11, 'V'));
    });

    it('differs per vendor, order and account', () => {
      const ids = new Set([
        purchaseOrderIdFor('S', 'o-1', 1, 'V'),
        purchaseOrderIdFor('S', 'o-1', 1, 'W'),
        purchaseOrderIdFor('S', 'o-2', 1, 'V'),
        purchaseOrderIdFor('T', 'o-1', 1, 'V'),
        // Ids never hold a dot, so the parts cannot run into each other.
        purchaseOrderIdFor('S', 'o', 1, '-1V'),
      ]);
      expect(ids.size).toBe(5);
    });

    it('is a valid id, whatever the length of its parts', () => {
      expect(Id.safeParse(purchaseOrderIdFor(LONG, LONG, 999_999, LONG)).success).toBe(true);
      expect(purchaseOrderIdFor('S', 'o-1', 1, 'V')).toMatch(/^po-[A-Za-z0-9_-]{22}$/);
    });
  });

  describe('vendorOrderIdFor and grnIdFor', () => {
    it('give one vendor order per PO and one GRN per vendor handover', () => {
      expect(vendorOrderIdFor('S', 'po-1')).toBe(vendorOrderIdFor('S', 'po-1'));
      expect(vendorOrderIdFor('S', 'po-1')).not.toBe(vendorOrderIdFor('S', 'po-2'));
      expect(vendorOrderIdFor('S', 'po-1')).not.toBe(vendorOrderIdFor('T', 'po-1'));
      expect(grnIdFor('V', 'vo-1', 'h-1')).toBe(grnIdFor('V', 'vo-1', 'h-1'));
      expect(new Set([grnIdFor('V', 'vo-1', 'h-1'), grnIdFor('V', 'vo-1', 'h-2'), grnIdFor('V', 'vo-2', 'h-1'), grnIdFor('W', 'vo-1', 'h-1')]).size).toBe(4);
    });

    it('are valid ids', () => {
      expect(Id.safeParse(vendorOrderIdFor(LONG, LONG)).success).toBe(true);
      expect(Id.safeParse(grnIdFor(LONG, LONG, LONG)).success).toBe(true);
      expect(vendorOrderIdFor('S', 'po-1')).toMatch(/^vo-/);
      expect(grnIdFor('V', 'vo-1', 'h-1')).toMatch(/^grn-/);
    });
  });

  describe('assignmentIdFor', () => {
    it('names the order, round, SKU and bin', () => {
      expect(assignmentIdFor('o-1', 2, 'A.1', 'main', 'default')).toBe('o-1:2:A.1:main:default');
      expect(assignmentIdFor('o-1', 2, 'A', 'main', 'default')).not.toBe(assignmentIdFor('o-1', 3, 'A', 'main', 'default'));
      expect(assignmentIdFor('o-1', 2, 'A', 'main', 'default')).not.toBe(assignmentIdFor('o-1', 2, 'A', 'main', 'bin-2'));
    });

    it('fits the bin and order events at the longest ids, with the suffix of a round result', () => {
      const id = assignmentIdFor(LONG, 999_999, LONG, LONG, LONG);
      expect(StockAssigned.safeParse({ type: 'StockAssigned', data: { assignmentId: id, orderId: LONG, sku: LONG, quantity: 1, fromReserved: 0 } }).success).toBe(true);
      const result = { assignmentId: `${id}:backorder`, sku: LONG, locationId: LONG, binId: LONG, quantity: 1, source: 'backorder' };
      expect(InventoryAssigned.safeParse({ type: 'InventoryAssigned', data: result }).success).toBe(true);
    });
  });

  describe('release ids', () => {
    it('name the end of an order once, and a surplus release once per round', () => {
      expect(endReleaseIdFor('o-1')).toBe(endReleaseIdFor('o-1'));
      expect(surplusReleaseIdFor('o-1', 1)).not.toBe(surplusReleaseIdFor('o-1', 2));
      expect(new Set([endReleaseIdFor('o-1'), surplusReleaseIdFor('o-1', 1), endReleaseIdFor('o-2')]).size).toBe(3);
    });

    it('fit StockReleased at the longest order id', () => {
      for (const releaseId of [endReleaseIdFor(LONG), surplusReleaseIdFor(LONG, 999_999)]) {
        expect(StockReleased.safeParse({ type: 'StockReleased', data: { releaseId, orderId: LONG, sku: 'A', assigned: 0, reserved: 1 } }).success).toBe(true);
      }
    });
  });
});
