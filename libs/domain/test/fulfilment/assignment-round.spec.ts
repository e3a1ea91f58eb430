import { AssignmentDecision } from '../../src/bin/bin.decider';
import { BinDecision, givenBy, roundAsks, roundResults, surplusReserved } from '../../src/fulfilment/assignment-round';
import { orderDecider } from '../../src/order/order.decider';
import { OrderEvent } from '../../src/order/order.events';
import { DeciderSpecification } from '../decider-spec';
import {
  approved,
  inventoryAssigned,
  orderCancelled,
  orderClosedShort,
  orderHandedOver,
  orderOf,
  orderPlaced,
  partlyAssigned,
  roundCompleted,
  roundRequested,
} from './fixtures';

const nothingOnOrder = () => 0;
const onOrder = (quantities: Record<string, number>) => (sku: string) => quantities[sku] ?? 0;

const given = (assignmentId: string, quantity: number, fromReserved = 0, grnId?: string): AssignmentDecision => ({
  given: { assignmentId, orderId: 'o-1', sku: 'A', quantity, fromReserved, ...(grnId === undefined ? {} : { grnId }) },
});
const nothing = (assignmentId: string, requested: number): AssignmentDecision => ({
  nothing: { assignmentId, orderId: 'o-1', sku: 'A', requested },
});
const decided = (assignmentId: string, decision: AssignmentDecision, binId = 'default'): BinDecision => ({
  assignmentId,
  sku: 'A',
  locationId: 'main',
  binId,
  decision,
});

describe('assignment round', () => {
  describe('roundAsks', () => {
    it('asks, per line, for what is pending', () => {
      expect(roundAsks(orderOf([orderPlaced()]), nothingOnOrder)).toStrictEqual([
        { sku: 'A', quantity: 5 },
        { sku: 'B', quantity: 3 },
      ]);
      expect(roundAsks(orderOf([...partlyAssigned, roundRequested()]), nothingOnOrder)).toStrictEqual([
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 3 },
      ]);
    });

    it('takes no stock for what open POs bring, and leaves out lines asking nothing', () => {
      expect(roundAsks(orderOf([...partlyAssigned, roundRequested()]), onOrder({ A: 1, B: 3 }))).toStrictEqual([{ sku: 'A', quantity: 2 }]);
      expect(roundAsks(orderOf([...partlyAssigned, roundRequested()]), onOrder({ A: 7 }))).toStrictEqual([{ sku: 'B', quantity: 3 }]);
    });

    it('leaves out lines assigned in full', () => {
      const events = [orderPlaced(), inventoryAssigned('r1-A', 'A', 5), roundCompleted(1), roundRequested()];
      expect(roundAsks(orderOf(events), nothingOnOrder)).toStrictEqual([{ sku: 'B', quantity: 3 }]);
    });

    it('asks nothing for an order that ended or awaits approval', () => {
      expect(roundAsks(orderOf([orderPlaced(), orderCancelled]), nothingOnOrder)).toStrictEqual([]);
      expect(roundAsks(orderOf([...partlyAssigned, orderHandedOver('h-1', [{ sku: 'A', quantity: 2 }]), orderClosedShort]), nothingOnOrder)).toStrictEqual([]);
      expect(roundAsks(orderOf([orderPlaced({ awaitingApproval: true })]), nothingOnOrder)).toStrictEqual([]);
      expect(roundAsks(orderOf([orderPlaced({ awaitingApproval: true }), approved]), nothingOnOrder)).toHaveLength(2);
    });
  });

  describe('roundResults', () => {
    it('records free stock a bin gave as a stock assignment', () => {
      expect(roundResults([decided('o-1:1:A:main:default', given('o-1:1:A:main:default', 3))])).toStrictEqual([
        { assignmentId: 'o-1:1:A:main:default:stock', sku: 'A', locationId: 'main', binId: 'default', quantity: 3, source: 'stock' },
      ]);
    });

    it('records reserved goods as a backorder assignment naming their GRN', () => {
      expect(roundResults([decided('a', given('a', 2, 2, 'grn-1'))])).toStrictEqual([
        { assignmentId: 'a:backorder', sku: 'A', locationId: 'main', binId: 'default', quantity: 2, source: 'backorder', grnId: 'grn-1' },
      ]);
    });

    it('splits a bin that gave both: reserved goods first, then stock', () => {
      expect(roundResults([decided('a', given('a', 5, 2, 'grn-1'))])).toStrictEqual([
        { assignmentId: 'a:backorder', sku: 'A', locationId: 'main', binId: 'default', quantity: 2, source: 'backorder', grnId: 'grn-1' },
        { assignmentId: 'a:stock', sku: 'A', locationId: 'main', binId: 'default', quantity: 3, source: 'stock' },
      ]);
    });

    it('records nothing for a bin that gave nothing, and keeps the bins apart', () => {
      expect(roundResults([decided('a', nothing('a', 4)), decided('b', given('b', 1), 'bin-2')])).toStrictEqual([
        { assignmentId: 'b:stock', sku: 'A', locationId: 'main', binId: 'bin-2', quantity: 1, source: 'stock' },
      ]);
      expect(roundResults([])).toStrictEqual([]);
    });

    it('gives results the order records as they are', () => {
      const results = roundResults([decided('a', given('a', 5, 2, 'grn-1')), decided('b', nothing('b', 3))]);
      const events: OrderEvent[] = [
        ...results.map((data): OrderEvent => ({ type: 'InventoryAssigned', data })),
        { type: 'InventoryAssignmentCompleted', data: { round: 1 } },
      ];
      DeciderSpecification.for(orderDecider, OrderEvent)([orderPlaced()])
        .when({ type: 'CompleteInventoryAssignment', round: 1, assignments: results })
        .then(events);
    });
  });

  describe('givenBy', () => {
    it('counts the units a bin gave, none for nothing', () => {
      expect(givenBy(given('a', 4, 1))).toBe(4);
      expect(givenBy(nothing('a', 4))).toBe(0);
    });
  });

  describe('surplusReserved', () => {
    it('releases reserved goods beyond what the line still waits for', () => {
      const order = orderOf(partlyAssigned); // A waits for 3, B for 3
      expect(surplusReserved(order, nothingOnOrder, new Map([['A', 5]]))).toStrictEqual([{ sku: 'A', quantity: 2 }]);
      expect(surplusReserved(order, nothingOnOrder, new Map([['A', 3], ['B', 1]]))).toStrictEqual([]);
    });

    it('counts what open POs bring as already covered', () => {
      const order = orderOf(partlyAssigned);
      expect(surplusReserved(order, onOrder({ A: 2 }), new Map([['A', 3]]))).toStrictEqual([{ sku: 'A', quantity: 2 }]);
      expect(surplusReserved(order, onOrder({ A: 9 }), new Map([['A', 3]]))).toStrictEqual([{ sku: 'A', quantity: 3 }]);
    });

    it('releases everything reserved for a line that waits for nothing more', () => {
      const ready = orderOf([orderPlaced(), inventoryAssigned('r1-A', 'A', 5), inventoryAssigned('r1-B', 'B', 3), roundCompleted(1)]);
      expect(surplusReserved(ready, nothingOnOrder, new Map([['A', 2], ['C', 1]]))).toStrictEqual([
        { sku: 'A', quantity: 2 },
        { sku: 'C', quantity: 1 },
      ]);
    });
  });
});
