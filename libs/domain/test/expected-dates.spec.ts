/**
 * Expected dates (docs/product.md, "Expected dates"): a line's eta is the latest expectedAt of the
 * open POs that bring it, null when none does or nothing is pending; late when its UTC date is after
 * requiredBy; every change is an OrderLineEtaChanged in the append that caused it, and none is
 * written when nothing changes. A vendor promises on its vendor order; a PO's date follows the
 * promise, or the later of its lead-time date and its vendor order's own eta.
 */
import { lineEtas, orderDecider } from '../src/order/order.decider';
import { OrderEvent } from '../src/order/order.events';
import { purchaseOrderDecider } from '../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../src/purchase-order/purchase-order.events';
import { expectedAtForVendorOrder, purchaseOrderProgressOf } from '../src/fulfilment/expected-dates';
import { fold } from '../src/shared/decider';
import { notificationsOf } from '../src/webhook/webhook-mapping';
import { specFor } from './order-spec-helpers';

const given = specFor(orderDecider, OrderEvent);
const givenPo = specFor(purchaseOrderDecider, PurchaseOrderEvent);

const JUNE_3 = '2024-06-03T10:00:00.000Z';
const JUNE_5 = '2024-06-05T10:00:00.000Z';
const JUNE_9 = '2024-06-09T10:00:00.000Z';

const placed = (overrides: Partial<Extract<OrderEvent, { type: 'OrderPlaced' }>['data']> = {}): OrderEvent => ({
  type: 'OrderPlaced',
  data: { orderId: 'o1', accountId: 'S', lines: [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 2 }], requestHash: 'h', awaitingApproval: false, requiredBy: '2024-06-04', ...overrides },
});
const completed = (round = 1): OrderEvent => ({ type: 'InventoryAssignmentCompleted', data: { round } });
const linked = (purchaseOrderId: string, expectedAt: string | undefined, lines = [{ sku: 'A', quantity: 5 }], round = 1): OrderEvent => ({
  type: 'PurchaseOrderLinked',
  data: { purchaseOrderId, vendorAccountId: 'V', accountId: 'S', lines, round, ...(expectedAt === undefined ? {} : { expectedAt }) },
});
const eta = (sku: string, value: string | null, previous: string | null, late: boolean): OrderEvent => ({ type: 'OrderLineEtaChanged', data: { sku, eta: value, previous, late } });
const buy = (round: number, purchaseOrderId: string, expectedAt?: string, lines = [{ sku: 'A', quantity: 5 }]) => ({
  type: 'RecordPurchaseDecision' as const,
  round,
  purchaseOrders: [{ purchaseOrderId, vendorAccountId: 'V', accountId: 'S', lines, ...(expectedAt === undefined ? {} : { expectedAt }) }],
  reasons: [],
});
const progress = (purchaseOrderId: string, expectedAt: string | undefined, openSkus: string[]) => ({
  type: 'RecordPurchaseOrderProgress' as const,
  purchaseOrderId,
  ...(expectedAt === undefined ? {} : { expectedAt }),
  openSkus,
});

