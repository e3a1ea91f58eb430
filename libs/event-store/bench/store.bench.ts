/**
 * `npm run bench:store`: the SQLite event store adapter against raw better-sqlite3 doing the same work.
 *
 * Workload (identical for both sides, generated once before anything is timed):
 * - BENCH_EVENTS (default 20000) single-event appends, round-robin over BENCH_STREAMS (default 1000)
 *   streams, each a ~200-byte JSON payload with metadata {correlationId, causationId, actor, occurredAt}.
 *   - adapter: `store.append(stream, [event], {expectedRevision})` with the exact expected revision
 *     (NO_STREAM for a stream's first event, then its last revision), awaited one by one.
 *   - raw: one IMMEDIATE transaction per event that reads the stream's last revision (the same SELECT
 *     the adapter uses), checks it, then runs the same INSERT (JSON.stringify of data and metadata,
 *     Date.now()), on a table/indexes identical to what `sqlite-database.ts` creates.
 * - Then read everything back:
 *   - readAll: adapter `readAll({after, maxCount: 1000})` to an empty batch; raw the same
 *     `SELECT * ... WHERE position > ? ORDER BY position LIMIT ?`, JSON.parse of data and metadata.
 *   - readStream: every stream once; adapter `readStream(name)`; raw the same SELECT, same parsing.
 *   "read events/sec" = events returned by both read passes / time of both passes.
 * Both sides run at the same durability (BENCH_DURABILITY=full|normal, default full: WAL +
 * synchronous=FULL, as `openSqliteDatabase` sets it), each on its own fresh file in a temp dir.
 *
 * Fairness: first a short warm-up of both sides (JIT, page cache, native module), not measured.
 * Then BENCH_ROUNDS (default 3) measured rounds in which the two sides are interleaved and the
 * order alternates (round 1: adapter then raw, round 2: raw then adapter, ...). Every round uses
 * fresh files. The reported figure for each metric is the MEDIAN over the rounds.
 *
 * Then the same for PostgreSQL (BENCH_STORES=sqlite,postgres chooses; both by default):
 * PostgresEventStore (adapter) against raw `pg` inserts, on the server at BENCH_POSTGRES_URL (else
 * POSTGRES_TEST_URL, else postgres://postgres@127.0.0.1:5432/postgres), in a database made for the
 * run (`evt_bench_<random>`, dropped at the end), each side of each round in a fresh schema.
 * - Workload: the first BENCH_PG_EVENTS (default 5000) events of the same generator, over the same
 *   BENCH_STREAMS streams (a commit costs more here: fewer events keep the run short).
 * - Both sides connect with `synchronous_commit=on`: every commit waits for its WAL flush.
 * - adapter: `store.append` awaited one by one, as above (so each append is its own commit: group
 *   commit does not help here); `readAll({after, maxCount: 1000})`; `readStream` of every stream.
 * - raw: one autocommit INSERT per event (its own transaction) that checks the stream's last
 *   revision in the same statement (`INSERT ... SELECT ... WHERE coalesce(max(revision), -1) = $expected`)
 *   and must insert one row, as a hand-written writer with optimistic concurrency would, on a table
 *   identical to the adapter's (same columns, defaults, keys); the same SELECTs to read back, rows
 *   mapped to the same fields (bigints parsed, jsonb parsed by pg as for the adapter). Prepared
 *   statements on both sides. The adapter does more per append: the log's advisory lock, the
 *   idempotency lookup of the event id, the NOTIFY.
 * If no server answers, one `SKIPPED ...` line says so and the PostgreSQL figures are null.
 *
 * Human-readable lines first; the LAST line is one JSON object with the headline numbers.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventToAppend, ExpectedRevision, NO_STREAM } from '../src/event-store.port';
import { Client, escapeIdentifier, Pool } from 'pg';
import { PostgresEventStore } from '../src/postgres/postgres-event-store';
import { redactUrl } from '../src/testing/postgres';
import { openSqliteDatabase, SqliteDurability } from '../src/sqlite/sqlite-database';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store';
import { mulberry32 } from './mulberry32';

// ---------------------------------------------------------------------------------------------
// Configuration

const intFromEnv = (name: string, fallback: number, min: number): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got "${text}"`);
  return value;
};

const durabilityFromEnv = (): SqliteDurability => {
  const text = (process.env.BENCH_DURABILITY ?? 'full').toLowerCase();
  if (text !== 'full' && text !== 'normal') throw new RangeError(`BENCH_DURABILITY must be full or normal, got "${text}"`);
  return text;
};

const DURABILITY = durabilityFromEnv();
const EVENTS = intFromEnv('BENCH_EVENTS', 20_000, 1);
const STREAMS = Math.min(intFromEnv('BENCH_STREAMS', 1_000, 1), EVENTS);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1);
const READ_BATCH = 1_000;
const WARMUP_EVENTS = Math.min(2_000, EVENTS);
const WARMUP_STREAMS = Math.min(100, WARMUP_EVENTS);
const STORES = new Set((process.env.BENCH_STORES ?? 'sqlite,postgres').split(',').map((s) => s.trim().toLowerCase()));
const PG_EVENTS = intFromEnv('BENCH_PG_EVENTS', 5_000, 1);
const PG_STREAMS = Math.min(STREAMS, PG_EVENTS);
const PG_WARMUP_EVENTS = Math.min(1_000, PG_EVENTS);
const PG_URL =
  process.env.BENCH_POSTGRES_URL || process.env.POSTGRES_TEST_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Every commit waits for its WAL flush, whatever the server's default. */
