/**
 * `npm run bench:rebuild`: how fast `ReadModelsService.rebuild()` replays a realistic SQLite log into
 * the in-memory read store, against the floor a rebuild cannot beat (read + parse every event).
 *
 * Generation (not measured; its time is printed separately). A SQLite log in a temp dir
 * (durability `normal`) filled to at least BENCH_EVENTS (default 200000) events by driving the REAL
 * write side: `AccountsService`, `InventoryService`, `OrdersService`, `PurchaseOrdersService` and,
 * for the two steps no service offers (linking a PO to its order / a vendor order to its PO,
 * recording why a quantity is pending, cancelling a PO), `CommandPath.handle` with the domain's own
 * commands. So every event is decided by the real deciders, carries the real metadata and ids, and
 * passes its aggregate's zod schema; revisions are whatever the command path appended. No event is
 * appended by hand. For speed only, the appends run inside large explicit SQLite transactions
 * (`BEGIN` ... `COMMIT` every GEN_COMMIT_EVERY orders; the adapter's own per-append transaction
 * becomes a savepoint inside it). The workload is deterministic (fixed-seed PRNG):
 * - 4 sellers and 3 vendors (AccountOpened), settings changes, 4 extra bins per account
 *   (BinAdded), ~85% of 300 SKUs per seller mapped to a vendor (VendorMapped), a few unmapped /
 *   remapped; one seller requires order approval.
 * - Opening stock in the Default Bin and some extra bins of every account, then replenishment
 *   (StockAdjusted, positive and occasionally negative) as orders go on.
 * - Orders of 1-4 lines with popular and rare SKUs (OrderPlaced, then an assignment round:
 *   StockAssigned in each bin that gives stock + InventoryAssigned / InventoryAssignmentCompleted
 *   in the order); approvals for the approving seller; later re-assignment rounds for some pending
 *   orders (InventoryAssignmentRequested).
 * - Backorders: for an order left short, a PO per mapped vendor (PurchaseOrderCreated +
 *   PurchaseOrderLinked), a vendor order placed in the vendor's account for it (OrderPlaced with
 *   source, its own assignment round) and VendorOrderLinked, or VendorOrderRefused; unmapped SKUs
 *   get PendingReasonRecorded. Later the vendor hands over (OrderHandedOver + StockHandedOver) and
 *   the seller receives a GRN on the PO (GoodsReceived, GoodsInwarded reserved for the order, and
 *   a GRN round assigning from the reserved goods).
 * - Handovers (full and partial) of ~60% of orders, some of them long after placement (so the
 *   projection's bounded fold cache also misses, as it does on a real log); cancellations of ~7%
 *   (OrderCancelled + StockReleased, PurchaseOrderCancelled for their POs without GRNs).
 *
 * Measured (after generation, on a freshly opened SqliteEventStore over the same file):
 * - rebuild: `ReadModelsService.rebuild()`, constructed exactly as ReadModelsModule does for
 *   memory; one warm-up rebuild (not measured), then BENCH_ROUNDS (default 3) measured rebuilds.
 *   Reported: best and median; the headline is the median.
 * - baseline: `readAll` in batches of 2000 + `parseRecordedEvent` (the aggregate's zod schema, as
 *   the projection does) of every event, nothing else. One warm-up, then one run before each
 *   measured rebuild (interleaved); median reported.
 *
 * Human-readable lines first; the LAST line is one JSON object: {"events", "seconds",
 * "eventsPerSec", ...} for the median rebuild, then extra keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Generated, SELLERS, VENDORS, Workload } from '../../application/bench/workload';
import { AccountAggregate, Aggregate, BinAggregate, OrderAggregate, parseRecordedEvent, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { parseStreamName } from '@app/domain/shared/streams';
import { EventStore, ProcessorRunner } from '@app/event-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { MemoryCheckpointStore } from '../src/memory-checkpoint-store';
import { COLLECTIONS } from '../src/projections/read-models.projection';
import { ReadModelsService } from '../src/read-models.service';
import { MemoryReadStore } from '../src/store/memory-read-store';

// ---------------------------------------------------------------------------------------------
// Configuration

const intFromEnv = (name: string, fallback: number, min: number): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got "${text}"`);
  return value;
};

const EVENTS = intFromEnv('BENCH_EVENTS', 200_000, 1);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 3, 1);
const READ_BATCH = 2_000;

// ---------------------------------------------------------------------------------------------
// Measurements

const AGGREGATES: Record<string, Aggregate<unknown, unknown, { type: string; data: unknown }>> = {
  account: AccountAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
  bin: BinAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
  order: OrderAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
  po: PurchaseOrderAggregate as unknown as Aggregate<unknown, unknown, { type: string; data: unknown }>,
};

/** The floor: read every event in batches of 2000 and parse it with its aggregate's schema. */
const baseline = async (events: EventStore): Promise<{ events: number; ms: number }> => {
  const started = performance.now();
  let count = 0;
  let last: bigint | undefined;
  for (;;) {
    const batch = await events.readAll({ ...(last === undefined ? {} : { after: last }), maxCount: READ_BATCH });
    if (batch.length === 0) break;
    for (const event of batch) {
      const stream = parseStreamName(event.streamName);
      if (stream) parseRecordedEvent(AGGREGATES[stream.category]!, event);
      last = event.position;
      count++;
    }
  }
  return { events: count, ms: performance.now() - started };
};