describe('a line\'s eta', () => {
  it('a new PO sets the eta of the lines it brings, in the same append; late when its UTC date is after requiredBy', () => {
    given([placed(), completed()])
      .when(buy(1, 'po1', JUNE_5))
      .then([linked('po1', JUNE_5), eta('A', JUNE_5, null, true)]);
    given([placed({ requiredBy: '2024-06-05' }), completed()])
      .when(buy(1, 'po1', JUNE_5))
      .then([linked('po1', JUNE_5), eta('A', JUNE_5, null, false)]);
    // Without requiredBy nothing is late.
    const { requiredBy: _none, ...withoutDate } = (placed() as Extract<OrderEvent, { type: 'OrderPlaced' }>).data;
    given([{ type: 'OrderPlaced', data: withoutDate }, completed()]).when(buy(1, 'po1', JUNE_9)).then([linked('po1', JUNE_9), eta('A', JUNE_9, null, false)]);
  });

  it('"after" is by UTC date: the last instant of requiredBy is on time, the first of the next day is late', () => {
    const lateOf = (expectedAt: string) => lineEtas(fold(orderDecider, [placed(), completed(), linked('po1', expectedAt)]))[0]!.late;
    expect(lateOf('2024-06-04T23:59:59.999Z')).toBe(false);
    expect(lateOf('2024-06-05T00:00:00.000Z')).toBe(true);
  });

  it('is the latest expectedAt of the open POs that bring it', () => {
    const history = [placed(), completed(), linked('po1', JUNE_5, [{ sku: 'A', quantity: 2 }]), eta('A', JUNE_5, null, true), { type: 'InventoryAssignmentRequested', data: {} } as OrderEvent, completed(2)];
    given(history)
      .when(buy(2, 'po2', JUNE_3, [{ sku: 'A', quantity: 3 }]))
      .then([linked('po2', JUNE_3, [{ sku: 'A', quantity: 3 }], 2)]);
    given(history)
      .when(buy(2, 'po2', JUNE_9, [{ sku: 'A', quantity: 3 }]))
      .then([linked('po2', JUNE_9, [{ sku: 'A', quantity: 3 }], 2), eta('A', JUNE_9, JUNE_5, true)]);
  });

  it('moves with the PO\'s date, and is null once no open PO brings it (received in full, closed, cancelled)', () => {
    const history = [placed(), completed(), linked('po1', JUNE_5), eta('A', JUNE_5, null, true)];
    given(history)
      .when(progress('po1', JUNE_3, ['A']))
      .then([{ type: 'PurchaseOrderProgressRecorded', data: { purchaseOrderId: 'po1', expectedAt: JUNE_3, openSkus: ['A'] } }, eta('A', JUNE_3, JUNE_5, false)]);
    given(history)
      .when(progress('po1', JUNE_5, []))
      .then([{ type: 'PurchaseOrderProgressRecorded', data: { purchaseOrderId: 'po1', expectedAt: JUNE_5, openSkus: [] } }, eta('A', null, JUNE_5, false)]);
    // A PO closed short brings nothing more.
    given(history)
      .when({ type: 'RecordVendorClosedShort', purchaseOrderId: 'po1', vendorAccountId: 'V', lines: [{ sku: 'A', quantity: 5 }] })
      .then([
        { type: 'VendorClosedShort', data: { purchaseOrderId: 'po1', vendorAccountId: 'V', lines: [{ sku: 'A', quantity: 5 }] } },
        { type: 'InventoryAssignmentRequested', data: {} },
        eta('A', null, JUNE_5, false),
      ]);
  });

  it('is null with nothing pending, and once the order ended', () => {
    const history = [placed(), completed(), linked('po1', JUNE_5), eta('A', JUNE_5, null, true), { type: 'InventoryAssignmentRequested', data: { grnId: 'g1' } } as OrderEvent];
    given(history)
      .when({ type: 'CompleteInventoryAssignment', round: 2, assignments: [{ assignmentId: 'x', sku: 'A', locationId: 'main', binId: 'default', quantity: 5, source: 'backorder', grnId: 'g1' }] })
      .then([
        { type: 'InventoryAssigned', data: { assignmentId: 'x', sku: 'A', locationId: 'main', binId: 'default', quantity: 5, source: 'backorder', grnId: 'g1' } },
        completed(2),
        eta('A', null, JUNE_5, false),
      ]);
    given(history.slice(0, 4))
      .when({ type: 'CancelOrder', reservationBins: [] })
      .then([{ type: 'OrderCancelled', data: { bins: [] } }, eta('A', null, JUNE_5, false)]);
  });

  it('writes nothing when nothing changes', () => {
    const history = [placed(), completed(), linked('po1', JUNE_5), eta('A', JUNE_5, null, true)];
    given(history).when(progress('po1', JUNE_5, ['A'])).thenNothingHappened();
    // A change that leaves the eta as it is: no eta event beside it.
    given(history).when({ type: 'RecordPendingReason', sku: 'A', reason: 'AWAITING_VENDOR' }).then([{ type: 'PendingReasonRecorded', data: { sku: 'A', reason: 'AWAITING_VENDOR' } }]);
    // A PO the order does not know, or an order that ended: nothing.
    given(history).when(progress('po-other', JUNE_3, ['A'])).thenNothingHappened();
    given([...history, { type: 'OrderCancelled', data: { bins: [] } }, eta('A', null, JUNE_5, false)]).when(progress('po1', JUNE_3, ['A'])).thenNothingHappened();
    // A PO without a date gives no eta.
    given([placed(), completed()]).when(buy(1, 'po1')).then([linked('po1', undefined)]);
  });
});

