/**
 * The embedded default's event log: one SQLite table, written through better-sqlite3.
 *
 * Each append runs inside an IMMEDIATE transaction (so the revision check and the insert see the
 * same stream, even with another process on the file), in a savepoint of its own: appends asked for
 * in one turn of the event loop share the transaction and its one fsync (group commit, see
 * SqliteCommitQueue). The global position is the row id allocated inside the transaction, so
 * positions become visible in order. Subscriptions are woken by appends of this process and poll
 * for appends of other processes.
 */
import {
  ANY,
  ConcurrencyConflictError,
  EventStore,
  EventSubscription,
  EventToAppend,
  ExpectedRevision,
  NO_STREAM,
  RecordedEvent,
  AppendResult,
  ReadAllOptions,
  ReadStreamOptions,
  STREAM_EXISTS,
  SubscribeOptions,
  matchesFilter,
} from '../event-store.port';
import { SqliteDatabase } from './sqlite-database';
import { SqliteCommitQueue } from './sqlite-commit-queue';
import { Signal } from '../signal';

interface EventRow {
  position: number | bigint;
  stream_name: string;
  revision: number | bigint;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number | bigint;
}

export interface SqliteEventStoreOptions {
  /** How often a live subscription looks for events appended by other processes. */
  readonly pollIntervalMs?: number;
  /** Batch size of readAll and of subscription catch-up. */
  readonly batchSize?: number;
  /** Whether close() also closes the database (false when the caller shares it). */
  readonly ownsDatabase?: boolean;
}

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  streamName: row.stream_name,
  type: row.type,
  revision: BigInt(row.revision),
  position: BigInt(row.position),
  data: JSON.parse(row.data) as unknown,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  recordedAt: new Date(Number(row.recorded_at)),
});

export class SqliteEventStore implements EventStore {
  private readonly appended = new Signal();
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly subscriptions = new Set<SqliteSubscription>();
  private closed = false;
  /** The events this process appended last, as recorded: the live tail every subscription reads. */
  private readonly recent = new RecentEvents(4096);

