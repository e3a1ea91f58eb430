/**
 * Runs processors (sagas and projections) durably: each is fed the events of a subscription to
 * the whole log that starts after its stored checkpoint; the checkpoint moves only past events
 * whose handler has finished, and all the events before them. By default one event at a time; a
 * processor that declares a `concurrency` has events of different keys (by default, streams)
 * handled side by side, each key's events still one at a time, in log order.
 *
 * What a handler failure means is the processor's to say (`classify`):
 *   - 'retry' (infrastructure: a dropped connection, a busy database): retried in place with
 *     backoff; when the retries run out the processor closes its subscription, waits, reloads its
 *     checkpoint and subscribes again after it. It never skips the event. A failing subscription
 *     or checkpoint write takes the same way back.
 *   - 'park' (the domain refused the command): the event is recorded in the processor's parked
 *     stream (see parked-events.ts) and counts as finished; the processor goes on. A parked event
 *     is handled again when somebody appends a ParkedRetryRequested to that stream.
 *   - 'fatal' (an event the handler can never take, e.g. one that does not match its schema): the
 *     processor stops for good with an error naming it, the stream and the revision.
 * Other processors go on whatever one of them does.
 */
import { CheckpointStore } from '../checkpoints/checkpoint-store.port';
import { ANY, EventStore, EventSubscription, RecordedEvent, SubscriptionFilter } from '../event-store.port';
import { crashPoint } from '../fault-injection';
import { InProcessLease, LeaseHandle, ProcessorLease } from './processor-lease';
import { ProgressReporter, ProgressSink, progressSink } from '../progress';
import { ProcessorStatusBoard, STATUS_HEARTBEAT_MS } from './status-board';
import {
  describeError,
  eventParkedRecord,
  flowOf,
  foldParked,
  PARKED_RETRY_REQUESTED,
  PARKED_STREAM_PREFIX,
  ParkedError,
  ParkedRetryRequestedDataSchema,
  parkedRetryOutcomeRecord,
  parkedStreamOf,
} from './parked-events';

/** What a handler failure means: see the module's comment. */
export type FailureClass = 'park' | 'fatal' | 'retry';

export interface Processor {
  /** Unique and stable: it names the checkpoint and the parked stream. */
  readonly name: string;
  readonly filter?: SubscriptionFilter;
  /**
   * Must be idempotent: after a crash, the events after the checkpoint are handled again (with
   * concurrency, some of them may have been handled already).
   */
  handle(event: RecordedEvent): Promise<void>;
  /**
   * How many events may be in the handler at once (default 1). Above 1, events of one key are
   * still handled one at a time and in log order; events of different keys are not ordered.
   */
  readonly concurrency?: number;
  /** Events of one key are never handled at the same time (default: the event's stream). */
  keyOf?(event: RecordedEvent): string;
  /** What a failure of `handle` means (default 'retry'). */
  classify?(error: unknown): FailureClass;
  /**
   * Optional, for a processor of concurrency 1: handles events that are ready together, in log
   * order, as `handle` would one by one (a projection writes each document once per batch).
   */
  handleBatch?(events: readonly RecordedEvent[]): Promise<void>;
}

/** At most this many events go to one handleBatch. */
export const MAX_BATCH = 500;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** How long a processor waits before subscribing again after a failure: doubling from initial to max. */
export interface ResubscribePolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * A processor with concurrency writes its checkpoint at most this often while events keep coming
 * (and at once when it stops or fails): a crash then replays up to this much more, which its
 * idempotent handlers absorb, and a busy saga writes ~20 checkpoints a second instead of one per event.
 */
export const CONCURRENT_CHECKPOINT_INTERVAL_MS = 50;

/** Resolves after `ms`, or at once when `signal` aborts. */
const delay = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 2000 };
export const DEFAULT_RESUBSCRIBE_POLICY: ResubscribePolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** Fields, where given, go into the log line as structured fields (bigints as decimal strings). */
export type ProcessorLogFields = Readonly<Record<string, string | number | null>>;

