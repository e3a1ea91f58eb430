/** The ranking of the allocation rule (libs/domain/src/allocation/allocation-rule.ts): priority, then requiredBy, then creation order. */
import { allocateFree, Candidate, compareRank, enoughCandidates, QueueEntry, rankQueue, ruleBetween, sequenceOf as queueSequenceOf } from '@app/domain/allocation/allocation-rule';
import { allocationQueueDecider } from '@app/domain/allocation/allocation.decider';
import { AllocationEvent } from '@app/domain/allocation/allocation.events';
import { DeciderSpecification } from '../decider-spec';

/** A log position as the read side's `_sequence` holds it: fixed-width decimal. */
const sequenceOf = (position: number): string => String(position).padStart(20, '0');
const entry = (orderId: string, position: number, options: { priority?: number; requiredBy?: string } = {}): QueueEntry => ({
  orderId,
  ...(options.priority === undefined ? {} : { priority: options.priority }),
  ...(options.requiredBy === undefined ? {} : { requiredBy: options.requiredBy }),
  sequence: sequenceOf(position),
});
const ids = (entries: readonly { orderId: string }[]) => entries.map((e) => e.orderId);

describe('the allocation rule: ranking', () => {
  it('puts a lower priority number first, whatever the creation order; no priority ranks as 5', () => {
    expect(ids(rankQueue([entry('late-urgent', 9, { priority: 1 }), entry('early', 1), entry('lazy', 2, { priority: 9 }), entry('four', 3, { priority: 4 })]))).toEqual([
      'late-urgent',
      'four',
      'early',
      'lazy',
    ]);
    expect(compareRank(entry('x', 1), entry('y', 2, { priority: 5 }))).toBeLessThan(0);
  });

  it('breaks a priority tie by requiredBy, earlier first, orders without one after those with one', () => {
    const ranked = rankQueue([entry('none', 1), entry('june', 2, { requiredBy: '2024-06-01' }), entry('may', 3, { requiredBy: '2024-05-01' }), entry('urgent-none', 4, { priority: 2 })]);
    expect(ids(ranked)).toEqual(['urgent-none', 'may', 'june', 'none']);
  });

  it('breaks a tie of priority and requiredBy by creation order (the position of OrderPlaced), not by id', () => {
    expect(ids(rankQueue([entry('a', 30), entry('b', 7), entry('c', 12)]))).toEqual(['b', 'c', 'a']);
    expect(compareRank(entry('x', 9), entry('y', 10))).toBeLessThan(0);
    expect(compareRank(entry('x', 10), entry('x', 10))).toBe(0);
  });

  it('does not change what it is given', () => {
    const given = [entry('b', 2), entry('a', 1)];
    rankQueue(given);
    expect(ids(given)).toEqual(['b', 'a']);
  });
});

const candidate = (orderId: string, position: number, need: number, options: { priority?: number; requiredBy?: string } = {}): Candidate => ({
  ...entry(orderId, position, options),
  need,
});

describe('the allocation rule: shares of free stock', () => {
  it('gives free stock in rank order, each order what it needs while units are left', () => {
    const shares = allocateFree(5, [candidate('fifo-late', 3, 4), candidate('urgent', 9, 2, { priority: 1 }), candidate('fifo-early', 1, 2)]);
    expect(shares).toEqual([
      { orderId: 'urgent', quantity: 2, rule: 'PRIORITY' },
      { orderId: 'fifo-early', quantity: 2, rule: 'FIFO' },
      { orderId: 'fifo-late', quantity: 1, rule: 'FIFO' },
    ]);
  });

  it('names the criterion that put an order ahead of the next one that needed some', () => {
    expect(allocateFree(3, [candidate('a', 1, 1, { requiredBy: '2027-01-01' }), candidate('b', 2, 5)])).toEqual([
      { orderId: 'a', quantity: 1, rule: 'REQUIRED_BY' },
      { orderId: 'b', quantity: 2, rule: 'FIFO' },
    ]);
    expect(ruleBetween(entry('a', 1, { priority: 2 }), entry('b', 2, { priority: 3, requiredBy: '2027-01-01' }))).toBe('PRIORITY');
    expect(ruleBetween(entry('a', 1, { requiredBy: '2027-01-01' }), entry('b', 2, { requiredBy: '2027-02-01' }))).toBe('REQUIRED_BY');
    expect(ruleBetween(entry('a', 1), entry('b', 2))).toBe('FIFO');
    // No other order waited: first come, first served.
    expect(allocateFree(9, [candidate('only', 4, 2, { priority: 1 })])).toEqual([{ orderId: 'only', quantity: 2, rule: 'FIFO' }]);
  });

  it('gives nothing to an order that needs nothing, and nothing when nothing is free', () => {
    expect(allocateFree(4, [candidate('covered', 1, 0, { priority: 1 }), candidate('waits', 2, 3)])).toEqual([{ orderId: 'waits', quantity: 3, rule: 'FIFO' }]);
    expect(allocateFree(0, [candidate('waits', 2, 3)])).toEqual([]);
  });

  it('a better-ranked order that needs it all leaves nothing to those behind it', () => {
    expect(allocateFree(2, [candidate('early', 1, 2), candidate('late', 2, 2)])).toEqual([{ orderId: 'early', quantity: 2, rule: 'FIFO' }]);
  });

  it('looks at waiting orders until their needs cover what is free, and one more (it names the last rule)', () => {
    expect(enoughCandidates(3, [])).toBe(false);
    expect(enoughCandidates(3, [candidate('a', 1, 2)])).toBe(false);
    expect(enoughCandidates(3, [candidate('a', 1, 2), candidate('b', 2, 2)])).toBe(false);
    expect(enoughCandidates(3, [candidate('a', 1, 2), candidate('b', 2, 2), candidate('c', 3, 1)])).toBe(true);
  });

  it('positions as queue sequences sort as the log does', () => {
    expect(queueSequenceOf(9n) < queueSequenceOf(10n)).toBe(true);
    expect(queueSequenceOf(12345678901234567890n)).toHaveLength(20);
  });
});