describe('a vendor\'s promise', () => {
  const vendorOrder = placed({ orderId: 'vo1', accountId: 'V', source: { purchaseOrderId: 'po1', sellerAccountId: 'S' }, requiredBy: undefined });
  const promise = { type: 'PromiseDelivery' as const, promisedAt: JUNE_3 };

  it('is recorded on a vendor order; the same date again writes nothing, another replaces it', () => {
    given([vendorOrder]).when(promise).then([{ type: 'DeliveryPromised', data: { promisedAt: JUNE_3 } }]);
    given([vendorOrder, { type: 'DeliveryPromised', data: { promisedAt: JUNE_3 } }]).when(promise).thenNothingHappened();
    given([vendorOrder, { type: 'DeliveryPromised', data: { promisedAt: JUNE_3 } }]).when({ ...promise, promisedAt: JUNE_5 }).then([{ type: 'DeliveryPromised', data: { promisedAt: JUNE_5 } }]);
  });

  it('is refused on an order that is not a vendor order, or one cancelled, closed short or handed over in full', () => {
    given([placed()]).when(promise).thenThrows({ kind: 'conflict', code: 'NOT_A_VENDOR_ORDER' });
    given([vendorOrder, { type: 'OrderCancelled', data: { bins: [] } }]).when(promise).thenThrows({ kind: 'conflict', code: 'ORDER_CANCELLED' });
    given([vendorOrder, { type: 'OrderClosedShort', data: { reason: 'no' } }]).when(promise).thenThrows({ kind: 'conflict', code: 'ORDER_CLOSED_SHORT' });
    const handedOver: OrderEvent[] = [
      vendorOrder,
      { type: 'InventoryAssigned', data: { assignmentId: 'a', sku: 'A', locationId: 'main', binId: 'default', quantity: 5, source: 'stock' } },
      { type: 'InventoryAssigned', data: { assignmentId: 'b', sku: 'B', locationId: 'main', binId: 'default', quantity: 2, source: 'stock' } },
      completed(),
      { type: 'OrderHandedOver', data: { handoverId: 'h', lines: [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 2 }], bins: [{ sku: 'A', locationId: 'main', binId: 'default', quantity: 5 }, { sku: 'B', locationId: 'main', binId: 'default', quantity: 2 }] } },
    ];
    given(handedOver).when(promise).thenThrows({ kind: 'conflict', code: 'ORDER_HANDED_OVER' });
    given([]).when(promise).thenThrows({ kind: 'not_found', code: 'ORDER_NOT_FOUND' });
  });
});

