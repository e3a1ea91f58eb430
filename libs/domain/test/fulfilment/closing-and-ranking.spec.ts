/**
 * The wave-2 rules of libs/domain: ranked vendors (RankVendors, the choice of vendor, rounding,
 * expectedAt), what a PO brings its order without the rounding surplus, and closing short
 * (CloseOrderShort, RecordVendorClosedShort, RequestPurchaseOrderClose, the PO's closing).
 */
import { accountDecider } from '../../src/account/account.decider';
import { AccountEvent } from '../../src/account/account.events';
import { closedForSourceOrder, closingForEndedVendorOrder } from '../../src/fulfilment/closing';
import { onOrderFrom } from '../../src/fulfilment/on-order';
import { expectedAtFor, purchaseDecision } from '../../src/fulfilment/purchasing';
import { planPurchase, roundedQuantity } from '../../src/order/backorder-policy';
import { closedShortOf, orderDecider, vendorsClosedShortOn } from '../../src/order/order.decider';
import { OrderEvent } from '../../src/order/order.events';
import { purchaseOrderDecider } from '../../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../../src/purchase-order/purchase-order.events';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { DeciderSpecification } from '../decider-spec';
import {
  goodsReceived,
  orderCancelled,
  orderHandedOver,
  orderOf,
  orderPlaced,
  partlyAssigned,
  poCreated,
  poOf,
  vendorOrderLinked,
  vendorOrderPlaced,
  inventoryAssigned,
  roundCompleted,
} from './fixtures';

const terms = (vendorAccountId: string, more: { leadTimeDays?: number; minOrderQuantity?: number; packSize?: number } = {}) => ({
  vendorAccountId,
  leadTimeDays: 7,
  minOrderQuantity: 1,
  packSize: 1,
  ...more,
});
const buying = { ...DEFAULT_SETTINGS, autoPoVendorLevel: true };

describe('RankVendors (account decider)', () => {
  const given = DeciderSpecification.for(accountDecider, AccountEvent);
  const opened: AccountEvent = {
    type: 'AccountOpened',
    data: { accountId: 'S', name: 'S', accountType: 'seller', settings: DEFAULT_SETTINGS, apiKeyHash: 'a'.repeat(64), locationId: 'main', binId: 'default' },
  };
  const vendor = (accountId: string) => ({ accountId, accountType: 'vendor' as const });

  it('replaces the list; the same list again writes nothing; a VendorMapped is a list of one', () => {
    const vendors = [{ vendorAccountId: 'V1', packSize: 6 }, { vendorAccountId: 'V2' }];
    given([opened])
      .when({ type: 'RankVendors', sku: 'A', vendors, candidates: [vendor('V1'), vendor('V2')] })
      .then([{ type: 'VendorsRanked', data: { sku: 'A', vendors } }]);
    given([opened, { type: 'VendorsRanked', data: { sku: 'A', vendors } }])
      .when({ type: 'RankVendors', sku: 'A', vendors, candidates: [vendor('V1'), vendor('V2')] })
      .thenNothingHappened();
    given([opened, { type: 'VendorMapped', data: { sku: 'A', vendorAccountId: 'V1' } }])
      .when({ type: 'RankVendors', sku: 'A', vendors: [{ vendorAccountId: 'V1' }], candidates: [vendor('V1')] })
      .thenNothingHappened();
  });

  it('refuses a repeated vendor, a non-vendor, itself and a list of more than 10, naming the entry', () => {
    given([opened])
      .when({ type: 'RankVendors', sku: 'A', vendors: [{ vendorAccountId: 'V1' }, { vendorAccountId: 'V1' }], candidates: [vendor('V1'), vendor('V1')] })
      .thenThrows({ kind: 'rule_violated', code: 'DUPLICATE_VENDOR', field: 'vendors[1].vendorAccountId' });
    given([opened])
      .when({ type: 'RankVendors', sku: 'A', vendors: [{ vendorAccountId: 'V1' }, { vendorAccountId: 'S2' }], candidates: [vendor('V1'), { accountId: 'S2', accountType: 'seller' }] })
      .thenThrows({ kind: 'rule_violated', code: 'NOT_A_VENDOR', field: 'vendors[1].vendorAccountId' });
    given([opened])
      .when({ type: 'RankVendors', sku: 'A', vendors: [{ vendorAccountId: 'S' }], candidates: [{ accountId: 'S', accountType: 'seller' }] })
      .thenThrows({ kind: 'rule_violated', code: 'VENDOR_IS_SELF' });
    const eleven = Array.from({ length: 11 }, (_, i) => ({ vendorAccountId: `V${i}` }));
    given([opened])
      .when({ type: 'RankVendors', sku: 'A', vendors: eleven, candidates: eleven.map((v) => vendor(v.vendorAccountId)) })
      .thenThrows({ kind: 'rule_violated', code: 'VENDOR_LIST_SIZE' });
  });
});

