import {
  openQuantity,
  purchaseOrderDecider,
  purchaseOrderEnded,
  purchaseOrderExists,
  purchaseOrderLines,
  purchaseOrderStatus,
} from '../src/purchase-order/purchase-order.decider';
import { PurchaseOrderCommand, PurchaseOrderEvent } from '../src/purchase-order/purchase-order.events';
import { specFor, stateAfter } from './order-spec-helpers';

const given = specFor(purchaseOrderDecider, PurchaseOrderEvent);
const stateOf = (events: readonly PurchaseOrderEvent[]) => stateAfter(purchaseOrderDecider, events);

type Line = { sku: string; quantity: number };

const LINES: Line[] = [
  { sku: 'A', quantity: 5 },
  { sku: 'B', quantity: 3 },
];
const RECEIVED_AT = '2024-05-01T10:00:00.000Z';

const created = (overrides: { lines?: Line[]; chain?: string[] } = {}): PurchaseOrderEvent => ({
  type: 'PurchaseOrderCreated',
  data: {
    purchaseOrderId: 'po-1',
    sellerAccountId: 'seller-1',
    vendorAccountId: 'vendor-1',
    sourceOrderId: 'order-1',
    lines: overrides.lines ?? LINES,
    ...(overrides.chain === undefined ? {} : { chain: overrides.chain }),
  },
});
const vendorOrderLinked = (vendorOrderId = 'vo-1'): PurchaseOrderEvent => ({ type: 'VendorOrderLinked', data: { vendorOrderId } });
const vendorOrderRefused = (reason = 'Vendor has no Advanced Vendor Panel'): PurchaseOrderEvent => ({
  type: 'VendorOrderRefused',
  data: { reason },
});
const goodsReceived = (grnId: string, lines: Line[], handoverId?: string): PurchaseOrderEvent => ({
  type: 'GoodsReceived',
  data: {
    grnId,
    ...(handoverId === undefined ? {} : { handoverId }),
    lines,
    locationId: 'main',
    binId: 'default',
    receivedAt: RECEIVED_AT,
  },
});
const poCancelled = (reason = 'Source order cancelled'): PurchaseOrderEvent => ({ type: 'PurchaseOrderCancelled', data: { reason } });
const poClosed = (lines: { sku: string; closedQuantity: number }[], reason = 'Source order ended'): PurchaseOrderEvent => ({
  type: 'PurchaseOrderClosed',
  data: { reason, lines },
});
const manualGrnAwaited = (handoverId: string, lines: Line[]): PurchaseOrderEvent => ({ type: 'ManualGrnAwaited', data: { handoverId, lines } });

const create = (overrides: Partial<Extract<PurchaseOrderCommand, { type: 'CreatePurchaseOrder' }>> = {}): PurchaseOrderCommand => ({
  type: 'CreatePurchaseOrder',
  purchaseOrderId: 'po-1',
  sellerAccountId: 'seller-1',
  vendorAccountId: 'vendor-1',
  sourceOrderId: 'order-1',
  lines: LINES,
  ...overrides,
});
const receive = (grnId: string, lines: Line[], handoverId?: string): PurchaseOrderCommand => ({
  type: 'ReceiveGoods',
  grnId,
  ...(handoverId === undefined ? {} : { handoverId }),
  lines,
  locationId: 'main',
  binId: 'default',
  receivedAt: RECEIVED_AT,
});
const receiveUpToOpen = (grnId: string, lines: Line[], handoverId = 'h-1'): PurchaseOrderCommand => ({
  ...(receive(grnId, lines, handoverId) as Extract<PurchaseOrderCommand, { type: 'ReceiveGoods' }>),
  upToOpen: true,
});
const cancel: PurchaseOrderCommand = { type: 'CancelPurchaseOrder', reason: 'Source order cancelled' };
const close = (keepOpen?: Line[]): PurchaseOrderCommand => ({
  type: 'ClosePurchaseOrder',
  reason: 'Source order ended',
  ...(keepOpen === undefined ? {} : { keepOpen }),
});