describe('a PO\'s expectedAt', () => {
  const created: PurchaseOrderEvent = {
    type: 'PurchaseOrderCreated',
    data: { purchaseOrderId: 'po1', sellerAccountId: 'S', vendorAccountId: 'V', sourceOrderId: 'o1', lines: [{ sku: 'A', quantity: 5 }], expectedAt: JUNE_3 },
  };
  const move = (expectedAt: string, cause: 'PROMISED' | 'VENDOR_SUPPLY' = 'PROMISED') => ({ type: 'MoveExpectedAt' as const, expectedAt, cause });

  it('moves with its previous date and cause; the same date again, or a PO that ended or has nothing open, writes nothing', () => {
    givenPo([created]).when(move(JUNE_5)).then([{ type: 'PurchaseOrderExpectedAtChanged', data: { expectedAt: JUNE_5, previous: JUNE_3, cause: 'PROMISED' } }]);
    givenPo([created]).when(move(JUNE_3, 'VENDOR_SUPPLY')).thenNothingHappened();
    givenPo([created, { type: 'PurchaseOrderCancelled', data: { reason: 'x' } }]).when(move(JUNE_5)).thenNothingHappened();
    givenPo([created, { type: 'GoodsReceived', data: { grnId: 'g', lines: [{ sku: 'A', quantity: 5 }], locationId: 'main', binId: 'default', receivedAt: JUNE_3 } }]).when(move(JUNE_5)).thenNothingHappened();
  });

  it('is told to the source order with the SKUs it still brings (none once it ended)', () => {
    const moved = fold(purchaseOrderDecider, [created, { type: 'PurchaseOrderExpectedAtChanged', data: { expectedAt: JUNE_5, previous: JUNE_3, cause: 'PROMISED' } }]);
    expect(purchaseOrderProgressOf(moved)).toEqual({ expectedAt: JUNE_5, openSkus: ['A'] });
    expect(purchaseOrderProgressOf(fold(purchaseOrderDecider, [created, { type: 'PurchaseOrderClosed', data: { reason: 'x', lines: [{ sku: 'A', closedQuantity: 5 }] } }]))).toEqual({ expectedAt: JUNE_3, openSkus: [] });
  });

  describe('follows its vendor order', () => {
    const po = fold(purchaseOrderDecider, [created]);
    const vendorOrder = placed({ orderId: 'vo1', accountId: 'V1', source: { purchaseOrderId: 'po1', sellerAccountId: 'S' }, requiredBy: undefined });
    // V1 buys A from V2 on a PO expected at `expectedAt`.
    const short = (expectedAt: string): OrderEvent[] => [vendorOrder, completed(), linked('po2', expectedAt, [{ sku: 'A', quantity: 5 }])];

    it('its vendor\'s own supply: the later of the lead-time date and the vendor order\'s eta (no transit time added)', () => {
      expect(expectedAtForVendorOrder(fold(orderDecider, short(JUNE_9)), po)).toEqual({ expectedAt: JUNE_9, cause: 'VENDOR_SUPPLY' });
      expect(expectedAtForVendorOrder(fold(orderDecider, short('2024-06-01T00:00:00.000Z')), po)).toEqual({ expectedAt: JUNE_3, cause: 'VENDOR_SUPPLY' });
      expect(expectedAtForVendorOrder(fold(orderDecider, [vendorOrder]), po)).toEqual({ expectedAt: JUNE_3, cause: 'VENDOR_SUPPLY' });
    });

    it('a promise stands over the vendor\'s supply, earlier or later', () => {
      const promised = fold(orderDecider, [...short(JUNE_9), { type: 'DeliveryPromised', data: { promisedAt: JUNE_5 } }]);
      expect(expectedAtForVendorOrder(promised, po)).toEqual({ expectedAt: JUNE_5, cause: 'PROMISED' });
    });

    it('nothing for an order that is not this PO\'s vendor order', () => {
      expect(expectedAtForVendorOrder(fold(orderDecider, [placed()]), po)).toBeUndefined();
      expect(expectedAtForVendorOrder(fold(orderDecider, [placed({ source: { purchaseOrderId: 'po-other', sellerAccountId: 'S' } })]), po)).toBeUndefined();
    });
  });
});

describe('the webhook', () => {
  it('an OrderLineEtaChanged tells order.eta_changed with the change', () => {
    const history = [placed(), completed(), linked('po1', JUNE_5)];
    const before = fold(orderDecider, history);
    const event = eta('A', JUNE_5, null, true);
    const told = notificationsOf({ kind: 'order', accountId: 'S', orderId: 'o1', event, before, after: orderDecider.evolve(before, event) });
    expect(told).toEqual([{ type: 'order.eta_changed', data: expect.objectContaining({ orderId: 'o1', change: { sku: 'A', eta: JUNE_5, previous: null, late: true } }) }]);
  });
});
