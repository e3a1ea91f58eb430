/**
 * A line change after the PO, in the pure rules: the order's decision (ChangeOrderLine, and a
 * round that over-assigns a line reduced meanwhile), the PO's reduction (ReducePurchaseOrderLine),
 * the bin's release of assigned units (ReleaseAssigned), and what the process manager cuts where
 * (fulfilment/line-changes.ts). Given events, when command, then events or error.
 */
import { binDecider } from '../../src/bin/bin.decider';
import { BinEvent } from '../../src/bin/bin.events';
import { inTransit, purchaseOrderCuts, purchaseOrderLineFor, vendorOrderLineFor, wantedAfterCut } from '../../src/fulfilment/line-changes';
import { orderDecider, orderLines, orderStatus } from '../../src/order/order.decider';
import { OrderCommand, OrderEvent } from '../../src/order/order.events';
import { purchaseOrderDecider, purchaseOrderLines, purchaseOrderStatus } from '../../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../../src/purchase-order/purchase-order.events';
import { DomainError, fold } from '../../src/shared/decider';
import {
  goodsReceived,
  inventoryAssigned,
  orderHandedOver,
  orderOf,
  orderPlaced,
  partlyAssigned,
  poCreated,
  poOf,
  roundCompleted,
  roundRequested,
  stockResult,
  vendorOrderLinked,
  vendorOrderPlaced,
} from './fixtures';

const decide = (events: readonly OrderEvent[], command: OrderCommand) => orderDecider.decide(command, orderOf(events));
const change = (sku: string, quantity: number, fromPurchaseOrder?: boolean): OrderCommand => ({
  type: 'ChangeOrderLine',
  sku,
  quantity,
  ...(fromPurchaseOrder ? { fromPurchaseOrder } : {}),
});
const refusal = (run: () => unknown): { kind: string; code: string; field?: string } => {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return { kind: error.kind, code: error.code, ...(error.field ? { field: error.field } : {}) };
    throw error;
  }
  throw new Error('not refused');
};

