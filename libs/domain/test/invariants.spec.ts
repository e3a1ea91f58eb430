/**
 * The product's invariants over whole logs. Every log here is written by the deciders, driven
 * through the fulfilment rules the way the process manager drives them (test-log.ts); a log that
 * breaks an invariant leaves a step out, takes it wrongly, or (where it says so) carries an event
 * written by hand that parses but that no decider would have decided.
 */
import { InvalidStoredEventError } from '../src/aggregates';
import { orderLines, orderStatus } from '../src/order/order.decider';
import { checkInvariants, foldLog, LogFolder, snapshotTotals, Violation } from '../src/invariants/invariants';
import { purchaseOrderStatus } from '../src/purchase-order/purchase-order.decider';
import { BinAggregate, OrderAggregate, PurchaseOrderAggregate, StoredEvent } from '../src/aggregates';
import { binStream, orderStream, purchaseOrderStream } from '../src/shared/streams';
import { SettingsPatch } from '../src/shared/settings';
import { FlowDriver, TestLog } from './test-log';
import { AllocationQueueAggregate } from '../src/aggregates';
import { allocationStream, FreeStockAllocation } from '../src/allocation/allocation.events';
import { sequenceOf } from '../src/allocation/allocation-rule';

/** S sells A, bought from vendor V (eligible for auto-created orders). */
const SELLER: SettingsPatch = { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true };

const setUp = (seller: SettingsPatch = SELLER) => {
  const log = new TestLog();
  const flow = new FlowDriver(log);
  flow.openVendor('V').openSeller('S', seller).mapVendor('S', 'A', 'V');
  return { log, flow };
};

const ORDER = orderStream('S', 'o-1');
const SELLER_BIN = binStream('S', 'main', 'default');

/** The violations of one invariant. */
const of = (violations: Violation[], invariant: number) => violations.filter((v) => v.invariant === invariant);

/**
 * o-1 for 3 x A with 1 in stock: 1 assigned, a PO for 2 bought from V, V's order opened (V has
 * stock) and linked. The flow then waits for V's handover.
 */
const waitingForVendor = (seller: SettingsPatch = SELLER) => {
  const { log, flow } = setUp(seller);
  flow.stock('S', 'A', 1).stock('V', 'A', 10);
  flow.place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
  const round = flow.runRound('S', 'o-1')!;
  const [poId] = flow.buyShortfall('S', 'o-1', round);
  const voId = flow.openVendorOrder('S', poId!)!;
  return { log, flow, poId: poId!, voId };
};

