/**
 * The ranking of the allocation rule (SPEC.md "Allocation of free stock"): in which order the
 * waiting orders of an account stand for free stock of a SKU. Free stock goes by rank: `priority`
 * (1 first, 5 when not given), then `requiredBy` (earlier first; orders without one after those
 * with one), then creation order (the position of OrderPlaced in the log), then the order id
 * (never needed: positions are unique). Pure: the read side ranks its queue with it.
 */
import { DEFAULT_ORDER_PRIORITY } from '../order/order.events';

/** An order's place in the queue: what ranks it. `sequence` is the position of its OrderPlaced (fixed-width decimal). */
export interface QueueEntry {
  readonly orderId: string;
  readonly priority?: number;
  readonly requiredBy?: string;
  readonly sequence: string;
}

const priorityOf = (entry: Pick<QueueEntry, 'priority'>): number => entry.priority ?? DEFAULT_ORDER_PRIORITY;

/** Negative when `a` is served before `b`: priority, then requiredBy (none last), then creation order, then id. */
export const compareRank = (a: QueueEntry, b: QueueEntry): number => {
  if (priorityOf(a) !== priorityOf(b)) return priorityOf(a) - priorityOf(b);
  if (a.requiredBy !== b.requiredBy) {
    if (a.requiredBy === undefined) return 1;
    if (b.requiredBy === undefined) return -1;
    return a.requiredBy < b.requiredBy ? -1 : 1;
  }
  if (a.sequence !== b.sequence) return a.sequence < b.sequence ? -1 : 1;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
};

/** The queue in rank order (best first). */
export const rankQueue = <T extends QueueEntry>(entries: readonly T[]): T[] => [...entries].sort(compareRank);