export interface ProcessorLogger {
  log(message: string, fields?: ProcessorLogFields): void;
  warn(message: string, fields?: ProcessorLogFields): void;
  error(message: string, fields?: ProcessorLogFields): void;
}

/** Where an event is, and its flow (the correlation id), as log fields. */
const eventFields = (processor: string, event: RecordedEvent): ProcessorLogFields => ({
  processor,
  stream: event.streamName,
  revision: event.revision.toString(10),
  position: event.position.toString(10),
  type: event.type,
  flow: flowOf(event),
});

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const toError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** The processor stopped for good: its handler failed with a 'fatal' error. */
export class ProcessorFailedError extends Error {
  override readonly name = 'ProcessorFailedError';
  constructor(
    readonly processorName: string,
    readonly streamName: string,
    readonly revision: bigint,
    readonly position: bigint,
    readonly attempts: number,
    override readonly cause: unknown,
    /** The flow (correlation id) of the event, for the log. */
    readonly flow: string | null = null,
  ) {
    super(
      `Processor "${processorName}" stopped at stream "${streamName}" revision ${revision} (position ${position}) ` +
        `after ${attempts} attempts: ${messageOf(cause)}`,
    );
  }
}

/** The in-place retries of a 'retry'-class failure ran out: the processor subscribes again. */
class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(processorName: string, event: RecordedEvent, attempts: number, override readonly cause: unknown) {
    super(
      `Processor "${processorName}" failed at stream "${event.streamName}" revision ${event.revision} ` +
        `(position ${event.position}) after ${attempts} attempts: ${messageOf(cause)}`,
    );
  }
}

/** `standby`: waiting for the processor's lease, which another instance holds. */
export type ProcessorState = 'starting' | 'standby' | 'running' | 'retrying' | 'stopped' | 'failed';

export interface ProcessorStatus {
  readonly name: string;
  readonly state: ProcessorState;
  /** Position of the last event finished (the checkpoint), if any. */
  readonly checkpoint: bigint | undefined;
  /** Why it is retrying or failed (the last failure it came back from, when it was stopped while retrying). */
  readonly error?: string;
  /** How many times it has subscribed again after a failure since it was started. */
  readonly resubscriptions: number;
}

/** The outcome of running the handler on one event, when it was not a 'retry' failure. */
type Attempted =
  | { readonly kind: 'handled' }
  | { readonly kind: 'park' | 'fatal'; readonly error: unknown; readonly attempts: number };

/** A retry request that still stands, with the event it is about (undefined: not in the log as recorded). */
interface ParkedRetry {
  readonly request: RecordedEvent;
  readonly parkedId: string;
  readonly requestId: string;
  readonly original: RecordedEvent | undefined;
  /** The key it runs under: the original event's, so it does not overlap that key's events. */
  readonly key: string;
}

/** One processor being run; `done` settles when it stops (rejects when it failed). */
export class RunningProcessor {
  private stateValue: ProcessorState = 'starting';
  private checkpointValue: bigint | undefined;
  private errorValue: Error | undefined;
  private resubscriptionCount = 0;
  private nextResubscribeDelayMs: number;
  private readonly listeners = new Set<() => void>();
  private stopping = false;
  /** Aborted by stop(): cuts every wait short (retry and resubscribe backoff). */
  private readonly stopSignal = new AbortController();
  private subscriptionClose: (() => Promise<void>) | undefined;
  private readonly parkedStream: string;
  /** Positions handled beyond the checkpoint (a concurrent processor finishes out of order). */
  private readonly handledAhead = new Set<bigint>();
  /** Who waits for which position to be handled (see whenHandled). */
  private readonly handledWaiters = new Map<bigint, Set<() => void>>();
  readonly done: Promise<void>;

  private leaseLost = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private publishing: Promise<void> | undefined;
  private publishAgain = false;