describe('purchase order decider', () => {
  describe('CreatePurchaseOrder', () => {
    it('creates the PO', () => {
      given([]).when(create()).then([created()]);
    });

    it('carries the chain of accounts', () => {
      given([]).when(create({ chain: ['seller-0', 'seller-1'] })).then([created({ chain: ['seller-0', 'seller-1'] })]);
    });

    it('recognises the same PO asked for again, whatever the order of its lines', () => {
      given([created()]).when(create()).thenNothingHappened();
      given([created()]).when(create({ lines: [...LINES].reverse() })).thenNothingHappened();
    });

    it('refuses another vendor, source order or lines under the same id', () => {
      const exists = { kind: 'conflict', code: 'PURCHASE_ORDER_EXISTS', field: 'purchaseOrderId' } as const;
      given([created()]).when(create({ vendorAccountId: 'vendor-2' })).thenThrows(exists);
      given([created()]).when(create({ sourceOrderId: 'order-2' })).thenThrows(exists);
      given([created()]).when(create({ lines: [{ sku: 'A', quantity: 5 }] })).thenThrows(exists);
      given([created()]).when(create({ lines: [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 3 }] })).thenThrows(exists);
    });

    it('refuses a SKU on two lines', () => {
      given([])
        .when(create({ lines: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }] }))
        .thenThrows({ kind: 'rule_violated', code: 'DUPLICATE_SKU', field: 'lines[1].sku' });
    });
  });

  describe('commands on a PO that does not exist', () => {
    it.each<PurchaseOrderCommand>([
      { type: 'LinkVendorOrder', vendorOrderId: 'vo-1' },
      { type: 'RefuseVendorOrder', reason: 'no' },
      receive('grn-1', [{ sku: 'A', quantity: 1 }]),
      receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 1 }]),
      cancel,
      close(),
      { type: 'AwaitManualGrn', handoverId: 'h-1', lines: [{ sku: 'A', quantity: 1 }] },
    ])('refuses $type', (command) => {
      given([]).when(command).thenThrows({ kind: 'not_found', code: 'PURCHASE_ORDER_NOT_FOUND' });
    });
  });

  describe('LinkVendorOrder', () => {
    it('links the vendor order', () => {
      given([created()]).when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' }).then([vendorOrderLinked()]);
    });

    it('links a vendor order after a refusal of the first release (which left the PO open)', () => {
      given([created(), vendorOrderRefused()]).when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' }).then([vendorOrderLinked()]);
    });

    it('refuses a PO whose vendor order was refused (a refusal cancels it)', () => {
      given([created(), vendorOrderRefused(), poCancelled('Vendor has no Advanced Vendor Panel')])
        .when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' })
        .thenThrows({ kind: 'conflict', code: 'PURCHASE_ORDER_CANCELLED' });
    });

    it('refuses a closed PO, but recognises the vendor order already linked to it', () => {
      given([created(), poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 3 }])])
        .when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' })
        .thenThrows({ kind: 'conflict', code: 'PURCHASE_ORDER_CLOSED' });
      given([created(), vendorOrderLinked(), poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 3 }])])
        .when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' })
        .thenNothingHappened();
    });

    it('does nothing when the same vendor order is linked', () => {
      given([created(), vendorOrderLinked()]).when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' }).thenNothingHappened();
      given([created(), vendorOrderLinked(), poCancelled()]).when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' }).thenNothingHappened();
    });

    it('refuses a cancelled PO', () => {
      given([created(), poCancelled()])
        .when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' })
        .thenThrows({ kind: 'conflict', code: 'PURCHASE_ORDER_CANCELLED' });
    });

    it('refuses a second, different vendor order', () => {
      given([created(), vendorOrderLinked()])
        .when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-2' })
        .thenThrows({ kind: 'conflict', code: 'VENDOR_ORDER_ALREADY_LINKED', field: 'vendorOrderId' });
    });
  });

  describe('RefuseVendorOrder', () => {
    it('records why no vendor order was opened, and cancels the PO with that reason (nothing will come)', () => {
      given([created()])
        .when({ type: 'RefuseVendorOrder', reason: 'Vendor has no Advanced Vendor Panel' })
        .then([vendorOrderRefused(), poCancelled('Vendor has no Advanced Vendor Panel')]);
      const state = stateOf([created(), vendorOrderRefused(), poCancelled('Vendor has no Advanced Vendor Panel')]);
      expect(purchaseOrderStatus(state)).toBe('CANCELLED');
      expect(openQuantity(state, 'A')).toBe(0);
    });

    it('only records the refusal on a PO that already ended', () => {
      given([created(), poCancelled()]).when({ type: 'RefuseVendorOrder', reason: 'Vendor has no Advanced Vendor Panel' }).then([vendorOrderRefused()]);
      given([created(), poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 3 }])])
        .when({ type: 'RefuseVendorOrder', reason: 'Vendor has no Advanced Vendor Panel' })
        .then([vendorOrderRefused()]);
    });

    it('does nothing when already refused', () => {
      given([created(), vendorOrderRefused()]).when({ type: 'RefuseVendorOrder', reason: 'another reason' }).thenNothingHappened();
      given([created(), vendorOrderRefused(), poCancelled()]).when({ type: 'RefuseVendorOrder', reason: 'another reason' }).thenNothingHappened();
    });
  });

  describe('ReceiveGoods', () => {
    it('receives goods up to the open quantity', () => {
      given([created()]).when(receive('grn-1', [{ sku: 'A', quantity: 2 }])).then([goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }])]);
      given([created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }])])
        .when(receive('grn-2', [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 3 }], 'h-2'))
        .then([goodsReceived('grn-2', [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 3 }], 'h-2')]);
    });

    it('recognises a GRN already received', () => {
      const received = [created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 5 }])];
      given(received).when(receive('grn-1', [{ sku: 'A', quantity: 5 }])).thenNothingHappened();
      given([...received, poCancelled()]).when(receive('grn-1', [{ sku: 'A', quantity: 5 }])).thenNothingHappened();
    });

    it('refuses a cancelled PO', () => {
      given([created(), poCancelled()])
        .when(receive('grn-1', [{ sku: 'A', quantity: 1 }]))
        .thenThrows({ kind: 'conflict', code: 'PURCHASE_ORDER_CANCELLED' });
    });

    it('refuses a SKU not on the PO', () => {
      given([created()])
        .when(receive('grn-1', [{ sku: 'A', quantity: 1 }, { sku: 'C', quantity: 1 }]))
        .thenThrows({ kind: 'rule_violated', code: 'SKU_NOT_ON_PURCHASE_ORDER', field: 'lines[1].sku' });
    });

    it('refuses a SKU on two lines', () => {
      given([created()])
        .when(receive('grn-1', [{ sku: 'B', quantity: 1 }, { sku: 'B', quantity: 1 }]))
        .thenThrows({ kind: 'rule_violated', code: 'DUPLICATE_SKU', field: 'lines[1].sku' });
    });

    it('refuses more than the open quantity', () => {
      const error = given([created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 4 }])])
        .when(receive('grn-2', [{ sku: 'B', quantity: 3 }, { sku: 'A', quantity: 2 }]))
        .thenThrows({ kind: 'conflict', code: 'GRN_EXCEEDS_OPEN_QUANTITY', field: 'lines[1].quantity' });
      expect(error.details).toStrictEqual({ sku: 'A', requested: 2, open: 1 });
    });

    it('refuses anything of a line received in full', () => {
      given([created(), goodsReceived('grn-1', [{ sku: 'B', quantity: 3 }])])
        .when(receive('grn-2', [{ sku: 'B', quantity: 1 }]))
        .thenThrows({ kind: 'conflict', code: 'GRN_EXCEEDS_OPEN_QUANTITY', field: 'lines[0].quantity' });
    });

    describe('on a closed PO', () => {
      // Closed with 2 of A kept open: the vendor handed them over before the PO closed.
      const closedKeeping2 = [created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 1 }]), poClosed([{ sku: 'A', closedQuantity: 2 }, { sku: 'B', closedQuantity: 3 }])];

      it('receives what is still open', () => {
        given(closedKeeping2).when(receive('grn-2', [{ sku: 'A', quantity: 2 }], 'h-2')).then([goodsReceived('grn-2', [{ sku: 'A', quantity: 2 }], 'h-2')]);
      });

      it('refuses more than is still open, and anything of a line closed in full', () => {
        const error = given(closedKeeping2)
          .when(receive('grn-2', [{ sku: 'A', quantity: 3 }]))
          .thenThrows({ kind: 'conflict', code: 'GRN_EXCEEDS_OPEN_QUANTITY', field: 'lines[0].quantity' });
        expect(error.details).toStrictEqual({ sku: 'A', requested: 3, open: 2 });
        given(closedKeeping2)
          .when(receive('grn-2', [{ sku: 'B', quantity: 1 }]))
          .thenThrows({ kind: 'conflict', code: 'GRN_EXCEEDS_OPEN_QUANTITY', field: 'lines[0].quantity' });
      });
    });

    describe('up to the open quantity (a vendor handover)', () => {
      it('receives a line in full when it is open', () => {
        given([created()])
          .when(receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 1 }]))
          .then([goodsReceived('grn-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 1 }], 'h-1')]);
      });

      it('caps each line at what is open, and leaves out lines with nothing open', () => {
        given([created(), goodsReceived('grn-0', [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 3 }])])
          .when(receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 2 }]))
          .then([goodsReceived('grn-1', [{ sku: 'A', quantity: 1 }], 'h-1')]);
      });

      it('writes nothing when nothing is open (received in full by a manual GRN)', () => {
        given([created(), goodsReceived('grn-0', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 3 }])])
          .when(receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 5 }]))
          .thenNothingHappened();
      });

      it('receives on a closed PO what it kept open, and nothing beyond', () => {
        given([created(), poClosed([{ sku: 'A', closedQuantity: 3 }, { sku: 'B', closedQuantity: 3 }])])
          .when(receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 3 }]))
          .then([goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }], 'h-1')]);
      });

      it('is not refused on a cancelled PO: nothing is open there, so it writes nothing', () => {
        given([created(), poCancelled()]).when(receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 5 }])).thenNothingHappened();
      });

      it('recognises a GRN already received', () => {
        given([created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 5 }], 'h-1')])
          .when(receiveUpToOpen('grn-1', [{ sku: 'A', quantity: 5 }]))
          .thenNothingHappened();
      });
    });
  });

  describe('EndPurchaseOrder (its source order ended)', () => {
    const end = (keepOpen: Line[] = []): PurchaseOrderCommand => ({ type: 'EndPurchaseOrder', reason: 'Source order ended', keepOpen });

    it('cancels a PO that received nothing and has nothing on its way', () => {
      given([created(), vendorOrderLinked()]).when(end()).then([poCancelled('Source order ended')]);
    });

    it('closes instead, on the PO as it stands, when a GRN came in just before (a manual GRN racing the end)', () => {
      given([created(), vendorOrderLinked(), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }])])
        .when(end())
        .then([poClosed([{ sku: 'A', closedQuantity: 3 }, { sku: 'B', closedQuantity: 3 }])]);
    });

    it('closes keeping open what the vendor handed over and the PO has not received', () => {
      given([created(), vendorOrderLinked()])
        .when(end([{ sku: 'B', quantity: 1 }]))
        .then([poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 2 }])]);
    });

    it('does nothing once the PO ended', () => {
      given([created(), poCancelled()]).when(end()).thenNothingHappened();
      given([created(), poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 3 }])]).when(end()).thenNothingHappened();
    });
  });

  describe('ClosePurchaseOrder', () => {
    it('closes what is still open of each line', () => {
      given([created(), vendorOrderLinked(), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }])])
        .when(close())
        .then([poClosed([{ sku: 'A', closedQuantity: 3 }, { sku: 'B', closedQuantity: 0 }])]);
    });

    it('keeps open what is on its way (keepOpen), closing the rest', () => {
      given([created(), vendorOrderLinked()])
        .when(close([{ sku: 'A', quantity: 2 }]))
        .then([poClosed([{ sku: 'A', closedQuantity: 3 }, { sku: 'B', closedQuantity: 3 }])]);
      // Keeping more open than is open closes nothing of that line.
      given([created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 4 }])])
        .when(close([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 3 }]))
        .then([poClosed([{ sku: 'A', closedQuantity: 0 }, { sku: 'B', closedQuantity: 0 }])]);
    });

    it('does nothing when the PO is already cancelled or closed', () => {
      given([created(), poCancelled()]).when(close()).thenNothingHappened();
      given([created(), poClosed([{ sku: 'A', closedQuantity: 5 }, { sku: 'B', closedQuantity: 3 }])]).when(close()).thenNothingHappened();
    });

    it('leaves open only what it kept: the line view and openQuantity count what was closed', () => {
      const state = stateOf([
        created(),
        goodsReceived('grn-1', [{ sku: 'A', quantity: 1 }]),
        poClosed([{ sku: 'A', closedQuantity: 2 }, { sku: 'B', closedQuantity: 3 }]),
      ]);
      expect(purchaseOrderLines(state)).toStrictEqual([
        { sku: 'A', quantity: 5, receivedQuantity: 1, closedQuantity: 2, roundingSurplus: 0 },
        { sku: 'B', quantity: 3, receivedQuantity: 0, closedQuantity: 3, roundingSurplus: 0 },
      ]);
      expect(openQuantity(state, 'A')).toBe(2);
      expect(openQuantity(state, 'B')).toBe(0);
      expect(purchaseOrderStatus(state)).toBe('CLOSED');
      expect(purchaseOrderEnded(state)).toBe(true);
    });

    it('closes once: a second PurchaseOrderClosed changes nothing', () => {
      const state = stateOf([
        created(),
        poClosed([{ sku: 'A', closedQuantity: 3 }, { sku: 'B', closedQuantity: 3 }], 'first'),
        poClosed([{ sku: 'A', closedQuantity: 2 }, { sku: 'B', closedQuantity: 0 }], 'second'),
      ]);
      expect(openQuantity(state, 'A')).toBe(2);
      expect(state.closure).toBe('first');
    });
  });

  describe('AwaitManualGrn', () => {
    const awaitManual = (handoverId: string, lines: Line[] = [{ sku: 'A', quantity: 2 }]): PurchaseOrderCommand => ({
      type: 'AwaitManualGrn',
      handoverId,
      lines,
    });

    it('records that the goods of a handover wait for the seller\'s GRN', () => {
      given([created(), vendorOrderLinked()]).when(awaitManual('h-1')).then([manualGrnAwaited('h-1', [{ sku: 'A', quantity: 2 }])]);
    });

    it('records it once per handover', () => {
      given([created(), manualGrnAwaited('h-1', [{ sku: 'A', quantity: 2 }])]).when(awaitManual('h-1', [{ sku: 'A', quantity: 9 }])).thenNothingHappened();
      given([created(), manualGrnAwaited('h-1', [{ sku: 'A', quantity: 2 }])])
        .when(awaitManual('h-2', [{ sku: 'B', quantity: 3 }]))
        .then([manualGrnAwaited('h-2', [{ sku: 'B', quantity: 3 }])]);
      expect([...stateOf([created(), manualGrnAwaited('h-1', [{ sku: 'A', quantity: 2 }])]).awaitingManualGrn]).toStrictEqual(['h-1']);
    });

    it('leaves the PO as it was: open, receiving the goods by a manual GRN', () => {
      const state = stateOf([created(), vendorOrderLinked(), manualGrnAwaited('h-1', [{ sku: 'A', quantity: 2 }])]);
      expect(purchaseOrderStatus(state)).toBe('APPROVED');
      expect(openQuantity(state, 'A')).toBe(5);
    });
  });

  describe('CancelPurchaseOrder', () => {
    it('cancels a PO with nothing received', () => {
      given([created(), vendorOrderLinked()]).when(cancel).then([poCancelled()]);
    });

    it('does nothing when already cancelled', () => {
      given([created(), poCancelled()]).when(cancel).thenNothingHappened();
    });

    it('refuses once goods were received', () => {
      given([created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 1 }])])
        .when(cancel)
        .thenThrows({ kind: 'conflict', code: 'GOODS_ALREADY_RECEIVED' });
    });

    it('refuses a closed PO', () => {
      given([created(), poClosed([{ sku: 'A', closedQuantity: 3 }, { sku: 'B', closedQuantity: 3 }])])
        .when(cancel)
        .thenThrows({ kind: 'conflict', code: 'PURCHASE_ORDER_CLOSED' });
    });

    it('leaves nothing open on a cancelled PO', () => {
      const state = stateOf([created(), poCancelled()]);
      expect([openQuantity(state, 'A'), openQuantity(state, 'B')]).toStrictEqual([0, 0]);
      expect(purchaseOrderEnded(state)).toBe(true);
    });
  });

  describe('status and lines', () => {
    it('is APPROVED when created, with a vendor order linked, and after a refusal of the first release', () => {
      expect(purchaseOrderStatus(stateOf([created()]))).toBe('APPROVED');
      expect(purchaseOrderStatus(stateOf([created(), vendorOrderLinked()]))).toBe('APPROVED');
      expect(purchaseOrderStatus(stateOf([created(), vendorOrderRefused()]))).toBe('APPROVED');
      expect(purchaseOrderExists(stateOf([]))).toBe(false);
      expect(purchaseOrderEnded(stateOf([created(), vendorOrderLinked()]))).toBe(false);
    });

    it('is PARTIALLY_RECEIVED once anything is received', () => {
      expect(purchaseOrderStatus(stateOf([created(), goodsReceived('grn-1', [{ sku: 'B', quantity: 3 }])]))).toBe('PARTIALLY_RECEIVED');
    });

    it('is RECEIVED when every line is received in full', () => {
      const events = [
        created(),
        goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }]),
        goodsReceived('grn-2', [{ sku: 'A', quantity: 3 }]),
      ];
      expect(purchaseOrderStatus(stateOf(events))).toBe('RECEIVED');
    });

    it('is CANCELLED once cancelled', () => {
      expect(purchaseOrderStatus(stateOf([created(), vendorOrderLinked(), poCancelled()]))).toBe('CANCELLED');
    });

    it('is CLOSED once closed, even when everything open was received since', () => {
      const events = [created(), goodsReceived('grn-1', [{ sku: 'A', quantity: 3 }]), poClosed([{ sku: 'A', closedQuantity: 0 }, { sku: 'B', closedQuantity: 3 }])];
      expect(purchaseOrderStatus(stateOf(events))).toBe('CLOSED');
      expect(purchaseOrderStatus(stateOf([...events, goodsReceived('grn-2', [{ sku: 'A', quantity: 2 }])]))).toBe('CLOSED');
    });

    it('lists each line with what was received, and the open quantity', () => {
      const state = stateOf([
        created(),
        goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }]),
        goodsReceived('grn-2', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 3 }], 'h-2'),
      ]);
      expect(purchaseOrderLines(state)).toStrictEqual([
        { sku: 'A', quantity: 5, receivedQuantity: 3, closedQuantity: 0, roundingSurplus: 0 },
        { sku: 'B', quantity: 3, receivedQuantity: 3, closedQuantity: 0, roundingSurplus: 0 },
      ]);
      expect(openQuantity(state, 'A')).toBe(2);
      expect(openQuantity(state, 'B')).toBe(0);
      expect(openQuantity(state, 'C')).toBe(0);
      expect(state.grns.map((grn) => grn.grnId)).toStrictEqual(['grn-1', 'grn-2']);
      expect(state.created?.sourceOrderId).toBe('order-1');
    });
  });
});