describe('the allocation queue decider', () => {
  const given = DeciderSpecification.for(allocationQueueDecider, AllocationEvent);
  const queued = (orderId: string, sequence: string): AllocationEvent => ({ type: 'OrderQueued', data: { orderId, skus: ['A'], sequence, flow: `order-S.${orderId}`, priority: 2 } });
  const allocation = {
    allocationId: 'e1:A',
    sku: 'A',
    free: 3,
    candidates: [{ orderId: 'o1', need: 2 }],
    shares: [{ orderId: 'o1', quantity: 2, rule: 'FIFO' as const }],
  };

  it('queues an order once, with its rank; never again once it left', () => {
    const seq = queueSequenceOf(7n);
    given([]).when({ type: 'QueueOrder', orderId: 'o1', skus: ['A'], sequence: seq, flow: 'order-S.o1', priority: 2 }).then([queued('o1', seq)]);
    given([queued('o1', seq)]).when({ type: 'QueueOrder', orderId: 'o1', skus: ['A'], sequence: seq, flow: 'order-S.o1' }).thenNothingHappened();
    given([queued('o1', seq), { type: 'OrderLeftQueue', data: { orderId: 'o1' } }])
      .when({ type: 'QueueOrder', orderId: 'o1', skus: ['A'], sequence: seq, flow: 'order-S.o1' })
      .thenNothingHappened();
  });

  it('an order leaves once; one never queued leaves nothing', () => {
    given([queued('o1', queueSequenceOf(1n))]).when({ type: 'RemoveFromQueue', orderId: 'o1' }).then([{ type: 'OrderLeftQueue', data: { orderId: 'o1' } }]);
    given([]).when({ type: 'RemoveFromQueue', orderId: 'o1' }).thenNothingHappened();
  });

  it('an order with nothing pending rests (not weighed), and a round of its own wakes it with the rank it had', () => {
    const seq = queueSequenceOf(3n);
    given([queued('o1', seq)]).when({ type: 'RestOrders', orderIds: ['o1', 'never-queued'] }).then([{ type: 'OrdersRested', data: { orderIds: ['o1'] } }]);
    const rested: AllocationEvent[] = [queued('o1', seq), { type: 'OrdersRested', data: { orderIds: ['o1'] } }];
    given(rested).when({ type: 'RestOrders', orderIds: ['o1'] }).thenNothingHappened();
    // Woken: queued again as it was, whatever a QueueOrder would say now.
    given(rested).when({ type: 'WakeOrder', orderId: 'o1' }).then([queued('o1', seq)]);
    given(rested).when({ type: 'QueueOrder', orderId: 'o1', skus: ['A'], sequence: queueSequenceOf(99n), flow: 'x' }).thenNothingHappened();
    given([queued('o1', seq)]).when({ type: 'WakeOrder', orderId: 'o1' }).thenNothingHappened();
    // A resting order that ends leaves.
    given(rested).when({ type: 'RemoveFromQueue', orderId: 'o1' }).then([{ type: 'OrderLeftQueue', data: { orderId: 'o1' } }]);
    const state = [...rested].reduce(allocationQueueDecider.evolve, allocationQueueDecider.initialState());
    expect([state.queued.has('o1'), state.resting.has('o1')]).toEqual([false, true]);
  });

  it('records an allocation once under its id: a replay that decided otherwise takes what was recorded', () => {
    given([]).when({ type: 'RecordAllocation', allocation }).then([{ type: 'FreeStockAllocated', data: allocation }]);
    given([{ type: 'FreeStockAllocated', data: allocation }])
      .when({ type: 'RecordAllocation', allocation: { ...allocation, shares: [{ orderId: 'o2', quantity: 3, rule: 'FIFO' }] } })
      .thenNothingHappened();
  });
});