const PG_SESSION = '-c synchronous_commit=on';

// ---------------------------------------------------------------------------------------------
// Workload (deterministic: fixed-seed PRNG)


const hex = (random: () => number, length: number): string => {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16);
  return out;
};

const uuid = (random: () => number): string =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-${'89ab'[Math.floor(random() * 4)]}${hex(random, 3)}-${hex(random, 12)}`;

interface Append {
  readonly streamName: string;
  readonly event: EventToAppend;
}

const EVENT_TYPES = ['BackorderLineAllocated', 'PurchaseOrderLineAdded', 'GoodsReceived', 'StockBinned'];
const ACTORS = ['user:alice@example.com', 'user:bob@example.com', 'system:po-matcher', 'system:grn-import'];

const buildWorkload = (events: number, streams: number, seed: number): Append[] => {
  const random = mulberry32(seed);
  const streamNames = Array.from({ length: streams }, () => `backorder-${uuid(random)}`);
  const start = Date.UTC(2025, 0, 1);
  const workload: Append[] = [];
  for (let i = 0; i < events; i++) {
    const streamName = streamNames[i % streams]!; // round-robin
    const occurredAt = new Date(start + i * 1_000).toISOString();
    workload.push({
      streamName,
      event: {
        id: uuid(random),
        type: EVENT_TYPES[i % EVENT_TYPES.length]!,
        data: {
          orderId: `SO-${100_000 + Math.floor(random() * 900_000)}`,
          lineNo: 1 + Math.floor(random() * 20),
          sku: `SKU-${hex(random, 6).toUpperCase()}`,
          quantity: 1 + Math.floor(random() * 48),
          unitPrice: Math.round(random() * 100_000) / 100,
          currency: 'EUR',
          vendorId: `V-${1_000 + Math.floor(random() * 9_000)}`,
          binId: `A-${Math.floor(random() * 40)}-${Math.floor(random() * 12)}`,
          expectedOn: occurredAt.slice(0, 10),
          note: random() < 0.5 ? null : 'partial delivery, rest expected next week',
        },
        metadata: {
          correlationId: uuid(random),
          causationId: uuid(random),
          actor: ACTORS[Math.floor(random() * ACTORS.length)]!,
          occurredAt,
        },
      },
    });
  }
  return workload;
};

// ---------------------------------------------------------------------------------------------
// The two sides

interface SideResult {
  readonly appendMs: number;
  readonly readAllMs: number;
  readonly readStreamsMs: number;
  readonly eventsRead: number;
}

const time = async (work: () => unknown): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

const check = (condition: boolean, message: string): void => {
  if (!condition) throw new Error(`Benchmark sanity check failed: ${message}`);
};

const distinctStreams = (workload: readonly Append[]): string[] => [...new Set(workload.map((a) => a.streamName))];

async function runAdapter(dir: string, name: string, workload: readonly Append[]): Promise<SideResult> {
  const db = openSqliteDatabase({ path: join(dir, `${name}.db`), durability: DURABILITY });
  const store = new SqliteEventStore(db, { ownsDatabase: true });
  try {
    const streamNames = distinctStreams(workload);
    const expected = new Map<string, ExpectedRevision>();

    const appendMs = await time(async () => {
      for (const { streamName, event } of workload) {
        const result = await store.append(streamName, [event], {
          expectedRevision: expected.get(streamName) ?? NO_STREAM,
        });
        expected.set(streamName, result.nextExpectedRevision);
      }
    });

    let fromAll = 0;
    const readAllMs = await time(async () => {
      let after: bigint | undefined;
      for (;;) {
        const batch = await store.readAll({ after, maxCount: READ_BATCH });
        if (batch.length === 0) break;
        fromAll += batch.length;
        after = batch[batch.length - 1]!.position;
      }
    });

    let fromStreams = 0;
    const readStreamsMs = await time(async () => {
      for (const streamName of streamNames) fromStreams += (await store.readStream(streamName)).length;
    });

    check(fromAll === workload.length, `adapter readAll returned ${fromAll} of ${workload.length} events`);
    check(fromStreams === workload.length, `adapter readStream returned ${fromStreams} of ${workload.length} events`);
    return { appendMs, readAllMs, readStreamsMs, eventsRead: fromAll + fromStreams };
  } finally {
    await store.close();
  }
}

/** Same table and index as sqlite-database.ts (the checkpoints table is irrelevant here). */
const RAW_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY,
  stream_name TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream_name, revision)
);
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id);
`;

