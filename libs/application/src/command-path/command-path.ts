/**
 * The one command path of every aggregate: load the stream (through a cache of folded states),
 * decide, append with the revision that was read ("no stream" when new); on a concurrency conflict
 * reload and decide again, a bounded number of times. Commands on one stream queue in-process.
 */
import {
  ConcurrencyConflictError,
  EventStore,
  EventToAppend,
  GenerationalCache,
  NO_STREAM,
} from '@app/event-store';
import { nameBasedUuid } from '@app/domain/shared/deterministic-id';
import { currentVersion } from '@app/domain/shared/event-versions';
import { Aggregate, parseRecordedEvent } from '@app/domain/aggregates';
import { CommandContext, EventMetadataV1 } from './command-context';
import { KeyedMutex } from './keyed-mutex';

/** Gave up after this many conflicts in a row: the stream is too hot; the caller may retry. */
export class TooManyConflictsError extends Error {
  override readonly name = 'TooManyConflictsError';
  constructor(
    readonly streamName: string,
    readonly attempts: number,
  ) {
    super(`Stream "${streamName}" kept changing: gave up after ${attempts} attempts`);
  }
}

export interface Loaded<State> {
  readonly state: State;
  /** Revision of the last event folded in; undefined for a stream that does not exist. */
  readonly revision: bigint | undefined;
  /** Position of that event. */
  readonly position: bigint | undefined;
}

export interface Handled<State, Event> extends Loaded<State> {
  /** The events this command appended (none when the command was already done). */
  readonly events: readonly Event[];
}

interface CacheEntry {
  state: unknown;
  revision: bigint | undefined;
  position: bigint | undefined;
  /** The store's outside-write mark when the stream's tail was last read. */
  mark: unknown;
}

/** A process manager's step did not reach the state a request waits for in time. */
export class StepNotFinishedError extends Error {
  override readonly name = 'StepNotFinishedError';
  constructor(
    readonly streamName: string,
    readonly waitedMs: number,
    readonly what: string,
  ) {
    super(`${what} on stream "${streamName}" did not finish within ${waitedMs} ms; the request was recorded and will be carried out`);
  }
}

export interface CommandPathOptions {
  /** Attempts in all, the first included, before TooManyConflictsError. */
  readonly maxAttempts?: number;
  /** How many folded streams the cache keeps (least recently used go first). */
  readonly cacheSize?: number;
}