const rebuildOnce = async (service: ReadModelsService): Promise<{ events: number; ms: number; reportedMs: number }> => {
  const started = performance.now();
  const result = await service.rebuild();
  return { events: result.events, ms: performance.now() - started, reportedMs: result.durationMs };
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
const round3 = (n: number): number => Math.round(n * 1_000) / 1_000;

const check = (condition: boolean, message: string): void => {
  if (!condition) throw new Error(`Benchmark sanity check failed: ${message}`);
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-bench-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const path = join(dir, 'events.db');

  try {
    console.log('Read-model rebuild benchmark: ReadModelsService.rebuild() from SQLite into MemoryReadStore');
    console.log(`  target events=${EVENTS}  measured rounds=${ROUNDS}  readAll batch=${READ_BATCH}  temp dir: ${dir}`);

    // ---- generation (not measured)
    const genStarted = performance.now();
    let generated: Generated;
    {
      const db = openSqliteDatabase({ path, durability: 'normal' });
      const store = new SqliteEventStore(db, { ownsDatabase: true });
      try {
        generated = await new Workload(db, store).run(EVENTS);
      } finally {
        await store.close();
      }
    }
    const genSeconds = (performance.now() - genStarted) / 1_000;
    console.log(
      `generation: ${fmt(generated.events)} events in ${genSeconds.toFixed(1)} s through the real services ` +
        `(${fmt(generated.orders)} orders incl. vendor orders, ${fmt(generated.purchaseOrders)} POs) - not measured`,
    );
    const total = generated.events;
    console.log(`  event mix: ${generated.byType.map(({ type, count }) => `${type} ${(100 * count / total).toFixed(1)}%`).join(', ')}`);

    // ---- measurements on a freshly opened store over the same file
    const db = openSqliteDatabase({ path, durability: 'normal' });
    const events = new SqliteEventStore(db, { ownsDatabase: true });
    try {
      const quiet = { log: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
      const checkpoints = new MemoryCheckpointStore();
      const runner = new ProcessorRunner(events, checkpoints, { logger: quiet });
      // As ReadModelsModule builds it for READ_STORE=memory.
      const service = new ReadModelsService(events, new MemoryReadStore(), checkpoints, runner, () => new MemoryReadStore());

      const warmBaseline = await baseline(events);
      check(warmBaseline.events === total, `baseline read ${warmBaseline.events} of ${total} events`);
      const warm = await rebuildOnce(service);
      check(warm.events === total, `rebuild applied ${warm.events} of ${total} events`);
      console.log(
        `warm-up (not measured): baseline ${(warmBaseline.ms / 1_000).toFixed(3)} s, rebuild ${(warm.ms / 1_000).toFixed(3)} s`,
      );

      const baselines: number[] = [];
      const rebuilds: number[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const b = await baseline(events);
        check(b.events === total, `baseline read ${b.events} of ${total} events`);
        baselines.push(b.ms);
        const r = await rebuildOnce(service);
        check(r.events === total, `rebuild applied ${r.events} of ${total} events`);
        rebuilds.push(r.ms);
        console.log(
          `round ${round}: baseline ${(b.ms / 1_000).toFixed(3)} s (${fmt(perSec(total, b.ms))} ev/s)  ` +
            `rebuild ${(r.ms / 1_000).toFixed(3)} s (${fmt(perSec(total, r.ms))} ev/s; service reported ${r.reportedMs} ms)`,
        );
      }

      // What the last rebuild produced, against what was generated.
      const store = service.store;
      const counts = {
        accounts: await store.collection(COLLECTIONS.accounts).countDocuments({}),
        stock: await store.collection(COLLECTIONS.stock).countDocuments({}),
        orders: await store.collection(COLLECTIONS.orders).countDocuments({}),
        purchaseOrders: await store.collection(COLLECTIONS.purchaseOrders).countDocuments({}),
      };
      check(counts.accounts === SELLERS.length + VENDORS.length, `${counts.accounts} account documents`);
      check(counts.orders === generated.orders, `${counts.orders} order documents, ${generated.orders} orders placed`);
      check(counts.purchaseOrders === generated.purchaseOrders, `${counts.purchaseOrders} PO documents, ${generated.purchaseOrders} created`);
      console.log(
        `read models after rebuild: ${counts.accounts} accounts, ${fmt(counts.stock)} stock rows, ${fmt(counts.orders)} orders, ` +
          `${fmt(counts.purchaseOrders)} purchase orders`,
      );

      const rebuildMedian = median(rebuilds);
      const rebuildBest = Math.min(...rebuilds);
      const baselineMedian = median(baselines);
      console.log(`rebuild over ${ROUNDS} round(s): best ${(rebuildBest / 1_000).toFixed(3)} s (${fmt(perSec(total, rebuildBest))} ev/s), median ${(rebuildMedian / 1_000).toFixed(3)} s (${fmt(perSec(total, rebuildMedian))} ev/s)`);
      console.log(
        `baseline (readAll x${READ_BATCH} + zod parse) median ${(baselineMedian / 1_000).toFixed(3)} s (${fmt(perSec(total, baselineMedian))} ev/s); ` +
          `rebuild/baseline time ratio ${(rebuildMedian / baselineMedian).toFixed(2)}x`,
      );
      console.log(
        JSON.stringify({
          events: total,
          seconds: round3(rebuildMedian / 1_000),
          eventsPerSec: Math.round(perSec(total, rebuildMedian)),
          bestSeconds: round3(rebuildBest / 1_000),
          bestEventsPerSec: Math.round(perSec(total, rebuildBest)),
          baselineSeconds: round3(baselineMedian / 1_000),
          baselineEventsPerSec: Math.round(perSec(total, baselineMedian)),
          rebuildToBaselineRatio: round3(rebuildMedian / baselineMedian),
          generationSeconds: round3(genSeconds),
        }),
      );
    } finally {
      await events.close();
    }
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