  private readonly lastRevision;
  private readonly eventById;
  private readonly eventsFrom;
  private readonly insert;
  private readonly streamRead;
  private readonly allRead;
  private readonly head;
  private readonly dataVersion;
  private mark: bigint | undefined;
  private readonly commits: SqliteCommitQueue;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: SqliteEventStoreOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.batchSize = options.batchSize ?? 1000;
    db.defaultSafeIntegers(true);
    this.lastRevision = db.prepare<[string], { revision: bigint }>(
      'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
    );
    this.eventById = db.prepare<[string], EventRow>('SELECT * FROM events WHERE event_id = ?');
    this.eventsFrom = db.prepare<[string, bigint, number], EventRow>(
      'SELECT * FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?',
    );
    this.insert = db.prepare(
      `INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.streamRead = db.prepare<[string, bigint, number], EventRow>(
      'SELECT * FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?',
    );
    this.allRead = db.prepare<[bigint, number], EventRow>(
      'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
    );
    this.head = db.prepare<[], { position: bigint | null }>('SELECT MAX(position) AS position FROM events');
    this.dataVersion = db.prepare<[], bigint>('PRAGMA data_version').pluck();
    this.commits = SqliteCommitQueue.of(db);
  }

  async append(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const { result } = await this.commits.run(() => this.appendInTransaction(streamName, events, options.expectedRevision), {
      durable: true,
      // The revision checks throw before anything is inserted.
      failsCleanly: (error) => error instanceof ConcurrencyConflictError,
      committed: ({ rows }) => {
        // Committed: subscriptions of this process read these from memory, parsed once for all of them.
        if (rows) this.recent.add(rows.map(toRecorded));
        this.appended.notify();
      },
    });
    return result;
  }

  /**
   * Changes whenever another connection (another process, another store on the file) has committed
   * since the last call returned the same value; appends through this store leave it as it is.
   * Read once per turn of the event loop (each read opens a read transaction): a write by another
   * process during the turn is seen from the next one, which is no later than a read of the stream
   * made just before that write would have seen it; the append's revision check catches it anyway.
   */
  outsideWriteMark(): bigint {
    if (this.mark === undefined) {
      this.mark = this.dataVersion.get()!;
      setImmediate(() => (this.mark = undefined));
    }
    return this.mark;
  }

  private appendInTransaction(
    streamName: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): { result: AppendResult; rows?: EventRow[] } {
    const current = this.lastRevision.get(streamName)?.revision;
    const actual = current ?? NO_STREAM;

    const earlier = this.eventById.get(events[0]!.id);
    if (earlier) return { result: this.repeatedAppend(streamName, events, expected, earlier, actual) };

    if (!revisionMatches(expected, actual)) throw new ConcurrencyConflictError(streamName, expected, actual);

    const now = Date.now();
    let revision = current === undefined ? 0n : current + 1n;
    let position = 0n;
    const rows: EventRow[] = [];
    for (const event of events) {
      const data = JSON.stringify(event.data ?? null);
      const metadata = JSON.stringify(event.metadata ?? {});
      const info = this.insert.run(streamName, revision, event.id, event.type, data, metadata, now);
      position = BigInt(info.lastInsertRowid);
      rows.push({ position, stream_name: streamName, revision, event_id: event.id, type: event.type, data, metadata, recorded_at: now });
      revision += 1n;
    }
    return { result: { nextExpectedRevision: revision - 1n, position }, rows };
  }

  /**
   * The first event's id is already in the log. If the whole batch sits there, in order, where the
   * writer expected to put it, this is a retry of an append that succeeded: answer as it did.
   */
  private repeatedAppend(
    streamName: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
    earlier: EventRow,
    actual: bigint | typeof NO_STREAM,
  ): AppendResult {
    const first = BigInt(earlier.revision);
    const written = earlier.stream_name === streamName ? this.eventsFrom.all(streamName, first, events.length) : [];
    const sameBatch =
      written.length === events.length && written.every((row, i) => row.event_id === events[i]!.id);
    const samePlace =
      expected === ANY ||
      expected === STREAM_EXISTS ||
      (expected === NO_STREAM && first === 0n) ||
      (typeof expected === 'bigint' && expected + 1n === first);
    if (!sameBatch || !samePlace) throw new ConcurrencyConflictError(streamName, expected, actual);
    const last = written[written.length - 1]!;
    return { nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position) };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? -1;
    return this.streamRead.all(streamName, options.fromRevision ?? 0n, limit).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.after, options.maxCount ?? this.batchSize);
  }

  /** @internal used by subscriptions: the live tail from memory when this process wrote it. */
  readAllSync(after: bigint | undefined, maxCount: number): RecordedEvent[] {
    const fromMemory = after === undefined ? undefined : this.recent.after(after, maxCount);
    if (fromMemory) return fromMemory;
    return this.allRead.all(after ?? -1n, maxCount).map(toRecorded);
  }

  /** Resolves at this process's next commit (other processes' are seen by polling). */
  nextAppend(): Promise<void> {
    return this.appended.next();
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    if (this.closed) throw new Error('The event store is closed');
    const subscription = new SqliteSubscription(this, this.appended, options, this.pollIntervalMs, this.batchSize, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    return this.head.get()?.position ?? undefined;
  }

  async ping(): Promise<void> {
    this.head.get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.commits.flush();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.options.ownsDatabase ?? true) this.db.close();
  }
}

const revisionMatches = (expected: ExpectedRevision, actual: bigint | typeof NO_STREAM): boolean => {
  if (expected === ANY) return true;
  if (expected === NO_STREAM) return actual === NO_STREAM;
  if (expected === STREAM_EXISTS) return actual !== NO_STREAM;
  return actual === expected;
};

class SqliteSubscription implements EventSubscription {
  private closed = false;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;

  constructor(
    private readonly store: SqliteEventStore,
    private readonly appended: Signal,
    private readonly options: SubscribeOptions,
    private readonly pollIntervalMs: number,
    private readonly batchSize: number,
    private readonly onClose: () => void,
  ) {}

  /** One iteration per subscription: iterating it again continues where it stands. */
  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.events();
    return this.iterator;
  }

  private async *events(): AsyncGenerator<RecordedEvent> {
    let after = this.options.after;
    while (!this.closed) {
      // Take the wake-up before reading, so an append between the read and the wait is not missed.
      const woken = this.appended.next();
      const batch = this.store.readAllSync(after, this.batchSize);
      if (batch.length === 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.pollIntervalMs)))]);
        clearTimeout(timer);
        continue;
      }
      for (const event of batch) {
        if (this.closed) return;
        after = event.position;
        if (matchesFilter(event.streamName, this.options.filter)) yield event;
      }
      // Catching up runs in microtasks; let the process answer I/O between batches.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose();
    this.appended.notify();
  }
}

/**
 * The last events appended by this process, in position order. SQLite positions are contiguous
 * (row ids allocated in the committing transaction), so a read after position P is served from here
 * only when P + 1 is held and the run from it has no gap (another process's appends make one).
 */
class RecentEvents {
  private events: RecordedEvent[] = [];

  constructor(private readonly capacity: number) {}

  add(events: readonly RecordedEvent[]): void {
    this.events.push(...events);
    if (this.events.length > this.capacity * 2) this.events = this.events.slice(-this.capacity);
  }

  after(position: bigint, maxCount: number): RecordedEvent[] | undefined {
    const events = this.events;
    if (events.length === 0) return undefined;
    const first = events[0]!.position;
    const start = Number(position + 1n - first);
    if (start < 0 || start >= events.length || events[start]!.position !== position + 1n) return undefined;
    const found: RecordedEvent[] = [];
    let expected = position + 1n;
    for (let i = start; i < events.length && found.length < maxCount; i++) {
      const event = events[i]!;
      if (event.position !== expected) break;
      found.push(event);
      expected++;
    }
    return found;
  }
}
