/**
 * The deliveries to one webhook as a decider, and the retry schedule. The state keeps what the
 * deliveries list shows (not the payloads: the dispatcher reads those from DeliveryScheduled).
 */
import { Decider, DomainError } from '../shared/decider';
import { DeliveryCommand, DeliveryEvent, DeliveryStatus } from './delivery.events';
import { WebhookEventType } from './webhook.events';

/** At least this many attempts before a delivery is FAILED (SPEC.md, "Webhooks"). */
export const MIN_DELIVERY_ATTEMPTS = 5;
/** Longest wait between two attempts, whatever the base. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

export type Delivery = {
  readonly deliveryId: string;
  readonly type: WebhookEventType;
  readonly sourceStream: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatusCode?: number;
  readonly lastError?: string;
  /** While PENDING after a failed attempt: when the next one is due. */
  readonly nextAttemptAt?: string;
};

export type DeliveriesState = {
  /** In the order scheduled. */
  readonly deliveries: ReadonlyMap<string, Delivery>;
};

const initialState = (): DeliveriesState => ({ deliveries: new Map() });

export const deliveriesOf = (state: DeliveriesState): Delivery[] => [...state.deliveries.values()];

/**
 * How long to wait after failed attempt `attempt` (1, 2, ...): `baseMs` doubling each time, capped
 * at an hour, times a jitter in [0.5, 1.5) so that receivers coming back are not hit all at once.
 * `jitter` is a number in [0, 1) the caller draws.
 */
export const retryDelayMs = (attempt: number, baseMs: number, jitter: number): number => {
  const exponential = Math.min(baseMs * 2 ** Math.min(attempt - 1, 40), MAX_RETRY_DELAY_MS);
  return Math.round(exponential * (0.5 + jitter));
};

/**
 * Updated in place (as bins are): a webhook's stream holds every delivery it was ever sent, and a
 * copy per event would make folding it quadratic. The command path keeps one fold per stream.
 */
const withDelivery = (state: DeliveriesState, delivery: Delivery): DeliveriesState => {
  (state.deliveries as Map<string, Delivery>).set(delivery.deliveryId, delivery);
  return state;
};

const pendingDelivery = (state: DeliveriesState, deliveryId: string): Delivery | undefined => {
  const delivery = state.deliveries.get(deliveryId);
  if (!delivery) throw new DomainError('not_found', 'DELIVERY_NOT_FOUND', `No delivery ${deliveryId}`, 'deliveryId');
  return delivery.status === 'PENDING' ? delivery : undefined;
};

const outcome = (command: { readonly statusCode?: number; readonly error?: string }) => ({
  ...(command.statusCode === undefined ? {} : { statusCode: command.statusCode }),
  ...(command.error === undefined ? {} : { error: command.error.slice(0, 500) }),
});

const decide = (command: DeliveryCommand, state: DeliveriesState): DeliveryEvent[] => {
  switch (command.type) {
    case 'ScheduleDeliveries':
      return command.deliveries
        .filter((delivery, i, all) => !state.deliveries.has(delivery.deliveryId) && all.findIndex((d) => d.deliveryId === delivery.deliveryId) === i)
        .map((data) => ({ type: 'DeliveryScheduled', data }));

    case 'RecordDeliveryAttempt': {
      const delivery = pendingDelivery(state, command.deliveryId);
      // Settled, or this attempt is recorded already (a retried step).
      if (!delivery || command.attempt !== delivery.attempts + 1) return [];
      const { deliveryId, attempt, statusCode } = command;
      if (statusCode !== undefined && statusCode >= 200 && statusCode < 300 && command.error === undefined) {
        return [{ type: 'DeliveryDelivered', data: { deliveryId, attempt, statusCode } }];
      }
      if (attempt >= Math.max(command.maxAttempts, MIN_DELIVERY_ATTEMPTS)) {
        return [{ type: 'DeliveryFailed', data: { deliveryId, attempts: attempt, ...outcome(command) } }];
      }
      return [{ type: 'DeliveryAttempted', data: { deliveryId, attempt, ...outcome(command), nextAttemptAt: command.nextAttemptAt } }];
    }

    case 'AbandonDelivery': {
      const delivery = pendingDelivery(state, command.deliveryId);
      if (!delivery) return [];
      return [{ type: 'DeliveryFailed', data: { deliveryId: delivery.deliveryId, attempts: delivery.attempts, error: command.reason.slice(0, 500) } }];
    }

    default: {
      const unknown: never = command;
      throw new Error(`Unknown delivery command ${JSON.stringify(unknown)}`);
    }
  }
};

const evolve = (state: DeliveriesState, event: DeliveryEvent): DeliveriesState => {
  switch (event.type) {
    case 'DeliveryScheduled': {
      const { deliveryId, type, sourceStream } = event.data;
      if (state.deliveries.has(deliveryId)) return state;
      return withDelivery(state, { deliveryId, type, sourceStream, status: 'PENDING', attempts: 0 });
    }
    case 'DeliveryAttempted': {
      const delivery = state.deliveries.get(event.data.deliveryId);
      if (!delivery || delivery.status !== 'PENDING' || event.data.attempt <= delivery.attempts) return state;
      const { statusCode, error, nextAttemptAt, attempt } = event.data;
      const { lastStatusCode: _code, lastError: _error, ...rest } = delivery;
      return withDelivery(state, {
        ...rest,
        attempts: attempt,
        ...(statusCode === undefined ? {} : { lastStatusCode: statusCode }),
        ...(error === undefined ? {} : { lastError: error }),
        nextAttemptAt,
      });
    }
    case 'DeliveryDelivered': {
      const delivery = state.deliveries.get(event.data.deliveryId);
      if (!delivery || delivery.status !== 'PENDING') return state;
      const { nextAttemptAt: _next, lastError: _error, ...rest } = delivery;
      return withDelivery(state, { ...rest, status: 'DELIVERED', attempts: event.data.attempt, lastStatusCode: event.data.statusCode });
    }
    case 'DeliveryFailed': {
      const delivery = state.deliveries.get(event.data.deliveryId);
      if (!delivery || delivery.status !== 'PENDING') return state;
      const { statusCode, error, attempts } = event.data;
      const { nextAttemptAt: _next, ...rest } = delivery;
      return withDelivery(state, {
        ...rest,
        status: 'FAILED',
        attempts,
        ...(statusCode === undefined ? {} : { lastStatusCode: statusCode }),
        ...(error === undefined ? {} : { lastError: error }),
      });
    }
    default: {
      const unknown: never = event;
      throw new Error(`Unknown delivery event ${JSON.stringify(unknown)}`);
    }
  }
};

export const deliveryDecider: Decider<DeliveriesState, DeliveryCommand, DeliveryEvent> = { initialState, evolve, decide };
