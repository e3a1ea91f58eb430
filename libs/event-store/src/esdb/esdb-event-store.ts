/**
 * The production event log: EventStoreDB (KurrentDB) through the official gRPC client,
 * `@eventstore/db-client`. This file is the only one that imports the client: its types, constants
 * and errors stop here and everything above sees the port's own.
 *
 * Positions. The port wants one bigint per event, unique and strictly increasing in `$all` order.
 * EventStoreDB gives each event a pair (commit, prepare) and orders `$all` by commit, then prepare.
 * An append over gRPC writes each of its events as a log record of its own, flagged "committed"
 * (`StorageWriterService.WritePrepares`), and for such a record the `$all` reader reports the
 * record's own log position as the commit position (`AllReader.ReadAllEventsForward`, both in
 * kurrent-io/KurrentDB). So the commit position is unique per event, even among the events of one
 * append, and grows in `$all` order. Only explicit transactions (the legacy TCP API; gRPC cannot
 * create them, and this adapter never does) share one commit position between several events.
 * The prepare position is no better and was once worse: older servers reported the append's first
 * record as the prepare position of every event of a multi-event append
 * (kurrent-io/KurrentDB-Client-Dotnet#20, fixed by kurrent-io/KurrentDB#2522 in 2020).
 * So the position is the commit position. `after` P goes to the server as (P, P), the position of
 * that event's record; a read from a position includes the event there (and a subscription may),
 * so every event at or before `after` is dropped here: both are exclusive whatever the server does.
 * An append answers with the position of its last event (for a retried append, of the last event
 * already there); when it answers without a valid one, the adapter reads that event back. Stream
 * reads carry positions from server 22.6 on (kurrent-io/KurrentDB#3459).
 *
 * System streams (names starting with `$`: statistics, settings, metadata, links) are never
 * returned by readAll, subscribe or headPosition.
 */
import * as esdb from '@eventstore/db-client';
import {
  ANY,
  AppendResult,
  ConcurrencyConflictError,
  EventMetadata,
  EventStore,
  EventSubscription,
  EventToAppend,
  ExpectedRevision,
  NO_STREAM,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  STREAM_EXISTS,
  SubscribeOptions,
  SubscriptionFilter,
  matchesFilter,
} from '../event-store.port';

export interface EsdbEventStoreOptions {
  /** Batch size of readAll when the caller gives none. */
  readonly batchSize?: number;
  /** Deadline of ping(), in milliseconds. */
  readonly pingDeadlineMs?: number;
}

/** Positions are signed 64-bit on the server; "none" (-1) travels as 2^64 - 1. */
const MAX_POSITION = (1n << 63n) - 1n;

const isSystemStream = (streamName: string): boolean => streamName.startsWith('$');

const validPosition = (position: bigint | undefined): bigint | undefined =>
  position !== undefined && position >= 0n && position <= MAX_POSITION ? position : undefined;

/** A bigint position as the server's pair: the record at P is both its commit and its prepare. */
const toServerPosition = (position: bigint): esdb.Position => ({ commit: position, prepare: position });

const toServerExpectedRevision = (expected: ExpectedRevision): esdb.AppendExpectedRevision => {
  switch (expected) {
    case ANY:
      return esdb.ANY;
    case NO_STREAM:
      return esdb.NO_STREAM;
    case STREAM_EXISTS:
      return esdb.STREAM_EXISTS;
    default:
      return expected;
  }
};

const toActualRevision = (actual: esdb.CurrentRevision): bigint | typeof NO_STREAM =>
  actual === esdb.NO_STREAM || actual < 0n ? NO_STREAM : actual;

const toEventData = (event: EventToAppend): esdb.EventData =>
  esdb.jsonEvent({
    // Our id goes through unchanged: the server recognises a retried append by its event ids.
    id: event.id,
    type: event.type,
    // The client serialises data with JSON.stringify, so any JSON value travels; its JSONType is
    // narrower (object, array, string) than the port's "any JSON value".
    data: (event.data ?? null) as esdb.JSONType,
    metadata: { ...(event.metadata ?? {}) },
  });

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const toRecordedEvent = (event: esdb.RecordedEvent, position: bigint): RecordedEvent => ({
  id: event.id,
  streamName: event.streamId,
  type: event.type,
  revision: event.revision,
  position,
  // JSON events arrive parsed; anything else is handed up as it is, for the schema check to refuse.
  data: event.data as unknown,
  metadata: isPlainObject(event.metadata) ? (event.metadata as EventMetadata) : {},
  recordedAt: event.created,
});

