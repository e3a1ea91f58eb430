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
 * Human-readable lines first; the LAST line is one JSON object with the headline numbers.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EventToAppend, ExpectedRevision, NO_STREAM } from '../src/event-store.port';
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
// Driver

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const perSec = (count: number, ms: number): number => count / (ms / 1_000);
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number): number => Math.round((a / b) * 1_000) / 1_000;

const describe = (label: string, events: number, r: SideResult): string =>
  `${label.padEnd(8)} append ${r.appendMs.toFixed(0).padStart(7)} ms (${fmt(perSec(events, r.appendMs)).padStart(9)}/s)` +
  `  readAll ${r.readAllMs.toFixed(1).padStart(7)} ms  readStream x${STREAMS} ${r.readStreamsMs.toFixed(1).padStart(7)} ms` +
  `  read ${fmt(perSec(r.eventsRead, r.readAllMs + r.readStreamsMs)).padStart(9)} ev/s`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const workload = buildWorkload(EVENTS, STREAMS, 0x5eed);
    const warmup = buildWorkload(WARMUP_EVENTS, WARMUP_STREAMS, 0xbeef);
    const sample = workload[0]!.event;
    const dataBytes = Buffer.byteLength(JSON.stringify(sample.data));
    const metadataBytes = Buffer.byteLength(JSON.stringify(sample.metadata));

    console.log('Event store benchmark: SqliteEventStore (adapter) vs raw better-sqlite3 (baseline)');
    console.log(
      `  durability=${DURABILITY} (WAL, synchronous=${DURABILITY.toUpperCase()})  events=${EVENTS}  streams=${STREAMS}` +
        `  rounds=${ROUNDS}  readAll batch=${READ_BATCH}`,
    );
    console.log(`  payload: data ~${dataBytes} B + metadata ~${metadataBytes} B JSON; one event per append, round-robin streams`);
    console.log(`  temp dir: ${dir}`);
    console.log(`  warm-up: ${WARMUP_EVENTS} events / ${WARMUP_STREAMS} streams each side (not measured)`);

    await runAdapter(dir, 'warmup-adapter', warmup);
    await runRaw(dir, 'warmup-raw', warmup);

    const adapter: SideResult[] = [];
    const raw: SideResult[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const adapterFirst = round % 2 === 1;
      const order = adapterFirst ? (['adapter', 'raw'] as const) : (['raw', 'adapter'] as const);
      for (const side of order) {
        // Each side of each round on its own fresh file.
        if (side === 'adapter') adapter.push(await runAdapter(dir, `round${round}-adapter`, workload));
        else raw.push(await runRaw(dir, `round${round}-raw`, workload));
      }
      console.log(`round ${round} (${order.join(' then ')}):`);
      console.log(`  ${describe('adapter', EVENTS, adapter[round - 1]!)}`);
      console.log(`  ${describe('raw', EVENTS, raw[round - 1]!)}`);
    }

    const appendRate = (rs: SideResult[]) => median(rs.map((r) => perSec(EVENTS, r.appendMs)));
    const readRate = (rs: SideResult[]) => median(rs.map((r) => perSec(r.eventsRead, r.readAllMs + r.readStreamsMs)));
    const summary = {
      adapterAppendsPerSec: Math.round(appendRate(adapter)),
      rawAppendsPerSec: Math.round(appendRate(raw)),
      appendRatio: 0,
      adapterReadEventsPerSec: Math.round(readRate(adapter)),
      rawReadEventsPerSec: Math.round(readRate(raw)),
      readRatio: 0,
    };
    summary.appendRatio = ratio(appendRate(adapter), appendRate(raw));
    summary.readRatio = ratio(readRate(adapter), readRate(raw));

    console.log(`median over ${ROUNDS} round(s):`);
    console.log(
      `  appends/s   adapter ${fmt(summary.adapterAppendsPerSec)}  raw ${fmt(summary.rawAppendsPerSec)}  ratio ${summary.appendRatio}`,
    );
    console.log(
      `  read ev/s   adapter ${fmt(summary.adapterReadEventsPerSec)}  raw ${fmt(summary.rawReadEventsPerSec)}  ratio ${summary.readRatio}` +
        '  (readAll + readStream of every stream)',
    );
    console.log(JSON.stringify(summary));
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
