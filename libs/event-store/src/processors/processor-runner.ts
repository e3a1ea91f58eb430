/**
 * Runs processors (sagas and projections) durably: each is fed the events of a subscription to
 * the whole log that starts after its stored checkpoint; the checkpoint moves only past events
 * whose handler has finished, and all the events before them. By default one event at a time; a
 * processor that declares a `concurrency` has events of different streams handled side by side
 * (each stream's events still one at a time, in order). A failing handler is retried with
 * backoff; when the retries run out the processor stops with an error naming it, the stream and
 * the revision. It never skips an event, and other processors go on.
 */
import { CheckpointStore } from '../checkpoints/checkpoint-store.port';
import { EventStore, RecordedEvent, SubscriptionFilter } from '../event-store.port';
import { crashPoint } from '../fault-injection';

export interface Processor {
  /** Unique and stable: it names the checkpoint. */
  readonly name: string;
  readonly filter?: SubscriptionFilter;
  /**
   * Must be idempotent: after a crash, the events after the checkpoint are handled again (with
   * concurrency, some of them may have been handled already).
   */
  handle(event: RecordedEvent): Promise<void>;
  /**
   * How many events may be in the handler at once (default 1). Above 1, events of one stream are
   * still handled one at a time and in log order; events of different streams are not ordered.
   */
  readonly concurrency?: number;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
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
const delay = (ms: number, signal: AbortController): Promise<void> =>
  new Promise((resolve) => {
    if (signal.signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.signal.addEventListener('abort', onAbort, { once: true });
  });

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 2000 };

export interface ProcessorLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export class ProcessorFailedError extends Error {
  override readonly name = 'ProcessorFailedError';
  constructor(
    readonly processorName: string,
    readonly streamName: string,
    readonly revision: bigint,
    readonly position: bigint,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(
      `Processor "${processorName}" stopped at stream "${streamName}" revision ${revision} (position ${position}) ` +
        `after ${attempts} attempts: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

export type ProcessorState = 'starting' | 'running' | 'stopped' | 'failed';

export interface ProcessorStatus {
  readonly name: string;
  readonly state: ProcessorState;
  /** Position of the last event finished (the checkpoint), if any. */
  readonly checkpoint: bigint | undefined;
  readonly error?: string;
}

/** One processor being run; `done` settles when it stops (rejects when it failed). */
export class RunningProcessor {
  private stateValue: ProcessorState = 'starting';
  private checkpointValue: bigint | undefined;
  private errorValue: Error | undefined;
  private readonly listeners = new Set<() => void>();
  private stopping = false;
  private subscriptionClose: (() => Promise<void>) | undefined;
  readonly done: Promise<void>;

  constructor(
    readonly processor: Processor,
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly retry: RetryPolicy,
    private readonly logger: ProcessorLogger,
  ) {
    this.done = this.run();
    // The failure is reported through `done` and status(); nobody has to await it.
    this.done.catch(() => undefined);
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
    };
  }

  /** Calls `listener` each time the checkpoint moves or the processor stops. */
  onProgress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscriptionClose?.();
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { processor } = this;
    try {
      this.checkpointValue = await this.checkpoints.load(processor.name);
      const subscription = this.store.subscribe({
        ...(this.checkpointValue === undefined ? {} : { after: this.checkpointValue }),
        ...(processor.filter ? { filter: processor.filter } : {}),
      });
      this.subscriptionClose = () => subscription.close();
      this.stateValue = 'running';
      if (this.stopping) await subscription.close();
      if ((processor.concurrency ?? 1) > 1) {
        await this.runConcurrently(subscription, processor.concurrency!);
      } else {
        for await (const event of subscription) {
          await this.handleWithRetry(event);
          crashPoint(`processor:${processor.name}:handled`);
          await this.moveCheckpoint(event.position);
          if (this.stopping) break;
        }
      }
      await subscription.close();
      this.stateValue = 'stopped';
      this.emit();
    } catch (error) {
      this.stateValue = 'failed';
      this.errorValue = error instanceof Error ? error : new Error(String(error));
      this.logger.error(this.errorValue.message);
      this.emit();
      throw this.errorValue;
    }
  }

  private async moveCheckpoint(position: bigint): Promise<void> {
    await this.checkpoints.store(this.processor.name, position, this.checkpointValue);
    this.checkpointValue = position;
    this.emit();
  }

  /**
   * Up to `limit` events in handlers at once, chained per stream. The checkpoint follows the
   * longest run of finished events from the start of the window, written by one writer at a time.
   * On a failure no new event starts, those in flight finish, the checkpoint stops just before the
   * failed event, and the failure is thrown.
   */
  private async runConcurrently(subscription: AsyncIterable<RecordedEvent>, limit: number): Promise<void> {
    const window: { position: bigint; finished: boolean }[] = [];
    const lastOfStream = new Map<string, Promise<void>>();
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let target = this.checkpointValue;
    let writer: Promise<void> | undefined;
    let lastWrite = -Infinity;
    /** Set once the subscription ended: whatever finished is written at once. */
    let ending = false;
    const stopped = new AbortController();

    const fail = (error: unknown): void => {
      failure ??= error;
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
            if (wait > 0 && !this.stopping && failure === undefined && !ending) await delay(wait, stopped);
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

    for await (const event of subscription) {
      while (inFlight.size >= limit && failure === undefined) await Promise.race(inFlight);
      if (failure !== undefined) break;
      const entry = { position: event.position, finished: false };
      window.push(entry);
      const previous = lastOfStream.get(event.streamName);
      const work = (async () => {
        if (previous) await previous;
        if (failure !== undefined) return;
        try {
          await this.handleWithRetry(event);
          crashPoint(`processor:${this.processor.name}:handled`);
          entry.finished = true;
          advance();
        } catch (error) {
          fail(error);
        }
      })();
      inFlight.add(work);
      lastOfStream.set(event.streamName, work);
      void work.finally(() => {
        inFlight.delete(work);
        if (lastOfStream.get(event.streamName) === work) lastOfStream.delete(event.streamName);
      });
      if (this.stopping) break;
    }
    ending = true;
    stopped.abort();
    await Promise.all(inFlight);
    advance();
    while (writer) await writer;
    if (failure !== undefined) throw failure;
  }

  private async handleWithRetry(event: RecordedEvent): Promise<void> {
    let delayMs = this.retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.processor.handle(event);
        return;
      } catch (error) {
        if (attempt >= this.retry.attempts || this.stopping) {
          throw new ProcessorFailedError(
            this.processor.name,
            event.streamName,
            event.revision,
            event.position,
            attempt,
            error,
          );
        }
        this.logger.warn(
          `Processor "${this.processor.name}" failed on stream "${event.streamName}" revision ${event.revision} ` +
            `(attempt ${attempt} of ${this.retry.attempts}), retrying in ${delayMs} ms: ${
              error instanceof Error ? error.message : String(error)
            }`,
        );
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, this.retry.maxDelayMs);
      }
    }
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

const consoleLogger: ProcessorLogger = {
  log: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export class ProcessorRunner {
  private readonly running = new Map<string, RunningProcessor>();

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: CheckpointStore,
    private readonly options: { readonly retry?: RetryPolicy; readonly logger?: ProcessorLogger } = {},
  ) {}

  start(processor: Processor): RunningProcessor {
    if (this.running.has(processor.name)) throw new Error(`Processor "${processor.name}" is already running`);
    const running = new RunningProcessor(
      processor,
      this.store,
      this.checkpoints,
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      this.options.logger ?? consoleLogger,
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
