/**
 * The ranking of the allocation rule (SPEC.md "Allocation of free stock"): in which order the
 * waiting orders of an account stand for free stock of a SKU. Free stock goes by rank: `priority`
 * (1 first, 5 when not given), then `requiredBy` (earlier first; orders without one after those
 * with one), then creation order (the position of OrderPlaced in the log), then the order id
 * (never needed: positions are unique). Pure: the allocation process manager gives free stock by
 * it, the read side ranks its queue with it, the invariants check the one against the other.
 *
 * Goods inwarded for an order's own PO are reserved for it in the bin (pegged): no allocation
 * touches them, so they are not in this ranking at all.
 */
import { AllocationRule, DEFAULT_ORDER_PRIORITY } from '../order/order.events';
import { OrderState, waitingQuantity } from '../order/order.decider';

/** An order's place in the queue: what ranks it. `sequence` is the position of its OrderPlaced (fixed-width decimal). */
export interface QueueEntry {
  readonly orderId: string;
  readonly priority?: number;
  readonly requiredBy?: string;
  readonly sequence: string;
}

/** A log position as a queue `sequence`: fixed-width decimal, so text order is log order. */
export const sequenceOf = (position: bigint): string => position.toString(10).padStart(20, '0');

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

/** The criterion that puts `a` ahead of `b` (`a` ranked first). */
export const ruleBetween = (a: QueueEntry, b: QueueEntry): Exclude<AllocationRule, 'PEGGED'> => {
  if (priorityOf(a) !== priorityOf(b)) return 'PRIORITY';
  if (a.requiredBy !== b.requiredBy) return 'REQUIRED_BY';
  return 'FIFO';
};

/**
 * What an order waits for of a SKU from free stock: its pending quantity less what its POs bring
 * (stock is never taken for quantity a vendor is bringing) and the goods reserved for it (pegged:
 * its own already); nothing for an order that ended or awaits approval.
 */
export const freeStockNeed = (order: OrderState, sku: string, onOrder: (sku: string) => number, reserved: number): number =>
  Math.max(0, waitingQuantity(order, sku) - onOrder(sku) - reserved);

/** A waiting order as the allocation sees it: its rank and what it needs of the SKU from free stock. */
export type Candidate = QueueEntry & { readonly need: number };

export type Share = { readonly orderId: string; readonly quantity: number; readonly rule: Exclude<AllocationRule, 'PEGGED'> };

/**
 * How `free` units of a SKU go to the waiting orders: in rank order, each takes what it needs
 * while units are left. Each share records the rule that put its order ahead of the next order
 * that needed some (FIFO when no other order did).
 */
export const allocateFree = (free: number, candidates: readonly Candidate[]): Share[] => {
  const waiting = rankQueue(candidates.filter((candidate) => candidate.need > 0));
  const shares: Share[] = [];
  let left = free;
  waiting.forEach((candidate, i) => {
    const quantity = Math.min(candidate.need, left);
    if (quantity <= 0) return;
    left -= quantity;
    const next = waiting[i + 1];
    shares.push({ orderId: candidate.orderId, quantity, rule: next === undefined ? 'FIFO' : ruleBetween(candidate, next) });
  });
  return shares;
};

/**
 * Whether the waiting orders looked at so far (in rank order, those that need some) are enough to
 * decide: their needs before the last one cover what is free, so the last one names the rule of
 * the last share and gets nothing.
 */
export const enoughCandidates = (free: number, candidates: readonly Candidate[]): boolean =>
  candidates.length > 0 && candidates.slice(0, -1).reduce((sum, candidate) => sum + candidate.need, 0) >= free;
