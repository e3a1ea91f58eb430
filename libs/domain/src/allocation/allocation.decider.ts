/**
 * An account's allocation queue as a decider. An order is queued once (its rank never changes),
 * rests while it has nothing pending (woken by a round of its own, with the same rank), and leaves
 * once; an allocation is recorded once under its id, derived from the event that set it
 * off, so a replay takes the shares decided the first time instead of deciding again.
 */
import { Decider } from '../shared/decider';
import { AllocationCommand, AllocationEvent, FreeStockAllocation } from './allocation.events';
import { QueueEntry } from './allocation-rule';

export type QueuedOrder = QueueEntry & { readonly skus: readonly string[]; readonly flow: string };

export type AllocationQueueState = {
  /** Orders waiting or that may wait, by id. */
  readonly queued: ReadonlyMap<string, QueuedOrder>;
  /** Orders with nothing pending, with their rank: queued again when a round of theirs wakes them. */
  readonly resting: ReadonlyMap<string, QueuedOrder>;
  /** Orders that left (they ended), with the rank they had: never queued again. */
  readonly left: ReadonlyMap<string, QueuedOrder>;
  readonly allocations: ReadonlyMap<string, FreeStockAllocation>;
};

const initialState = (): AllocationQueueState => ({ queued: new Map(), resting: new Map(), left: new Map(), allocations: new Map() });

/** The order's queue entry, while it waits or after it left: its rank. */
export const rankOf = (state: AllocationQueueState, orderId: string): QueuedOrder | undefined =>
  state.queued.get(orderId) ?? state.resting.get(orderId) ?? state.left.get(orderId);

/** The queued orders that ordered the SKU. */
export const queuedFor = (state: AllocationQueueState, sku: string): QueuedOrder[] => [...state.queued.values()].filter((entry) => entry.skus.includes(sku));

export const allocationOf = (state: AllocationQueueState, allocationId: string): FreeStockAllocation | undefined => state.allocations.get(allocationId);

const decide = (command: AllocationCommand, state: AllocationQueueState): AllocationEvent[] => {
  switch (command.type) {
    case 'QueueOrder': {
      if (state.queued.has(command.orderId) || state.resting.has(command.orderId) || state.left.has(command.orderId)) return [];
      const { orderId, skus, priority, requiredBy, sequence, flow } = command;
      return [{ type: 'OrderQueued', data: { orderId, skus: [...skus], sequence, flow, ...(priority === undefined ? {} : { priority }), ...(requiredBy === undefined ? {} : { requiredBy }) } }];
    }
    case 'RemoveFromQueue':
      return state.queued.has(command.orderId) || state.resting.has(command.orderId) ? [{ type: 'OrderLeftQueue', data: { orderId: command.orderId } }] : [];
    case 'RestOrders': {
      const orderIds = [...new Set(command.orderIds)].filter((orderId) => state.queued.has(orderId));
      return orderIds.length === 0 ? [] : [{ type: 'OrdersRested', data: { orderIds } }];
    }
    case 'WakeOrder': {
      const entry = state.resting.get(command.orderId);
      return entry === undefined ? [] : [{ type: 'OrderQueued', data: { ...entry, skus: [...entry.skus] } }];
    }
    case 'RecordAllocation':
      return state.allocations.has(command.allocation.allocationId) ? [] : [{ type: 'FreeStockAllocated', data: command.allocation }];
  }
};

const evolve = (state: AllocationQueueState, event: AllocationEvent): AllocationQueueState => {
  switch (event.type) {
    case 'OrderQueued': {
      const queued = new Map(state.queued);
      queued.set(event.data.orderId, { ...event.data });
      const resting = new Map(state.resting);
      resting.delete(event.data.orderId);
      return { ...state, queued, resting };
    }
    case 'OrdersRested': {
      const queued = new Map(state.queued);
      const resting = new Map(state.resting);
      for (const orderId of event.data.orderIds) {
        const entry = queued.get(orderId);
        if (entry === undefined) continue;
        queued.delete(orderId);
        resting.set(orderId, entry);
      }
      return { ...state, queued, resting };
    }
    case 'OrderLeftQueue': {
      const entry = state.queued.get(event.data.orderId) ?? state.resting.get(event.data.orderId);
      if (entry === undefined) return state;
      const queued = new Map(state.queued);
      queued.delete(event.data.orderId);
      const resting = new Map(state.resting);
      resting.delete(event.data.orderId);
      const left = new Map(state.left);
      left.set(event.data.orderId, entry);
      return { ...state, queued, resting, left };
    }
    case 'FreeStockAllocated': {
      const allocations = new Map(state.allocations);
      allocations.set(event.data.allocationId, event.data);
      return { ...state, allocations };
    }
  }
};

export const allocationQueueDecider: Decider<AllocationQueueState, AllocationCommand, AllocationEvent> = { initialState, evolve, decide };
