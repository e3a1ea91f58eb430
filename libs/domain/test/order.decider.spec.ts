import {
  assignmentsOf,
  heldBins,
  heldQuantity,
  isAwaitingApproval,
  isLatestRoundClosed,
  isOpen,
  isRefused,
  lineEtas,
  openRound,
  orderDecider,
  orderEnd,
  orderExists,
  orderLines,
  OrderPlacedData,
  orderStatus,
  OrderState,
  pendingReasonsOf,
  purchaseOrdersOf,
  backorderChainOf,
  recordedReasonOf,
  waitingQuantity,
} from '../src/order/order.decider';
import { AssignmentResult, OrderCommand, OrderEvent, PendingReason } from '../src/order/order.events';
import { specFor, stateAfter } from './order-spec-helpers';

const given = specFor(orderDecider, OrderEvent);
const stateOf = (events: readonly OrderEvent[]) => stateAfter(orderDecider, events);

// ---- events --------------------------------------------------------------------------------

const placed = (overrides: Partial<OrderPlacedData> = {}): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId: 'order-1',
    accountId: 'seller-1',
    lines: [
      { sku: 'A', quantity: 5 },
      { sku: 'B', quantity: 3 },
    ],
    requestHash: 'hash-1',
    awaitingApproval: false,
    ...overrides,
  },
});
const placedAwaitingApproval = placed({ awaitingApproval: true });
const approved: OrderEvent = { type: 'OrderApproved', data: {} };
const requested = (grnId?: string): OrderEvent => ({ type: 'InventoryAssignmentRequested', data: grnId === undefined ? {} : { grnId } });
const completed = (round: number): OrderEvent => ({ type: 'InventoryAssignmentCompleted', data: { round } });

const assignment = (
  assignmentId: string,
  sku: string,
  quantity: number,
  binId = 'default',
  backorderGrnId?: string,
): AssignmentResult => ({
  assignmentId,
  sku,
  locationId: 'main',
  binId,
  quantity,
  source: backorderGrnId === undefined ? 'stock' : 'backorder',
  ...(backorderGrnId === undefined ? {} : { grnId: backorderGrnId }),
});
const assigned = (...args: Parameters<typeof assignment>): OrderEvent => ({ type: 'InventoryAssigned', data: assignment(...args) });

type Line = { sku: string; quantity: number };
type BinQuantity = { sku: string; locationId: string; binId: string; quantity: number };
const inBin = (sku: string, quantity: number, binId = 'default'): BinQuantity => ({ sku, locationId: 'main', binId, quantity });
const handedOver = (handoverId: string, lines: Line[], bins: BinQuantity[]): OrderEvent => ({
  type: 'OrderHandedOver',
  data: { handoverId, lines, bins },
});
const cancelled = (bins: { sku: string; locationId: string; binId: string }[] = []): OrderEvent => ({
  type: 'OrderCancelled',
  data: { bins },
});
/** `round` absent: a PO linked by the first release, before decisions were taken per round. */
const poLinked = (purchaseOrderId: string, lines: Line[] = [{ sku: 'A', quantity: 5 }], round?: number): OrderEvent => ({
  type: 'PurchaseOrderLinked',
  data: { purchaseOrderId, vendorAccountId: 'vendor-1', accountId: 'seller-1', lines, ...(round === undefined ? {} : { round }) },
});
const reasonRecorded = (sku: string, reason: PendingReason): OrderEvent => ({ type: 'PendingReasonRecorded', data: { sku, reason } });
const refused = (shortages: { sku: string; requested: number; available: number }[]): OrderEvent => ({
  type: 'OrderRefused',
  data: { shortages },
});
/** A cancellation of the order as a client asks for it, whatever it holds. */
const endedByCancellation = (): OrderEvent => cancelled([{ sku: 'A', locationId: 'main', binId: 'default' }]);
const closedShort = (reason = 'Purchase order po-1 closed'): OrderEvent => ({ type: 'OrderClosedShort', data: { reason } });

// ---- commands ------------------------------------------------------------------------------

const placeOrder = (overrides: Partial<Extract<OrderCommand, { type: 'PlaceOrder' }>> = {}): OrderCommand => ({
  type: 'PlaceOrder',
  orderId: 'order-1',
  accountId: 'seller-1',
  lines: [
    { sku: 'A', quantity: 5 },
    { sku: 'B', quantity: 3 },
  ],
  requestHash: 'hash-1',
  approvalRequired: false,
  ...overrides,
});
const complete = (round: number, assignments: AssignmentResult[]): OrderCommand => ({ type: 'CompleteInventoryAssignment', round, assignments });
const handOver = (handoverId: string, lines?: Line[]): OrderCommand => ({ type: 'HandOverOrder', handoverId, ...(lines ? { lines } : {}) });
const cancel = (reservationBins = [{ locationId: 'main', binId: 'default' }]): OrderCommand => ({ type: 'CancelOrder', reservationBins });
const endOrder = (reason = 'Purchase order po-1 closed'): OrderCommand => ({ type: 'EndOrder', reason });
type DecidedPo = Extract<OrderCommand, { type: 'RecordPurchaseDecision' }>['purchaseOrders'][number];
const boughtPo = (purchaseOrderId: string, lines: Line[] = [{ sku: 'A', quantity: 5 }]): DecidedPo => ({
  purchaseOrderId,
  vendorAccountId: 'vendor-1',
  accountId: 'seller-1',
  lines,
});
const purchaseDecided = (
  round: number,
  purchaseOrders: DecidedPo[],
  reasons: { sku: string; reason: PendingReason }[] = [],
): OrderCommand => ({ type: 'RecordPurchaseDecision', round, purchaseOrders, reasons });

// ---- scenarios -----------------------------------------------------------------------------

/** Everything assigned from the Default Bin in round 1. */
const ready: OrderEvent[] = [placed(), assigned('r1-A', 'A', 5), assigned('r1-B', 'B', 3), completed(1)];

/** A: 5 assigned, 2 of them handed over; B: 1 assigned, 2 pending (nothing more came). */
const partlyHandedOver: OrderEvent[] = [
  placed(),
  assigned('r1-A', 'A', 5),
  assigned('r1-B', 'B', 1),
  completed(1),
  handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)]),
];

/** A: 2 from the Default Bin in round 1, 3 from bin-2 in round 2; B: 3 reserved goods of grn-1 in round 2. */
const twoBins: OrderEvent[] = [
  placed(),
  assigned('r1-A', 'A', 2),
  completed(1),
  requested('grn-1'),
  assigned('r2-A', 'A', 3, 'bin-2'),
  assigned('r2-B', 'B', 3, 'default', 'grn-1'),
  completed(2),
];

