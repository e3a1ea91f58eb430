import {
  openQuantity,
  purchaseOrderDecider,
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
const cancel: PurchaseOrderCommand = { type: 'CancelPurchaseOrder', reason: 'Source order cancelled' };

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
      cancel,
    ])('refuses $type', (command) => {
      given([]).when(command).thenThrows({ kind: 'not_found', code: 'PURCHASE_ORDER_NOT_FOUND' });
    });
  });

  describe('LinkVendorOrder', () => {
    it('links the vendor order', () => {
      given([created()]).when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' }).then([vendorOrderLinked()]);
    });

    it('links a vendor order after an earlier refusal', () => {
      given([created(), vendorOrderRefused()]).when({ type: 'LinkVendorOrder', vendorOrderId: 'vo-1' }).then([vendorOrderLinked()]);
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
    it('records why no vendor order was opened', () => {
      given([created()]).when({ type: 'RefuseVendorOrder', reason: 'Vendor has no Advanced Vendor Panel' }).then([vendorOrderRefused()]);
    });

    it('does nothing when already refused', () => {
      given([created(), vendorOrderRefused()]).when({ type: 'RefuseVendorOrder', reason: 'another reason' }).thenNothingHappened();
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
  });

  describe('status and lines', () => {
    it('is APPROVED when created, and with a vendor order linked or refused', () => {
      expect(purchaseOrderStatus(stateOf([created()]))).toBe('APPROVED');
      expect(purchaseOrderStatus(stateOf([created(), vendorOrderLinked()]))).toBe('APPROVED');
      expect(purchaseOrderStatus(stateOf([created(), vendorOrderRefused()]))).toBe('APPROVED');
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

    it('lists each line with what was received, and the open quantity', () => {
      const state = stateOf([
        created(),
        goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }]),
        goodsReceived('grn-2', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 3 }], 'h-2'),
      ]);
      expect(purchaseOrderLines(state)).toStrictEqual([
        { sku: 'A', quantity: 5, receivedQuantity: 3 },
        { sku: 'B', quantity: 3, receivedQuantity: 3 },
      ]);
      expect(openQuantity(state, 'A')).toBe(2);
      expect(openQuantity(state, 'B')).toBe(0);
      expect(openQuantity(state, 'C')).toBe(0);
      expect(state.grns.map((grn) => grn.grnId)).toStrictEqual(['grn-1', 'grn-2']);
      expect(state.created?.sourceOrderId).toBe('order-1');
    });
  });
});