describe('choosing the vendor (planPurchase)', () => {
  const plan = (vendors: ReturnType<typeof terms>[], more: Partial<Parameters<typeof planPurchase>[1]> = {}) =>
    planPurchase([{ sku: 'A', quantity: 3 }], { settings: buying, vendorsOf: () => vendors, chain: ['S'], ...more });

  it('takes the first vendor not in the chain, not closed short, a vendor account and eligible; reports the others', () => {
    const standing = { V1: 'NOT_A_VENDOR', V2: 'NOT_ELIGIBLE', V4: 'ELIGIBLE', V5: 'ELIGIBLE' } as const;
    const chosen = plan([terms('S'), terms('V1'), terms('V2'), terms('V3'), terms('V4'), terms('V5')], {
      standingOf: (id) => standing[id as 'V1'] ?? 'ELIGIBLE',
      closedShortOn: () => new Set(['V3']),
    });
    expect([...chosen.byVendor.keys()]).toEqual(['V4']);
    expect(chosen.skipped).toEqual([
      { sku: 'A', vendorAccountId: 'S', reason: 'IN_CHAIN' },
      { sku: 'A', vendorAccountId: 'V1', reason: 'NOT_A_VENDOR' },
      { sku: 'A', vendorAccountId: 'V2', reason: 'NOT_ELIGIBLE' },
      { sku: 'A', vendorAccountId: 'V3', reason: 'CLOSED_SHORT' },
    ]);
    expect(chosen.reasons).toEqual([]);
  });

  it('with none left: VENDOR_CLOSED_SHORT when one closed short, else VENDOR_NOT_ELIGIBLE', () => {
    expect(plan([terms('V1')], { closedShortOn: () => new Set(['V1']) }).reasons).toEqual([{ sku: 'A', reason: 'VENDOR_CLOSED_SHORT' }]);
    expect(plan([terms('S')]).reasons).toEqual([{ sku: 'A', reason: 'VENDOR_NOT_ELIGIBLE' }]);
    expect(plan([terms('V1')], { standingOf: () => 'NOT_A_VENDOR' }).reasons).toEqual([{ sku: 'A', reason: 'VENDOR_NOT_ELIGIBLE' }]);
  });

  it('still buys from the first vendor failing only on its settings when no other is left (its PO then records why)', () => {
    const chosen = plan([terms('V1'), terms('V2')], { standingOf: () => 'NOT_ELIGIBLE' });
    expect([...chosen.byVendor.keys()]).toEqual(['V1']);
    expect(chosen.skipped).toEqual([{ sku: 'A', vendorAccountId: 'V2', reason: 'NOT_ELIGIBLE' }]);
  });

  it('rounds up to the minimum order quantity, then to the pack size', () => {
    expect(roundedQuantity(3, { minOrderQuantity: 1, packSize: 1 })).toBe(3);
    expect(roundedQuantity(3, { minOrderQuantity: 10, packSize: 1 })).toBe(10);
    expect(roundedQuantity(3, { minOrderQuantity: 4, packSize: 6 })).toBe(6);
    expect(roundedQuantity(13, { minOrderQuantity: 4, packSize: 6 })).toBe(18);
    expect(roundedQuantity(999_999_999, { minOrderQuantity: 1, packSize: 1_000_000 })).toBe(1_000_000_000);
    // Past the largest quantity a line may hold, the vendor gets what is needed.
    expect(roundedQuantity(1_000_000_000, { minOrderQuantity: 1, packSize: 7 })).toBe(1_000_000_000);
  });
});

