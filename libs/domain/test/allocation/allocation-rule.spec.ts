/** The ranking of the allocation rule (libs/domain/src/allocation/allocation-rule.ts): priority, then requiredBy, then creation order. */
import { compareRank, QueueEntry, rankQueue } from '@app/domain/allocation/allocation-rule';

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