  constructor(
    readonly processor: Processor,
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly retry: RetryPolicy,
    private readonly logger: ProcessorLogger,
    private readonly resubscribe: ResubscribePolicy = DEFAULT_RESUBSCRIBE_POLICY,
    private readonly lease: ProcessorLease = new InProcessLease(),
    private readonly board?: { readonly board: ProcessorStatusBoard; readonly instance: string },
    /** Where a large catch-up at subscription reports its progress; false: it does not. */
    private readonly progress: ProgressSink | false = progressSink(logger),
  ) {
    this.parkedStream = parkedStreamOf(processor.name);
    this.nextResubscribeDelayMs = resubscribe.initialDelayMs;
    if (this.board) {
      this.heartbeat = setInterval(() => this.publish(), STATUS_HEARTBEAT_MS);
      this.heartbeat.unref();
    }
    this.done = this.run();
    // The failure is reported through `done` and status(); nobody has to await it.
    this.done.catch(() => undefined);
  }

  /** Publishes the status to the board (one write at a time; changes meanwhile make one more). */
  private publish(): void {
    if (!this.board) return;
    if (this.publishing) {
      this.publishAgain = true;
      return;
    }
    const { board, instance } = this.board;
    const status = this.status();
    this.publishing = board
      .publish({
        name: status.name,
        state: status.state,
        checkpoint: status.checkpoint === undefined ? null : status.checkpoint.toString(),
        ...(status.error ? { error: status.error } : {}),
        resubscriptions: status.resubscriptions,
        instance,
        heartbeatAt: new Date().toISOString(),
      })
      .catch((error: unknown) => this.logger.warn(`Processor "${status.name}" could not publish its status: ${messageOf(error)}`))
      .finally(() => {
        this.publishing = undefined;
        if (this.publishAgain) {
          this.publishAgain = false;
          this.publish();
        }
      });
  }

  get name(): string {
    return this.processor.name;
  }

  status(): ProcessorStatus {
    return {
      name: this.processor.name,
      state: this.stateValue,
      checkpoint: this.checkpointValue,
      ...(this.errorValue ? { error: this.errorValue.message } : {}),
      resubscriptions: this.resubscriptionCount,
    };
  }

  /** Calls `listener` each time the checkpoint moves or the state changes. */
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether this instance has finished the event at `position` (handled, or parked). */
  hasHandled(position: bigint): boolean {
    return (this.checkpointValue !== undefined && position <= this.checkpointValue) || this.handledAhead.has(position);
  }