export class CommandPath {
  private readonly mutex = new KeyedMutex();
  /** Streams with an append of this process in flight (held under the stream's mutex), settled once folded. */
  private readonly appending = new Map<string, Promise<void>>();
  private readonly cache: GenerationalCache<string, CacheEntry>;
  private readonly maxAttempts: number;
  /** Waiters for the next append of this process to a stream (see waitFor). */
  private readonly appendWaiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly store: EventStore,
    options: CommandPathOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 25;
    this.cache = new GenerationalCache(options.cacheSize ?? 50_000);
  }

  /**
   * The aggregate's current state: the cached fold plus whatever was appended since. While this
   * process has an append to the stream in flight, waits for it: its events may already be in the
   * log (committed, not yet acknowledged) and seen by a reader that must then find them folded.
   * `orWhileAppending`: a reader that only estimates (a stock check before an order is placed) takes
   * the state before that append instead of waiting a commit for it.
   */
  async load<State, Command, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Command, Event>,
    streamName: string,
    options: { readonly context?: CommandContext; readonly orWhileAppending?: boolean } = {},
  ): Promise<Loaded<State>> {
    const appending = options.orWhileAppending ? undefined : this.appending.get(streamName);
    if (appending) await appending;
    return this.loadNow(aggregate, streamName, options);
  }

  private async loadNow<State, Command, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Command, Event>,
    streamName: string,
    options: { readonly reread?: boolean; readonly context?: CommandContext },
  ): Promise<Loaded<State>> {
    const positions = options.context?.positions;
    for (;;) {
      // Taken before the read: a write by another process after it changes the mark.
      const mark = this.store.outsideWriteMark?.();
      const cached = this.cache.get(streamName);
      if (cached && mark !== undefined && cached.mark === mark && !options.reread) {
        // Nobody but this process wrote since the tail was read, and its appends are folded in.
        positions?.recordSeen(cached.position);
        return { state: cached.state as State, revision: cached.revision, position: cached.position };
      }
      const fromRevision = cached?.revision === undefined ? 0n : cached.revision + 1n;
      const recorded = await this.store.readStream(streamName, { fromRevision });
      const entry = this.fold(
        aggregate,
        streamName,
        recorded.map((event) => ({
          revision: event.revision,
          position: event.position,
          event: parseRecordedEvent(aggregate, event),
        })),
      );
      if (entry) {
        entry.mark = mark;
        positions?.recordSeen(entry.position);
        return { state: entry.state as State, revision: entry.revision, position: entry.position };
      }
      // The cached fold was dropped while the tail was read: read the whole stream.
    }
  }

  /**
   * Waits until the stream's state satisfies `done` (a process manager's step reached it): woken at
   * once by appends of this process, and polling the store meanwhile for appends of others (a
   * worker in another process). Throws StepNotFinishedError after `timeoutMs`.
   */
  async waitFor<State, Command, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Command, Event>,
    streamName: string,
    done: (state: State) => boolean,
    options: { readonly what: string; readonly timeoutMs?: number; readonly context?: CommandContext },
  ): Promise<Loaded<State>> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = performance.now() + timeoutMs;
    let pollMs = 5;
    for (;;) {
      const woken = this.nextAppendTo(streamName);
      const loaded = await this.load(aggregate, streamName, options.context ? { context: options.context } : {});
      if (done(loaded.state)) {
        woken.cancel();
        return loaded;
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        woken.cancel();
        throw new StepNotFinishedError(streamName, timeoutMs, options.what);
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        woken.promise,
        // Another process's append (a worker's step), where the store is told of it.
        ...(this.store.nextAppend ? [this.store.nextAppend()] : []),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(pollMs, left)))),
      ]);
      clearTimeout(timer);
      woken.cancel();
      pollMs = Math.min(pollMs * 2, 100);
    }
  }

  private nextAppendTo(streamName: string): { promise: Promise<void>; cancel: () => void } {
    let waiter!: () => void;
    const promise = new Promise<void>((resolve) => (waiter = resolve));
    let waiters = this.appendWaiters.get(streamName);
    if (!waiters) this.appendWaiters.set(streamName, (waiters = new Set()));
    waiters.add(waiter);
    return {
      promise,
      cancel: () => {
        const current = this.appendWaiters.get(streamName);
        current?.delete(waiter);
        if (current?.size === 0) this.appendWaiters.delete(streamName);
      },
    };
  }

  private notifyAppended(streamName: string): void {
    const waiters = this.appendWaiters.get(streamName);
    if (!waiters) return;
    this.appendWaiters.delete(streamName);
    for (const waiter of waiters) waiter();
  }

  /**
   * Decides `command` on the stream's current state and appends what it decided. Decisions are
   * retried on concurrency conflicts; domain errors go to the caller untouched.
   */
  async handle<State, Command, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Command, Event>,
    streamName: string,
    command: Command,
    context: CommandContext,
  ): Promise<Handled<State, Event>> {
    return this.mutex.run(streamName, async () => {
      for (let attempt = 1; ; attempt++) {
        // After a conflict the fold is behind whatever the mark says: read the tail.
        const loaded = await this.loadNow(aggregate, streamName, { reread: attempt > 1, context });
        const events = aggregate.decider.decide(command, loaded.state);
        if (events.length === 0) return { ...loaded, events };
        const expectedRevision = loaded.revision ?? NO_STREAM;
        let appended!: () => void;
        this.appending.set(streamName, new Promise<void>((resolve) => (appended = resolve)));
        try {
          const result = await this.store.append(
            streamName,
            events.map((event, index) => toEventToAppend(event, index, streamName, expectedRevision, context)),
            { expectedRevision },
          );
          context.positions?.recordAppended(result.position);
          // Fold what was appended: the next command on this stream needs no read.
          const first = result.nextExpectedRevision - BigInt(events.length - 1);
          const entry = this.fold(
            aggregate,
            streamName,
            events.map((event, i) => ({
              revision: first + BigInt(i),
              position: i === events.length - 1 ? result.position : undefined,
              event,
            })),
          );
          if (!entry) return { ...(await this.loadNow(aggregate, streamName, { context })), events };
          return { state: entry.state as State, revision: entry.revision, position: entry.position, events };
        } catch (error) {
          if (!(error instanceof ConcurrencyConflictError)) {
            // The outcome is unknown: forget the fold, the next load reads the stream again.
            this.cache.delete(streamName);
            throw error;
          }
          if (attempt >= this.maxAttempts) throw new TooManyConflictsError(streamName, attempt);
          // Another process wrote: the cached fold is behind; the next load reads the new events.
          if (attempt > 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * attempt));
        } finally {
          this.appending.delete(streamName);
          appended();
          this.notifyAppended(streamName);
        }
      }
    });
  }

  /**
   * Folds events into the stream's cached state, skipping those it already holds. States may be
   * updated in place by `evolve` (bins are), so every fold of a stream goes through its one cache
   * entry, synchronously: a caller must read what it needs from a state before it awaits.
   * Returns undefined when the events do not follow on from the cached fold (it was dropped or
   * evicted meanwhile); the fold is then forgotten.
   */
  private fold<State, Command, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Command, Event>,
    streamName: string,
    events: readonly { revision: bigint; position: bigint | undefined; event: Event }[],
  ): CacheEntry | undefined {
    const entry: CacheEntry = this.cache.get(streamName) ?? {
      state: aggregate.decider.initialState(),
      revision: undefined,
      position: undefined,
      mark: undefined,
    };
    const next = entry.revision === undefined ? 0n : entry.revision + 1n;
    if (events.length > 0 && events[0]!.revision > next) {
      this.cache.delete(streamName);
      return undefined;
    }
    let state = entry.state as State;
    for (const { revision, position, event } of events) {
      if (entry.revision !== undefined && revision <= entry.revision) continue;
      state = aggregate.decider.evolve(state, event);
      entry.revision = revision;
      entry.position = position ?? entry.position;
    }
    entry.state = state;
    this.remember(streamName, entry);
    return entry;
  }

  private remember(streamName: string, entry: CacheEntry): void {
    this.cache.set(streamName, entry);
  }
}

const toEventToAppend = (
  event: { type: string; data: unknown },
  index: number,
  streamName: string,
  expectedRevision: bigint | typeof NO_STREAM,
  context: CommandContext,
): EventToAppend => {
  const metadata: EventMetadataV1 = {
    correlationId: context.correlationId,
    causationId: context.causationId,
    actor: context.actor,
    occurredAt: context.occurredAt,
    commandId: context.commandId,
    schemaVersion: currentVersion(event.type),
  };
  return {
    // The same command deciding the same thing at the same revision gets the same ids: a retried
    // append after a lost answer is recognised by the store.
    id: nameBasedUuid(`${context.commandId}|${streamName}|${String(expectedRevision)}|${index}`),
    type: event.type,
    data: event.data,
    metadata,
  };
};