describe('order decider', () => {
  describe('PlaceOrder', () => {
    it('places the order, open for assignment when no approval is required', () => {
      given([]).when(placeOrder()).then([placed()]);
    });

    it('places the order awaiting approval when the account requires it', () => {
      given([]).when(placeOrder({ approvalRequired: true })).then([placedAwaitingApproval]);
    });

    it('carries the customer, source, chain and warnings', () => {
      const source = { purchaseOrderId: 'po-1', sellerAccountId: 'seller-0' };
      const warnings = [{ sku: 'A', requested: 5, available: 2 }];
      given([])
        .when(placeOrder({ customer: 'Globex', source, chain: ['seller-0', 'seller-1'], warnings }))
        .then([placed({ customer: 'Globex', source, chain: ['seller-0', 'seller-1'], warnings })]);
    });

    it('recognises the same request again', () => {
      given([placed()]).when(placeOrder()).thenNothingHappened();
      given(ready).when(placeOrder()).thenNothingHappened();
    });

    it('refuses another request under the same order id', () => {
      given([placed()]).when(placeOrder({ requestHash: 'hash-2' })).thenThrows({ kind: 'conflict', code: 'ORDER_EXISTS', field: 'orderId' });
    });

    it('refuses a SKU on two lines, naming the repeat', () => {
      given([])
        .when(
          placeOrder({
            lines: [
              { sku: 'A', quantity: 1 },
              { sku: 'B', quantity: 1 },
              { sku: 'A', quantity: 2 },
            ],
          }),
        )
        .thenThrows({ kind: 'rule_violated', code: 'DUPLICATE_SKU', field: 'lines[2].sku' });
    });
  });

  describe('commands on an order that does not exist', () => {
    it.each<OrderCommand>([
      { type: 'ApproveOrder' },
      { type: 'RequestInventoryAssignment' },
      complete(1, []),
      handOver('h-1'),
      cancel(),
      endOrder(),
      purchaseDecided(1, [boughtPo('po-1')], [{ sku: 'A', reason: 'AWAITING_VENDOR' }]),
      { type: 'RecordPendingReason', sku: 'A', reason: 'SKU_NOT_MAPPED' },
    ])('refuses $type', (command) => {
      given([]).when(command).thenThrows({ kind: 'not_found', code: 'ORDER_NOT_FOUND' });
    });
  });

  describe('ApproveOrder', () => {
    it('approves an order awaiting approval', () => {
      given([placedAwaitingApproval]).when({ type: 'ApproveOrder' }).then([approved]);
    });

    it('does nothing when no approval was required', () => {
      given([placed()]).when({ type: 'ApproveOrder' }).thenNothingHappened();
    });

    it('does nothing when already approved', () => {
      given([placedAwaitingApproval, approved]).when({ type: 'ApproveOrder' }).thenNothingHappened();
    });

    it('refuses a cancelled order', () => {
      given([placedAwaitingApproval, cancelled()]).when({ type: 'ApproveOrder' }).thenThrows({ kind: 'conflict', code: 'ORDER_CANCELLED' });
    });

    it('refuses an order closed short', () => {
      given([...partlyHandedOver, closedShort()]).when({ type: 'ApproveOrder' }).thenThrows({ kind: 'conflict', code: 'ORDER_CLOSED_SHORT' });
    });
  });

  describe('RequestInventoryAssignment', () => {
    const partlyAssigned = [placed(), assigned('r1-A', 'A', 2), completed(1)];

    it('opens a round for the pending quantity', () => {
      given(partlyAssigned).when({ type: 'RequestInventoryAssignment' }).then([requested()]);
    });

    it('opens a round for goods of a GRN', () => {
      given(partlyAssigned).when({ type: 'RequestInventoryAssignment', grnId: 'grn-1' }).then([requested('grn-1')]);
    });

    it('opens a round once an approved order has closed its first one', () => {
      given([placedAwaitingApproval, approved, completed(1)]).when({ type: 'RequestInventoryAssignment' }).then([requested()]);
    });

    it('does nothing while a round is open (it will assign the pending quantity)', () => {
      given([placed()]).when({ type: 'RequestInventoryAssignment' }).thenNothingHappened();
    });

    it("a GRN's goods reserved while a round is open get the round after it (the open one may have read the bins before them)", () => {
      given([...partlyAssigned, requested()]).when({ type: 'RequestInventoryAssignment', grnId: 'grn-1' }).then([requested('grn-1')]);
      // The open round completes, and the next one opens with it, for the GRN.
      given([...partlyAssigned, requested(), requested('grn-1')])
        .when(complete(2, []))
        .then([completed(2), requested('grn-1')]);
      // Once is enough: the same GRN again asks for nothing.
      given([...partlyAssigned, requested(), requested('grn-1')]).when({ type: 'RequestInventoryAssignment', grnId: 'grn-1' }).thenNothingHappened();
    });

    it('a share of free stock is taken by the round open now, or by a round opened for it; once per allocation', () => {
      const share = { type: 'InventoryAssignmentRequested' as const, data: { allocationId: 'a-1' } };
      given([...partlyAssigned]).when({ type: 'RequestInventoryAssignment', allocationId: 'a-1' }).then([share]);
      given([...partlyAssigned, requested()]).when({ type: 'RequestInventoryAssignment', allocationId: 'a-1' }).then([share]);
      const joined = [...partlyAssigned, requested(), share].reduce(orderDecider.evolve, orderDecider.initialState());
      expect(joined.openRound).toMatchObject({ round: 2, allocations: ['a-1'] });
      const opened = [...partlyAssigned, share].reduce(orderDecider.evolve, orderDecider.initialState());
      expect(opened.openRound).toMatchObject({ round: 2, allocations: ['a-1'] });
      given([...partlyAssigned, share, completed(2)]).when({ type: 'RequestInventoryAssignment', allocationId: 'a-1' }).thenNothingHappened();
    });

    it('does nothing when nothing is pending', () => {
      given(ready).when({ type: 'RequestInventoryAssignment' }).thenNothingHappened();
    });

    it('opens one round per GRN: the same GRN again (a replayed receipt) opens none', () => {
      given([...partlyAssigned, requested('grn-1'), completed(2)])
        .when({ type: 'RequestInventoryAssignment', grnId: 'grn-1' })
        .thenNothingHappened();
      given([...partlyAssigned, requested('grn-1'), completed(2)])
        .when({ type: 'RequestInventoryAssignment', grnId: 'grn-2' })
        .then([requested('grn-2')]);
    });

    it('refuses a cancelled order', () => {
      given([...partlyAssigned, cancelled()])
        .when({ type: 'RequestInventoryAssignment' })
        .thenThrows({ kind: 'conflict', code: 'ORDER_CANCELLED' });
    });

    it('refuses an order closed short', () => {
      given([...partlyHandedOver, closedShort()])
        .when({ type: 'RequestInventoryAssignment', grnId: 'grn-1' })
        .thenThrows({ kind: 'conflict', code: 'ORDER_CLOSED_SHORT' });
    });

    it('refuses an order awaiting approval', () => {
      given([placedAwaitingApproval]).when({ type: 'RequestInventoryAssignment' }).thenThrows({ kind: 'conflict', code: 'ORDER_NOT_APPROVED' });
    });
  });

  describe('CompleteInventoryAssignment', () => {
    it('records each assignment of the open round and closes it', () => {
      given([placed()])
        .when(complete(1, [assignment('r1-A', 'A', 5), assignment('r1-B', 'B', 1, 'bin-2')]))
        .then([assigned('r1-A', 'A', 5), assigned('r1-B', 'B', 1, 'bin-2'), completed(1)]);
    });

    it('records backorder assignments with their GRN', () => {
      given([placed(), completed(1), requested('grn-1')])
        .when(complete(2, [assignment('r2-A', 'A', 5, 'default', 'grn-1')]))
        .then([assigned('r2-A', 'A', 5, 'default', 'grn-1'), completed(2)]);
    });

    it('closes a round in which nothing could be assigned', () => {
      given([placed()]).when(complete(1, [])).then([completed(1)]);
    });

    it('leaves out assignments already recorded, repeated, or of nothing', () => {
      given([placed(), assigned('r1-A', 'A', 2), completed(1), requested()])
        .when(
          complete(2, [
            assignment('r1-A', 'A', 2),
            assignment('r2-A', 'A', 3),
            assignment('r2-A', 'A', 3),
            assignment('r2-B', 'B', 0),
          ]),
        )
        .then([assigned('r2-A', 'A', 3), completed(2)]);
    });

    it('does nothing for a round already completed (the results are on record)', () => {
      given([placed(), assigned('r1-A', 'A', 5), completed(1)]).when(complete(1, [assignment('r1-A', 'A', 5)])).thenNothingHappened();
    });

    it('does nothing for a round that never opened', () => {
      given([placed()]).when(complete(2, [assignment('r2-A', 'A', 5)])).thenNothingHappened();
      given([placedAwaitingApproval]).when(complete(1, [assignment('r1-A', 'A', 5)])).thenNothingHappened();
    });

    it('closes the open round of an ended order with nothing assigned (its end releases what the bins gave)', () => {
      given([placed(), cancelled()]).when(complete(1, [assignment('r1-A', 'A', 5)])).then([completed(1)]);
      given([...partlyHandedOver, requested('grn-1'), closedShort()])
        .when(complete(2, [assignment('r2-B', 'B', 2, 'default', 'grn-1')]))
        .then([completed(2)]);
      expect(openRound(stateOf([placed(), cancelled(), completed(1)]))).toBeUndefined();
    });

    it('does nothing for the round of an ended order once it is closed', () => {
      given([placed(), cancelled(), completed(1)]).when(complete(1, [assignment('r1-A', 'A', 5)])).thenNothingHappened();
    });

    it('refuses an assignment beyond the line quantity', () => {
      given([placed(), assigned('r1-A', 'A', 2), completed(1), requested()])
        .when(complete(2, [assignment('r2-A', 'A', 4)]))
        .thenThrows({ kind: 'conflict', code: 'ASSIGNMENT_EXCEEDS_PENDING' });
    });

    it('refuses assignments that together exceed the line quantity', () => {
      given([placed()])
        .when(complete(1, [assignment('r1-A', 'A', 3), assignment('r1-A2', 'A', 3, 'bin-2')]))
        .thenThrows({ kind: 'conflict', code: 'ASSIGNMENT_EXCEEDS_PENDING', field: 'assignments[1].quantity' });
    });

    it('refuses an assignment of a SKU not on the order', () => {
      given([placed()]).when(complete(1, [assignment('r1-C', 'C', 1)])).thenThrows({ kind: 'conflict', code: 'ASSIGNMENT_EXCEEDS_PENDING' });
    });
  });

  describe('assignment rounds', () => {
    it('opens round 1 when the order is placed without approval: the placement round', () => {
      const state = stateOf([placed()]);
      expect(openRound(state)).toStrictEqual({ round: 1 });
      expect(state.placementRound).toBe(1);
    });

    it('opens no round while the order awaits approval, and round 1 once approved (not a placement round)', () => {
      expect(openRound(stateOf([placedAwaitingApproval]))).toBeUndefined();
      const state = stateOf([placedAwaitingApproval, approved]);
      expect(openRound(state)).toStrictEqual({ round: 1 });
      expect(state.placementRound).toBeUndefined();
    });

    it('approves once: a second OrderApproved opens no second round', () => {
      expect(stateOf([placedAwaitingApproval, approved, completed(1), approved]).roundsOpened).toBe(1);
    });

    it('closes the round when it completes', () => {
      expect(openRound(stateOf([placed(), completed(1)]))).toBeUndefined();
      expect(openRound(stateOf(ready))).toBeUndefined();
    });

    it('keeps the round open when another round number completes', () => {
      expect(openRound(stateOf([placed(), completed(2)]))?.round).toBe(1);
    });

    it('numbers rounds in the order they open, naming the GRN a round assigns', () => {
      const events = [placed(), assigned('r1-A', 'A', 2), completed(1), requested('grn-1')];
      expect(openRound(stateOf(events))).toStrictEqual({ round: 2, grnId: 'grn-1' });
      const third = [...events, assigned('r2-B', 'B', 3, 'default', 'grn-1'), completed(2), requested()];
      expect(openRound(stateOf(third))).toStrictEqual({ round: 3 });
      expect(stateOf(third).placementRound).toBe(1);
    });

    it('keeps the round open while units are assigned in it', () => {
      expect(openRound(stateOf([placed(), assigned('r1-A', 'A', 2)]))).toStrictEqual({ round: 1 });
    });

    it('isLatestRoundClosed: the round is the last one opened and it is closed', () => {
      const events = [placed(), assigned('r1-A', 'A', 2), completed(1)];
      expect(isLatestRoundClosed(stateOf([placed()]), 1)).toBe(false);
      expect(isLatestRoundClosed(stateOf(events), 1)).toBe(true);
      expect(isLatestRoundClosed(stateOf([...events, requested()]), 1)).toBe(false);
      expect(isLatestRoundClosed(stateOf([...events, requested()]), 2)).toBe(false);
      expect(isLatestRoundClosed(stateOf([...events, requested(), completed(2)]), 1)).toBe(false);
      expect(isLatestRoundClosed(stateOf([...events, requested(), completed(2)]), 2)).toBe(true);
    });

    it('counts the approval round when numbering', () => {
      expect(openRound(stateOf([placedAwaitingApproval, approved, completed(1), requested()]))?.round).toBe(2);
    });

    it('still reports the open round of a cancelled order, so whoever runs it releases the bins', () => {
      expect(openRound(stateOf([placed(), cancelled()]))?.round).toBe(1);
    });

    it('completes a round once: running it again decides nothing', () => {
      const round = [assignment('r1-A', 'A', 5), assignment('r1-B', 'B', 3)];
      given([placed()])
        .when(complete(1, round))
        .then([assigned('r1-A', 'A', 5), assigned('r1-B', 'B', 3), completed(1)]);
      given([placed(), assigned('r1-A', 'A', 5), assigned('r1-B', 'B', 3), completed(1)]).when(complete(1, round)).thenNothingHappened();
    });
  });

  describe('HandOverOrder', () => {
    it('hands over everything assigned and not yet handed over, by default', () => {
      given(ready)
        .when(handOver('h-1'))
        .then([
          handedOver(
            'h-1',
            [
              { sku: 'A', quantity: 5 },
              { sku: 'B', quantity: 3 },
            ],
            [inBin('A', 5), inBin('B', 3)],
          ),
        ]);
    });

    it('hands over only lines with something assigned', () => {
      given([placed(), assigned('r1-A', 'A', 2), completed(1)])
        .when(handOver('h-1'))
        .then([handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)])]);
    });

    it('hands over part of the order, then the rest', () => {
      given(ready)
        .when(handOver('h-1', [{ sku: 'A', quantity: 2 }]))
        .then([handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)])]);
      given([...ready, handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)])])
        .when(handOver('h-2'))
        .then([
          handedOver(
            'h-2',
            [
              { sku: 'A', quantity: 3 },
              { sku: 'B', quantity: 3 },
            ],
            [inBin('A', 3), inBin('B', 3)],
          ),
        ]);
    });

    it('takes units from the bins in the order they were assigned, across two bins', () => {
      given(twoBins)
        .when(handOver('h-1', [{ sku: 'A', quantity: 4 }]))
        .then([handedOver('h-1', [{ sku: 'A', quantity: 4 }], [inBin('A', 2), inBin('A', 2, 'bin-2')])]);
      given([...twoBins, handedOver('h-1', [{ sku: 'A', quantity: 4 }], [inBin('A', 2), inBin('A', 2, 'bin-2')])])
        .when(handOver('h-2'))
        .then([
          handedOver(
            'h-2',
            [
              { sku: 'A', quantity: 1 },
              { sku: 'B', quantity: 3 },
            ],
            [inBin('A', 1, 'bin-2'), inBin('B', 3)],
          ),
        ]);
    });

    it('names each bin once per SKU when several assignments came from it', () => {
      const events = [
        placed(),
        assigned('r1-A', 'A', 2),
        completed(1),
        requested(),
        assigned('r2-A', 'A', 1, 'bin-2'),
        completed(2),
        requested(),
        assigned('r3-A', 'A', 2),
        completed(3),
      ];
      given(events)
        .when(handOver('h-1', [{ sku: 'A', quantity: 5 }]))
        .then([handedOver('h-1', [{ sku: 'A', quantity: 5 }], [inBin('A', 4), inBin('A', 1, 'bin-2')])]);
    });

    it('recognises a handover already recorded', () => {
      const done = [...ready, handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)])];
      given(done).when(handOver('h-1', [{ sku: 'A', quantity: 2 }])).thenNothingHappened();
      given([...done, cancelled()]).when(handOver('h-1')).thenNothingHappened();
    });

    it('refuses a cancelled order', () => {
      given([...ready, cancelled()]).when(handOver('h-1')).thenThrows({ kind: 'conflict', code: 'ORDER_CANCELLED' });
    });

    it('refuses an order closed short, even for units it still showed assigned before', () => {
      given([...partlyHandedOver, closedShort()]).when(handOver('h-2')).thenThrows({ kind: 'conflict', code: 'ORDER_CLOSED_SHORT' });
      given([...partlyHandedOver, closedShort()])
        .when(handOver('h-2', [{ sku: 'A', quantity: 1 }]))
        .thenThrows({ kind: 'conflict', code: 'ORDER_CLOSED_SHORT' });
    });

    it('refuses an order awaiting approval', () => {
      given([placedAwaitingApproval]).when(handOver('h-1')).thenThrows({ kind: 'conflict', code: 'ORDER_NOT_APPROVED' });
    });

    it('refuses when nothing is assigned', () => {
      given([placed(), completed(1)]).when(handOver('h-1')).thenThrows({ kind: 'conflict', code: 'NOTHING_TO_HAND_OVER' });
    });

    it('refuses when everything assigned is handed over', () => {
      given([placed(), assigned('r1-A', 'A', 2), completed(1), handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)])])
        .when(handOver('h-2'))
        .thenThrows({ kind: 'conflict', code: 'NOTHING_TO_HAND_OVER' });
    });

    it('refuses a SKU not on the order', () => {
      given(ready)
        .when(
          handOver('h-1', [
            { sku: 'A', quantity: 1 },
            { sku: 'C', quantity: 1 },
          ]),
        )
        .thenThrows({ kind: 'rule_violated', code: 'SKU_NOT_ON_ORDER', field: 'lines[1].sku' });
    });

    it('refuses a SKU on two lines', () => {
      given(ready)
        .when(
          handOver('h-1', [
            { sku: 'A', quantity: 1 },
            { sku: 'A', quantity: 1 },
          ]),
        )
        .thenThrows({ kind: 'rule_violated', code: 'DUPLICATE_SKU', field: 'lines[1].sku' });
    });

    it('refuses more than is assigned and not yet handed over', () => {
      const error = given([...twoBins, handedOver('h-1', [{ sku: 'A', quantity: 4 }], [inBin('A', 2), inBin('A', 2, 'bin-2')])])
        .when(
          handOver('h-2', [
            { sku: 'B', quantity: 3 },
            { sku: 'A', quantity: 2 },
          ]),
        )
        .thenThrows({ kind: 'conflict', code: 'HANDOVER_EXCEEDS_ASSIGNED', field: 'lines[1].quantity' });
      expect(error.details).toStrictEqual({ sku: 'A', requested: 2, available: 1 });
    });

    it('refuses units that are pending, not assigned', () => {
      given([placed(), assigned('r1-A', 'A', 2), completed(1)])
        .when(handOver('h-1', [{ sku: 'B', quantity: 1 }]))
        .thenThrows({ kind: 'conflict', code: 'HANDOVER_EXCEEDS_ASSIGNED', field: 'lines[0].quantity' });
    });
  });

  describe('CancelOrder', () => {
    it('releases the bins it holds assigned stock in and the reservation bins, for each SKU', () => {
      given(twoBins)
        .when(cancel())
        .then([
          cancelled([
            { sku: 'A', locationId: 'main', binId: 'default' },
            { sku: 'A', locationId: 'main', binId: 'bin-2' },
            { sku: 'B', locationId: 'main', binId: 'default' },
          ]),
        ]);
    });

    it('names the reservation bins for every SKU even when nothing is assigned', () => {
      given([placed()])
        .when(cancel([{ locationId: 'main', binId: 'default' }, { locationId: 'main', binId: 'bin-3' }]))
        .then([
          cancelled([
            { sku: 'A', locationId: 'main', binId: 'default' },
            { sku: 'B', locationId: 'main', binId: 'default' },
            { sku: 'A', locationId: 'main', binId: 'bin-3' },
            { sku: 'B', locationId: 'main', binId: 'bin-3' },
          ]),
        ]);
    });

    it('cancels an order awaiting approval', () => {
      given([placedAwaitingApproval]).when(cancel([])).then([cancelled([])]);
    });

    it('leaves out bins whose assigned units are all handed over', () => {
      given([...twoBins, handedOver('h-1', [{ sku: 'A', quantity: 2 }], [inBin('A', 2)])])
        .when(cancel([]))
        .then([
          cancelled([
            { sku: 'A', locationId: 'main', binId: 'bin-2' },
            { sku: 'B', locationId: 'main', binId: 'default' },
          ]),
        ]);
    });

    it('does nothing when already cancelled', () => {
      given([placed(), cancelled()]).when(cancel()).thenNothingHappened();
      given([...partlyHandedOver, endedByCancellation()]).when(cancel()).thenNothingHappened();
    });

    it('refuses an order closed short', () => {
      given([...partlyHandedOver, closedShort()]).when(cancel()).thenThrows({ kind: 'conflict', code: 'ORDER_CLOSED_SHORT' });
    });

    it('cancels an order partly handed over (what it still holds is released)', () => {
      given(partlyHandedOver)
        .when(cancel([]))
        .then([
          cancelled([
            { sku: 'A', locationId: 'main', binId: 'default' },
            { sku: 'B', locationId: 'main', binId: 'default' },
          ]),
        ]);
    });

    it('refuses an order handed over in full', () => {
      given([...ready, handedOver('h-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 3 }], [inBin('A', 5), inBin('B', 3)])])
        .when(cancel())
        .thenThrows({ kind: 'conflict', code: 'ORDER_HANDED_OVER' });
    });
  });

  describe('RecordPurchaseDecision', () => {
    const roundClosed = [placed(), assigned('r1-A', 'A', 2), completed(1)];

    it('links each PO bought for the round, with the round, then records why each pending SKU waits', () => {
      given(roundClosed)
        .when(
          purchaseDecided(
            1,
            [boughtPo('po-1', [{ sku: 'A', quantity: 3 }])],
            [
              { sku: 'A', reason: 'AWAITING_VENDOR' },
              { sku: 'B', reason: 'SKU_NOT_MAPPED' },
            ],
          ),
        )
        .then([poLinked('po-1', [{ sku: 'A', quantity: 3 }], 1), reasonRecorded('A', 'AWAITING_VENDOR'), reasonRecorded('B', 'SKU_NOT_MAPPED')]);
    });

    it('links several POs of one round (one per vendor)', () => {
      given(roundClosed)
        .when(purchaseDecided(1, [boughtPo('po-1', [{ sku: 'A', quantity: 3 }]), boughtPo('po-2', [{ sku: 'B', quantity: 3 }])]))
        .then([poLinked('po-1', [{ sku: 'A', quantity: 3 }], 1), poLinked('po-2', [{ sku: 'B', quantity: 3 }], 1)]);
    });

    it('is taken for the latest round only: one opened since (a share of free stock, a GRN) decides instead', () => {
      given([...roundClosed, requested()]).when(purchaseDecided(1, [boughtPo('po-1', [{ sku: 'A', quantity: 3 }])])).thenNothingHappened();
      given([...roundClosed, requested(), completed(2)]).when(purchaseDecided(1, [boughtPo('po-1', [{ sku: 'A', quantity: 3 }])])).thenNothingHappened();
    });

    it('is taken once per round: a decision for a round that already bought writes nothing', () => {
      const decided = [...roundClosed, poLinked('po-1', [{ sku: 'A', quantity: 3 }], 1), reasonRecorded('A', 'AWAITING_VENDOR')];
      given(decided).when(purchaseDecided(1, [boughtPo('po-1', [{ sku: 'A', quantity: 3 }])], [{ sku: 'A', reason: 'AWAITING_VENDOR' }])).thenNothingHappened();
      // Even a different decision for that round (a replay that sees other facts) changes nothing.
      given(decided)
        .when(purchaseDecided(1, [boughtPo('po-9', [{ sku: 'B', quantity: 3 }])], [{ sku: 'B', reason: 'AWAITING_VENDOR' }]))
        .thenNothingHappened();
    });

    it('decides again for a later round, under the POs of that round', () => {
      const later = [...roundClosed, poLinked('po-1', [{ sku: 'A', quantity: 3 }], 1), requested(), completed(2)];
      given(later)
        .when(purchaseDecided(2, [boughtPo('po-2', [{ sku: 'B', quantity: 3 }])], [{ sku: 'B', reason: 'AWAITING_VENDOR' }]))
        .then([poLinked('po-2', [{ sku: 'B', quantity: 3 }], 2), reasonRecorded('B', 'AWAITING_VENDOR')]);
    });

    it('leaves out a PO already linked (by id), and counts links of the first release as no round', () => {
      given([...roundClosed, poLinked('po-0', [{ sku: 'A', quantity: 3 }])])
        .when(purchaseDecided(1, [boughtPo('po-0', [{ sku: 'A', quantity: 3 }]), boughtPo('po-1', [{ sku: 'B', quantity: 3 }])]))
        .then([poLinked('po-1', [{ sku: 'B', quantity: 3 }], 1)]);
    });

    it('records a reason only when it changes', () => {
      given([...roundClosed, reasonRecorded('A', 'SKU_NOT_MAPPED')])
        .when(
          purchaseDecided(1, [], [
            { sku: 'A', reason: 'SKU_NOT_MAPPED' },
            { sku: 'B', reason: 'AUTO_PO_DISABLED' },
          ]),
        )
        .then([reasonRecorded('B', 'AUTO_PO_DISABLED')]);
      given([...roundClosed, reasonRecorded('A', 'SKU_NOT_MAPPED')])
        .when(purchaseDecided(1, [], [{ sku: 'A', reason: 'SKU_NOT_MAPPED' }]))
        .thenNothingHappened();
      given([...roundClosed, reasonRecorded('A', 'SKU_NOT_MAPPED')])
        .when(purchaseDecided(1, [], [{ sku: 'A', reason: 'VENDOR_NOT_ELIGIBLE' }]))
        .then([reasonRecorded('A', 'VENDOR_NOT_ELIGIBLE')]);
    });

    it('does nothing on an order that ended or awaits approval (nothing is bought for it)', () => {
      const decision = purchaseDecided(1, [boughtPo('po-1')], [{ sku: 'A', reason: 'AWAITING_VENDOR' }]);
      given([...roundClosed, cancelled()]).when(decision).thenNothingHappened();
      given([...partlyHandedOver, closedShort()]).when(decision).thenNothingHappened();
      given([placedAwaitingApproval]).when(decision).thenNothingHappened();
    });
  });

  describe('RecordPendingReason', () => {
    const reason = (sku: string, why: 'AWAITING_VENDOR' | 'SKU_NOT_MAPPED'): OrderEvent => ({
      type: 'PendingReasonRecorded',
      data: { sku, reason: why },
    });

    it('records why a pending quantity is not being bought', () => {
      given([placed()]).when({ type: 'RecordPendingReason', sku: 'A', reason: 'SKU_NOT_MAPPED' }).then([reason('A', 'SKU_NOT_MAPPED')]);
    });

    it('does nothing when the same reason is recorded for the SKU', () => {
      given([placed(), reason('A', 'SKU_NOT_MAPPED')]).when({ type: 'RecordPendingReason', sku: 'A', reason: 'SKU_NOT_MAPPED' }).thenNothingHappened();
    });

    it('records another reason, which replaces the earlier one', () => {
      given([placed(), reason('A', 'SKU_NOT_MAPPED')])
        .when({ type: 'RecordPendingReason', sku: 'A', reason: 'AWAITING_VENDOR' })
        .then([reason('A', 'AWAITING_VENDOR')]);
      expect(pendingReasonsOf(stateOf([placed(), reason('A', 'SKU_NOT_MAPPED'), reason('B', 'SKU_NOT_MAPPED'), reason('A', 'AWAITING_VENDOR')]))).toStrictEqual([
        { sku: 'A', reason: 'AWAITING_VENDOR' },
        { sku: 'B', reason: 'SKU_NOT_MAPPED' },
      ]);
    });

    it('records a reason going back to an earlier one', () => {
      given([placed(), reason('A', 'SKU_NOT_MAPPED'), reason('A', 'AWAITING_VENDOR')])
        .when({ type: 'RecordPendingReason', sku: 'A', reason: 'SKU_NOT_MAPPED' })
        .then([reason('A', 'SKU_NOT_MAPPED')]);
    });

    it('does nothing on an order that ended', () => {
      given([placed(), cancelled()]).when({ type: 'RecordPendingReason', sku: 'A', reason: 'VENDOR_NOT_ELIGIBLE' }).thenNothingHappened();
      given([...partlyHandedOver, closedShort()]).when({ type: 'RecordPendingReason', sku: 'B', reason: 'VENDOR_NOT_ELIGIBLE' }).thenNothingHappened();
    });
  });

  describe('refusal for stock at the placement round', () => {
    const placedRefusing = placed({ refuseIfShort: true });

    it('places the order to be refused if its first round leaves anything pending', () => {
      given([]).when(placeOrder({ refuseIfShort: true })).then([placedRefusing]);
      given([]).when(placeOrder({ refuseIfShort: false })).then([placed()]);
    });

    it('never sets it on an order awaiting approval (that order waits instead)', () => {
      given([]).when(placeOrder({ refuseIfShort: true, approvalRequired: true })).then([placedAwaitingApproval]);
    });

    it('refuses the order when the placement round leaves a line short, naming each short line with what it got', () => {
      given([placedRefusing])
        .when(complete(1, [assignment('r1-A', 'A', 2)]))
        .then([
          assigned('r1-A', 'A', 2),
          completed(1),
          refused([
            { sku: 'A', requested: 5, available: 2 },
            { sku: 'B', requested: 3, available: 0 },
          ]),
        ]);
    });

    it('counts every bin the round took from', () => {
      given([placedRefusing])
        .when(complete(1, [assignment('r1-A', 'A', 3), assignment('r1-A2', 'A', 2, 'bin-2'), assignment('r1-B', 'B', 2)]))
        .then([
          assigned('r1-A', 'A', 3),
          assigned('r1-A2', 'A', 2, 'bin-2'),
          assigned('r1-B', 'B', 2),
          completed(1),
          refused([{ sku: 'B', requested: 3, available: 2 }]),
        ]);
    });

    it('keeps the order when the placement round assigns everything', () => {
      given([placedRefusing])
        .when(complete(1, [assignment('r1-A', 'A', 5), assignment('r1-B', 'B', 3)]))
        .then([assigned('r1-A', 'A', 5), assigned('r1-B', 'B', 3), completed(1)]);
    });

    it('never refuses an order placed without the flag', () => {
      given([placed()]).when(complete(1, [])).then([completed(1)]);
    });

    it('refuses only at the placement round: an order approved later waits for stock', () => {
      // Written by hand: the flag on an order that awaited approval has no placement round to act on.
      const approvedLater = [placed({ awaitingApproval: true, refuseIfShort: true }), approved];
      expect(stateOf(approvedLater).placementRound).toBeUndefined();
      given(approvedLater).when(complete(1, [])).then([completed(1)]);
    });

    it('shows a refused order as ended, cancelled and holding nothing', () => {
      const state = stateOf([placedRefusing, assigned('r1-A', 'A', 2), completed(1), refused([{ sku: 'A', requested: 5, available: 2 }, { sku: 'B', requested: 3, available: 0 }])]);
      expect(isRefused(state)).toBe(true);
      expect(orderEnd(state)).toBe('REFUSED');
      expect(isOpen(state)).toBe(false);
      expect(orderStatus(state)).toBe('CANCELLED');
      expect(state.refusal).toStrictEqual({ shortages: [{ sku: 'A', requested: 5, available: 2 }, { sku: 'B', requested: 3, available: 0 }] });
      expect(orderLines(state)).toStrictEqual([
        { sku: 'A', quantity: 5, assigned: 0, pending: 5, handedOver: 0 },
        { sku: 'B', quantity: 3, assigned: 0, pending: 3, handedOver: 0 },
      ]);
      expect(heldQuantity(state, 'A')).toBe(0);
      expect(assignmentsOf(state)).toStrictEqual([]);
    });
  });

  describe('a refused order', () => {
    const refusedOrder = [placed({ refuseIfShort: true }), assigned('r1-A', 'A', 2), completed(1), refused([{ sku: 'A', requested: 5, available: 2 }, { sku: 'B', requested: 3, available: 0 }])];

    it.each<OrderCommand>([
      { type: 'ApproveOrder' },
      { type: 'RequestInventoryAssignment' },
      { type: 'RequestInventoryAssignment', grnId: 'grn-1' },
      handOver('h-1'),
      handOver('h-1', [{ sku: 'A', quantity: 1 }]),
      cancel(),
      endOrder(),
      purchaseDecided(1, [boughtPo('po-1')], [{ sku: 'A', reason: 'AWAITING_VENDOR' }]),
      { type: 'RecordPendingReason', sku: 'A', reason: 'SKU_NOT_MAPPED' },
      { type: 'ChangeOrderLine', sku: 'A', quantity: 6 },
    ])('answers $type as an order that does not exist', (command) => {
      given(refusedOrder).when(command).thenThrows({ kind: 'not_found', code: 'ORDER_NOT_FOUND' });
    });

    it('lets the runner of its round finish: the round is on record, nothing more is written', () => {
      given(refusedOrder).when(complete(1, [assignment('r1-A', 'A', 2)])).thenNothingHappened();
    });

    it('lets the process manager finish a line change that raced the refusal (found by the soak: it was parked, and the flow never finished)', () => {
      const changedThenRefused = [
        placed({ refuseIfShort: true }),
        { type: 'OrderLineChanged', data: { change: 1, sku: 'A', previousQuantity: 5, quantity: 6 } } as OrderEvent,
        ...refusedOrder.slice(1),
      ];
      given(changedThenRefused)
        .when({ type: 'CompleteLineChange', change: 1, purchaseOrders: [] })
        .then([{ type: 'OrderLineChangeCompleted', data: { change: 1, sku: 'A', purchaseOrders: [] } }]);
    });

    it('recognises the request that placed it, and refuses another one under its id', () => {
      given(refusedOrder).when(placeOrder({ refuseIfShort: true })).thenNothingHappened();
      given(refusedOrder).when(placeOrder({ requestHash: 'hash-2' })).thenThrows({ kind: 'conflict', code: 'ORDER_EXISTS', field: 'orderId' });
    });
  });

  describe('EndOrder', () => {
    it('cancels an order with nothing handed over, naming the bins it holds stock in', () => {
      given([placed(), assigned('r1-A', 'A', 2), completed(1)])
        .when(endOrder())
        .then([cancelled([{ sku: 'A', locationId: 'main', binId: 'default' }])]);
      given(twoBins)
        .when(endOrder())
        .then([
          cancelled([
            { sku: 'A', locationId: 'main', binId: 'default' },
            { sku: 'A', locationId: 'main', binId: 'bin-2' },
            { sku: 'B', locationId: 'main', binId: 'default' },
          ]),
        ]);
    });

    it('cancels an order with nothing assigned, or awaiting approval', () => {
      given([placed(), completed(1)]).when(endOrder()).then([cancelled([])]);
      given([placedAwaitingApproval]).when(endOrder()).then([cancelled([])]);
    });

    it('cancels an order with a round still open (that round then closes empty)', () => {
      given([placed()]).when(endOrder()).then([cancelled([])]);
    });

    it('closes short an order partly handed over, with the reason', () => {
      given(partlyHandedOver).when(endOrder('Vendor closed the PO')).then([closedShort('Vendor closed the PO')]);
      // Handed over in full on one line, nothing on another.
      given([...ready, handedOver('h-1', [{ sku: 'A', quantity: 5 }], [inBin('A', 5)])]).when(endOrder()).then([closedShort()]);
    });

    it('does nothing when the order already ended', () => {
      given([placed(), cancelled()]).when(endOrder()).thenNothingHappened();
      given([...partlyHandedOver, closedShort()]).when(endOrder()).thenNothingHappened();
    });

    it('does nothing when the order is handed over in full', () => {
      given([...ready, handedOver('h-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 3 }], [inBin('A', 5), inBin('B', 3)])])
        .when(endOrder())
        .thenNothingHappened();
    });

    it('ends the order once: the first end stays, whatever comes after', () => {
      expect(orderEnd(stateOf([...partlyHandedOver, closedShort(), cancelled()]))).toBe('CLOSED_SHORT');
      expect(orderEnd(stateOf([placed(), cancelled(), closedShort()]))).toBe('CANCELLED');
    });
  });

  describe('orderStatus', () => {
    it('is UNAPPROVED while awaiting approval', () => {
      expect(orderStatus(stateOf([placedAwaitingApproval]))).toBe('UNAPPROVED');
    });

    it('is PENDING_INVENTORY while a quantity is pending', () => {
      expect(orderStatus(stateOf([placed()]))).toBe('PENDING_INVENTORY');
      expect(orderStatus(stateOf([placedAwaitingApproval, approved]))).toBe('PENDING_INVENTORY');
      expect(orderStatus(stateOf([placed(), assigned('r1-A', 'A', 5), completed(1)]))).toBe('PENDING_INVENTORY');
    });

    it('is READY when everything is assigned', () => {
      expect(orderStatus(stateOf(ready))).toBe('READY');
    });

    it('is PARTIALLY_HANDED_OVER when some units are handed over', () => {
      expect(orderStatus(stateOf([...ready, handedOver('h-1', [{ sku: 'A', quantity: 1 }], [inBin('A', 1)])]))).toBe('PARTIALLY_HANDED_OVER');
      // Even with a quantity still pending.
      expect(
        orderStatus(stateOf([placed(), assigned('r1-A', 'A', 5), completed(1), handedOver('h-1', [{ sku: 'A', quantity: 5 }], [inBin('A', 5)])])),
      ).toBe('PARTIALLY_HANDED_OVER');
    });

    it('is HANDED_OVER when every unit of every line is handed over', () => {
      const events = [
        ...ready,
        handedOver('h-1', [{ sku: 'A', quantity: 5 }], [inBin('A', 5)]),
        handedOver('h-2', [{ sku: 'B', quantity: 3 }], [inBin('B', 3)]),
      ];
      expect(orderStatus(stateOf(events))).toBe('HANDED_OVER');
    });

    it('is CANCELLED once cancelled, whatever else holds', () => {
      expect(orderStatus(stateOf([placed(), cancelled()]))).toBe('CANCELLED');
      expect(orderStatus(stateOf([placedAwaitingApproval, cancelled()]))).toBe('CANCELLED');
      expect(orderStatus(stateOf([...ready, handedOver('h-1', [{ sku: 'A', quantity: 1 }], [inBin('A', 1)]), cancelled()]))).toBe('CANCELLED');
    });

    it('is CLOSED_SHORT once closed short', () => {
      expect(orderStatus(stateOf([...partlyHandedOver, closedShort()]))).toBe('CLOSED_SHORT');
    });

    it('is CANCELLED for an order refused for stock', () => {
      expect(orderStatus(stateOf([placed({ refuseIfShort: true }), completed(1), refused([{ sku: 'A', requested: 5, available: 0 }])]))).toBe('CANCELLED');
    });
  });

  describe('selectors', () => {
    const partly = [...twoBins, handedOver('h-1', [{ sku: 'A', quantity: 4 }], [inBin('A', 2), inBin('A', 2, 'bin-2')])];

    it('orderLines: assigned is what the order holds now, so assigned + handedOver + pending = quantity', () => {
      expect(orderLines(stateOf([placed(), assigned('r1-A', 'A', 2), completed(1)]))).toStrictEqual([
        { sku: 'A', quantity: 5, assigned: 2, pending: 3, handedOver: 0 },
        { sku: 'B', quantity: 3, assigned: 0, pending: 3, handedOver: 0 },
      ]);
      expect(orderLines(stateOf(partly))).toStrictEqual([
        { sku: 'A', quantity: 5, assigned: 1, pending: 0, handedOver: 4 },
        { sku: 'B', quantity: 3, assigned: 3, pending: 0, handedOver: 0 },
      ]);
      expect(orderLines(stateOf(partlyHandedOver))).toStrictEqual([
        { sku: 'A', quantity: 5, assigned: 3, pending: 0, handedOver: 2 },
        { sku: 'B', quantity: 3, assigned: 1, pending: 2, handedOver: 0 },
      ]);
    });

    it('heldBins: distinct bins with assigned units not handed over', () => {
      expect(heldBins(stateOf(twoBins))).toStrictEqual([
        { sku: 'A', locationId: 'main', binId: 'default' },
        { sku: 'A', locationId: 'main', binId: 'bin-2' },
        { sku: 'B', locationId: 'main', binId: 'default' },
      ]);
      expect(heldBins(stateOf(partly))).toStrictEqual([
        { sku: 'A', locationId: 'main', binId: 'bin-2' },
        { sku: 'B', locationId: 'main', binId: 'default' },
      ]);
      expect(heldBins(stateOf([placed()]))).toStrictEqual([]);
    });

    it('assignmentsOf: the inventory details of what is still held, per assignment', () => {
      expect(assignmentsOf(stateOf(twoBins))).toStrictEqual([
        assignment('r1-A', 'A', 2),
        assignment('r2-A', 'A', 3, 'bin-2'),
        assignment('r2-B', 'B', 3, 'default', 'grn-1'),
      ]);
      // h-1 took the 2 of r1-A and 2 of the 3 of r2-A.
      expect(assignmentsOf(stateOf(partly))).toStrictEqual([assignment('r2-A', 'A', 1, 'bin-2'), assignment('r2-B', 'B', 3, 'default', 'grn-1')]);
      expect(assignmentsOf(stateOf([placed()]))).toStrictEqual([]);
    });

    it('heldQuantity and waitingQuantity: what a line holds in bins, and what it still waits for', () => {
      const state = stateOf(partlyHandedOver);
      expect([heldQuantity(state, 'A'), waitingQuantity(state, 'A')]).toStrictEqual([3, 0]);
      expect([heldQuantity(state, 'B'), waitingQuantity(state, 'B')]).toStrictEqual([1, 2]);
      expect([heldQuantity(state, 'C'), waitingQuantity(state, 'C')]).toStrictEqual([0, 0]);
      // An order awaiting approval waits for nothing yet.
      expect(waitingQuantity(stateOf([placedAwaitingApproval]), 'A')).toBe(0);
      expect(waitingQuantity(stateOf([placedAwaitingApproval, approved]), 'A')).toBe(5);
    });

    it('pendingReasonsOf: the latest reason of each SKU still pending; recordedReasonOf: the latest, pending or not', () => {
      const state = stateOf([
        placed(),
        reasonRecorded('A', 'SKU_NOT_MAPPED'),
        reasonRecorded('B', 'AWAITING_VENDOR'),
        assigned('r1-B', 'B', 3),
        completed(1),
      ]);
      expect(pendingReasonsOf(state)).toStrictEqual([{ sku: 'A', reason: 'SKU_NOT_MAPPED' }]);
      expect(recordedReasonOf(state, 'B')).toBe('AWAITING_VENDOR');
      expect(recordedReasonOf(state, 'A')).toBe('SKU_NOT_MAPPED');
      expect(recordedReasonOf(state, 'C')).toBeUndefined();
    });

    it('isOpen and orderExists: placed and not ended', () => {
      expect([orderExists(stateOf([])), isOpen(stateOf([]))]).toStrictEqual([false, false]);
      expect(isOpen(stateOf([placed()]))).toBe(true);
      expect(isOpen(stateOf([placedAwaitingApproval]))).toBe(true);
      expect(isAwaitingApproval(stateOf([placedAwaitingApproval]))).toBe(true);
      expect(isOpen(stateOf([placed(), cancelled()]))).toBe(false);
      expect(isOpen(stateOf([...partlyHandedOver, closedShort()]))).toBe(false);
      expect(orderExists(stateOf([placed(), cancelled()]))).toBe(true);
    });

    it('purchaseOrdersOf: the linked POs in the order linked', () => {
      const linked = [poLinked('po-1'), poLinked('po-2', [{ sku: 'B', quantity: 3 }], 2)];
      expect(purchaseOrdersOf(stateOf([placed(), ...linked]))).toStrictEqual(linked.map((event) => event.data));
    });

    it('keeps the handovers by id for the caller to carry to the bins', () => {
      const state = stateOf(partly);
      expect(state.handovers.get('h-1')).toStrictEqual({
        handoverId: 'h-1',
        lines: [{ sku: 'A', quantity: 4 }],
        bins: [inBin('A', 2), inBin('A', 2, 'bin-2')],
      });
      expect(state.placed?.orderId).toBe('order-1');
    });
  });

  describe('the views of an order that ended', () => {
    const views = (state: OrderState) => ({
      lines: orderLines(state),
      assignments: assignmentsOf(state),
      reasons: pendingReasonsOf(state),
      held: state.lines.map((line) => heldQuantity(state, line.sku)),
      waiting: state.lines.map((line) => waitingQuantity(state, line.sku)),
    });

    it('closed short: holds nothing, shows what was never handed over as pending, and waits for nothing', () => {
      const state = stateOf([...partlyHandedOver, reasonRecorded('B', 'AWAITING_VENDOR'), closedShort()]);
      expect(views(state)).toStrictEqual({
        lines: [
          { sku: 'A', quantity: 5, assigned: 0, pending: 3, handedOver: 2 },
          { sku: 'B', quantity: 3, assigned: 0, pending: 3, handedOver: 0 },
        ],
        assignments: [],
        reasons: [],
        held: [0, 0],
        waiting: [0, 0],
      });
      // What it held is still on record for the caller that releases the bins.
      expect(recordedReasonOf(state, 'B')).toBe('AWAITING_VENDOR');
    });

    it('cancelled: the same', () => {
      expect(views(stateOf([...twoBins, reasonRecorded('A', 'SKU_NOT_MAPPED'), cancelled()]))).toStrictEqual({
        lines: [
          { sku: 'A', quantity: 5, assigned: 0, pending: 5, handedOver: 0 },
          { sku: 'B', quantity: 3, assigned: 0, pending: 3, handedOver: 0 },
        ],
        assignments: [],
        reasons: [],
        held: [0, 0],
        waiting: [0, 0],
      });
    });

    it('still reports an open round, so its runner closes it', () => {
      expect(openRound(stateOf([placed(), cancelled()]))).toStrictEqual({ round: 1 });
    });
  });

  describe('property: the views of an order add up, whatever is decided', () => {
    /** mulberry32: a small seeded PRNG, so a failure replays exactly. */
    const prng = (seed: number) => {
      let a = seed >>> 0;
      return (): number => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    };
    const SKUS = ['A', 'B', 'C'];
    const BINS = ['default', 'bin-2'];
    /** Refusals a random walk runs into; anything else is a bug. */
    const EXPECTED_REFUSALS = new Set([
      'ORDER_NOT_FOUND',
      'ORDER_CANCELLED',
      'ORDER_CLOSED_SHORT',
      'ORDER_NOT_APPROVED',
      'ORDER_HANDED_OVER',
      'NOTHING_TO_HAND_OVER',
      'HANDOVER_EXCEEDS_ASSIGNED',
      'ASSIGNMENT_EXCEEDS_PENDING',
      'QUANTITY_BELOW_HANDED_OVER',
      'ORDER_FOLLOWS_PURCHASE_ORDER',
      'NOT_A_VENDOR_ORDER',
    ]);

    const check = (state: OrderState, step: number): void => {
      const fail = (what: string) => {
        throw new Error(`step ${step}: ${what}; lines ${JSON.stringify(orderLines(state))}`);
      };
      const ended = orderEnd(state) !== undefined;
      const assignments = assignmentsOf(state);
      for (const line of orderLines(state)) {
        if (line.assigned + line.handedOver + line.pending !== line.quantity) fail(`${line.sku} does not add up`);
        if (line.assigned < 0 || line.pending < 0 || line.handedOver < 0 || line.handedOver > line.quantity) fail(`${line.sku} below zero`);
        if (ended && line.assigned !== 0) fail(`${line.sku} held after the end`);
        const inDetails = assignments.filter((a) => a.sku === line.sku).reduce((sum, a) => sum + a.quantity, 0);
        if (inDetails !== line.assigned) fail(`${line.sku}: inventory details hold ${inDetails}`);
        if (heldQuantity(state, line.sku) !== line.assigned) fail(`${line.sku}: heldQuantity disagrees`);
      }
      const status = orderStatus(state);
      if (ended !== ['CANCELLED', 'CLOSED_SHORT'].includes(status)) fail(`status ${status} for end ${orderEnd(state)}`);
      if (status === 'READY' && orderLines(state).some((line) => line.pending > 0)) fail('READY with a quantity pending');
      if (ended && pendingReasonsOf(state).length > 0) fail('reasons after the end');
      // The eta recorded by the events is the one derived from them; nothing pending or ended: null.
      for (const { sku, eta, late } of lineEtas(state)) {
        if ((state.etas?.get(sku) ?? null) !== eta) fail(`${sku}: recorded eta ${state.etas?.get(sku)} is not ${eta}`);
        const pending = orderLines(state).find((line) => line.sku === sku)!.pending;
        if ((ended || pending === 0) && (eta !== null || late)) fail(`${sku}: eta ${eta} with nothing awaited`);
      }
    };

    const dayOf = (n: number): string => new Date(Date.UTC(2024, 5, 1 + n)).toISOString();

    it.each([7, 99, 31337])('holds over a thousand random commands (seed %i)', (seed) => {
      const random = prng(seed);
      const int = (max: number): number => Math.floor(random() * max);
      const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
      const counts = { events: 0, refused: 0, ended: 0 };
      const seen = new Set<string>();

      for (let order = 0; order < 50; order++) {
        let events: OrderEvent[] = [];
        let state = orderDecider.initialState();
        const apply = (decided: OrderEvent[]) => {
          for (const event of decided) {
            OrderEvent.parse(event);
            state = orderDecider.evolve(state, event);
            events = [...events, event];
            counts.events++;
            seen.add(event.type);
          }
        };
        const lines = SKUS.filter(() => random() < 0.7).map((sku) => ({ sku, quantity: 1 + int(6) }));
        if (lines.length === 0) lines.push({ sku: 'A', quantity: 1 + int(6) });
        apply(
          orderDecider.decide(
            placeOrder({
              lines,
              approvalRequired: random() < 0.3,
              refuseIfShort: random() < 0.15,
              requestHash: `h-${order}`,
              // Without drawing: every third order is a vendor order, every other one has a requiredBy.
              ...(order % 3 === 0 ? { source: { purchaseOrderId: `po-${order}`, sellerAccountId: 'S' } } : {}),
              ...(order % 2 === 0 ? { requiredBy: '2024-06-04' } : {}),
            }),
            state,
          ),
        );
        for (let step = 0; step < 30; step++) {
          const roll = random();
          const round = openRound(state)?.round ?? state.roundsOpened + 1;
          const sku = pick(lines).sku;
          const command: OrderCommand =
            roll < 0.08
              ? { type: 'ApproveOrder' }
              : roll < 0.2
                ? { type: 'RequestInventoryAssignment', ...(random() < 0.4 ? { grnId: `grn-${int(3)}` } : random() < 0.3 ? { allocationId: `a-${int(5)}` } : {}) }
                : roll < 0.55
                  ? complete(
                      round,
                      SKUS.filter(() => random() < 0.6).map((s) => assignment(`${round}-${s}-${int(3)}`, s, 1 + int(3), pick(BINS))),
                    )
                  : roll < 0.74
                    ? handOver(`h-${step}`, random() < 0.5 ? undefined : [{ sku, quantity: 1 + int(3) }])
                    : roll < 0.755
                      ? cancel()
                      : roll < 0.77
                        ? endOrder()
                        : roll < 0.92
                          ? ({
                              ...purchaseDecided(state.roundsOpened, [{ ...boughtPo(`po-${round}`, [{ sku, quantity: 1 }]), expectedAt: dayOf(round) }], [{ sku, reason: 'AWAITING_VENDOR' }]),
                              passedOver: random() < 0.5 ? [{ sku, vendorAccountId: 'W', reason: 'NOT_ELIGIBLE' as const }] : [],
                            } as OrderCommand)
                          : roll < 0.95
                            ? { type: 'RecordPendingReason', sku, reason: 'SKU_NOT_MAPPED' }
                            : roll < 0.975
                              ? { type: 'RecordVendorClosedShort', purchaseOrderId: `po-${int(4)}`, vendorAccountId: 'V', lines: [{ sku, quantity: 1 }] }
                              : { type: 'CloseOrderShort', reason: 'The vendor has no more' };
          try {
            apply(orderDecider.decide(command, state));
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (code === undefined || !EXPECTED_REFUSALS.has(code)) throw error;
            counts.refused++;
          }
          // Without drawing: a PO's date moves or it stops bringing the SKU, and a vendor order is promised.
          const expectedDates: OrderCommand[] = [
            ...(step % 5 === 1
              ? [{ type: 'RecordPurchaseOrderProgress' as const, purchaseOrderId: `po-${Math.max(1, round - 1)}`, expectedAt: dayOf(step), openSkus: step % 10 === 1 ? [sku] : [] }]
              : []),
            ...(step % 7 === 3 ? [{ type: 'PromiseDelivery' as const, promisedAt: dayOf(step % 3) }] : []),
          ];
          for (const next of expectedDates) {
            try {
              apply(orderDecider.decide(next, state));
            } catch (error) {
              const code = (error as { code?: string }).code;
              if (code === undefined || !EXPECTED_REFUSALS.has(code)) throw error;
              counts.refused++;
            }
          }
          // Every few steps a line changes (up or down) and the change's outcome is recorded: no randomness drawn.
          if (step % 4 === 2) {
            const changed = lines[step % lines.length]!.sku;
            const now = orderLines(state).find((line) => line.sku === changed)?.quantity ?? 0;
            const lineChange: OrderCommand[] = [
              { type: 'ChangeOrderLine', sku: changed, quantity: Math.max(0, now + (step % 8 === 2 ? -3 : 2)) },
              { type: 'CompleteLineChange', change: state.lineChanges?.length ?? 1, purchaseOrders: [] },
            ];
            for (const next of lineChange) {
              try {
                apply(orderDecider.decide(next, state));
              } catch (error) {
                const code = (error as { code?: string }).code;
                if (code === undefined || !EXPECTED_REFUSALS.has(code)) throw error;
                counts.refused++;
              }
            }
          }
          check(state, step);
          // Folding the same events again gives the same state (evolve is a function of the log).
          expect(orderLines(stateOf(events))).toStrictEqual(orderLines(state));
        }
        if (orderEnd(state) !== undefined) counts.ended++;
      }
      // The walk reached the paths it claims to: every kind of event, some refusals, some ends.
      expect(counts.events).toBeGreaterThan(300);
      expect(counts.refused).toBeGreaterThan(0);
      expect(counts.ended).toBeGreaterThan(5);
      expect([...seen].sort()).toStrictEqual([...OrderEvent.options.map((option) => option.shape.type.value)].sort());
    });
  });
});

describe('order selectors for the backorder flow', () => {
  const placed = {
    type: 'OrderPlaced' as const,
    data: { orderId: 'o', accountId: 'S', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }], requestHash: 'h', awaitingApproval: false },
  };
  const fold = (events: Parameters<typeof orderDecider.evolve>[1][]) => events.reduce(orderDecider.evolve, orderDecider.initialState());

  it('keeps the POs linked per round, and what each line still waits for whatever they buy', () => {
    const state = fold([
      placed,
      { type: 'InventoryAssignmentCompleted', data: { round: 1 } },
      { type: 'PurchaseOrderLinked', data: { purchaseOrderId: 'p', vendorAccountId: 'V', accountId: 'S', lines: [{ sku: 'A', quantity: 3 }], round: 1 } },
    ]);
    expect(purchaseOrdersOf(state).map((po) => [po.purchaseOrderId, po.round])).toEqual([['p', 1]]);
    // What the POs bring is read from the POs themselves (fulfilment/on-order.ts): the order waits for all of it.
    expect([waitingQuantity(state, 'A'), waitingQuantity(state, 'B')]).toEqual([3, 2]);
  });

  it('names the chain of accounts, the order\'s own account when it starts one', () => {
    expect(backorderChainOf(fold([placed]))).toEqual(['S']);
    expect(backorderChainOf(fold([{ ...placed, data: { ...placed.data, chain: ['S', 'V'] } }]))).toEqual(['S', 'V']);
  });
});