describe('ChangeOrderLine', () => {
  it('a decrease within the pending quantity changes the line only', () => {
    expect(decide(partlyAssigned, change('A', 3))).toEqual([{ type: 'OrderLineChanged', data: { change: 1, sku: 'A', previousQuantity: 5, quantity: 3 } }]);
    const after = orderOf([...partlyAssigned, ...decide(partlyAssigned, change('A', 3))]);
    expect(orderLines(after)[0]).toEqual({ sku: 'A', quantity: 3, assigned: 2, pending: 1, handedOver: 0 });
  });

  it('a decrease below what is held gives back the latest assignments first, per bin', () => {
    const given = [orderPlaced(), inventoryAssigned('r1-A', 'A', 2, 'default'), inventoryAssigned('r1-A2', 'A', 2, 'shelf'), roundCompleted(1)];
    const events = decide(given, change('A', 1));
    expect(events).toEqual([
      { type: 'OrderLineChanged', data: { change: 1, sku: 'A', previousQuantity: 5, quantity: 1 } },
      { type: 'InventoryReleased', data: { releaseId: 'o-1:change:1', sku: 'A', bins: [{ locationId: 'main', binId: 'shelf', quantity: 2 }, { locationId: 'main', binId: 'default', quantity: 1 }] } },
    ]);
    const after = orderOf([...given, ...events]);
    expect(orderLines(after)[0]).toEqual({ sku: 'A', quantity: 1, assigned: 1, pending: 0, handedOver: 0 });
    // A handover afterwards can only take what is still held.
    expect(refusal(() => orderDecider.decide({ type: 'HandOverOrder', handoverId: 'h', lines: [{ sku: 'A', quantity: 2 }] }, after))).toMatchObject({ code: 'HANDOVER_EXCEEDS_ASSIGNED' });
  });

  it('an increase is pending and opens a round of its own (not while one is open, nor before approval)', () => {
    expect(decide(partlyAssigned, change('B', 5))).toEqual([
      { type: 'OrderLineChanged', data: { change: 1, sku: 'B', previousQuantity: 3, quantity: 5 } },
      { type: 'InventoryAssignmentRequested', data: {} },
    ]);
    expect(decide([...partlyAssigned, roundRequested()], change('B', 5))).toHaveLength(1);
    expect(decide([orderPlaced({ awaitingApproval: true })], change('B', 5))).toHaveLength(1);
  });

  it('nothing left on an order nothing was handed over from cancels it', () => {
    const given = [orderPlaced({ lines: [{ sku: 'A', quantity: 5 }] }), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1)];
    const events = decide(given, change('A', 0));
    expect(events.map((e) => e.type)).toEqual(['OrderLineChanged', 'InventoryReleased', 'OrderCancelled']);
    expect(orderStatus(orderOf([...given, ...events]))).toBe('CANCELLED');
  });

  it('the same quantity writes nothing; the refusals name what is wrong', () => {
    expect(decide(partlyAssigned, change('A', 5))).toEqual([]);
    const handed = [...partlyAssigned, orderHandedOver('h1', [{ sku: 'A', quantity: 2 }])];
    expect(refusal(() => decide(handed, change('A', 1)))).toEqual({ kind: 'conflict', code: 'QUANTITY_BELOW_HANDED_OVER', field: 'quantity' });
    expect(refusal(() => decide(partlyAssigned, change('Z', 1)))).toEqual({ kind: 'not_found', code: 'ORDER_LINE_NOT_FOUND', field: 'sku' });
    expect(refusal(() => decide([...partlyAssigned, { type: 'OrderCancelled', data: { bins: [] } }], change('A', 1)))).toMatchObject({ code: 'ORDER_CANCELLED' });
    const all = [orderPlaced({ lines: [{ sku: 'A', quantity: 2 }] }), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1), orderHandedOver('h1', [{ sku: 'A', quantity: 2 }])];
    expect(refusal(() => decide(all, change('A', 3)))).toMatchObject({ code: 'ORDER_HANDED_OVER' });
    expect(refusal(() => decide([vendorOrderPlaced()], change('A', 1)))).toMatchObject({ code: 'ORDER_FOLLOWS_PURCHASE_ORDER' });
  });

  it('a vendor order following its PO is taken down to what it handed over at the least, never refused', () => {
    const given = [vendorOrderPlaced(), inventoryAssigned('r1-A', 'A', 3), roundCompleted(1), orderHandedOver('h1', [{ sku: 'A', quantity: 2 }])];
    const events = decide(given, change('A', 0, true));
    expect(events[0]).toEqual({ type: 'OrderLineChanged', data: { change: 1, sku: 'A', previousQuantity: 3, quantity: 2 } });
    expect(orderStatus(orderOf([...given, ...events]))).toBe('HANDED_OVER');
    expect(decide([...given, { type: 'OrderCancelled', data: { bins: [] } }], change('A', 0, true))).toEqual([]);
  });

  it('a round that ran while its line was reduced records what the bins gave and gives the excess back', () => {
    const given = [orderPlaced(), { type: 'OrderLineChanged', data: { change: 1, sku: 'A', previousQuantity: 5, quantity: 1 } } as OrderEvent];
    const events = decide(given, { type: 'CompleteInventoryAssignment', round: 1, assignments: [stockResult('r1-A:stock', 'A', 4)] });
    expect(events.map((e) => e.type)).toEqual(['InventoryAssigned', 'InventoryReleased', 'InventoryAssignmentCompleted']);
    expect(events[1]).toMatchObject({ data: { releaseId: 'o-1:excess:1', sku: 'A', bins: [{ binId: 'default', quantity: 3 }] } });
    expect(orderLines(orderOf([...given, ...events]))[0]).toMatchObject({ quantity: 1, assigned: 1, pending: 0 });
    // A line not reduced is still held to its pending quantity.
    expect(refusal(() => decide([orderPlaced()], { type: 'CompleteInventoryAssignment', round: 1, assignments: [stockResult('x', 'A', 6)] }))).toMatchObject({ code: 'ASSIGNMENT_EXCEEDS_PENDING' });
  });

  it('records the outcome of a change once', () => {
    const given = [...partlyAssigned, ...decide(partlyAssigned, change('A', 3))];
    const complete: OrderCommand = { type: 'CompleteLineChange', change: 1, purchaseOrders: [{ purchaseOrderId: 'po-1', previousQuantity: 3, quantity: 1, status: 'APPROVED' }] };
    const events = decide(given, complete);
    expect(events).toEqual([{ type: 'OrderLineChangeCompleted', data: { change: 1, sku: 'A', purchaseOrders: [{ purchaseOrderId: 'po-1', previousQuantity: 3, quantity: 1, status: 'APPROVED' }] } }]);
    expect(decide([...given, ...events], complete)).toEqual([]);
    expect(decide(partlyAssigned, complete)).toEqual([]);
  });
});

describe('ReducePurchaseOrderLine', () => {
  const reduce = (events: PurchaseOrderEvent[], sku: string, quantity: number, reductionId = 'c1') =>
    purchaseOrderDecider.decide({ type: 'ReducePurchaseOrderLine', reductionId, sku, quantity, reason: 'line changed' }, poOf(events));
  const created = [poCreated([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }]), vendorOrderLinked()];

  it('shrinks the line, not below what was received; the same reduction again writes nothing', () => {
    const events = reduce(created, 'A', 1);
    expect(events).toEqual([{ type: 'PurchaseOrderLineReduced', data: { reductionId: 'c1', sku: 'A', previousQuantity: 3, quantity: 1, reason: 'line changed' } }]);
    const after = poOf([...created, ...events]);
    expect(purchaseOrderLines(after)[0]).toMatchObject({ quantity: 1 });
    expect(reduce([...created, ...events], 'A', 0)).toEqual([]);
    expect(reduce([...created, goodsReceived('g1', [{ sku: 'A', quantity: 2 }])], 'A', 0)[0]).toMatchObject({ data: { quantity: 2 } });
  });

  it('a PO with nothing left open is cancelled, or closed when it received something', () => {
    const shrunk = [...created, ...reduce(created, 'B', 0, 'c0')];
    expect(reduce(shrunk, 'A', 0).map((e) => e.type)).toEqual(['PurchaseOrderLineReduced', 'PurchaseOrderCancelled']);
    const received = [...shrunk, goodsReceived('g1', [{ sku: 'A', quantity: 1 }])];
    const closing = reduce(received, 'A', 0);
    expect(closing.map((e) => e.type)).toEqual(['PurchaseOrderLineReduced', 'PurchaseOrderClosed']);
    expect(purchaseOrderStatus(poOf([...received, ...closing]))).toBe('CLOSED');
  });

  it('a creation retried after a reduction is still recognised', () => {
    const reduced = [...created, ...reduce(created, 'A', 1)];
    expect(
      purchaseOrderDecider.decide(
        { type: 'CreatePurchaseOrder', purchaseOrderId: 'po-1', sellerAccountId: 'S', vendorAccountId: 'V', sourceOrderId: 'o-1', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }] },
        poOf(reduced),
      ),
    ).toEqual([]);
  });
});

