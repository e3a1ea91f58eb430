/**
 * The aggregates as the rest of the system sees them (the command path, the projections, the
 * audit): each one's stream category, decider and event schema, and how a stored event becomes a
 * domain event in today's shape. Pure: a stored event is described structurally, so the domain
 * knows no adapter.
 */
import { ZodType } from 'zod';
import { accountDecider, AccountState } from './account/account.decider';
import { AccountCommand, AccountEvent } from './account/account.events';
import { binDecider, BinState } from './bin/bin.decider';
import { idempotencyDecider, IdempotencyState } from './idempotency/idempotency.decider';
import { IdempotencyCommand, IdempotencyEvent } from './idempotency/idempotency.events';
import { BinCommand, BinEvent } from './bin/bin.events';
import { orderDecider, OrderState } from './order/order.decider';
import { OrderCommand, OrderEvent } from './order/order.events';
import { purchaseOrderDecider, PurchaseOrderState } from './purchase-order/purchase-order.decider';
import { PurchaseOrderCommand, PurchaseOrderEvent } from './purchase-order/purchase-order.events';
import { Decider } from './shared/decider';
import { webhookDecider, WebhooksState } from './webhook/webhook.decider';
import { WebhookCommand, WebhookEvent } from './webhook/webhook.events';
import { deliveryDecider, DeliveriesState } from './webhook/delivery.decider';
import { DeliveryCommand, DeliveryEvent } from './webhook/delivery.events';
import { upcast } from './shared/event-versions';
import { allocationQueueDecider, AllocationQueueState } from './allocation/allocation.decider';
import { AllocationCommand, AllocationEvent } from './allocation/allocation.events';

/** What the domain needs of an event read from the log. */
export interface StoredEvent {
  readonly id: string;
  readonly streamName: string;
  readonly type: string;
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface Aggregate<State, Command, Event extends { type: string; data: unknown }> {
  /** Stream category, e.g. `order`: names the aggregate in errors. */
  readonly category: string;
  readonly decider: Decider<State, Command, Event>;
  /** Parses a stored event (type + data) into the domain event; failure stops with a clear error. */
  readonly eventSchema: ZodType<Event>;
}

export const AccountAggregate: Aggregate<AccountState, AccountCommand, AccountEvent> = {
  category: 'account',
  decider: accountDecider,
  eventSchema: AccountEvent,
};

export const BinAggregate: Aggregate<BinState, BinCommand, BinEvent> = {
  category: 'bin',
  decider: binDecider,
  eventSchema: BinEvent,
};

export const OrderAggregate: Aggregate<OrderState, OrderCommand, OrderEvent> = {
  category: 'order',
  decider: orderDecider,
  eventSchema: OrderEvent,
};

export const PurchaseOrderAggregate: Aggregate<PurchaseOrderState, PurchaseOrderCommand, PurchaseOrderEvent> = {
  category: 'po',
  decider: purchaseOrderDecider,
  eventSchema: PurchaseOrderEvent,
};

/**
 * The first answers to clients' `Idempotency-Key`s (`idempotency-<hash>`): not a business stream, so
 * stream-name parsing (and with it the projections and the invariants) passes it by.
 */
export const IdempotencyAggregate: Aggregate<IdempotencyState, IdempotencyCommand, IdempotencyEvent> = {
  category: 'idempotency',
  decider: idempotencyDecider,
  eventSchema: IdempotencyEvent,
};

/** An account's webhook registrations (`webhooks-<accountId>`): not a business stream either. */
export const WebhooksAggregate: Aggregate<WebhooksState, WebhookCommand, WebhookEvent> = {
  category: 'webhooks',
  decider: webhookDecider,
  eventSchema: WebhookEvent,
};

/** The deliveries to one webhook (`deliveries-<accountId>.<webhookId>`). */
export const DeliveriesAggregate: Aggregate<DeliveriesState, DeliveryCommand, DeliveryEvent> = {
  category: 'deliveries',
  decider: deliveryDecider,
  eventSchema: DeliveryEvent,
};

/**
 * An account's allocation queue (`allocation-<accountId>`): written by the allocation process
 * manager alone; not a business stream of the seller's (the projections pass it by).
 */
export const AllocationQueueAggregate: Aggregate<AllocationQueueState, AllocationCommand, AllocationEvent> = {
  category: 'allocation',
  decider: allocationQueueDecider,
  eventSchema: AllocationEvent,
};

/** A stored event that does not parse as its aggregate's event. Never skipped. */
export class InvalidStoredEventError extends Error {
  override readonly name = 'InvalidStoredEventError';
  constructor(
    readonly streamName: string,
    readonly revision: bigint,
    readonly eventType: string,
    detail: string,
  ) {
    super(`Event ${eventType} at stream "${streamName}" revision ${revision} does not match its schema: ${detail}`);
  }
}

/**
 * Parses a stored event into its aggregate's event in today's shape (upcast from the version it
 * was written with), or throws InvalidStoredEventError naming the stream and revision.
 */
export const parseRecordedEvent = <Event extends { type: string; data: unknown }>(
  aggregate: Pick<Aggregate<unknown, unknown, Event>, 'eventSchema'>,
  recorded: StoredEvent,
): Event => {
  let data: unknown;
  try {
    data = upcast(recorded.type, recorded.metadata['schemaVersion'], recorded.data, recorded.id);
  } catch (error) {
    throw new InvalidStoredEventError(recorded.streamName, recorded.revision, recorded.type, error instanceof Error ? error.message : String(error));
  }
  const parsed = aggregate.eventSchema.safeParse({ type: recorded.type, data });
  if (!parsed.success) {
    throw new InvalidStoredEventError(
      recorded.streamName,
      recorded.revision,
      recorded.type,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; '),
    );
  }
  return parsed.data;
};
