/**
 * The event log on PostgreSQL: one `events` table under a configurable schema, shared by any
 * number of processes.
 *
 * Why no reader ever skips an event that commits late. Positions come from an identity sequence
 * (CACHE 1), and the only writer of the table is the `append_events` function, which takes one
 * transaction-scoped advisory lock (the same key for the whole log) before it reads a revision or
 * draws a position, and keeps it until its transaction ends. So appending transactions draw
 * positions one after another: when T2 draws a position, every transaction that drew a lower one
 * has ended already. PostgreSQL releases a transaction's locks only after its commit is visible to
 * new snapshots (ProcArrayEndTransaction precedes the release of locks in CommitTransaction), so a
 * snapshot that sees T2's rows also sees every lower position that will ever exist; positions drawn
 * by transactions that rolled back stay gaps for good. (The function's statements run at READ
 * COMMITTED, each with a snapshot taken after the lock, so its revision checks see every earlier
 * append; it refuses to run at another isolation level.) Every read here is one statement (one
 * snapshot), so when a read returns position P, nothing below P can appear later: a cursor kept as
 * "the last position read" (readAll, subscriptions, checkpoints) is safe, and a subscription may
 * even move its cursor to the head it saw without an event of its filter there.
 *
 * emmett's alternative (rows tagged with the writing transaction's id, readers stopping below
 * `pg_snapshot_xmin(pg_current_snapshot())`) lets writers run side by side, but then the order
 * that is safe to read is (transaction id, position), not position: a transaction with a lower id
 * can draw a higher position and commit first. This port delivers in position order and keeps a
 * single bigint cursor, so the lock is the design that fits it; `transaction_id` is kept on each row
 * for diagnosis (and tests) only. The cost: appends to one log commit one transaction at a time, so
 * each process batches its appends (below) to share a transaction and its WAL flush.
 *
 * Appends: the appends asked for during one turn of the event loop (and while the previous batch is
 * committing) go to the server as one `append_events` call: one statement, one transaction, one
 * commit. Each append is checked on its own (expected revision; an event id seen before is a retry
 * when the whole batch sits where the writer expected it, as on SQLite, else a conflict), so one
 * that fails its check writes nothing and fails alone. A batch the server refuses as a whole (a
 * stream name too long for its index, an event id twice in one append) is rolled back and each of
 * its appends is run again alone, so only the culprit fails. Data and metadata are jsonb; a value
 * jsonb cannot hold as it is (a NUL character, a lone surrogate) is kept as its JSON text in a
 * jsonb string, flagged in `text_encoded`, and parsed back on reading. Nobody hears of an append before its
 * commit. When the connection fails during a commit, its outcome is unknown: the appends are
 * rejected, and appending the same events again answers the first result if it did commit. The
 * function ends with a NOTIFY, which PostgreSQL delivers at commit.
 *
 * Subscriptions read in batches, then wait for a NOTIFY (one LISTEN connection per store, made by
 * the factory it is given), an append of this store, or the poll interval, whichever comes first.
 * When the LISTEN connection drops, the store reconnects with backoff and wakes every subscription
 * once it listens again; meanwhile they poll. A failing read makes the iteration throw, and the
 * processor runner subscribes again.
 *
 * There is no `outsideWriteMark`: every read goes to the database.
 */