interface RawRow {
  position: number;
  stream_name: string;
  revision: number;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: number;
}

/** What a hand-written reader would build from a row: same fields, same JSON parsing. */
const rawToEvent = (row: RawRow) => ({
  id: row.event_id,
  streamName: row.stream_name,
  type: row.type,
  revision: row.revision,
  position: row.position,
  data: JSON.parse(row.data) as unknown,
  metadata: JSON.parse(row.metadata) as Record<string, unknown>,
  recordedAt: new Date(row.recorded_at),
});

async function runRaw(dir: string, name: string, workload: readonly Append[]): Promise<SideResult> {
  const db = new Database(join(dir, `${name}.db`));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${DURABILITY.toUpperCase()}`);
    db.pragma('busy_timeout = 5000');
    db.exec(RAW_SCHEMA);

    const streamNames = distinctStreams(workload);
    const lastRevision = db.prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
    );
    const insert = db.prepare(
      `INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const streamRead = db.prepare<[string, number, number], RawRow>(
      'SELECT * FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?',
    );
    const allRead = db.prepare<[number, number], RawRow>(
      'SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?',
    );
    // The writer's belief about each stream (-1: no stream), checked against the stored revision.
    const appendOne = db.transaction((streamName: string, event: EventToAppend, expected: number): number => {
      const current = lastRevision.get(streamName)?.revision ?? -1;
      if (current !== expected) throw new Error(`raw: conflict on ${streamName}: expected ${expected}, actual ${current}`);
      const revision = current + 1;
      insert.run(
        streamName,
        revision,
        event.id,
        event.type,
        JSON.stringify(event.data ?? null),
        JSON.stringify(event.metadata ?? {}),
        Date.now(),
      );
      return revision;
    });

    const expected = new Map<string, number>();
    const appendMs = await time(() => {
      for (const { streamName, event } of workload) {
        expected.set(streamName, appendOne.immediate(streamName, event, expected.get(streamName) ?? -1));
      }
    });

    let fromAll = 0;
    const readAllMs = await time(() => {
      let after = -1;
      for (;;) {
        const batch = allRead.all(after, READ_BATCH).map(rawToEvent);
        if (batch.length === 0) break;
        fromAll += batch.length;
        after = batch[batch.length - 1]!.position;
      }
    });

    let fromStreams = 0;
    const readStreamsMs = await time(() => {
      for (const streamName of streamNames) fromStreams += streamRead.all(streamName, 0, -1).map(rawToEvent).length;
    });

    check(fromAll === workload.length, `raw readAll returned ${fromAll} of ${workload.length} events`);
    check(fromStreams === workload.length, `raw readStream returned ${fromStreams} of ${workload.length} events`);
    return { appendMs, readAllMs, readStreamsMs, eventsRead: fromAll + fromStreams };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: the adapter and raw pg

async function runPgAdapter(url: string, schema: string, workload: readonly Append[]): Promise<SideResult> {
  const pool = new Pool({ connectionString: url, options: PG_SESSION, max: 4 });
  const store = new PostgresEventStore({
    pool,
    ownsPool: true,
    schema,
    listenClient: () => new Client({ connectionString: url }),
  });
  try {
    await store.migrate();
    const streamNames = distinctStreams(workload);
    const expected = new Map<string, ExpectedRevision>();

    const appendMs = await time(async () => {
      for (const { streamName, event } of workload) {
        const result = await store.append(streamName, [event], {
          expectedRevision: expected.get(streamName) ?? NO_STREAM,
        });
        expected.set(streamName, result.nextExpectedRevision);
      }
    });

    let fromAll = 0;
    const readAllMs = await time(async () => {
      let after: bigint | undefined;
      for (;;) {
        const batch = await store.readAll({ after, maxCount: READ_BATCH });
        if (batch.length === 0) break;
        fromAll += batch.length;
        after = batch[batch.length - 1]!.position;
      }
    });

    let fromStreams = 0;
    const readStreamsMs = await time(async () => {
      for (const streamName of streamNames) fromStreams += (await store.readStream(streamName)).length;
    });

    check(fromAll === workload.length, `pg adapter readAll returned ${fromAll} of ${workload.length} events`);
    check(fromStreams === workload.length, `pg adapter readStream returned ${fromStreams} of ${workload.length} events`);
    return { appendMs, readAllMs, readStreamsMs, eventsRead: fromAll + fromStreams };
  } finally {
    await store.close();
  }
}

/** The adapter's events table, column for column (its defaults fill the same columns here). */
const pgRawSchema = (schema: string): string => `
CREATE SCHEMA ${schema};
CREATE TABLE ${schema}.events (
  position       bigint      GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
  stream_name    text        NOT NULL,
  revision       bigint      NOT NULL CHECK (revision >= 0),
  event_id       text        NOT NULL,
  type           text        NOT NULL,
  data           jsonb       NOT NULL,
  metadata       jsonb       NOT NULL,
  recorded_at    timestamptz NOT NULL DEFAULT now(),
  transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
  text_encoded   smallint    NOT NULL DEFAULT 0,
  CONSTRAINT events_stream_revision UNIQUE (stream_name, revision),
  CONSTRAINT events_event_id UNIQUE (event_id)
);
`;

interface PgRawRow {
  position: string;
  stream_name: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

const pgRawToEvent = (row: PgRawRow) => ({
  id: row.event_id,
  streamName: row.stream_name,
  type: row.type,
  revision: BigInt(row.revision),
  position: BigInt(row.position),
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at,
});

async function runPgRaw(url: string, schemaName: string, workload: readonly Append[]): Promise<SideResult> {
  const client = new Client({ connectionString: url, options: PG_SESSION });
  await client.connect();
  const schema = escapeIdentifier(schemaName);
  try {
    await client.query(pgRawSchema(schema));
    const streamNames = distinctStreams(workload);
    const columns = 'e.position::text AS position, e.stream_name, e.revision::text AS revision, e.event_id, e.type, e.data, e.metadata, e.recorded_at';
    const insert = {
      name: `raw-insert-${schemaName}`,
      text: `INSERT INTO ${schema}.events (stream_name, revision, event_id, type, data, metadata)
             SELECT $1, $2::bigint, $3, $4, $5::jsonb, $6::jsonb
             WHERE coalesce((SELECT max(revision) FROM ${schema}.events WHERE stream_name = $1), -1) = $2::bigint - 1`,
    };
    const allRead = `SELECT ${columns} FROM ${schema}.events e WHERE e.position > $1::bigint ORDER BY e.position LIMIT $2`;
    const streamRead = `SELECT ${columns} FROM ${schema}.events e WHERE e.stream_name = $1 AND e.revision >= $2::bigint ORDER BY e.revision`;

    // The writer's belief about each stream (-1: no stream), checked by the statement itself.
    const expected = new Map<string, number>();
    const appendMs = await time(async () => {
      for (const { streamName, event } of workload) {
        const revision = (expected.get(streamName) ?? -1) + 1;
        const result = await client.query({
          ...insert,
          values: [
            streamName,
            revision,
            event.id,
            event.type,
            JSON.stringify(event.data ?? null),
            JSON.stringify(event.metadata ?? {}),
          ],
        });
        if (result.rowCount !== 1) throw new Error(`raw: conflict on ${streamName} at revision ${revision}`);
        expected.set(streamName, revision);
      }
    });

    let fromAll = 0;
    const readAllMs = await time(async () => {
      let after = 0n;
      for (;;) {
        const { rows } = await client.query<PgRawRow>({ name: `raw-all-${schemaName}`, text: allRead, values: [after.toString(), READ_BATCH] });
        const batch = rows.map(pgRawToEvent);
        if (batch.length === 0) break;
        fromAll += batch.length;
        after = batch[batch.length - 1]!.position;
      }
    });

    let fromStreams = 0;
    const readStreamsMs = await time(async () => {
      for (const streamName of streamNames) {
        const { rows } = await client.query<PgRawRow>({ name: `raw-stream-${schemaName}`, text: streamRead, values: [streamName, '0'] });
        fromStreams += rows.map(pgRawToEvent).length;
      }
    });

    check(fromAll === workload.length, `pg raw readAll returned ${fromAll} of ${workload.length} events`);
    check(fromStreams === workload.length, `pg raw readStream returned ${fromStreams} of ${workload.length} events`);
    return { appendMs, readAllMs, readStreamsMs, eventsRead: fromAll + fromStreams };
  } finally {
    await client.end();
  }
}

/** Whether the server answers: undefined if so, else why not. */
const pgUnreachable = async (url: string): Promise<string | undefined> => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
  } finally {
    await client.end().catch(() => undefined);
  }
};