describe('ReleaseAssigned', () => {
  it('frees up to the units assigned to the order, once per release', () => {
    const bin = (events: BinEvent[]) => fold(binDecider, events);
    const given: BinEvent[] = [
      { type: 'StockAdjusted', data: { adjustmentId: 'a', sku: 'A', quantity: 5 } },
      { type: 'StockAssigned', data: { assignmentId: 'x', orderId: 'o-1', sku: 'A', quantity: 3, fromReserved: 0 } },
    ];
    const release = { type: 'ReleaseAssigned', releaseId: 'o-1:change:1', orderId: 'o-1', sku: 'A', quantity: 5 } as const;
    const events = binDecider.decide(release, bin(given));
    expect(events).toEqual([{ type: 'StockReleased', data: { releaseId: 'o-1:change:1', orderId: 'o-1', sku: 'A', assigned: 3, reserved: 0 } }]);
    expect(binDecider.decide(release, bin([...given, ...events]))).toEqual([]);
  });
});

describe('what the process manager cuts where', () => {
  const order = (quantity: number) =>
    orderOf([orderPlaced({ lines: [{ sku: 'A', quantity: 5 }] }), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1), { type: 'OrderLineChanged', data: { change: 1, sku: 'A', previousQuantity: 5, quantity } }]);
  const po = (id: string, quantity: number, extra: PurchaseOrderEvent[] = []) =>
    poOf([{ ...poCreated([{ sku: 'A', quantity }]), data: { ...(poCreated([{ sku: 'A', quantity }]).data as object), purchaseOrderId: id } } as PurchaseOrderEvent, ...extra]);
  const vendorOrder = (quantity: number, handedOver: number) =>
    orderOf([
      vendorOrderPlaced([{ sku: 'A', quantity }]),
      inventoryAssigned('v-A', 'A', quantity),
      roundCompleted(1),
      ...(handedOver > 0 ? [orderHandedOver('vh', [{ sku: 'A', quantity: handedOver }])] : []),
    ]);

  it('the newest PO gives first, and keeps what reserved goods cover', () => {
    const first = po('po-1', 2);
    const second = po('po-2', 1);
    // Pending 2 after the change; 1 reserved: the POs may bring 1 of the 3 they bring.
    expect(purchaseOrderCuts(order(4), 'A', [{ po: first, brings: 2 }, { po: second, brings: 1 }], 1)).toEqual([
      { purchaseOrderId: 'po-2', quantity: 1 },
      { purchaseOrderId: 'po-1', quantity: 1 },
    ]);
    expect(purchaseOrderCuts(order(5), 'A', [{ po: first, brings: 2 }, { po: second, brings: 1 }], 0)).toEqual([]);
  });

  it('goods the vendor handed over are not cut: they are in transit', () => {
    const shipped = vendorOrder(3, 2);
    const first = po('po-1', 3);
    expect(inTransit(first, 'A', shipped)).toBe(2);
    expect(purchaseOrderCuts(order(2), 'A', [{ po: first, brings: 3, vendorOrder: shipped }], 0)).toEqual([{ purchaseOrderId: 'po-1', quantity: 1 }]);
  });

  it('the vendor order is asked for what the PO still wants; the PO keeps what the vendor handed over', () => {
    const first = po('po-1', 3);
    expect(vendorOrderLineFor(vendorOrder(3, 0), first, 'A', wantedAfterCut(first, 'A', 2))).toBe(1);
    expect(vendorOrderLineFor(vendorOrder(3, 2), first, 'A', 0)).toBe(2);
    // A handover that slipped in before the vendor order changed: the PO keeps it open.
    expect(purchaseOrderLineFor(first, 'A', 0, vendorOrder(3, 2))).toBe(2);
    const received = po('po-1', 3, [goodsReceived('g1', [{ sku: 'A', quantity: 1 }])]);
    expect(purchaseOrderLineFor(received, 'A', 0, undefined)).toBe(1);
  });
});
