/**
 * The webhooks' outbox, fed from the log: for each event of an order or PO stream, the pure
 * mapping (libs/domain/src/webhook/webhook-mapping.ts) decides the notifications from the stream's
 * state just before and just after the event, and each registration of the stream's account that
 * receives their type gets a DeliveryScheduled in its delivery stream. Delivery ids derive from
 * (webhook, event, type) and the appends' event ids from the same cause, so an event handled again
 * after a crash schedules nothing twice. A registration receives the events after it in the log,
 * and none after its removal. Sending is the dispatcher's (webhook-dispatcher.ts).
 */
import { Aggregate, DeliveriesAggregate, InvalidStoredEventError, OrderAggregate, parseRecordedEvent, PurchaseOrderAggregate, WebhooksAggregate } from '@app/domain/aggregates';
import { DomainError } from '@app/domain/shared/decider';
import { parseStreamName, STREAM_PREFIXES } from '@app/domain/shared/streams';
import { WebhookEventType } from '@app/domain/webhook/webhook.events';
import { deliveriesFor, notificationsOf, StreamChange, Subscriber } from '@app/domain/webhook/webhook-mapping';
import { accountOfWebhooksStream, deliveriesStream, WEBHOOKS_STREAM_PREFIX, webhooksStream } from '@app/domain/webhook/webhook-streams';
import { EventStore, GenerationalCache, Processor, RecordedEvent } from '@app/event-store';
import { EventProcessor } from '@app/event-store/nest/event-processor.decorator';
import { CommandPath } from '../command-path/command-path';

export const WEBHOOK_OUTBOX = 'webhook-outbox';
/** The outbox is fed the order and PO streams (what it notifies of) and the registrations. */
export const WEBHOOK_OUTBOX_FILTER = { streamPrefixes: [STREAM_PREFIXES.order, STREAM_PREFIXES.purchaseOrder, WEBHOOKS_STREAM_PREFIX] };

/** A registration with where it stands in the log: it receives events between the two. */
type Registration = Subscriber & { readonly registeredAt: bigint; readonly removedAt?: bigint };

type Folded = { readonly revision: bigint; readonly state: unknown };

@EventProcessor()
export class WebhookOutbox implements Processor {
  readonly name = WEBHOOK_OUTBOX;
  // One event at a time, in log order: a registration is seen before the events that follow it.
  readonly filter = WEBHOOK_OUTBOX_FILTER;
  /** Per account, its registrations as read from the log (dropped when one of its registration events passes). */
  private readonly registrations = new GenerationalCache<string, readonly Registration[]>(10_000);
  /** Per order or PO stream of an account with webhooks, its fold as of the last event handled. */
  private readonly folds = new GenerationalCache<string, Folded>(10_000);

  constructor(
    private readonly store: EventStore,
    private readonly commands: CommandPath,
  ) {}

  classify(error: unknown): 'park' | 'fatal' | 'retry' {
    if (error instanceof InvalidStoredEventError) return 'fatal';
    if (error instanceof DomainError) return 'park';
    return 'retry';
  }

  async handle(event: RecordedEvent): Promise<void> {
    const registrationsOf = accountOfWebhooksStream(event.streamName);
    if (registrationsOf !== undefined) {
      this.registrations.delete(registrationsOf);
      return;
    }
    const parsed = parseStreamName(event.streamName);
    if (parsed?.category !== 'order' && parsed?.category !== 'po') return;
    const subscribers = (await this.registrationsOf(parsed.accountId)).filter(
      (registration) => registration.registeredAt < event.position && (registration.removedAt === undefined || registration.removedAt > event.position),
    );
    if (subscribers.length === 0) {
      this.folds.delete(event.streamName);
      return;
    }
    const change = await this.changeOf(event, parsed);
    const notifications = notificationsOf(change);
    if (notifications.length === 0) return;
    const occurredAt = typeof event.metadata['occurredAt'] === 'string' ? event.metadata['occurredAt'] : event.recordedAt.toISOString();
    const byWebhook = deliveriesFor(notifications, subscribers, { eventId: event.id, streamName: event.streamName, occurredAt, accountId: parsed.accountId });
    const correlationId = typeof event.metadata['correlationId'] === 'string' ? event.metadata['correlationId'] : event.streamName;
    for (const [webhookId, deliveries] of byWebhook) {
      await this.commands.handle(DeliveriesAggregate, deliveriesStream(parsed.accountId, webhookId), { type: 'ScheduleDeliveries', deliveries }, {
        // Derived from the cause: the same event handled again appends with the same ids.
        commandId: `${WEBHOOK_OUTBOX}:${event.id}:${webhookId}`,
        correlationId,
        causationId: event.id,
        actor: `processor:${WEBHOOK_OUTBOX}`,
        occurredAt,
      });
    }
  }

  private async registrationsOf(accountId: string): Promise<readonly Registration[]> {
    const cached = this.registrations.get(accountId);
    if (cached) return cached;
    const byId = new Map<string, { webhookId: string; events: readonly WebhookEventType[]; registeredAt: bigint; removedAt?: bigint }>();
    for (const recorded of await this.store.readStream(webhooksStream(accountId))) {
      const event = parseRecordedEvent(WebhooksAggregate, recorded);
      if (event.type === 'WebhookRegistered') {
        if (!byId.has(event.data.webhookId)) byId.set(event.data.webhookId, { webhookId: event.data.webhookId, events: event.data.events, registeredAt: recorded.position });
      } else {
        const registration = byId.get(event.data.webhookId);
        if (registration && registration.removedAt === undefined) registration.removedAt = recorded.position;
      }
    }
    const registrations = [...byId.values()];
    this.registrations.set(accountId, registrations);
    return registrations;
  }

  /** The stream's state just before and just after `event`. */
  private async changeOf(
    event: RecordedEvent,
    parsed: { category: 'order'; accountId: string; orderId: string } | { category: 'po'; accountId: string; purchaseOrderId: string },
  ): Promise<StreamChange> {
    if (parsed.category === 'order') {
      const { before, after, domainEvent } = await this.foldAround(OrderAggregate, event);
      return { kind: 'order', accountId: parsed.accountId, orderId: parsed.orderId, event: domainEvent, before, after };
    }
    const { before, after, domainEvent } = await this.foldAround(PurchaseOrderAggregate, event);
    return { kind: 'po', accountId: parsed.accountId, purchaseOrderId: parsed.purchaseOrderId, event: domainEvent, before, after };
  }

  /** From the fold kept of the stream when it is just before `event`, else read from the log up to it. */
  private async foldAround<State, Command, Event extends { type: string; data: unknown }>(aggregate: Aggregate<State, Command, Event>, event: RecordedEvent) {
    const { decider } = aggregate;
    const cached = this.folds.get(event.streamName);
    let before: State;
    if (cached && cached.revision + 1n === event.revision) {
      before = cached.state as State;
    } else {
      before = decider.initialState();
      if (event.revision > 0n) {
        for (const recorded of await this.store.readStream(event.streamName, { maxCount: Number(event.revision) })) {
          before = decider.evolve(before, parseRecordedEvent(aggregate, recorded));
        }
      }
    }
    const domainEvent = parseRecordedEvent(aggregate, event);
    const after = decider.evolve(before, domainEvent);
    this.folds.set(event.streamName, { revision: event.revision, state: after });
    return { before, after, domainEvent };
  }
}