  /**
   * Resolves true once this instance has finished the event at `position` (an event its filter
   * passes), false after `timeoutMs`: a request waits here for the steps its command set off.
   */
  whenHandled(position: bigint, timeoutMs: number): Promise<boolean> {
    if (this.hasHandled(position)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.handledWaiters.get(position) ?? new Set<() => void>();
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        if (waiters.size === 0) this.handledWaiters.delete(position);
        resolve(false);
      }, timeoutMs);
      waiters.add(done);
      this.handledWaiters.set(position, waiters);
    });
  }

  private markHandled(position: bigint): void {
    if (this.checkpointValue === undefined || position > this.checkpointValue) this.handledAhead.add(position);
    this.wake(position);
  }

  private wake(position: bigint): void {
    const waiters = this.handledWaiters.get(position);
    if (!waiters) return;
    this.handledWaiters.delete(position);
    for (const waiter of waiters) waiter();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.subscriptionClose?.();
    await this.done.catch(() => undefined);
    clearInterval(this.heartbeat);
    await this.publishing;
    if (this.board) await this.board.board.remove(this.processor.name, this.board.instance).catch(() => undefined);
  }

  /**
   * Holds the processor's lease, runs it while the lease is held, and waits for it again when it is
   * lost (another instance may have taken over), until stop() or a fatal failure.
   */
  private async run(): Promise<void> {
    try {
      while (!this.stopping) {
        let lease: LeaseHandle;
        try {
          this.setState('standby');
          lease = await this.lease.acquire(this.processor.name, this.stopSignal.signal);
        } catch (error) {
          if (this.stopping) break;
          throw error;
        }
        this.leaseLost = false;
        void lease.lost.then(() => {
          this.leaseLost = true;
          void this.subscriptionClose?.();
        });
        try {
          await this.runWhileLeased();
        } finally {
          await lease.release().catch(() => undefined);
        }
        if (this.leaseLost && !this.stopping) {
          this.logger.warn(`Processor "${this.processor.name}" lost its lease: it waits to hold it again`);
        }
      }
      this.setState('stopped');
    } catch (error) {
      // Only a fatal failure comes here: runSubscription returns every other one.
      this.errorValue = toError(error);
      this.logger.error(
        this.errorValue.message,
        error instanceof ProcessorFailedError
          ? { processor: error.processorName, stream: error.streamName, revision: error.revision.toString(10), position: error.position.toString(10), flow: error.flow }
          : { processor: this.processor.name },
      );
      this.setState('failed');
      throw this.errorValue;
    }
  }

  /** Subscriptions one after the other, until stop(), the lease is lost, or a fatal failure (thrown). */
  private async runWhileLeased(): Promise<void> {
    this.setState('starting');
    while (!this.stopping && !this.leaseLost) {
        const failure = await this.runSubscription();
        if (failure === undefined || this.stopping) break;
        const delayMs = this.nextResubscribeDelayMs;
        this.nextResubscribeDelayMs = Math.min(delayMs * 2, this.resubscribe.maxDelayMs);
        this.resubscriptionCount++;
        this.errorValue = failure;
        this.logger.warn(
          `Processor "${this.processor.name}" subscribes again in ${delayMs} ms ` +
            `(resubscription ${this.resubscriptionCount}): ${failure.message}`,
          { processor: this.processor.name, resubscription: this.resubscriptionCount, delayMs },
        );
        this.setState('retrying');
        await delay(delayMs, this.stopSignal.signal);
    }
  }

  /**
   * One subscription, after the checkpoint as stored: returns undefined when stopped, or the
   * failure to come back from by subscribing again; throws a fatal failure.
   */
  private async runSubscription(): Promise<Error | undefined> {
    const { processor } = this;
    let subscription: EventSubscription | undefined;
    let endCatchUp: (() => void) | undefined;
    try {
      // Reloaded each time: after a failure it may lag what this instance believed (or another moved it).
      this.checkpointValue = await this.checkpoints.load(processor.name);
      if (this.stopping) return undefined;
      const filter = this.subscriptionFilter();
      const opened = this.store.subscribe({
        ...(this.checkpointValue === undefined ? {} : { after: this.checkpointValue }),
        ...(filter ? { filter } : {}),
      });
      subscription = opened;
      endCatchUp = this.reportCatchUp(this.checkpointValue);
      this.subscriptionClose = () => opened.close();
      if (this.stateValue === 'starting') this.setState('running');
      if ((processor.concurrency ?? 1) > 1) await this.runConcurrently(opened, processor.concurrency!);
      else await this.runSequentially(opened);
      return undefined;
    } catch (error) {
      if (error instanceof ProcessorFailedError) throw error;
      return toError(error);
    } finally {
      endCatchUp?.();
      this.subscriptionClose = undefined;
      await subscription?.close().catch(() => undefined);
    }
  }

  /**
   * Reports the catch-up from `after` to the head as it stands now, when it is long (over 10,000
   * events or 2 s): the checkpoint's moves are the progress. Returns the call that stops it.
   */
  private reportCatchUp(after: bigint | undefined): () => void {
    const sink = this.progress;
    if (!sink) return () => undefined;
    let reporter: ProgressReporter | undefined;
    let head = 0n;
    let reached = after ?? 0n;
    let ended = false;
    const unsubscribe = this.onProgress(() => {
      const checkpoint = this.checkpointValue;
      if (!reporter || checkpoint === undefined || checkpoint <= reached) return;
      reporter.advance(Number(checkpoint - reached), checkpoint);
      reached = checkpoint;
      if (checkpoint >= head) {
        reporter.finish();
        end();
      }
    });
    const end = () => {
      ended = true;
      unsubscribe();
    };
    // Not awaited: the subscription starts at once; a head that cannot be read means no report.
    this.store.headPosition().then(
      (position) => {
        const checkpoint = this.checkpointValue;
        if (ended || position === undefined || position <= reached || (checkpoint !== undefined && checkpoint >= position)) return end();
        head = position;
        reporter = new ProgressReporter({ label: `Catch-up of ${this.processor.name}`, after, head, sink, quietUnless: { events: 10_000, ms: 2_000 } });
      },
      () => end(),
    );
    return end;
  }

  /** The processor's filter, plus its own parked stream (an empty filter sees it already). */
  private subscriptionFilter(): SubscriptionFilter | undefined {
    const { filter } = this.processor;
    if (!filter?.streamPrefixes?.length) return filter;
    return { ...filter, streamPrefixes: [...filter.streamPrefixes, this.parkedStream] };
  }

  private keyOf(event: RecordedEvent): string {
    return this.processor.keyOf?.(event) ?? event.streamName;
  }

  private isRetryRequest(event: RecordedEvent): boolean {
    return event.streamName === this.parkedStream && event.type === PARKED_RETRY_REQUESTED;
  }

  private async runSequentially(subscription: EventSubscription): Promise<void> {
    if (this.processor.handleBatch) return this.runInBatches(subscription);
    const signal = this.stopSignal.signal;
    for await (const event of subscription) {
      if (!event.streamName.startsWith(PARKED_STREAM_PREFIX)) {
        await this.handleEvent(event, signal);
      } else if (this.isRetryRequest(event)) {
        const retry = await this.planParkedRetry(event);
        if (retry) await this.retryParked(retry, signal);
      }
      await this.moveCheckpoint(event.position);
      this.progressed();
      if (this.stopping) break;
    }
  }

  /**
   * One event at a time in log order, as runSequentially, but the events that are ready at once
   * (a backlog, a busy log) go to `handleBatch` together, up to MAX_BATCH: a projection writes each
   * document it touches once per batch. A batch that fails is handled again one event at a time,
   * so a park or a fatal failure is attributed to its own event. Parked-stream records (retry
   * requests) split batches, so everything stays in log order.
   */
  private async runInBatches(subscription: EventSubscription): Promise<void> {
    const signal = this.stopSignal.signal;
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    let ended = false;
    while (!ended && !this.stopping) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      while (batch.length < MAX_BATCH && !batch[batch.length - 1]!.streamName.startsWith(PARKED_STREAM_PREFIX)) {
        const next = iterator.next();
        const ready = await Promise.race([next, new Promise<'later'>((resolve) => setImmediate(() => resolve('later')))]);
        if (ready === 'later') {
          pending = next;
          break;
        }
        if (ready.done) {
          ended = true;
          break;
        }
        if (ready.value.streamName.startsWith(PARKED_STREAM_PREFIX)) {
          pending = Promise.resolve(ready);
          break;
        }
        batch.push(ready.value);
      }
      const head = batch[0]!;
      if (head.streamName.startsWith(PARKED_STREAM_PREFIX)) {
        if (this.isRetryRequest(head)) {
          const retry = await this.planParkedRetry(head);
          if (retry) await this.retryParked(retry, signal);
        }
      } else {
        await this.handleBatchOf(batch, signal);
      }
      await this.moveCheckpoint(batch[batch.length - 1]!.position);
      this.progressed();
    }
  }

  private async handleBatchOf(batch: readonly RecordedEvent[], signal: AbortSignal): Promise<void> {
    let failed: unknown;
    try {
      await this.processor.handleBatch!(batch);
    } catch (error) {
      failed = error;
    }
    if (failed === undefined) {
      for (const event of batch) {
        crashPoint(`processor:${this.processor.name}:handled`);
        this.markHandled(event.position);
      }
      return;
    }
    // Which event it was, and what it means: one at a time (handling again changes nothing done).
    for (const event of batch) await this.handleEvent(event, signal);
  }

  private async moveCheckpoint(position: bigint): Promise<void> {
    await this.checkpoints.store(this.processor.name, position, this.checkpointValue);
    this.checkpointValue = position;
    for (const handled of this.handledAhead) if (handled <= position) this.handledAhead.delete(handled);
    // Waiters for events the checkpoint passed without handling them here (handled before a restart).
    for (const waited of [...this.handledWaiters.keys()]) if (waited <= position) this.wake(waited);
    this.emit();
  }

  /**
   * Up to `limit` events in handlers at once, chained per key. The checkpoint follows the longest
   * run of finished events from the start of the window, written by one writer at a time. On a
   * failure no new event starts, those in flight finish (those waiting to retry give up), the
   * checkpoint stops just before the first unfinished event, and the failure is thrown.
   */
  private async runConcurrently(subscription: EventSubscription, limit: number): Promise<void> {
    const window: { position: bigint; finished: boolean }[] = [];
    const lastOfKey = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    let failed = false;
    let failure: unknown;
    let target = this.checkpointValue;
    let writer: Promise<void> | undefined;
    let lastWrite = -Infinity;
    /** Set once the subscription ended: whatever finished is written at once. */
    let ending = false;
    const ended = new AbortController();
    /** Aborted on the first failure or by stop(): handlers waiting to retry give up. */
    const abandoned = new AbortController();
    const signal = AbortSignal.any([abandoned.signal, this.stopSignal.signal]);

    const fail = (error: unknown): void => {
      if (!failed) {
        failed = true;
        failure = error;
      }
      abandoned.abort();
      // Ends the iteration even while it waits for the next event.
      void this.subscriptionClose?.();
    };
    const advance = (): void => {
      while (window.length > 0 && window[0]!.finished) target = window.shift()!.position;
      if (writer || target === undefined || target === this.checkpointValue) return;
      writer = (async () => {
        try {
          while (target !== undefined && target !== this.checkpointValue) {
            // At most one write per interval while events keep coming: one write covers them all.
            const wait = lastWrite + CONCURRENT_CHECKPOINT_INTERVAL_MS - performance.now();
            if (wait > 0 && !this.stopping && !failed && !ending) await delay(wait, ended.signal);
            lastWrite = performance.now();
            await this.moveCheckpoint(target!);
          }
        } catch (error) {
          fail(error);
        } finally {
          writer = undefined;
        }
      })();
    };
    const schedule = (key: string, entry: { finished: boolean }, work: () => Promise<void>): void => {
      const previous = lastOfKey.get(key);
      const running = (async () => {
        if (previous) await previous;
        if (failed) return;
        try {
          await work();
          entry.finished = true;
          this.progressed();
          advance();
        } catch (error) {
          fail(error);
        }
      })();
      inFlight.add(running);
      lastOfKey.set(key, running);
      void running.finally(() => {
        inFlight.delete(running);
        if (lastOfKey.get(key) === running) lastOfKey.delete(key);
      });
    };

    try {
      for await (const event of subscription) {
        while (inFlight.size >= limit && !failed) await Promise.race(inFlight);
        if (failed) break;
        const entry = { position: event.position, finished: false };
        window.push(entry);
        if (!event.streamName.startsWith(PARKED_STREAM_PREFIX)) {
          schedule(this.keyOf(event), entry, () => this.handleEvent(event, signal));
        } else {
          // Planned here for its key; planned again when its turn comes, when an earlier request
          // of the same key may have resolved the event meanwhile.
          const retry = this.isRetryRequest(event) ? await this.planParkedRetry(event) : undefined;
          if (retry) {
            schedule(retry.key, entry, async () => {
              const current = await this.planParkedRetry(event);
              if (current) await this.retryParked(current, signal);
            });
          } else {
            entry.finished = true;
            advance();
          }
        }
        if (this.stopping) break;
      }
    } catch (error) {
      // The subscription itself failed (or keyOf, or planning a retry): finish what runs, then report.
      fail(error);
    }
    ending = true;
    ended.abort();
    await Promise.all(inFlight);
    advance();
    while (writer) await writer;
    if (failed) throw failure;
  }

  /**
   * Runs the handler on one event of the log until it is handled or parked (then it is finished).
   * Throws ProcessorFailedError on a fatal failure, RetriesExhaustedError when the retries ran out.
   */
  private async handleEvent(event: RecordedEvent, signal: AbortSignal): Promise<void> {
    const outcome = await this.attempt(event, signal);
    if (outcome.kind === 'fatal') {
      const { name } = this.processor;
      throw new ProcessorFailedError(name, event.streamName, event.revision, event.position, outcome.attempts, outcome.error, flowOf(event));
    }
    if (outcome.kind === 'park') await this.park(event, outcome.error);
    crashPoint(`processor:${this.processor.name}:handled`);
    this.markHandled(event.position);
  }

  /** The handler on `event`, retried in place while it fails with a 'retry'-class error. */
  private async attempt(event: RecordedEvent, signal: AbortSignal): Promise<Attempted> {
    const { name } = this.processor;
    let delayMs = this.retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.processor.handle(event);
        return { kind: 'handled' };
      } catch (error) {
        const kind = this.processor.classify?.(error) ?? 'retry';
        if (kind !== 'retry') return { kind, error, attempts: attempt };
        if (attempt >= this.retry.attempts || signal.aborted) throw new RetriesExhaustedError(name, event, attempt, error);
        this.logger.warn(
          `Processor "${name}" failed on stream "${event.streamName}" revision ${event.revision} ` +
            `(attempt ${attempt} of ${this.retry.attempts}), retrying in ${delayMs} ms: ${messageOf(error)}`,
          { ...eventFields(name, event), attempt, delayMs },
        );
        await delay(delayMs, signal);
        if (signal.aborted) throw new RetriesExhaustedError(name, event, attempt, error);
        delayMs = Math.min(delayMs * 2, this.retry.maxDelayMs);
      }
    }
  }

  /** Records `event` as parked. The record's id derives from the event's, so a replay appends it once. */
  private async park(event: RecordedEvent, error: unknown): Promise<void> {
    const { name } = this.processor;
    await this.store.append(this.parkedStream, [eventParkedRecord(name, event, error)], { expectedRevision: ANY });
    this.logger.warn(
      `Processor "${name}" parked the event at stream "${event.streamName}" revision ${event.revision} ` +
        `(position ${event.position}, flow ${flowOf(event) ?? '-'}): ${messageOf(error)}`,
      { ...eventFields(name, event), decision: 'parked', error: messageOf(error) },
    );
  }

  /**
   * What a ParkedRetryRequested asks, when it still stands: undefined when it is malformed, was
   * answered already (seen again after a restart), or names an event that is not parked.
   */
  private async planParkedRetry(request: RecordedEvent): Promise<ParkedRetry | undefined> {
    const { name } = this.processor;
    const asked = ParkedRetryRequestedDataSchema.safeParse(request.data);
    if (!asked.success) {
      this.logger.warn(`Processor "${name}" ignores a malformed ${request.type} at position ${request.position}`);
      return undefined;
    }
    const { parkedId, requestId } = asked.data;
    const { parked, outcomes } = foldParked(await this.store.readStream(this.parkedStream));
    if (outcomes.has(requestId)) return undefined;
    const entry = parked.get(parkedId);
    if (!entry) {
      this.logger.log(`Processor "${name}": retry ${requestId} names ${parkedId}, which is not parked; nothing to do`);
      return undefined;
    }
    const position = BigInt(entry.position);
    // Positions need not be contiguous: the first event after position - 1 is the one at position.
    const [found] = await this.store.readAll(position === 0n ? { maxCount: 1 } : { after: position - 1n, maxCount: 1 });
    const original = found && found.position === position && found.id === entry.eventId ? found : undefined;
    return { request, parkedId, requestId, original, key: original ? this.keyOf(original) : this.parkedStream };
  }

  /**
   * Handles a parked event again and records the answer. A 'retry'-class failure whose retries run
   * out is thrown: the processor subscribes again and sees the request again. A 'fatal' one only
   * refuses the retry: the event is parked already, so it does not hold the processor up.
   */
  private async retryParked(retry: ParkedRetry, signal: AbortSignal): Promise<void> {
    const { name } = this.processor;
    const { parkedId, requestId, original } = retry;
    let error: ParkedError | undefined;
    if (!original) {
      error = { name: 'ParkedEventNotFound', message: `The log has no event ${parkedId} as it was parked` };
    } else {
      const outcome = await this.attempt(original, signal);
      if (outcome.kind !== 'handled') error = describeError(outcome.error);
    }
    const answer = { parkedId, requestId, ...(error ? { error } : {}) };
    await this.store.append(this.parkedStream, [parkedRetryOutcomeRecord(name, retry.request, answer)], {
      expectedRevision: ANY,
    });
    const fields = { ...(original ? eventFields(name, original) : { processor: name }), parkedId, retry: requestId };
    if (error) this.logger.warn(`Processor "${name}": retry ${requestId} of parked event ${parkedId} refused again: ${error.message}`, { ...fields, decision: 'refused', error: error.message });
    else this.logger.log(`Processor "${name}": retry ${requestId} resolved parked event ${parkedId}`, { ...fields, decision: 'resolved' });
  }

  /** An event finished: a processor that came back from a failure is running again. */
  private progressed(): void {
    if (this.stateValue !== 'retrying') return;
    this.errorValue = undefined;
    this.nextResubscribeDelayMs = this.resubscribe.initialDelayMs;
    this.setState('running');
  }

  private setState(state: ProcessorState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
    this.publish();
  }
}

