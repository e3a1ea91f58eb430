/**
 * The event log port: the only source of truth of the system.
 *
 * Two adapters implement it (SQLite for the embedded default, EventStoreDB in production) and one
 * contract suite (`test/event-store.contract.ts`) holds both to the same behaviour.
 *
 * Revisions count the events of one stream from 0. Positions order every event of the whole log;
 * they are bigints that only grow (not necessarily contiguous) and travel as decimal strings in JSON.
 */

/** Append only when the stream does not exist yet. */
export const NO_STREAM = 'no_stream' as const;
/** Append whatever the stream's state (no concurrency check). */
export const ANY = 'any' as const;
/** Append only when the stream already has at least one event. */
export const STREAM_EXISTS = 'stream_exists' as const;

/** What the writer believes the stream looks like: a kind, or the revision of its last event. */
export type ExpectedRevision = typeof NO_STREAM | typeof ANY | typeof STREAM_EXISTS | bigint;

/** Metadata is a flat JSON object; the domain decides its keys (correlationId, causationId, ...). */
export type EventMetadata = Readonly<Record<string, unknown>>;

export interface EventToAppend {
  /** A UUID. Deterministic ids let the store recognise a retried append. */
  readonly id: string;
  readonly type: string;
  /** Any JSON value. */
  readonly data: unknown;
  readonly metadata?: EventMetadata;
}

export interface RecordedEvent {
  readonly id: string;
  readonly streamName: string;
  readonly type: string;
  /** Index of the event in its stream, from 0. */
  readonly revision: bigint;
  /** Place of the event in the whole log. */
  readonly position: bigint;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append: pass it as the next expected revision. */
  readonly nextExpectedRevision: bigint;
  /** Position of the last event appended. */
  readonly position: bigint;
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive); 0 by default. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events after this position (exclusive). Omitted: from the first event. */
  readonly after?: bigint;
  /** Batch size; the adapter's default if omitted. */
  readonly maxCount?: number;
}

export interface SubscriptionFilter {
  /** Only streams whose name starts with one of these. Omitted or empty: every stream. */
  readonly streamPrefixes?: readonly string[];
}

export interface SubscribeOptions {
  /** Deliver events after this position (exclusive). Omitted: from the first event. */
  readonly after?: bigint;
  readonly filter?: SubscriptionFilter;
}

/**
 * A subscription to the whole log: catches up from its start, then delivers live events, one at a
 * time, in position order, for as long as it is iterated. `close()` ends the iteration.
 */
export interface EventSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /**
   * Append events to one stream, atomically, if its state matches `expectedRevision`.
   * Throws {@link ConcurrencyConflictError} otherwise. Re-appending events whose ids were already
   * appended at the same place returns the earlier result and writes nothing.
   */
  append(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;
  /** The stream's events in revision order; a stream that does not exist reads as empty. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** One batch of the whole log, forwards, in position order. An empty batch means the end. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribe(options?: SubscribeOptions): EventSubscription;
  /** Position of the last event in the log, or undefined when the log is empty. */
  headPosition(): Promise<bigint | undefined>;
  /** Cheap liveness check for `/health`. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Optional, for stores that can tell cheaply: a value that stays the same for as long as nobody
   * but this store's own appends has written to the log. A process whose streams are appended to
   * only through one writer (the command path) may then trust its cached folds while it is unchanged.
   * Absent: every read must go to the log.
   */
  outsideWriteMark?(): unknown;
  /**
   * Optional: resolves at the next append this store learns of (its own, and, where the store is
   * told, those of other processes: PostgreSQL's NOTIFY). A waiter then looks again instead of
   * polling; it may resolve for an append that is not the one waited for.
   */
  nextAppend?(): Promise<void>;
}

/** The stream was not in the state the writer expected. */
export class ConcurrencyConflictError extends Error {
  override readonly name = 'ConcurrencyConflictError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or NO_STREAM when it does not exist. */
    readonly actual: bigint | typeof NO_STREAM,
  ) {
    super(
      `Concurrency conflict on stream "${streamName}": expected ${String(expected)}, actual ${String(actual)}`,
    );
  }
}

/** Decimal string form of a position or revision, for JSON and headers. */
export const positionToString = (position: bigint): string => position.toString(10);

/** Parses a decimal string position; throws on anything else. */
export const parsePosition = (text: string): bigint => {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(text)) throw new RangeError(`Not a position: "${text}"`);
  return BigInt(text);
};

/** Whether a stream matches a subscription filter. */
export const matchesFilter = (streamName: string, filter: SubscriptionFilter | undefined): boolean =>
  !filter?.streamPrefixes?.length || filter.streamPrefixes.some((prefix) => streamName.startsWith(prefix));
