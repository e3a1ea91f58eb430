import {
  assignmentsOf,
  heldBins,
  openRound,
  orderDecider,
  orderLines,
  OrderPlacedData,
  orderStatus,
  pendingReasonsOf,
  purchaseOrdersOf,
  backorderChainOf,
  pendingCoverage,
} from '../src/order/order.decider';
import { AssignmentResult, OrderCommand, OrderEvent } from '../src/order/order.events';
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
const poLinked = (purchaseOrderId: string, lines: Line[] = [{ sku: 'A', quantity: 5 }]): OrderEvent => ({
  type: 'PurchaseOrderLinked',
  data: { purchaseOrderId, vendorAccountId: 'vendor-1', accountId: 'seller-1', lines },
});

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

// ---- scenarios -----------------------------------------------------------------------------

/** Everything assigned from the Default Bin in round 1. */
const ready: OrderEvent[] = [placed(), assigned('r1-A', 'A', 5), assigned('r1-B', 'B', 3), completed(1)];

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
      { type: 'LinkPurchaseOrder', purchaseOrderId: 'po-1', vendorAccountId: 'vendor-1', accountId: 'seller-1', lines: [{ sku: 'A', quantity: 1 }] },
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
      given([...partlyAssigned, requested()]).when({ type: 'RequestInventoryAssignment', grnId: 'grn-1' }).thenNothingHappened();
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

    it('does nothing for a cancelled order (the caller releases what the bins assigned)', () => {
      given([placed(), cancelled()]).when(complete(1, [assignment('r1-A', 'A', 5)])).thenNothingHappened();
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
    it('opens round 1 for every line when the order is placed without approval', () => {
      expect(openRound(stateOf([placed()]))).toStrictEqual({
        round: 1,
        wanted: [
          { sku: 'A', quantity: 5 },
          { sku: 'B', quantity: 3 },
        ],
      });
    });

    it('opens no round while the order awaits approval, and round 1 once approved', () => {
      expect(openRound(stateOf([placedAwaitingApproval]))).toBeUndefined();
      expect(openRound(stateOf([placedAwaitingApproval, approved]))).toStrictEqual({
        round: 1,
        wanted: [
          { sku: 'A', quantity: 5 },
          { sku: 'B', quantity: 3 },
        ],
      });
    });

    it('closes the round when it completes', () => {
      expect(openRound(stateOf([placed(), completed(1)]))).toBeUndefined();
      expect(openRound(stateOf(ready))).toBeUndefined();
    });

    it('keeps the round open when another round number completes', () => {
      expect(openRound(stateOf([placed(), completed(2)]))?.round).toBe(1);
    });

    it('numbers rounds in the order they open, wanting what was pending at the opening', () => {
      const events = [placed(), assigned('r1-A', 'A', 2), completed(1), requested('grn-1')];
      expect(openRound(stateOf(events))).toStrictEqual({
        round: 2,
        grnId: 'grn-1',
        wanted: [
          { sku: 'A', quantity: 3 },
          { sku: 'B', quantity: 3 },
        ],
      });
      const third = [...events, assigned('r2-B', 'B', 3, 'default', 'grn-1'), completed(2), requested()];
      expect(openRound(stateOf(third))).toStrictEqual({ round: 3, wanted: [{ sku: 'A', quantity: 3 }] });
    });

    it('does not change what the open round wants when units are assigned in it', () => {
      expect(openRound(stateOf([placed(), assigned('r1-A', 'A', 2)]))?.wanted).toStrictEqual([
        { sku: 'A', quantity: 5 },
        { sku: 'B', quantity: 3 },
      ]);
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
    });

    it('refuses an order handed over in full', () => {
      given([...ready, handedOver('h-1', [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 3 }], [inBin('A', 5), inBin('B', 3)])])
        .when(cancel())
        .thenThrows({ kind: 'conflict', code: 'ORDER_HANDED_OVER' });
    });
  });

  describe('LinkPurchaseOrder', () => {
    const link: OrderCommand = {
      type: 'LinkPurchaseOrder',
      purchaseOrderId: 'po-1',
      vendorAccountId: 'vendor-1',
      accountId: 'seller-1',
      lines: [{ sku: 'A', quantity: 5 }],
    };

    it('links a PO bought for the order', () => {
      given([placed()]).when(link).then([poLinked('po-1')]);
      given([placed(), poLinked('po-2', [{ sku: 'B', quantity: 3 }])]).when(link).then([poLinked('po-1')]);
    });

    it('does nothing when the PO is already linked', () => {
      given([placed(), poLinked('po-1')]).when(link).thenNothingHappened();
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
  });

  describe('selectors', () => {
    const partly = [...twoBins, handedOver('h-1', [{ sku: 'A', quantity: 4 }], [inBin('A', 2), inBin('A', 2, 'bin-2')])];

    it('orderLines: assigned counts units handed over since; pending is quantity - assigned', () => {
      expect(orderLines(stateOf([placed(), assigned('r1-A', 'A', 2), completed(1)]))).toStrictEqual([
        { sku: 'A', quantity: 5, assigned: 2, pending: 3, handedOver: 0 },
        { sku: 'B', quantity: 3, assigned: 0, pending: 3, handedOver: 0 },
      ]);
      expect(orderLines(stateOf(partly))).toStrictEqual([
        { sku: 'A', quantity: 5, assigned: 5, pending: 0, handedOver: 4 },
        { sku: 'B', quantity: 3, assigned: 3, pending: 0, handedOver: 0 },
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

    it('assignmentsOf: the inventory details as assigned', () => {
      expect(assignmentsOf(stateOf(partly))).toStrictEqual([
        assignment('r1-A', 'A', 2),
        assignment('r2-A', 'A', 3, 'bin-2'),
        assignment('r2-B', 'B', 3, 'default', 'grn-1'),
      ]);
    });

    it('purchaseOrdersOf: the linked POs in the order linked', () => {
      const linked = [poLinked('po-1'), poLinked('po-2', [{ sku: 'B', quantity: 3 }])];
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
});

describe('order selectors for the backorder flow', () => {
  const placed = {
    type: 'OrderPlaced' as const,
    data: { orderId: 'o', accountId: 'S', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }], requestHash: 'h', awaitingApproval: false },
  };
  const fold = (events: Parameters<typeof orderDecider.evolve>[1][]) => events.reduce(orderDecider.evolve, orderDecider.initialState());

  it('splits the pending quantity into what a linked PO buys and what none does yet', () => {
    const state = fold([
      placed,
      { type: 'PurchaseOrderLinked', data: { purchaseOrderId: 'p', vendorAccountId: 'V', accountId: 'S', lines: [{ sku: 'A', quantity: 3 }] } },
    ]);
    expect(pendingCoverage(state)).toEqual({ bought: ['A'], notBought: [{ sku: 'B', quantity: 2 }] });
  });

  it('names the chain of accounts, the order\'s own account when it starts one', () => {
    expect(backorderChainOf(fold([placed]))).toEqual(['S']);
    expect(backorderChainOf(fold([{ ...placed, data: { ...placed.data, chain: ['S', 'V'] } }]))).toEqual(['S', 'V']);
  });
});