describe('invariants', () => {
  describe('a healthy log reports nothing', () => {
    it('a complete backorder flow: short order, PO, vendor order, handover, GRN, reserved inward, assigned, READY', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      // Quiet while the vendor has not handed over yet.
      expect(log.violations()).toStrictEqual([]);
      expect(orderLines(log.orderState('S', 'o-1'))).toStrictEqual([{ sku: 'A', quantity: 3, assigned: 1, pending: 2, handedOver: 0 }]);
      expect(orderStatus(log.orderState('V', voId))).toBe('READY');

      flow.handOver('V', voId, 'vh-1');
      const grnId = flow.inwardHandover('V', voId, 'vh-1')!;
      flow.inwardGoods('S', poId, grnId);

      const order = log.orderState('S', 'o-1');
      expect(orderStatus(order)).toBe('READY');
      expect(orderLines(order)).toStrictEqual([{ sku: 'A', quantity: 3, assigned: 3, pending: 0, handedOver: 0 }]);
      expect(order.assignments.map((a) => [a.source, a.quantity])).toStrictEqual([
        ['stock', 1],
        ['backorder', 2],
      ]);
      expect(purchaseOrderStatus(log.purchaseOrderState('S', poId))).toBe('RECEIVED');
      expect(orderStatus(log.orderState('V', voId))).toBe('HANDED_OVER');
      // The goods went in reserved for o-1, then o-1 took them.
      const inwarded = log.stored().find((e) => e.type === 'GoodsInwarded');
      expect(inwarded?.data).toMatchObject({ grnId, reservedForOrderId: 'o-1', reservedQuantity: 2, quantity: 2 });
      expect(log.violations()).toStrictEqual([]);

      // And once the seller hands the order over to its customer.
      flow.handOver('S', 'o-1', 'h-1');
      expect(orderStatus(log.orderState('S', 'o-1'))).toBe('HANDED_OVER');
      expect(log.violations()).toStrictEqual([]);
    });

    it('a flow whose goods wait for the seller\'s manual GRN', () => {
      const { log, flow, poId, voId } = waitingForVendor({ ...SELLER, autoGrnThroughBackOrder: false });
      flow.handOver('V', voId, 'vh-1');
      expect(flow.inwardHandover('V', voId, 'vh-1')).toBeUndefined();
      expect(log.violations()).toStrictEqual([]);
      flow.receiveManually('S', poId, 'grn-manual', [{ sku: 'A', quantity: 2 }]).inwardGoods('S', poId, 'grn-manual');
      expect(orderStatus(log.orderState('S', 'o-1'))).toBe('READY');
      expect(log.violations()).toStrictEqual([]);
    });

    it('an order cancelled while the vendor still has to hand over: stock released, PO and vendor order cancelled', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [{ locationId: 'main', binId: 'default' }] });
      flow.unwind('S', 'o-1');
      expect(purchaseOrderStatus(log.purchaseOrderState('S', poId))).toBe('CANCELLED');
      expect(orderStatus(log.orderState('V', voId))).toBe('CANCELLED');
      expect(log.violations()).toStrictEqual([]);
    });

    it('an order ended after the vendor handed over all, part not yet received: the PO closed keeping that part open, received as free stock', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      flow.handOver('V', voId, 'vh-1', { lines: [{ sku: 'A', quantity: 1 }] });
      flow.inwardGoods('S', poId, flow.inwardHandover('V', voId, 'vh-1')!);
      // A second handover the seller's side has not received when o-1 is cancelled.
      flow.handOver('V', voId, 'vh-2');
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [{ locationId: 'main', binId: 'default' }] });
      flow.unwind('S', 'o-1');
      expect(orderStatus(log.orderState('V', voId))).toBe('HANDED_OVER');
      expect(log.purchaseOrderState('S', poId).closed).toStrictEqual(new Map([['A', 0]]));
      const grnId = flow.inwardHandover('V', voId, 'vh-2')!;
      flow.inwardGoods('S', poId, grnId);
      expect(log.stored().filter((e) => e.type === 'GoodsInwarded').map((e) => e.data)).toStrictEqual([
        expect.objectContaining({ quantity: 1, reservedForOrderId: 'o-1', reservedQuantity: 1 }),
        expect.not.objectContaining({ reservedForOrderId: 'o-1' }),
      ]);
      expect(log.violations()).toStrictEqual([]);
    });

    it('an order ended while the vendor had handed over part: the vendor order is closed short', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      flow.handOver('V', voId, 'vh-1', { lines: [{ sku: 'A', quantity: 1 }] });
      flow.inwardGoods('S', poId, flow.inwardHandover('V', voId, 'vh-1')!);
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [{ locationId: 'main', binId: 'default' }] });
      flow.unwind('S', 'o-1');
      expect(orderStatus(log.orderState('V', voId))).toBe('CLOSED_SHORT');
      expect(purchaseOrderStatus(log.purchaseOrderState('S', poId))).toBe('CLOSED');
      expect(log.violations()).toStrictEqual([]);
    });

    it('a vendor that cannot take auto-created orders: the line says VENDOR_NOT_ELIGIBLE', () => {
      const { log, flow } = setUp();
      flow.openVendor('W', { isB2bNew: true, vendorPanelType: 1 }).mapVendor('S', 'B', 'W');
      flow.place('S', 'o-1', [{ sku: 'B', quantity: 2 }]);
      const [poId] = flow.buyShortfall('S', 'o-1', flow.runRound('S', 'o-1')!);
      expect(flow.openVendorOrder('S', poId!)).toBeUndefined();
      expect(log.orderState('S', 'o-1').pendingReasons).toStrictEqual([{ sku: 'B', reason: 'VENDOR_NOT_ELIGIBLE' }]);
      expect(log.violations()).toStrictEqual([]);
    });

    it('a vendor that cannot take auto-created orders: stock that comes later is assigned to the line (the refused PO brings nothing)', () => {
      const { log, flow } = setUp();
      flow.openVendor('W', { isB2bNew: false }).mapVendor('S', 'B', 'W');
      flow.place('S', 'o-1', [{ sku: 'B', quantity: 2 }]);
      const [poId] = flow.buyShortfall('S', 'o-1', flow.runRound('S', 'o-1')!);
      flow.openVendorOrder('S', poId!);
      flow.stock('S', 'B', 2);
      log.order('S', 'o-1', { type: 'RequestInventoryAssignment' });
      flow.runRoundAndBuy('S', 'o-1');
      expect(orderLines(log.orderState('S', 'o-1'))).toStrictEqual([{ sku: 'B', quantity: 2, assigned: 2, pending: 0, handedOver: 0 }]);
      expect(log.violations()).toStrictEqual([]);
    });

    it('two orders racing for the last units: the one refused for stock holds nothing', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: true });
      flow.stock('S', 'A', 2);
      flow.place('S', 'o-1', [{ sku: 'A', quantity: 2 }], { refuseIfShort: true });
      flow.place('S', 'o-2', [{ sku: 'A', quantity: 2 }], { refuseIfShort: true });
      flow.runRoundAndBuy('S', 'o-1').runRoundAndBuy('S', 'o-2');
      expect(orderStatus(log.orderState('S', 'o-1'))).toBe('READY');
      expect(log.orderState('S', 'o-2').end).toBe('REFUSED');
      flow.unwind('S', 'o-2');
      expect(log.violations()).toStrictEqual([]);
    });

    it('a round of an order that ended meanwhile closes empty, and the end releases what the bins gave', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 5);
      flow.place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      // The bins assign, then the order is cancelled before the round is recorded.
      log.bin('S', 'default', { type: 'AssignStock', assignmentId: 'o-1:1:A:main:default', orderId: 'o-1', sku: 'A', quantity: 3 });
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [] });
      flow.runRound('S', 'o-1');
      expect(log.orderState('S', 'o-1').openRound).toBeUndefined();
      flow.unwind('S', 'o-1');
      expect(log.violations()).toStrictEqual([]);
    });
  });

  describe('1. per bin and SKU, assigned + reserved <= onHand, all >= 0', () => {
    it('is broken by stock taken out from under an assignment (an adjustment written by hand)', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 3).placeAndRun('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      // The bin refuses this adjustment (STOCK_BELOW_COMMITTED); a log that holds it anyway is broken.
      expect(() => log.bin('S', 'default', { type: 'AdjustStock', adjustmentId: 'lost', sku: 'A', quantity: -2 })).toThrow(/would leave 1 on hand/);
      log.append(BinAggregate, SELLER_BIN, [{ type: 'StockAdjusted', data: { adjustmentId: 'lost', sku: 'A', quantity: -2 } }]);
      const violations = log.violations();
      expect(log.brokenInvariants()).toStrictEqual([1]);
      expect(violations).toStrictEqual([{ invariant: 1, subject: `${SELLER_BIN} A`, detail: 'onHand 1, assigned 3, reserved 0' }]);
    });

    it('is broken by on hand below zero', () => {
      const { log } = setUp();
      log.append(BinAggregate, SELLER_BIN, [{ type: 'StockAdjusted', data: { adjustmentId: 'oops', sku: 'B', quantity: -1 } }]);
      expect(log.violations()).toStrictEqual([{ invariant: 1, subject: `${SELLER_BIN} B`, detail: 'onHand -1, assigned 0, reserved 0' }]);
    });
  });

  describe('2. what bins hold assigned to an order is what the order shows held; nothing for unknown orders', () => {
    it('is broken by a round whose results the order never recorded', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 1).place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      flow.buyShortfall('S', 'o-1', flow.runRound('S', 'o-1', { dropResults: true })!);
      expect(log.brokenInvariants()).toStrictEqual([2]);
      expect(of(log.violations(), 2)).toStrictEqual([{ invariant: 2, subject: `${ORDER} A`, detail: 'bins hold 1 assigned, the order shows 0' }]);
    });

    it('is broken by stock assigned to an order that does not exist', () => {
      const { log, flow } = setUp();
      flow.stock('S', 'A', 4);
      log.bin('S', 'default', { type: 'AssignStock', assignmentId: 'ghost:1', orderId: 'ghost', sku: 'A', quantity: 2 });
      expect(log.violations()).toStrictEqual([{ invariant: 2, subject: `${orderStream('S', 'ghost')} A`, detail: 'bins hold 2 assigned, no such order; 0' }]);
    });
  });

  describe('3. per line assigned + handedOver + pending = quantity, READY has nothing pending, an ended order holds nothing', () => {
    it('is broken by an order cancelled whose stock was never released (and the bins then disagree with it: 2)', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 1).placeAndRun('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [] });
      expect(log.brokenInvariants()).toStrictEqual([2, 3]);
      expect(of(log.violations(), 3)).toStrictEqual([{ invariant: 3, subject: `${ORDER} A`, detail: 'CANCELLED order still holds 1 assigned, 0 reserved' }]);
    });

    it('is broken by an order ended whose bins were never released: reserved goods it no longer waits for (4), stock the bins still hold assigned (2)', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      flow.handOver('V', voId, 'vh-1');
      flow.inwardGoods('S', poId, flow.inwardHandover('V', voId, 'vh-1')!, { assign: false });
      log.order('S', 'o-1', { type: 'EndOrder', reason: 'test' });
      // The unwind ends the POs but never releases the bins.
      flow.unwind('S', 'o-1', { releaseBins: false });
      const violations = log.violations();
      expect(of(violations, 3)).toStrictEqual([{ invariant: 3, subject: `${ORDER} A`, detail: 'CANCELLED order still holds 1 assigned, 2 reserved' }]);
      expect(log.brokenInvariants()).toStrictEqual([2, 3, 4]);
    });

    it('is broken by a line that shows more assigned than ordered (an InventoryAssigned written by hand)', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 5);
      flow.place('S', 'o-1', [{ sku: 'A', quantity: 2 }], { approvalRequired: true });
      log.bin('S', 'default', { type: 'AssignStock', assignmentId: 'x', orderId: 'o-1', sku: 'A', quantity: 3 });
      log.append(OrderAggregate, ORDER, [
        { type: 'InventoryAssigned', data: { assignmentId: 'x', sku: 'A', locationId: 'main', binId: 'default', quantity: 3, source: 'stock' } },
      ]);
      expect(log.violations()).toStrictEqual([{ invariant: 3, subject: `${ORDER} A`, detail: 'assigned 3 + handedOver 0 + pending -1 != quantity 2' }]);
    });
  });

  describe('4. reserved units belong to an open line that still waits for them', () => {
    it('is broken by goods reserved for an order that waits for nothing more', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 2).placeAndRun('S', 'o-1', [{ sku: 'A', quantity: 2 }]);
      expect(orderStatus(log.orderState('S', 'o-1'))).toBe('READY');
      log.bin('S', 'default', { type: 'InwardGoods', grnId: 'grn-x', purchaseOrderId: 'po-x', sku: 'A', quantity: 2, reservedForOrderId: 'o-1' });
      expect(log.violations()).toStrictEqual([
        { invariant: 4, subject: `${ORDER} A`, detail: '2 reserved for a line that waits for 0 of them (pending 0, on order 0)' },
      ]);
    });

    it('is broken by goods reserved for what open POs already bring', () => {
      const { log, poId } = waitingForVendor();
      // 2 reserved while the PO still has its 2 open: the line waits for none of them.
      log.bin('S', 'default', { type: 'InwardGoods', grnId: 'grn-x', purchaseOrderId: poId, sku: 'A', quantity: 2, reservedForOrderId: 'o-1' });
      expect(log.brokenInvariants()).toStrictEqual([4]);
    });

    it('is broken by goods reserved for an order that does not exist, or for a SKU it does not have', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 2).placeAndRun('S', 'o-1', [{ sku: 'A', quantity: 2 }]);
      log.bin('S', 'default', { type: 'InwardGoods', grnId: 'grn-x', purchaseOrderId: 'po-x', sku: 'Z', quantity: 1, reservedForOrderId: 'o-1' });
      log.bin('S', 'default', { type: 'InwardGoods', grnId: 'grn-y', purchaseOrderId: 'po-y', sku: 'A', quantity: 1, reservedForOrderId: 'ghost' });
      expect(log.violations()).toStrictEqual([
        { invariant: 4, subject: `${ORDER} Z`, detail: '1 reserved for a SKU the order does not have' },
        { invariant: 4, subject: `${orderStream('S', 'ghost')} A`, detail: '1 reserved for an order that does not exist' },
      ]);
    });
  });

  describe('5. no over-buying; a pending quantity is covered by open POs or has a reason', () => {
    it('is broken by a pending quantity nobody decided about (the purchase step never ran)', () => {
      const { log, flow } = setUp();
      flow.stock('S', 'A', 1).place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      flow.runRound('S', 'o-1');
      expect(log.violations()).toStrictEqual([
        { invariant: 5, subject: `${ORDER} A`, detail: '2 pending, 0 covered by open POs and reserved goods, reason none' },
      ]);
    });

    it('is broken by a line that says AWAITING_VENDOR with nothing on order', () => {
      const { log, flow } = setUp();
      flow.place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      flow.runRound('S', 'o-1');
      log.order('S', 'o-1', { type: 'RecordPendingReason', sku: 'A', reason: 'AWAITING_VENDOR' });
      expect(log.brokenInvariants()).toStrictEqual([5]);
    });

    it('is broken by open POs bringing more than the line waits for (a round that took stock for quantity on order)', () => {
      const { log, flow, poId } = waitingForVendor();
      flow.stock('S', 'A', 2);
      log.order('S', 'o-1', { type: 'RequestInventoryAssignment' });
      // Asking for the whole pending quantity, ignoring what the PO brings.
      log.bin('S', 'default', { type: 'AssignStock', assignmentId: 'o-1:2:A:main:default', orderId: 'o-1', sku: 'A', quantity: 2 });
      log.order('S', 'o-1', {
        type: 'CompleteInventoryAssignment',
        round: 2,
        assignments: [{ assignmentId: 'o-1:2:A:main:default:stock', sku: 'A', locationId: 'main', binId: 'default', quantity: 2, source: 'stock' }],
      });
      expect(purchaseOrderStatus(log.purchaseOrderState('S', poId))).toBe('APPROVED');
      expect(log.violations()).toStrictEqual([{ invariant: 5, subject: `${ORDER} A`, detail: 'open POs bring 2, the line waits for 0' }]);
    });

    it('is not broken by goods a vendor handed over before the line was reduced (in transit), only by more than those', () => {
      const { log, voId } = waitingForVendor();
      // The vendor hands over both units; the seller reduces its line to what it holds before they are received.
      log.order('V', voId, { type: 'HandOverOrder', handoverId: 'vh-1' });
      log.order('S', 'o-1', { type: 'ChangeOrderLine', sku: 'A', quantity: 1 });
      expect(log.violations().filter((v) => v.invariant === 5)).toStrictEqual([]);
      // Without the handover, the same reduction leaves the PO bringing more than the line waits for.
      const other = waitingForVendor();
      other.log.order('S', 'o-1', { type: 'ChangeOrderLine', sku: 'A', quantity: 1 });
      expect(other.log.violations().filter((v) => v.invariant === 5)).toStrictEqual([{ invariant: 5, subject: `${ORDER} A`, detail: 'open POs bring 2, the line waits for 0' }]);
    });

    it('is broken by a PO line received and closed beyond its quantity (a close written by hand)', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      flow.handOver('V', voId, 'vh-1', { lines: [{ sku: 'A', quantity: 1 }] });
      flow.inwardGoods('S', poId, flow.inwardHandover('V', voId, 'vh-1')!);
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [] });
      flow.unwind('S', 'o-1', { endPurchaseOrders: false });
      log.append(PurchaseOrderAggregate, purchaseOrderStream('S', poId), [
        { type: 'PurchaseOrderClosed', data: { reason: 'closed wrongly', lines: [{ sku: 'A', closedQuantity: 2 }] } },
      ]);
      expect(log.violations()).toStrictEqual([
        { invariant: 5, subject: `${purchaseOrderStream('S', poId)} A`, detail: 'received 1 + closed 2 > quantity 2' },
      ]);
    });
  });

  describe('6. an ended order\'s POs are cancelled or closed, and so are their vendor orders', () => {
    it('is broken by a cancelled order whose PO was left open', () => {
      const { log, flow, poId } = waitingForVendor();
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [] });
      flow.unwind('S', 'o-1', { endVendorOrders: false, endPurchaseOrders: false });
      expect(log.violations()).toStrictEqual([{ invariant: 6, subject: purchaseOrderStream('S', poId), detail: 'APPROVED for a CANCELLED order' }]);
    });

    it('is broken by a PO cancelled while its vendor order is still open', () => {
      const { log, flow, voId } = waitingForVendor();
      log.order('S', 'o-1', { type: 'CancelOrder', reservationBins: [] });
      flow.unwind('S', 'o-1', { endVendorOrders: false });
      expect(log.violations()).toMatchObject([{ invariant: 6, subject: orderStream('V', voId), detail: expect.stringMatching(/^READY while its PO .* is CANCELLED$/) }]);
    });
  });

  describe('7. the log is quiet: every step that was started was finished', () => {
    it('is broken by an assignment round left open (a crash before it completed)', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.placeAndRun('S', 'o-1', [{ sku: 'A', quantity: 3 }]).stock('S', 'A', 3);
      log.order('S', 'o-1', { type: 'RequestInventoryAssignment' });
      expect(log.violations()).toStrictEqual([
        { invariant: 7, subject: ORDER, detail: 'assignment round 2 is still open' },
        // And so the stock that came idles while the order waits for it.
        { invariant: 8, subject: `${ORDER} A`, detail: "waits for 3 while 3 are free in S's main location" },
      ]);
      // The runner takes it again, and the log is quiet.
      flow.runRound('S', 'o-1');
      expect(log.violations()).toStrictEqual([]);
    });

    it('is broken by a handover that never reached its bins (which then disagree with the order: 2)', () => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.stock('S', 'A', 3).placeAndRun('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      flow.handOver('S', 'o-1', 'h-1', { toBins: false });
      expect(log.brokenInvariants()).toStrictEqual([2, 7]);
      expect(of(log.violations(), 7)).toStrictEqual([{ invariant: 7, subject: `${ORDER} A`, detail: 'handover h-1 never reached bin main.default' }]);
    });

    it('is broken by a GRN whose goods never went into their bin (and whose line then looks uncovered: 5)', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      flow.handOver('V', voId, 'vh-1');
      const grnId = flow.inwardHandover('V', voId, 'vh-1')!;
      expect(log.brokenInvariants()).toStrictEqual([5, 7]);
      expect(of(log.violations(), 7)).toStrictEqual([
        { invariant: 7, subject: `${purchaseOrderStream('S', poId)} A`, detail: `GRN ${grnId} was never inwarded into main.default` },
      ]);
    });

    it('is broken by a PO with no vendor order and no reason why', () => {
      const { log, flow } = setUp();
      flow.place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      const [poId] = flow.buyShortfall('S', 'o-1', flow.runRound('S', 'o-1')!);
      expect(log.violations()).toStrictEqual([{ invariant: 7, subject: purchaseOrderStream('S', poId!), detail: 'no vendor order was opened, and no reason recorded' }]);
    });

    it('is broken by a PO whose close was requested and never carried out', () => {
      const { log, poId } = waitingForVendor();
      expect(log.violations()).toStrictEqual([]);
      log.purchaseOrder('S', poId, { type: 'RequestPurchaseOrderClose', reason: 'too late' });
      expect(log.violations()).toStrictEqual([{ invariant: 7, subject: purchaseOrderStream('S', poId), detail: 'a close was requested and the PO was never closed' }]);
    });

    it('is broken by a line change that was never carried out to its POs', () => {
      const { log } = waitingForVendor();
      log.order('S', 'o-1', { type: 'ChangeOrderLine', sku: 'A', quantity: 2 });
      expect(of(log.violations(), 7)).toStrictEqual([{ invariant: 7, subject: `${orderStream('S', 'o-1')} A`, detail: 'line change 1 (3 to 2) was never carried out' }]);
    });

    it('is broken by a PO linked to a vendor order that does not exist', () => {
      const { log, flow } = setUp();
      flow.place('S', 'o-1', [{ sku: 'A', quantity: 3 }]);
      const [poId] = flow.buyShortfall('S', 'o-1', flow.runRound('S', 'o-1')!);
      flow.openVendorOrder('S', poId!, { link: false });
      log.purchaseOrder('S', poId!, { type: 'LinkVendorOrder', vendorOrderId: 'vo-nowhere' });
      expect(log.violations()).toStrictEqual([{ invariant: 7, subject: purchaseOrderStream('S', poId!), detail: 'vendor order vo-nowhere does not exist' }]);
    });

    it('is broken by a vendor handover never received on the PO, nor left for a manual GRN', () => {
      const { log, flow, poId, voId } = waitingForVendor();
      flow.handOver('V', voId, 'vh-1');
      expect(log.violations()).toStrictEqual([
        { invariant: 7, subject: purchaseOrderStream('S', poId), detail: `handover vh-1 of vendor order ${voId} was never received, nor left for a manual GRN` },
      ]);
    });
  });

  describe('folding the log', () => {
    const stored = (streamName: string, type: string, data: unknown, revision = 0n, metadata: Record<string, unknown> = {}): StoredEvent => ({
      id: `${streamName}@${revision}`,
      streamName,
      type,
      revision,
      data,
      metadata,
    });

    it('folds the same snapshot event by event as all at once', () => {
      const { log } = waitingForVendor();
      const folder = new LogFolder();
      for (const event of log.stored()) folder.add(event);
      const incremental = folder.snapshot();
      expect(checkInvariants(incremental)).toStrictEqual([]);
      expect(snapshotTotals(incremental)).toStrictEqual(snapshotTotals(foldLog(log.stored())));
      expect(snapshotTotals(incremental)).toStrictEqual({ accounts: 2, bins: 2, orders: 2, purchaseOrders: 1, units: 11 });
    });

    it('skips events of streams that are not aggregates', () => {
      const snapshot = foldLog([stored('$stats-0', 'Anything', {}), stored('notes-1', 'Noted', { x: 1 }), stored('order-S', 'OrderApproved', {})]);
      expect(snapshotTotals(snapshot)).toStrictEqual({ accounts: 0, bins: 0, orders: 0, purchaseOrders: 0, units: 0 });
    });

    it('reads events written under an older schema version in today\'s shape', () => {
      const snapshot = foldLog([
        stored(ORDER, 'OrderPlaced', { orderId: 'o-1', accountId: 'S', lines: [{ sku: 'A', qty: 2 }], approvalRequired: false }),
        stored(SELLER_BIN, 'StockAdjusted', { sku: 'A', quantity: 2 }),
      ]);
      expect(orderLines(snapshot.orders.get(ORDER)!.state)).toStrictEqual([{ sku: 'A', quantity: 2, assigned: 0, pending: 2, handedOver: 0 }]);
      // An order with its round open and nothing decided about it, beside 2 free units.
      expect(checkInvariants(snapshot).map((v) => v.invariant)).toStrictEqual([5, 7]);
    });

    it('stops at an event that does not parse, naming its stream and revision', () => {
      const bad = stored(SELLER_BIN, 'StockAssigned', { assignmentId: 'a', orderId: 'o-1', sku: 'A', quantity: -1, fromReserved: 0 }, 7n, { schemaVersion: 1 });
      expect(() => foldLog([bad])).toThrow(InvalidStoredEventError);
      expect(() => foldLog([bad])).toThrow(`Event StockAssigned at stream "${SELLER_BIN}" revision 7 does not match its schema`);
    });
  });

  describe('8. free stock goes by the allocation rule', () => {
    /** Two waiting orders of S for A: `late` placed after `early`, ranked by what they were placed with. */
    const twoWaiting = (late: { priority?: number; requiredBy?: string } = {}) => {
      const { log, flow } = setUp({ autoPoVendorLevel: false });
      flow.placeAndRun('S', 'early', [{ sku: 'A', quantity: 2 }]).placeAndRun('S', 'late', [{ sku: 'A', quantity: 2 }], late);
      const queue = (orderId: string, position: number, rank: { priority?: number; requiredBy?: string } = {}) =>
        log.decide(AllocationQueueAggregate, allocationStream('S'), { type: 'QueueOrder', orderId, skus: ['A'], sequence: sequenceOf(BigInt(position)), flow: orderStream('S', orderId), ...rank });
      queue('early', 1);
      queue('late', 2, late);
      const allocate = (allocation: Omit<FreeStockAllocation, 'allocationId' | 'sku'>) =>
        log.decide(AllocationQueueAggregate, allocationStream('S'), { type: 'RecordAllocation', allocation: { allocationId: `a-${Math.random()}`, sku: 'A', ...allocation } });
      return { log, flow, allocate };
    };

    it('is broken by free stock idling while an order waits for it', () => {
      const { log, flow } = twoWaiting();
      flow.stock('S', 'A', 1);
      expect(log.violations()).toStrictEqual([
        { invariant: 8, subject: orderStream('S', 'early') + ' A', detail: "waits for 2 while 1 are free in S's main location" },
        { invariant: 8, subject: orderStream('S', 'late') + ' A', detail: "waits for 2 while 1 are free in S's main location" },
      ]);
    });

    it('holds for an allocation that gave by rank, and is broken by one that did not', () => {
      const fair = twoWaiting({ priority: 1 });
      fair.allocate({ free: 3, candidates: [{ orderId: 'late', need: 2 }, { orderId: 'early', need: 2 }], shares: [{ orderId: 'late', quantity: 2, rule: 'PRIORITY' }, { orderId: 'early', quantity: 1, rule: 'FIFO' }] });
      expect(fair.log.brokenInvariants()).toEqual([]);

      // Weighed out of rank: early (priority 5) before late (priority 1).
      const outOfRank = twoWaiting({ priority: 1 });
      outOfRank.allocate({ free: 2, candidates: [{ orderId: 'early', need: 2 }, { orderId: 'late', need: 2 }], shares: [{ orderId: 'early', quantity: 2, rule: 'FIFO' }] });
      expect(outOfRank.log.violations()).toMatchObject([
        { invariant: 8, detail: 'early was weighed before late, which ranks ahead of it' },
        { invariant: 8, detail: 'gave [early 2 FIFO] where the rule gives [late 2 PRIORITY] of 2 free' },
      ]);

      // In rank, but the shares are not what the rule gives (the second order got more than was left).
      const greedy = twoWaiting({ requiredBy: '2027-01-01' });
      greedy.allocate({ free: 3, candidates: [{ orderId: 'late', need: 2 }, { orderId: 'early', need: 2 }], shares: [{ orderId: 'late', quantity: 1, rule: 'REQUIRED_BY' }, { orderId: 'early', quantity: 2, rule: 'FIFO' }] });
      expect(greedy.log.violations()).toMatchObject([{ invariant: 8, detail: 'gave [late 1 REQUIRED_BY, early 2 FIFO] where the rule gives [late 2 REQUIRED_BY, early 1 FIFO] of 3 free' }]);
    });

    it('is broken by an order that took more free stock than its shares', () => {
      const { log, flow } = twoWaiting();
      flow.stock('S', 'A', 2);
      log.bin('S', 'default', { type: 'AssignStock', assignmentId: 'x', orderId: 'late', sku: 'A', quantity: 2 });
      log.order('S', 'late', { type: 'RequestInventoryAssignment' });
      const round = log.orderState('S', 'late').openRound!.round;
      log.order('S', 'late', {
        type: 'CompleteInventoryAssignment',
        round,
        assignments: [{ assignmentId: 'x', sku: 'A', locationId: 'main', binId: 'default', quantity: 2, source: 'stock', rule: 'FIFO' }],
      });
      expect(log.violations()).toStrictEqual([
        // It took early's stock, so early waits while nothing is free: only the shares say so.
        { invariant: 8, subject: orderStream('S', 'late') + ' A', detail: 'took 2 of free stock, its shares were 0' },
      ]);
    });
  });
});