const positionOfStreamEvent = (event: esdb.RecordedEvent): bigint => {
  const position = validPosition(event.position?.commit);
  if (position === undefined) {
    throw new Error(
      `EventStoreDB returned no $all position for event ${event.revision.toString()} of stream "${event.streamId}" (stream reads carry positions from server 22.6)`,
    );
  }
  return position;
};

const drain = async <E>(read: esdb.StreamingRead<E>): Promise<E[]> => {
  const items: E[] = [];
  for await (const item of read) items.push(item);
  return items;
};

/** The server-side filter: the named prefixes, or every stream that is not a system stream. */
const serverFilter = (filter: SubscriptionFilter | undefined): esdb.Filter =>
  filter?.streamPrefixes?.length
    ? esdb.streamNameFilter({ prefixes: [...filter.streamPrefixes] })
    : esdb.streamNameFilter({ regex: '^[^$]' });

export class EsdbEventStore implements EventStore {
  private readonly client: esdb.EventStoreDBClient;
  private readonly batchSize: number;
  private readonly pingDeadlineMs: number;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  /** @param connectionString e.g. `esdb://localhost:2113?tls=false`; the store owns its client. */
  constructor(connectionString: string, options: EsdbEventStoreOptions = {}) {
    this.client = esdb.EventStoreDBClient.connectionString(esdbConnectionString(connectionString));
    this.batchSize = options.batchSize ?? 1000;
    this.pingDeadlineMs = options.pingDeadlineMs ?? 5000;
  }

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const expected = options.expectedRevision;
    let result: esdb.AppendResult;
    try {
      result = await this.client.appendToStream(streamName, events.map(toEventData), {
        expectedRevision: toServerExpectedRevision(expected),
      });
    } catch (error: unknown) {
      if (error instanceof esdb.WrongExpectedVersionError) {
        throw new ConcurrencyConflictError(streamName, expected, toActualRevision(error.actualVersion));
      }
      throw error;
    }
    if (!result.success) {
      // Only with `throwOnAppendFailure=false` in the connection string; its revision is unreliable.
      throw new ConcurrencyConflictError(streamName, expected, await this.lastRevision(streamName));
    }
    const position =
      validPosition(result.position?.commit) ?? (await this.positionOf(streamName, result.nextExpectedRevision));
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const resolved = await this.readServerStream(streamName, {
      fromRevision: options.fromRevision ?? esdb.START,
      ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    return resolved.flatMap(({ event }) => (event ? [toRecordedEvent(event, positionOfStreamEvent(event))] : []));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? this.batchSize;
    if (maxCount <= 0) return [];
    // One more than asked: a read from `after` starts with the event at `after` itself.
    const pageSize = Math.max(maxCount + 1, 32);
    const events: RecordedEvent[] = [];
    let after = options.after;
    for (;;) {
      const page = await drain(
        this.client.readAll({
          fromPosition: after === undefined ? esdb.START : toServerPosition(after),
          maxCount: pageSize,
          direction: esdb.FORWARDS,
        }),
      );
      let last = after;
      for (const { event } of page) {
        if (!event) continue;
        const position = event.position.commit;
        if (after !== undefined && position <= after) continue;
        last = position;
        if (isSystemStream(event.streamId)) continue;
        events.push(toRecordedEvent(event, position));
        if (events.length === maxCount) return events;
      }
      // A short page is the end of the log; a full one of system events means read on past them.
      if (page.length < pageSize || last === after) return events;
      after = last;
    }
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    if (this.closed) throw new Error('The event store is closed');
    const subscription = new EsdbSubscription(this.client, options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    const pageSize = 32;
    let before: bigint | undefined;
    for (;;) {
      const page = await drain(
        this.client.readAll({
          fromPosition: before === undefined ? esdb.END : toServerPosition(before),
          maxCount: pageSize,
          direction: esdb.BACKWARDS,
        }),
      );
      let last = before;
      for (const { event } of page) {
        if (!event) continue;
        const position = event.position.commit;
        if (before !== undefined && position >= before) continue;
        last = position;
        if (!isSystemStream(event.streamId)) return position;
      }
      if (page.length < pageSize || last === before) return undefined;
      before = last;
    }
  }

  /** One short read of the head of `$all`: it needs the server to answer, and little more. */
  async ping(): Promise<void> {
    // The client's own deadline does not bound a call to a node that hangs (the connection's
    // settings win over the call's), so the answer is raced against a timer of our own.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`EventStoreDB did not answer a ping within ${this.pingDeadlineMs} ms`)), this.pingDeadlineMs);
    });
    const read = drain(
      this.client.readAll({ fromPosition: esdb.END, direction: esdb.BACKWARDS, maxCount: 1, deadline: this.pingDeadlineMs }),
    );
    read.catch(() => undefined);
    try {
      await Promise.race([read, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async readServerStream(
    streamName: string,
    options: esdb.ReadStreamOptions,
  ): Promise<esdb.ResolvedEvent[]> {
    try {
      return await drain(this.client.readStream(streamName, options));
    } catch (error: unknown) {
      if (error instanceof esdb.StreamNotFoundError) return [];
      throw error;
    }
  }

  private async lastRevision(streamName: string): Promise<bigint | typeof NO_STREAM> {
    const [last] = await this.readServerStream(streamName, {
      fromRevision: esdb.END,
      direction: esdb.BACKWARDS,
      maxCount: 1,
    });
    return last?.event ? last.event.revision : NO_STREAM;
  }

  private async positionOf(streamName: string, revision: bigint): Promise<bigint> {
    const [found] = await this.readServerStream(streamName, { fromRevision: revision, maxCount: 1 });
    if (!found?.event) throw new Error(`Event ${revision.toString()} of stream "${streamName}" is not there after its append`);
    return positionOfStreamEvent(found.event);
  }
}

const CLOSED = Symbol('closed');

/**
 * A catch-up subscription to `$all`, started on first iteration. The client's own stream does not
 * always end when it is cancelled, so each wait also races the close signal.
 */
class EsdbSubscription implements EventSubscription {
  private closed = false;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;
  private source: esdb.AllStreamSubscription | undefined;
  private signalClosed: () => void = () => undefined;
  private readonly closedSignal = new Promise<typeof CLOSED>((resolve) => {
    this.signalClosed = () => resolve(CLOSED);
  });

  constructor(
    private readonly client: esdb.EventStoreDBClient,
    private readonly options: SubscribeOptions,
    private readonly onClose: () => void,
  ) {}

  /** One iteration per subscription: iterating it again continues where it stands. */
  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.events();
    return this.iterator;
  }

  private async *events(): AsyncGenerator<RecordedEvent> {
    if (this.closed) return;
    const { after, filter } = this.options;
    const source = this.client.subscribeToAll({
      fromPosition: after === undefined ? esdb.START : toServerPosition(after),
      filter: serverFilter(filter),
    });
    this.source = source;
    const upstream = source[Symbol.asyncIterator]();
    try {
      while (!this.closed) {
        const next = await Promise.race([upstream.next(), this.closedSignal]);
        if (next === CLOSED) return;
        if (next.done) {
          if (this.closed) return;
          throw new Error('EventStoreDB ended the subscription to $all');
        }
        const event = next.value.event;
        if (!event) continue;
        const position = event.position.commit;
        if (after !== undefined && position <= after) continue;
        if (isSystemStream(event.streamId) || !matchesFilter(event.streamId, filter)) continue;
        yield toRecordedEvent(event, position);
      }
    } finally {
      await this.stopSource();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signalClosed();
    this.onClose();
    await this.stopSource();
  }

  private async stopSource(): Promise<void> {
    const source = this.source;
    this.source = undefined;
    if (!source) return;
    try {
      await source.unsubscribe();
    } catch {
      // Already broken (its error reached the iteration, if anyone was iterating): nothing to stop.
    } finally {
      source.destroy();
    }
  }
}

/** A store on a server given by a connection string, e.g. `esdb://localhost:2113?tls=false`. */
/**
 * KurrentDB (EventStoreDB's new name) documents `kurrentdb://` and `kurrentdb+discover://`; this
 * client only parses the `esdb` schemes, which mean the same: the scheme is rewritten, the rest kept.
 */
export const esdbConnectionString = (connectionString: string): string =>
  connectionString.replace(/^kurrentdb(\+discover)?:\/\//, (_, discover: string | undefined) => `esdb${discover ?? ''}://`);

export const connectEsdbEventStore = (connectionString: string, options: EsdbEventStoreOptions = {}): EsdbEventStore =>
  new EsdbEventStore(connectionString, options);