// ---------------------------------------------------------------------------------------------
// Driver

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const perSec = (count: number, ms: number): number => count / (ms / 1_000);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number): number => Math.round((a / b) * 1_000) / 1_000;

const describe = (label: string, events: number, r: SideResult, streams = STREAMS): string =>
  `${label.padEnd(8)} append ${r.appendMs.toFixed(0).padStart(7)} ms (${fmt(perSec(events, r.appendMs)).padStart(9)}/s)` +
  `  readAll ${r.readAllMs.toFixed(1).padStart(7)} ms  readStream x${streams} ${r.readStreamsMs.toFixed(1).padStart(7)} ms` +
  `  read ${fmt(perSec(r.eventsRead, r.readAllMs + r.readStreamsMs)).padStart(9)} ev/s`;

interface Headline {
  readonly adapterAppendsPerSec: number;
  readonly rawAppendsPerSec: number;
  readonly appendRatio: number;
  readonly adapterReadEventsPerSec: number;
  readonly rawReadEventsPerSec: number;
  readonly readRatio: number;
}

/** Medians over the rounds, printed. */
const headline = (events: number, adapter: SideResult[], raw: SideResult[]): Headline => {
  const appendRate = (rs: SideResult[]) => median(rs.map((r) => perSec(events, r.appendMs)));
  const readRate = (rs: SideResult[]) => median(rs.map((r) => perSec(r.eventsRead, r.readAllMs + r.readStreamsMs)));
  const summary: Headline = {
    adapterAppendsPerSec: Math.round(appendRate(adapter)),
    rawAppendsPerSec: Math.round(appendRate(raw)),
    appendRatio: ratio(appendRate(adapter), appendRate(raw)),
    adapterReadEventsPerSec: Math.round(readRate(adapter)),
    rawReadEventsPerSec: Math.round(readRate(raw)),
    readRatio: ratio(readRate(adapter), readRate(raw)),
  };
  console.log(`median over ${ROUNDS} round(s):`);
  console.log(
    `  appends/s   adapter ${fmt(summary.adapterAppendsPerSec)}  raw ${fmt(summary.rawAppendsPerSec)}  ratio ${summary.appendRatio}`,
  );
  console.log(
    `  read ev/s   adapter ${fmt(summary.adapterReadEventsPerSec)}  raw ${fmt(summary.rawReadEventsPerSec)}  ratio ${summary.readRatio}` +
      '  (readAll + readStream of every stream)',
  );
  return summary;
};

