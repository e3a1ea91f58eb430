/**
 * Events and commands of an account's allocation queue (`allocation-<accountId>`): the orders
 * that may wait for free stock, with what ranks them, and every allocation of free stock, as it
 * was decided. One writer: the allocation process manager, one account at a time, in log order.
 */
import { z } from 'zod';
import { Id, Sku } from '../shared/ids';
import { AllocationRule, OrderPriority } from '../order/order.events';

const Quantity = z.number().int().min(0);

export const ALLOCATION_STREAM_PREFIX = 'allocation-';
/** An account's allocation queue. */
export const allocationStream = (accountId: string): string => `${ALLOCATION_STREAM_PREFIX}${accountId}`;

/** An order joins the queue when it is placed: its rank is fixed then. `sequence`: its OrderPlaced's log position, fixed width. */
export const OrderQueued = z.object({
  type: z.literal('OrderQueued'),
  data: z.object({
    orderId: Id,
    skus: z.array(Sku).min(1),
    priority: OrderPriority.optional(),
    requiredBy: z.string().optional(),
    sequence: z.string().regex(/^\d{20}$/),
    /** The order's flow (its correlation id): the rounds that give it a share belong to it. */
    flow: z.string().min(1).max(400),
  }),
});
/**
 * Orders with nothing pending rest: they are not weighed again until a round of theirs wakes them
 * (a line increased, a PO closed short), when they are queued again with the rank they had.
 */
export const OrdersRested = z.object({
  type: z.literal('OrdersRested'),
  data: z.object({ orderIds: z.array(Id).min(1) }),
});
/** An order that ended leaves the queue. */
export const OrderLeftQueue = z.object({
  type: z.literal('OrderLeftQueue'),
  data: z.object({ orderId: Id }),
});
/**
 * Free stock of a SKU given to waiting orders: how much was free, the waiting orders looked at in
 * rank order with what each needed, and each one's share with the rule that chose it.
 */
export const FreeStockAllocated = z.object({
  type: z.literal('FreeStockAllocated'),
  data: z.object({
    allocationId: z.string().min(1).max(400),
    sku: Sku,
    free: Quantity,
    candidates: z.array(z.object({ orderId: Id, need: Quantity })),
    shares: z.array(z.object({ orderId: Id, quantity: z.number().int().positive(), rule: AllocationRule })).min(1),
  }),
});

export const AllocationEvent = z.discriminatedUnion('type', [OrderQueued, OrdersRested, OrderLeftQueue, FreeStockAllocated]);
export type AllocationEvent = z.infer<typeof AllocationEvent>;
export type FreeStockAllocation = z.infer<typeof FreeStockAllocated>['data'];
export type AllocationShare = FreeStockAllocation['shares'][number];

export type AllocationCommand =
  | { readonly type: 'QueueOrder'; readonly orderId: string; readonly skus: readonly string[]; readonly priority?: number; readonly requiredBy?: string; readonly sequence: string; readonly flow: string }
  | { readonly type: 'RemoveFromQueue'; readonly orderId: string }
  | { readonly type: 'RestOrders'; readonly orderIds: readonly string[] }
  /** A resting order is queued again, with the rank it had; any other, nothing. */
  | { readonly type: 'WakeOrder'; readonly orderId: string }
  | { readonly type: 'RecordAllocation'; readonly allocation: FreeStockAllocation };
