/**
 * The webhooks' dispatcher: sends the deliveries the outbox scheduled and records each attempt in
 * the log. One active instance across processes: it runs only while it holds the
 * `webhook-dispatcher` lease (the processors' lease: PostgreSQL advisory lock on the deployment),
 * and only where processors run (the worker; the api on the embedded default).
 *
 * Its state is folded from the delivery streams: each delivery still PENDING, with its attempts and
 * when the next is due. Deliveries of one (webhook, order or PO stream) go out one at a time, in
 * the order scheduled: a later one waits until the one before is DELIVERED or FAILED. Sends are
 * bounded (per webhook and in all) and each has a timeout, so a slow receiver holds only its own
 * deliveries, never a command or another receiver.
 *
 * Its checkpoint is a low-water mark: the position just before the earliest delivery still
 * pending (or the last event folded when none is). After a restart (or a takeover) it folds the
 * delivery streams from there, so nothing pending is forgotten; an attempt that was in flight when
 * the process died is sent again (at least once: receivers dedupe by `deliveryId`).
 */
import { Logger } from '@nestjs/common';
import { DeliveriesAggregate, parseRecordedEvent, WebhooksAggregate } from '@app/domain/aggregates';
import { retryDelayMs } from '@app/domain/webhook/delivery.decider';
import { DeliveryEvent, ScheduledDelivery } from '@app/domain/webhook/delivery.events';
import { webhookOf } from '@app/domain/webhook/webhook.decider';
import { DELIVERIES_STREAM_PREFIX, parseDeliveriesStream, webhooksStream } from '@app/domain/webhook/webhook-streams';
import { CheckpointConflictError, CheckpointStore, EventStore, ProcessorLease, RecordedEvent } from '@app/event-store';
import { CommandPath } from '../command-path/command-path';
import { AttemptResult, sendDelivery } from './webhook-sender';

export const WEBHOOK_DISPATCHER = 'webhook-dispatcher';

/** Attempts in flight at once to one webhook, and in all. */
export const PER_WEBHOOK_CONCURRENCY = 4;
export const TOTAL_CONCURRENCY = 64;
/** How often the low-water mark is written while it moves. */
const CHECKPOINT_INTERVAL_MS = 1_000;
/** After a failure to record an attempt (the store unreachable), the delivery is tried again this much later. */
const RECORD_RETRY_MS = 1_000;

export interface DispatcherSettings {
  readonly retryBaseMs: number;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly allowPrivateNetworks: boolean;
}

/** What became of an attempt, for the metrics: `delivered`, `failed` (for good), `retrying`. */
export type AttemptOutcome = 'delivered' | 'failed' | 'retrying';

type Pending = {
  readonly delivery: ScheduledDelivery;
  readonly stream: string;
  readonly accountId: string;
  readonly webhookId: string;
  /** Where its DeliveryScheduled is in the log. */
  readonly position: bigint;
  readonly correlationId: string;
  attempts: number;
  /** Epoch ms when the next attempt is due. */
  dueAt: number;
  inFlight: boolean;
};