import { Client, escapeIdentifier, Pool, PoolConfig } from 'pg';
import {
  AppendResult,
  ConcurrencyConflictError,
  EventStore,
  EventSubscription,
  EventToAppend,
  ExpectedRevision,
  matchesFilter,
  NO_STREAM,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store.port';
import { Signal } from '../signal';
import { advisoryKey, assertSchemaName, DEFAULT_SCHEMA, isConnectionFailure, migrate, Migration, qualified, schemaTag } from './postgres-schema';

export interface PostgresLogger {
  warn(message: string): void;
}

export interface PostgresEventStoreOptions {
  /** The pool every query goes through. */
  readonly pool: Pool;
  /** Makes the dedicated connection the store LISTENs on (not connected yet; the store connects it). */
  readonly listenClient: () => Client;
  /** Schema of the tables; `public` by default. */
  readonly schema?: string;
  /** How often a live subscription reads when no notification came; 500 ms by default. */
  readonly pollIntervalMs?: number;
  /** Batch size of readAll and of subscription catch-up; 1000 by default. */
  readonly batchSize?: number;
  /** How long ping() waits for an answer; 2000 ms by default. */
  readonly pingTimeoutMs?: number;
  /** At most this many appends share one transaction; 500 by default. */
  readonly maxAppendsPerCommit?: number;
  /** ... and at most about this many bytes of JSON (one larger append still goes alone); 8 MiB by default. */
  readonly maxBytesPerCommit?: number;
  /** Whether close() ends the pool; false by default (the caller shares it). */
  readonly ownsPool?: boolean;
  /** Where a dropped LISTEN connection is reported; console by default. */
  readonly logger?: PostgresLogger;
}

export interface OpenPostgresEventStoreOptions
  extends Omit<PostgresEventStoreOptions, 'pool' | 'listenClient' | 'ownsPool'> {
  /** `postgres://…`; or give `pool` (the connection settings of the pool then). */
  readonly connectionString?: string;
  /** Settings of the pool the store creates (and owns). */
  readonly poolConfig?: PoolConfig;
}

interface EventRow {
  position: string;
  stream_name: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: unknown;
  recorded_at: Date;
  text_encoded: number;
}

interface OutcomeRow {
  ord: number;
  outcome: 'appended' | 'repeated' | 'conflict';
  last_revision: string | null;
  last_position: string | null;
  actual: string | null;
}

interface PendingAppend {
  readonly streamName: string;
  readonly expected: ExpectedRevision;
  /** The append as JSON for `append_events`: {s, x, r, e: [{i, t, d, m}]}. */
  readonly json: string;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

const EVENTS_COMPONENT = 'events';
/** How many positions one subscription read looks through at most (bounds a filtered scan). */
const SCAN_WINDOW = 100_000n;
const MAX_POSITION = 2n ** 63n - 1n;

const eventsMigrations = (schema: string): Migration[] => {
  const lockKey = advisoryKey('event-store:append', schema).toString();
  const channel = eventsChannelOf(schema);
  return [
    {
      version: 1,
      sql: (s) => `
        CREATE TABLE ${s}.events (
          position       bigint      GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
          stream_name    text        NOT NULL,
          revision       bigint      NOT NULL CHECK (revision >= 0),
          event_id       text        NOT NULL,
          type           text        NOT NULL,
          data           jsonb       NOT NULL,
          metadata       jsonb       NOT NULL,
          recorded_at    timestamptz NOT NULL DEFAULT now(),
          transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
          -- Bit 1: data, bit 2: metadata is held as its JSON text in a jsonb string, because jsonb
          -- cannot hold it as it is (a NUL character, a lone surrogate); readers parse that text.
          text_encoded   smallint    NOT NULL DEFAULT 0,
          CONSTRAINT events_stream_revision UNIQUE (stream_name, revision),
          CONSTRAINT events_event_id UNIQUE (event_id)
        );

        -- The only writer of the events table; see postgres-event-store.ts for why it locks.
        -- batch: [{s: stream, x: 'no_stream'|'any'|'stream_exists'|'revision', r: revision|null,
        --          e: [{i: id, t: type, d: data, m: metadata, f: text_encoded (absent: 0)}]}],
        -- answered one row per append, in order.
        CREATE FUNCTION ${s}.append_events(batch jsonb)
        RETURNS TABLE (ord integer, outcome text, last_revision bigint, last_position bigint, actual bigint)
        LANGUAGE plpgsql AS $append$
        DECLARE
          v_item jsonb;
          v_stream text;
          v_kind text;
          v_revision bigint;
          v_ids text[];
          v_current bigint;
          v_first_stream text;
          v_first_revision bigint;
          v_clash integer;
          v_notify bigint;
        BEGIN
          IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'append_events runs at READ COMMITTED only, not %', current_setting('transaction_isolation');
          END IF;
          PERFORM pg_advisory_xact_lock(${lockKey});
          ord := 0;
          FOR v_item IN SELECT value FROM jsonb_array_elements(batch) LOOP
            ord := ord + 1;
            last_revision := NULL;
            last_position := NULL;
            v_stream := v_item->>'s';
            v_kind := v_item->>'x';
            v_revision := (v_item->>'r')::bigint;
            v_ids := ARRAY(SELECT ev->>'i' FROM jsonb_array_elements(v_item->'e') AS ev);
            SELECT max(e.revision) INTO v_current FROM ${s}.events e WHERE e.stream_name = v_stream;
            actual := v_current;

            -- Which of the ids, if any, is in the log already (one unique-index probe per id: a
            -- plan that holds whatever the table's statistics say).
            v_clash := NULL;
            FOR v_i IN 1 .. cardinality(v_ids) LOOP
              SELECT e.stream_name, e.revision INTO v_first_stream, v_first_revision
                FROM ${s}.events e WHERE e.event_id = v_ids[v_i];
              IF FOUND THEN
                v_clash := v_i;
                EXIT;
              END IF;
            END LOOP;

            IF v_clash = 1 THEN
              -- A retry when the whole batch sits, in order, where the writer expected to put it.
              IF v_first_stream = v_stream
                 AND coalesce(CASE v_kind
                       WHEN 'any' THEN true
                       WHEN 'stream_exists' THEN true
                       WHEN 'no_stream' THEN v_first_revision = 0
                       ELSE v_revision + 1 = v_first_revision END, false)
                 AND ARRAY(SELECT e.event_id FROM ${s}.events e
                           WHERE e.stream_name = v_stream AND e.revision >= v_first_revision
                           ORDER BY e.revision LIMIT cardinality(v_ids)) = v_ids
              THEN
                SELECT e.revision, e.position INTO last_revision, last_position FROM ${s}.events e
                  WHERE e.stream_name = v_stream AND e.revision = v_first_revision + cardinality(v_ids) - 1;
                outcome := 'repeated';
              ELSE
                outcome := 'conflict';
              END IF;
              RETURN NEXT;
              CONTINUE;
            END IF;

            -- Another id of the batch is in the log, or the stream is not where the writer expected.
            IF v_clash IS NOT NULL
               OR NOT coalesce(CASE v_kind
                    WHEN 'any' THEN true
                    WHEN 'no_stream' THEN v_current IS NULL
                    WHEN 'stream_exists' THEN v_current IS NOT NULL
                    ELSE v_current = v_revision END, false)
            THEN
              outcome := 'conflict';
              RETURN NEXT;
              CONTINUE;
            END IF;

            WITH inserted AS (
              INSERT INTO ${s}.events (stream_name, revision, event_id, type, data, metadata, text_encoded)
              SELECT v_stream, coalesce(v_current, -1) + ev.n, ev.value->>'i', ev.value->>'t', ev.value->'d', ev.value->'m',
                     coalesce((ev.value->>'f')::smallint, 0)
                FROM jsonb_array_elements(v_item->'e') WITH ORDINALITY AS ev(value, n)
               ORDER BY ev.n
              RETURNING position, revision
            )
            SELECT max(i.position), max(i.revision) INTO last_position, last_revision FROM inserted i;
            outcome := 'appended';
            v_notify := last_position;
            RETURN NEXT;
          END LOOP;
          IF v_notify IS NOT NULL THEN
            PERFORM pg_notify(${literal(channel)}, v_notify::text);
          END IF;
        END
        $append$;
      `,
    },
  ];
};

const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** The NOTIFY channel of a schema's log (an identifier: at most 63 bytes). */
export const eventsChannelOf = (schema: string): string => {
  const readable = `events_${schema}`;
  return Buffer.byteLength(readable) <= 63 ? readable : `events_${schemaTag(schema)}`;
};

const DATA_AS_TEXT = 1;
const METADATA_AS_TEXT = 2;

/** JSON text jsonb refuses: a \u0000 escape or a lone surrogate (JSON.stringify escapes exactly those). */
const JSONB_REFUSES = /\\u(0000|d[89a-f])/i;

/** A value for the batch JSON, and whether it travels (and is stored) as its JSON text. */
const encodeJson = (value: unknown): { json: string; asText: boolean } => {
  const json = JSON.stringify(value);
  return JSONB_REFUSES.test(json) ? { json: JSON.stringify(json), asText: true } : { json, asText: false };
};

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  streamName: row.stream_name,
  type: row.type,
  revision: BigInt(row.revision),
  position: BigInt(row.position),
  data: row.text_encoded & DATA_AS_TEXT ? (JSON.parse(row.data as string) as unknown) : row.data,
  metadata: (row.text_encoded & METADATA_AS_TEXT ? JSON.parse(row.metadata as string) : row.metadata) as Record<string, unknown>,
  recordedAt: row.recorded_at,
});