describe('purchaseDecision with ranked vendors', () => {
  it('records the surplus, expectedAt from the decision time and lead time, the vendors passed over, and excludes vendors that closed short on the line', () => {
    const closed: OrderEvent = { type: 'VendorClosedShort', data: { purchaseOrderId: 'po-0', vendorAccountId: 'V1', lines: [{ sku: 'A', quantity: 3 }] } };
    const order = orderOf([orderPlaced({ lines: [{ sku: 'A', quantity: 5 }] }), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1), closed]);
    const decision = purchaseDecision(order, 2, {
      settings: buying,
      vendorsOf: () => [terms('V1'), terms('V2', { leadTimeDays: 3, packSize: 4 })],
      onOrder: () => 0,
      reserved: () => 0,
      decidedAt: '2024-05-01T10:00:00.000Z',
    })!;
    expect(decision.purchaseOrders).toMatchObject([{ vendorAccountId: 'V2', lines: [{ sku: 'A', quantity: 4 }], rounding: [{ sku: 'A', surplus: 1 }], expectedAt: '2024-05-04T10:00:00.000Z' }]);
    expect(decision.passedOver).toEqual([{ sku: 'A', vendorAccountId: 'V1', reason: 'CLOSED_SHORT' }]);
    expect(expectedAtFor('2024-05-01T10:00:00.000Z', 7)).toBe('2024-05-08T10:00:00.000Z');
  });
});

describe('what a PO brings its order: never the rounding surplus', () => {
  const rounded: PurchaseOrderEvent = { ...poCreated([{ sku: 'A', quantity: 6 }]), data: { ...poCreated().data, lines: [{ sku: 'A', quantity: 6 }], rounding: [{ sku: 'A', surplus: 3 }] } } as PurchaseOrderEvent;
  it('counts the needed part only, received first and closed last', () => {
    expect(onOrderFrom([poOf([rounded])])('A')).toBe(3);
    expect(onOrderFrom([poOf([rounded, goodsReceived('g1', [{ sku: 'A', quantity: 2 }])])])('A')).toBe(1);
    expect(onOrderFrom([poOf([rounded, goodsReceived('g1', [{ sku: 'A', quantity: 4 }])])])('A')).toBe(0);
    // Received, not yet in its bin: only the needed part is still to come for the order.
    expect(onOrderFrom([poOf([rounded, goodsReceived('g1', [{ sku: 'A', quantity: 6 }])])], () => false)('A')).toBe(3);
    // Closing takes the surplus first.
    expect(onOrderFrom([poOf([rounded, { type: 'PurchaseOrderClosed', data: { reason: 'r', lines: [{ sku: 'A', closedQuantity: 2 }] } }])])('A')).toBe(3);
  });
});