const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export class WebhookDispatcher {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly stopSignal = new AbortController();
  private running: Promise<void> | undefined;
  private readonly observers = new Set<(outcome: AttemptOutcome) => void>();
  /** While a session holds the lease: its state, for tests and /health-like views. */
  private session: DispatchSession | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly lease: ProcessorLease,
    private readonly commands: CommandPath,
    private readonly settings: DispatcherSettings,
  ) {}

  /** Calls `observer` with the outcome of every attempt this process records. */
  onAttempt(observer: (outcome: AttemptOutcome) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Deliveries this instance holds as pending (0 when it does not hold the lease). */
  pendingCount(): number {
    return this.session?.pendingCount() ?? 0;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    let backoffMs = 500;
    while (!this.stopSignal.signal.aborted) {
      let handle;
      try {
        handle = await this.lease.acquire(WEBHOOK_DISPATCHER, this.stopSignal.signal);
      } catch (error) {
        if (this.stopSignal.signal.aborted) return;
        this.logger.warn(`Could not take the ${WEBHOOK_DISPATCHER} lease: ${String(error)}`);
        await delay(backoffMs, this.stopSignal.signal);
        backoffMs = Math.min(backoffMs * 2, 30_000);
        continue;
      }
      const ended = new AbortController();
      void handle.lost.then(() => ended.abort());
      const signal = AbortSignal.any([ended.signal, this.stopSignal.signal]);
      const session = new DispatchSession(this.store, this.checkpoints, this.commands, this.settings, signal, (outcome) => {
        for (const observer of this.observers) observer(outcome);
      });
      this.session = session;
      try {
        await session.run();
        backoffMs = 500;
      } catch (error) {
        if (!signal.aborted) this.logger.warn(`Stopped after a failure, starts again from its checkpoint: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.session = undefined;
        ended.abort();
        await handle.release().catch(() => undefined);
      }
      if (!this.stopSignal.signal.aborted) {
        await delay(backoffMs, this.stopSignal.signal);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }
}

/** One run while the lease is held: folds the delivery streams from the checkpoint and sends. */
class DispatchSession {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly byId = new Map<string, Pending>();
  /** Per (webhook stream, source stream): its pending deliveries in the order scheduled. */
  private readonly queues = new Map<string, Pending[]>();
  private readonly inFlightByWebhook = new Map<string, number>();
  private inFlight = 0;
  private readonly sends = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private folded: bigint | undefined;
  private stored: bigint | undefined;
  private failure: unknown;
  private readonly failed = new AbortController();

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly commands: CommandPath,
    private readonly settings: DispatcherSettings,
    private readonly signal: AbortSignal,
    private readonly observe: (outcome: AttemptOutcome) => void,
  ) {}

  pendingCount(): number {
    return this.byId.size;
  }

  async run(): Promise<void> {
    this.stored = await this.checkpoints.load(WEBHOOK_DISPATCHER);
    this.folded = this.stored;
    const subscription = this.store.subscribe({ ...(this.stored === undefined ? {} : { after: this.stored }), filter: { streamPrefixes: [DELIVERIES_STREAM_PREFIX] } });
    const stop = AbortSignal.any([this.signal, this.failed.signal]);
    const close = () => void subscription.close();
    stop.addEventListener('abort', close, { once: true });
    const checkpointer = setInterval(() => void this.writeCheckpoint(), CHECKPOINT_INTERVAL_MS);
    try {
      for await (const event of subscription) {
        if (stop.aborted) break;
        this.fold(event);
        this.pump();
      }
    } finally {
      stop.removeEventListener('abort', close);
      clearInterval(checkpointer);
      clearTimeout(this.timer);
      this.failed.abort();
      await Promise.all([...this.sends]);
      await this.writing;
      if (this.failure === undefined) await this.writeCheckpoint().catch(() => undefined);
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    this.failed.abort();
  }

  private fold(recorded: RecordedEvent): void {
    const ids = parseDeliveriesStream(recorded.streamName);
    this.folded = recorded.position;
    if (!ids) return;
    const event = parseRecordedEvent(DeliveriesAggregate, recorded);
    this.apply(recorded.streamName, ids, event, recorded.position, recorded.metadata['correlationId']);
  }

  private apply(stream: string, ids: { accountId: string; webhookId: string }, event: DeliveryEvent, position?: bigint, correlationId?: unknown): void {
    if (event.type === 'DeliveryScheduled') {
      if (this.byId.has(event.data.deliveryId) || position === undefined) return;
      const pending: Pending = {
        delivery: event.data,
        stream,
        ...ids,
        position,
        correlationId: typeof correlationId === 'string' ? correlationId : event.data.sourceStream,
        attempts: 0,
        dueAt: 0,
        inFlight: false,
      };
      this.byId.set(event.data.deliveryId, pending);
      const key = `${stream}|${event.data.sourceStream}`;
      const queue = this.queues.get(key);
      if (queue) queue.push(pending);
      else this.queues.set(key, [pending]);
      return;
    }
    const pending = this.byId.get(event.data.deliveryId);
    // Settled before the checkpoint, or already applied.
    if (!pending) return;
    if (event.type === 'DeliveryAttempted') {
      if (event.data.attempt <= pending.attempts) return;
      pending.attempts = event.data.attempt;
      pending.dueAt = Date.parse(event.data.nextAttemptAt);
      return;
    }
    this.byId.delete(pending.delivery.deliveryId);
    const key = `${pending.stream}|${pending.delivery.sourceStream}`;
    const queue = this.queues.get(key);
    if (!queue) return;
    const index = queue.indexOf(pending);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(key);
  }

  /** Starts every attempt that is due and allowed (the head of its queue, within the bounds); wakes up for the next. */
  private pump(): void {
    if (this.signal.aborted || this.failed.signal.aborted) return;
    const now = Date.now();
    let next = Infinity;
    for (const queue of this.queues.values()) {
      const head = queue[0]!;
      if (head.inFlight) continue;
      if (head.dueAt > now) {
        next = Math.min(next, head.dueAt);
        continue;
      }
      if (this.inFlight >= TOTAL_CONCURRENCY) break;
      if ((this.inFlightByWebhook.get(head.stream) ?? 0) >= PER_WEBHOOK_CONCURRENCY) continue;
      this.startAttempt(head);
    }
    if (next < this.timerAt || this.timerAt <= now) {
      clearTimeout(this.timer);
      this.timerAt = next;
      if (next !== Infinity) {
        this.timer = setTimeout(() => {
          this.timerAt = Infinity;
          this.pump();
        }, Math.max(0, next - now));
      }
    }
  }

  private startAttempt(pending: Pending): void {
    pending.inFlight = true;
    this.inFlight += 1;
    this.inFlightByWebhook.set(pending.stream, (this.inFlightByWebhook.get(pending.stream) ?? 0) + 1);
    const send = this.attempt(pending)
      .catch((error: unknown) => {
        if (this.signal.aborted) return;
        // The store did not take the outcome: the attempt is made again later (at least once).
        this.logger.warn(`Delivery ${pending.delivery.deliveryId}: could not record attempt ${pending.attempts + 1}: ${error instanceof Error ? error.message : String(error)}`);
        pending.dueAt = Date.now() + RECORD_RETRY_MS;
      })
      .finally(() => {
        pending.inFlight = false;
        this.inFlight -= 1;
        this.inFlightByWebhook.set(pending.stream, (this.inFlightByWebhook.get(pending.stream) ?? 1) - 1);
        this.sends.delete(send);
        this.pump();
      });
    this.sends.add(send);
  }

  private async attempt(pending: Pending): Promise<void> {
    const { delivery, stream, accountId, webhookId } = pending;
    const attempt = pending.attempts + 1;
    const context = {
      commandId: `${WEBHOOK_DISPATCHER}:${delivery.deliveryId}:${attempt}`,
      correlationId: pending.correlationId,
      causationId: delivery.deliveryId,
      actor: `processor:${WEBHOOK_DISPATCHER}`,
      occurredAt: new Date().toISOString(),
    };
    const { state } = await this.commands.load(WebhooksAggregate, webhooksStream(accountId));
    const webhook = webhookOf(state, webhookId);
    if (!webhook || webhook.removed) {
      const handled = await this.commands.handle(DeliveriesAggregate, stream, { type: 'AbandonDelivery', deliveryId: delivery.deliveryId, reason: 'The webhook was removed' }, context);
      for (const event of handled.events) this.apply(stream, { accountId, webhookId }, event);
      return;
    }
    const body = JSON.stringify({ deliveryId: delivery.deliveryId, type: delivery.type, occurredAt: delivery.occurredAt, accountId: delivery.accountId, data: delivery.data });
    const result: AttemptResult = await sendDelivery({
      url: webhook.url,
      secret: webhook.secret,
      deliveryId: delivery.deliveryId,
      body,
      timeoutMs: this.settings.timeoutMs,
      allowPrivateNetworks: this.settings.allowPrivateNetworks,
      signal: this.signal,
      now: () => Date.now() / 1000,
    });
    // Stopped or the lease lost mid-attempt: nothing is recorded; the next holder sends it again.
    if (this.signal.aborted) return;
    const nextAttemptAt = new Date(Date.now() + retryDelayMs(attempt, this.settings.retryBaseMs, Math.random())).toISOString();
    const handled = await this.commands.handle(
      DeliveriesAggregate,
      stream,
      {
        type: 'RecordDeliveryAttempt',
        deliveryId: delivery.deliveryId,
        attempt,
        ...('statusCode' in result ? { statusCode: result.statusCode } : { error: result.error }),
        maxAttempts: this.settings.maxAttempts,
        nextAttemptAt,
      },
      context,
    );
    for (const event of handled.events) {
      this.apply(stream, { accountId, webhookId }, event);
      this.observe(event.type === 'DeliveryDelivered' ? 'delivered' : event.type === 'DeliveryFailed' ? 'failed' : 'retrying');
    }
  }

  /** Moves the low-water mark: just before the earliest pending delivery, or to the last event folded. */
  private writing: Promise<void> | undefined;

  private writeCheckpoint(): Promise<void> {
    // One compare-and-set at a time: two in flight with the same expectation would conflict.
    this.writing ??= this.writeMark().finally(() => (this.writing = undefined));
    return this.writing;
  }

  private async writeMark(): Promise<void> {
    let mark = this.folded;
    for (const pending of this.byId.values()) {
      const before = pending.position - 1n;
      if (mark === undefined || before < mark) mark = before;
    }
    if (mark === undefined || mark === this.stored || (this.stored !== undefined && mark < this.stored)) return;
    try {
      await this.checkpoints.store(WEBHOOK_DISPATCHER, mark, this.stored);
      this.stored = mark;
    } catch (error) {
      if (error instanceof CheckpointConflictError) this.fail(error);
      else this.logger.warn(`Could not store the checkpoint: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