/** `prefix%` for LIKE, with LIKE's own characters escaped (backslash is the default escape). */
const likePrefix = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The columns of an event as toRecorded reads them, of the table aliased `e`. */
const EVENT_COLUMNS =
  'e.position::text AS position, e.stream_name, e.revision::text AS revision, e.event_id, e.type, e.data, e.metadata, e.recorded_at, e.text_encoded';

export class PostgresEventStore implements EventStore {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly pingTimeoutMs: number;
  private readonly maxAppends: number;
  private readonly maxBytes: number;
  private readonly logger: PostgresLogger;
  private readonly tag: string;
  private readonly sql;
  /** Woken by NOTIFY, by this store's commits, by a LISTEN (re)connection, and by close(). */
  private readonly wakeups = new Signal();
  private readonly listener: Listener;
  private readonly subscriptions = new Set<PostgresSubscription>();
  private pending: PendingAppend[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly commitStats = { commits: 0, appends: 0 };

  constructor(private readonly options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    assertSchemaName(this.schema);
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 1000;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2000;
    this.maxAppends = options.maxAppendsPerCommit ?? 500;
    this.maxBytes = options.maxBytesPerCommit ?? 8 * 1024 * 1024;
    this.logger = options.logger ?? { warn: (message) => console.warn(message) };
    this.tag = schemaTag(this.schema);
    const events = qualified(this.schema, 'events');
    this.sql = {
      append: `SELECT ord, outcome, last_revision::text AS last_revision, last_position::text AS last_position, actual::text AS actual
               FROM ${qualified(this.schema, 'append_events')}($1::jsonb)`,
      // ORDER BY names the table's columns (e.position), not the text columns of the output.
      readStream: `SELECT ${EVENT_COLUMNS} FROM ${events} AS e
                   WHERE e.stream_name = $1 AND e.revision >= $2::bigint ORDER BY e.revision LIMIT $3`,
      readAll: `SELECT ${EVENT_COLUMNS} FROM ${events} AS e WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2`,
      head: `SELECT max(position)::text AS head FROM ${events}`,
      // One statement, one snapshot: the rows after the cursor (of the filter, within a bounded
      // window of positions) and the head as this snapshot sees it.
      scan: (filtered: boolean) => `
        SELECT h.head::text AS head, ${EVENT_COLUMNS}
        FROM (SELECT max(position) AS head FROM ${events}) AS h
        LEFT JOIN LATERAL (
          SELECT * FROM ${events}
          WHERE position > $1::bigint AND position <= $3::bigint
          ${filtered ? 'AND stream_name LIKE ANY ($4::text[])' : ''}
          ORDER BY position LIMIT $2
        ) AS e ON true
        ORDER BY e.position`,
    };
    this.listener = new Listener(options.listenClient, eventsChannelOf(this.schema), this.wakeups, this.logger);
  }

  /**
   * A store on its own pool (which close() ends), its schema migrated. The LISTEN connection uses
   * the pool's settings.
   */
  static async open(options: OpenPostgresEventStoreOptions): Promise<PostgresEventStore> {
    const config: PoolConfig = { ...options.poolConfig, ...(options.connectionString ? { connectionString: options.connectionString } : {}) };
    const pool = new Pool(config);
    // An idle pooled connection that dies must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    // A checked-out connection that is cut emits its error on the client: listened to, not fatal.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PostgresEventStore({
      ...options,
      pool,
      ownsPool: true,
      listenClient: () => new Client({ ...config, application_name: `${config.application_name ?? 'event-store'}:listen` }),
    });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    return store;
  }

  /** Creates or upgrades the schema (idempotent; safe with several processes starting at once). */
  migrate(): Promise<void> {
    return migrate(this.pool, this.schema, EVENTS_COMPONENT, eventsMigrations(this.schema));
  }

  append(
    streamName: string,
    events: readonly EventToAppend[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error('The event store is closed'));
    if (events.length === 0) return Promise.reject(new RangeError('append needs at least one event'));
    const expected = options.expectedRevision;
    let json: string;
    try {
      const encoded = events.map((event) => {
        const data = encodeJson(event.data === undefined ? null : event.data);
        const metadata = encodeJson(event.metadata ?? {});
        const flags = (data.asText ? DATA_AS_TEXT : 0) | (metadata.asText ? METADATA_AS_TEXT : 0);
        return `{"i":${JSON.stringify(event.id)},"t":${JSON.stringify(event.type)},"d":${data.json},"m":${metadata.json}${flags ? `,"f":${flags}` : ''}}`;
      });
      const revision = typeof expected === 'bigint' ? `"${expected.toString()}"` : 'null';
      const kind = typeof expected === 'bigint' ? 'revision' : expected;
      json = `{"s":${JSON.stringify(streamName)},"x":${JSON.stringify(kind)},"r":${revision},"e":[${encoded.join(',')}]}`;
    } catch (error) {
      // Not JSON (a bigint, a cycle): this append fails alone, before anything is sent.
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamName, expected, json, resolve, reject });
      this.schedule();
    });
  }

  /** Commits so far and the appends they held (for benchmarks and tests). */
  stats(): { readonly commits: number; readonly appends: number } {
    return { ...this.commitStats };
  }

  private schedule(): void {
    // Once closing, close() itself commits what is left.
    if (this.closed || this.flushing || this.scheduled || this.pending.length === 0) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        // Appends asked for while this batch committed form the next one, from the next turn.
        this.schedule();
      });
    });
  }

  /** Sends one batch: what is pending now, within the limits of one commit. */
  private async flush(): Promise<void> {
    const batch: PendingAppend[] = [];
    let bytes = 0;
    while (this.pending.length > 0 && batch.length < this.maxAppends) {
      const next = this.pending[0]!;
      if (batch.length > 0 && bytes + next.json.length > this.maxBytes) break;
      bytes += next.json.length;
      batch.push(this.pending.shift()!);
    }
    await this.commit(batch);
  }

  private async commit(batch: readonly PendingAppend[]): Promise<void> {
    let rows: OutcomeRow[];
    try {
      const result = await this.pool.query<OutcomeRow>({
        name: `es-append-${this.tag}`,
        text: this.sql.append,
        values: [`[${batch.map((append) => append.json).join(',')}]`],
      });
      rows = result.rows;
    } catch (error) {
      if (batch.length > 1 && !isConnectionFailure(error)) {
        // The server refused the batch as a whole and rolled it back: each append alone, so only
        // the one it cannot take fails (a retry of the others is safe in any case: same ids, same place).
        for (const append of batch) await this.commit([append]);
        return;
      }
      for (const append of batch) append.reject(error);
      return;
    }
    this.commitStats.commits += 1;
    this.commitStats.appends += batch.length;
    if (rows.some((row) => row.outcome === 'appended')) this.wakeups.notify();
    rows.sort((a, b) => a.ord - b.ord);
    batch.forEach((append, i) => {
      const row = rows[i];
      if (!row) return append.reject(new Error('append_events answered fewer rows than appends'));
      if (row.outcome === 'conflict') {
        return append.reject(
          new ConcurrencyConflictError(append.streamName, append.expected, row.actual === null ? NO_STREAM : BigInt(row.actual)),
        );
      }
      append.resolve({ nextExpectedRevision: BigInt(row.last_revision!), position: BigInt(row.last_position!) });
    });
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: `es-read-stream-${this.tag}`,
      text: this.sql.readStream,
      values: [streamName, (options.fromRevision ?? 0n).toString(), options.maxCount ?? null],
    });
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>({
      name: `es-read-all-${this.tag}`,
      text: this.sql.readAll,
      values: [(options.after ?? 0n).toString(), options.maxCount ?? this.batchSize],
    });
    return rows.map(toRecorded);
  }

  /**
   * @internal for subscriptions: the events of `prefixes` after `after` (at most `maxCount`), and
   * the cursor to read from next, which may pass events of other streams. `caughtUp`: nothing
   * visible lies beyond that cursor.
   */
  async scan(
    after: bigint,
    prefixes: readonly string[] | undefined,
    maxCount: number,
  ): Promise<{ events: RecordedEvent[]; next: bigint; caughtUp: boolean }> {
    const filtered = Boolean(prefixes?.length);
    const windowEnd = after + SCAN_WINDOW < MAX_POSITION ? after + SCAN_WINDOW : MAX_POSITION;
    const values: unknown[] = [after.toString(), maxCount, windowEnd.toString()];
    if (filtered) values.push(prefixes!.map(likePrefix));
    const { rows } = await this.pool.query<EventRow & { head: string | null }>({
      name: `es-scan-${filtered ? 'f' : 'a'}-${this.tag}`,
      text: this.sql.scan(filtered),
      values,
    });
    const head = rows[0]?.head == null ? undefined : BigInt(rows[0].head);
    const events = rows.filter((row) => row.position !== null).map(toRecorded);
    if (events.length >= maxCount) return { events, next: events[events.length - 1]!.position, caughtUp: false };
    // Everything up to the end of the window (or the head, if nearer) was read: nothing lower can come later.
    if (head === undefined || head <= after) return { events, next: after, caughtUp: true };
    return head <= windowEnd ? { events, next: head, caughtUp: true } : { events, next: windowEnd, caughtUp: false };
  }

  /** Resolves at the next commit of any process on this log (its NOTIFY), or of this store. */
  nextAppend(): Promise<void> {
    this.listener.start();
    return this.wakeups.next();
  }

  subscribe(options: SubscribeOptions = {}): EventSubscription {
    if (this.closed) throw new Error('The event store is closed');
    this.listener.start();
    const subscription = new PostgresSubscription(this, this.wakeups, options, this.pollIntervalMs, this.batchSize, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    const { rows } = await this.pool.query<{ head: string | null }>({ name: `es-head-${this.tag}`, text: this.sql.head });
    return rows[0]?.head == null ? undefined : BigInt(rows[0].head);
  }

  /** Answers within pingTimeoutMs, or throws: a hung server must not hang /health. */
  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const query = this.pool.query('SELECT 1');
    query.catch(() => undefined);
    try {
      await Promise.race([
        query,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`PostgreSQL did not answer within ${this.pingTimeoutMs} ms`)),
            this.pingTimeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the LISTEN connection is up (for tests and diagnosis). */
  isListening(): boolean {
    return this.listener.listening;
  }

  /** Commits what is queued, ends the subscriptions and the LISTEN connection (and the pool, if owned). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing || this.pending.length > 0) {
      if (this.scheduled) {
        clearImmediate(this.scheduled);
        this.scheduled = undefined;
      }
      if (this.flushing) await this.flushing;
      else await this.flush();
    }
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.listener.close();
    if (this.options.ownsPool) await this.pool.end();
  }
}

class PostgresSubscription implements EventSubscription {
  private closed = false;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;
  private readonly prefixes: readonly string[] | undefined;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly wakeups: Signal,
    private readonly options: SubscribeOptions,
    private readonly pollIntervalMs: number,
    private readonly batchSize: number,
    private readonly onClose: () => void,
  ) {
    this.prefixes = options.filter?.streamPrefixes?.length ? options.filter.streamPrefixes : undefined;
  }

  /** One iteration per subscription: iterating it again continues where it stands. */
  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    this.iterator ??= this.events();
    return this.iterator;
  }

  private async *events(): AsyncGenerator<RecordedEvent> {
    let after = this.options.after ?? 0n;
    while (!this.closed) {
      // Take the wake-up before reading, so a commit between the read and the wait is not missed.
      const woken = this.wakeups.next();
      const { events, next, caughtUp } = await this.store.scan(after, this.prefixes, this.batchSize);
      for (const event of events) {
        if (this.closed) return;
        after = event.position;
        if (matchesFilter(event.streamName, this.options.filter)) yield event;
      }
      if (this.closed) return;
      if (next > after) after = next;
      if (caughtUp) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([woken, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.pollIntervalMs)))]);
        clearTimeout(timer);
      } else {
        // Catching up: let the process answer I/O between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.onClose();
    this.wakeups.notify();
  }
}