describe('closing short (order decider)', () => {
  const given = DeciderSpecification.for(orderDecider, OrderEvent);
  const handedOver = [...partlyAssigned, orderHandedOver('h1', [{ sku: 'A', quantity: 2 }])];

  it('closes short after a partial handover, cancels with none, and is 409 when nothing is left to close', () => {
    given(handedOver).when({ type: 'CloseOrderShort', reason: 'no more' }).then([{ type: 'OrderClosedShort', data: { reason: 'no more' } }]);
    given(partlyAssigned).when({ type: 'CloseOrderShort', reason: 'no more' }).then([{ type: 'OrderCancelled', data: { bins: [{ sku: 'A', locationId: 'main', binId: 'default' }] } }]);
    given([...handedOver, { type: 'OrderClosedShort', data: { reason: 'x' } }]).when({ type: 'CloseOrderShort', reason: 'again' }).thenNothingHappened();
    given([...partlyAssigned, orderCancelled]).when({ type: 'CloseOrderShort', reason: 'x' }).thenThrows({ kind: 'conflict', code: 'ORDER_CANCELLED' });
    const all = [orderPlaced({ lines: [{ sku: 'A', quantity: 2 }] }), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1), orderHandedOver('h1', [{ sku: 'A', quantity: 2 }])];
    given(all).when({ type: 'CloseOrderShort', reason: 'x' }).thenThrows({ kind: 'conflict', code: 'ORDER_HANDED_OVER' });
  });

  it('records a PO closed short once, with a round that sources it again', () => {
    const command = { type: 'RecordVendorClosedShort' as const, purchaseOrderId: 'po-1', vendorAccountId: 'V', lines: [{ sku: 'A', quantity: 3 }] };
    const recorded: OrderEvent = { type: 'VendorClosedShort', data: { purchaseOrderId: 'po-1', vendorAccountId: 'V', lines: [{ sku: 'A', quantity: 3 }] } };
    given(partlyAssigned).when(command).then([recorded, { type: 'InventoryAssignmentRequested', data: {} }]);
    given([...partlyAssigned, recorded, { type: 'InventoryAssignmentRequested', data: {} }]).when(command).thenNothingHappened();
    given([...partlyAssigned, orderCancelled]).when(command).thenNothingHappened();
    const state = orderOf([...partlyAssigned, recorded]);
    expect(closedShortOf(state, 'A')).toBe(3);
    expect([...vendorsClosedShortOn(state, 'A')]).toEqual(['V']);
    expect([...vendorsClosedShortOn(state, 'B')]).toEqual([]);
  });
});

describe('closing a PO', () => {
  const given = DeciderSpecification.for(purchaseOrderDecider, PurchaseOrderEvent);
  const created = poCreated([{ sku: 'A', quantity: 5 }]);

  it('a close request is recorded once; 409 on a cancelled PO or one received in full', () => {
    given([created]).when({ type: 'RequestPurchaseOrderClose', reason: 'slow' }).then([{ type: 'PurchaseOrderCloseRequested', data: { reason: 'slow' } }]);
    given([created, { type: 'PurchaseOrderCloseRequested', data: { reason: 'slow' } }]).when({ type: 'RequestPurchaseOrderClose', reason: 'again' }).thenNothingHappened();
    given([created, { type: 'PurchaseOrderCancelled', data: { reason: 'x' } }]).when({ type: 'RequestPurchaseOrderClose', reason: 'x' }).thenThrows({ kind: 'conflict', code: 'PURCHASE_ORDER_CANCELLED' });
    given([created, goodsReceived('g1', [{ sku: 'A', quantity: 5 }])]).when({ type: 'RequestPurchaseOrderClose', reason: 'x' }).thenThrows({ kind: 'conflict', code: 'NOTHING_OPEN' });
  });

  it('closes short keeping open what the ended vendor order handed over; says what will not come for the order', () => {
    const vendorOrder = orderOf([
      vendorOrderPlaced([{ sku: 'A', quantity: 5 }]),
      inventoryAssigned('r1-A', 'A', 2),
      roundCompleted(1),
      orderHandedOver('h1', [{ sku: 'A', quantity: 2 }]),
      { type: 'OrderClosedShort', data: { reason: 'no more' } },
    ]);
    const po = poOf([created, vendorOrderLinked()]);
    const closing = closingForEndedVendorOrder(vendorOrder, po)!;
    expect(closing.keepOpen).toEqual([{ sku: 'A', quantity: 2 }]);
    expect(closing.reason).toMatch(/closed short by V/);
    const closed = poOf([created, vendorOrderLinked(), ...purchaseOrderDecider.decide({ type: 'ClosePurchaseOrder', reason: closing.reason, keepOpen: closing.keepOpen, closedShort: true }, po)]);
    expect(closedForSourceOrder(closed)).toEqual([{ sku: 'A', quantity: 3 }]);
    // Nothing to close for an open vendor order, or once the PO ended.
    expect(closingForEndedVendorOrder(orderOf([vendorOrderPlaced([{ sku: 'A', quantity: 5 }])]), po)).toBeUndefined();
    expect(closingForEndedVendorOrder(vendorOrder, closed)).toBeUndefined();
  });
});