/** Warm-up, then ROUNDS rounds, the two sides interleaved and the order alternating. */
const rounds = async (
  events: number,
  streams: number,
  warmup: () => Promise<void>,
  runAdapterSide: (round: number) => Promise<SideResult>,
  runRawSide: (round: number) => Promise<SideResult>,
): Promise<Headline> => {
  await warmup();
  const adapter: SideResult[] = [];
  const raw: SideResult[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const adapterFirst = round % 2 === 1;
    const order = adapterFirst ? (['adapter', 'raw'] as const) : (['raw', 'adapter'] as const);
    for (const side of order) {
      if (side === 'adapter') adapter.push(await runAdapterSide(round));
      else raw.push(await runRawSide(round));
    }
    console.log(`round ${round} (${order.join(' then ')}):`);
    console.log(`  ${describe('adapter', events, adapter[round - 1]!, streams)}`);
    console.log(`  ${describe('raw', events, raw[round - 1]!, streams)}`);
  }
  return headline(events, adapter, raw);
};

async function benchSqlite(workload: readonly Append[], warmup: readonly Append[]): Promise<Headline> {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log('Event store benchmark: SqliteEventStore (adapter) vs raw better-sqlite3 (baseline)');
    console.log(
      `  durability=${DURABILITY} (WAL, synchronous=${DURABILITY.toUpperCase()})  events=${EVENTS}  streams=${STREAMS}` +
        `  rounds=${ROUNDS}  readAll batch=${READ_BATCH}`,
    );
    console.log(`  temp dir: ${dir}`);
    console.log(`  warm-up: ${WARMUP_EVENTS} events / ${WARMUP_STREAMS} streams each side (not measured)`);
    return await rounds(
      EVENTS,
      STREAMS,
      async () => {
        await runAdapter(dir, 'warmup-adapter', warmup);
        await runRaw(dir, 'warmup-raw', warmup);
      },
      // Each side of each round on its own fresh file.
      (round) => runAdapter(dir, `round${round}-adapter`, workload),
      (round) => runRaw(dir, `round${round}-raw`, workload),
    );
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function benchPostgres(workload: readonly Append[], warmup: readonly Append[]): Promise<Headline | null> {
  const title = 'PostgreSQL event store benchmark';
  const unreachable = await pgUnreachable(PG_URL);
  if (unreachable !== undefined) {
    console.log(`SKIPPED ${title}: no server reachable at ${redactUrl(PG_URL)} (${unreachable})`);
    return null;
  }
  const name = `evt_bench_${Math.random().toString(16).slice(2, 10)}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${escapeIdentifier(name)}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const dropped = () => admin(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
  const onSignal = () => {
    void dropped().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log('Event store benchmark: PostgresEventStore (adapter) vs raw pg (baseline)');
    console.log(
      `  server ${redactUrl(PG_URL)}, database ${name} (dropped at the end)  synchronous_commit=on` +
        `  events=${workload.length}  streams=${PG_STREAMS}  rounds=${ROUNDS}  readAll batch=${READ_BATCH}`,
    );
    console.log(`  warm-up: ${warmup.length} events each side (not measured)`);
    return await rounds(
      workload.length,
      PG_STREAMS,
      async () => {
        await runPgAdapter(url.toString(), 'warmup_adapter', warmup);
        await runPgRaw(url.toString(), 'warmup_raw', warmup);
      },
      // Each side of each round in its own fresh schema.
      (round) => runPgAdapter(url.toString(), `round${round}_adapter`, workload),
      (round) => runPgRaw(url.toString(), `round${round}_raw`, workload),
    );
  } finally {
    await dropped();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function main(): Promise<void> {
  const workload = buildWorkload(EVENTS, STREAMS, 0x5eed);
  const sample = workload[0]!.event;
  const dataBytes = Buffer.byteLength(JSON.stringify(sample.data));
  const metadataBytes = Buffer.byteLength(JSON.stringify(sample.metadata));
  console.log(`payload: data ~${dataBytes} B + metadata ~${metadataBytes} B JSON; one event per append, round-robin streams`);

  const sqlite = STORES.has('sqlite') ? await benchSqlite(workload, buildWorkload(WARMUP_EVENTS, WARMUP_STREAMS, 0xbeef)) : null;
  const postgres = STORES.has('postgres')
    ? await benchPostgres(buildWorkload(PG_EVENTS, PG_STREAMS, 0x5eed), buildWorkload(PG_WARMUP_EVENTS, Math.min(100, PG_WARMUP_EVENTS), 0xbeef))
    : null;

  const pg = (key: keyof Headline) => (postgres ? postgres[key] : null);
  console.log(
    JSON.stringify({
      ...(sqlite ?? {}),
      pgAdapterAppendsPerSec: pg('adapterAppendsPerSec'),
      pgRawAppendsPerSec: pg('rawAppendsPerSec'),
      pgAppendRatio: pg('appendRatio'),
      pgAdapterReadEventsPerSec: pg('adapterReadEventsPerSec'),
      pgRawReadEventsPerSec: pg('rawReadEventsPerSec'),
      pgReadRatio: pg('readRatio'),
    }),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