/**
 * The LISTEN connection of one store: connected at the first subscription, reconnected with backoff
 * when it drops (every subscription is woken when it is up again: a commit may have gone unheard).
 */
class Listener {
  private client: Client | undefined;
  private started = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelayMs = 100;
  listening = false;

  constructor(
    private readonly makeClient: () => Client,
    private readonly channel: string,
    private readonly wakeups: Signal,
    private readonly logger: PostgresLogger,
  ) {}

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    let client: Client;
    try {
      client = this.makeClient();
    } catch (error) {
      this.logger.warn(`Event store LISTEN connection cannot be made: ${(error as Error)?.message ?? String(error)}`);
      this.reconnectLater();
      return;
    }
    this.client = client;
    let gone = false;
    const lost = (error?: Error) => {
      if (gone) return;
      gone = true;
      if (this.client === client) {
        this.client = undefined;
        this.listening = false;
      }
      client.end().catch(() => undefined);
      this.wakeups.notify();
      if (this.closed) return;
      this.logger.warn(
        `Event store LISTEN connection lost${error ? `: ${error.message}` : ''}; ` +
          `reconnecting in ${this.retryDelayMs} ms (subscriptions poll meanwhile)`,
      );
      this.reconnectLater();
    };
    client.on('error', (error) => lost(error));
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.wakeups.notify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${escapeIdentifier(this.channel)}`);
    } catch (error) {
      lost(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (gone || this.closed) return;
    this.listening = true;
    this.retryDelayMs = 100;
    // Commits made before LISTEN took effect were not notified: have every subscription look.
    this.wakeups.notify();
  }

  private reconnectLater(): void {
    if (this.retryTimer || this.closed) return;
    const delayMs = this.retryDelayMs;
    this.retryDelayMs = Math.min(delayMs * 2, 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delayMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => undefined);
  }
}