const consoleLogger: ProcessorLogger = {
  log: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export interface ProcessorRunnerOptions {
  readonly retry?: RetryPolicy;
  readonly resubscribe?: ResubscribePolicy;
  readonly logger?: ProcessorLogger;
  /** One active instance per processor across processes (default: every lease granted at once). */
  readonly lease?: ProcessorLease;
  /** Where each processor's state is published for processes that run none, and who this is. */
  readonly statusBoard?: { readonly board: ProcessorStatusBoard; readonly instance: string };
  /** Where a long catch-up at start reports progress (default: the logger, or a redrawn line on a terminal); false: nowhere. */
  readonly progress?: ProgressSink | false;
}

export class ProcessorRunner {
  private readonly running = new Map<string, RunningProcessor>();

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly options: ProcessorRunnerOptions = {},
  ) {}

  start(processor: Processor): RunningProcessor {
    if (this.running.has(processor.name)) throw new Error(`Processor "${processor.name}" is already running`);
    const running = new RunningProcessor(
      processor,
      this.store,
      this.checkpoints,
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      this.options.logger ?? consoleLogger,
      this.options.resubscribe ?? DEFAULT_RESUBSCRIBE_POLICY,
      this.options.lease,
      this.options.statusBoard,
      this.options.progress,
    );
    this.running.set(processor.name, running);
    return running;
  }

  get(name: string): RunningProcessor | undefined {
    return this.running.get(name);
  }

  /** Stops one processor and forgets it, so it can be started again (from its checkpoint). */
  async stop(name: string): Promise<void> {
    const running = this.running.get(name);
    if (!running) return;
    await running.stop();
    this.running.delete(name);
  }

  statuses(): ProcessorStatus[] {
    return [...this.running.values()].map((r) => r.status());
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.stop()));
    this.running.clear();
  }
}
