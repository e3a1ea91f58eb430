/**
 * Where the resident memory of the api goes once its in-memory read models hold a log:
 * `node --expose-gc dist/apps/bench/src/memory-breakdown.js <sqlite log>` (the log is opened
 * read-only in effect: nothing is appended; the checkpoints are in memory).
 *
 * It builds the read side exactly as ReadModelsModule does for READ_STORE=memory
 * (ReadModelsService over a MemoryReadStore, a MemoryCheckpointStore and a ProcessorRunner),
 * replays the log through it (rebuild(): the same ReadModelsProjection.apply per event as the
 * live catch-up at start), then frees one part at a time, collecting garbage after each, and
 * prints how much heap each part held (its retained size): the projection's fold cache, then each
 * collection of the read store. Also the documents per collection and the average size of one.
 */
import { performance } from 'node:perf_hooks';
import { ProcessorRunner } from '@app/event-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { MemoryCheckpointStore } from '@app/read-models/memory-checkpoint-store';
import { COLLECTIONS, TrailDocument } from '@app/read-models/projections/read-models.projection';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { MemoryReadStore } from '@app/read-models/store/memory-read-store';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1).padStart(7)} MB`;

const settledHeap = (): NodeJS.MemoryUsage => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage();
};

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: memory-breakdown.js <sqlite log>');
  const db = openSqliteDatabase({ path, durability: 'normal' });
  const events = new SqliteEventStore(db, { ownsDatabase: true });
  const quiet = { log: () => undefined, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
  const checkpoints = new MemoryCheckpointStore();
  const runner = new ProcessorRunner(events, checkpoints, { logger: quiet });
  const store = new MemoryReadStore();
  const service = new ReadModelsService(events, store, checkpoints, runner, () => new MemoryReadStore());

  const before = settledHeap();
  console.log(`before: rss ${mb(before.rss)}, heap used ${mb(before.heapUsed)}`);
  const started = performance.now();
  const rebuilt = await service.rebuild();
  const after = settledHeap();
  const afterRss = process.memoryUsage().rss;
  console.log(
    `after replaying ${rebuilt.events.toLocaleString('en-US')} events in ${((performance.now() - started) / 1_000).toFixed(1)} s: ` +
      `rss ${mb(afterRss)}, heap used ${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed).trim()}), heap total ${mb(after.heapTotal)}, ` +
      `external ${mb(after.external)}`,
  );

  const current = service.store;
  const trail = current.collection<TrailDocument>(COLLECTIONS.trail);
  const trailDocs = await trail.find({});
  const trailEntries = trailDocs.reduce((n, d) => n + d.entries.length, 0);
  console.log(`trail: ${trailDocs.length.toLocaleString('en-US')} flows, ${trailEntries.toLocaleString('en-US')} entries`);
  trailDocs.length = 0;

  // The projection's bounded cache of folded states (private; reached for measurement only).
  const projection = (service as unknown as { projection: { reset(): void; folds?: { recent?: Map<string, unknown>; older?: Map<string, unknown> } } })
    .projection;
  const maps = [projection.folds?.recent, projection.folds?.older].filter((m): m is Map<string, unknown> => m instanceof Map);
  const foldsOf = (category: string) => ({
    name: `projection fold cache: ${category} streams`,
    count: async () => maps.flatMap((map) => [...map.keys()]).filter((k) => k.startsWith(`${category}-`)).length,
    free: () => {
      for (const map of maps) for (const k of [...map.keys()]) if (k.startsWith(`${category}-`)) map.delete(k);
    },
  });
  const parts: { name: string; free: () => Promise<void> | void; count?: () => Promise<number> }[] = [
    // By stream category when the cache is the generational one it is today; else all at once.
    ...(maps.length === 2 ? ['bin', 'order', 'po', 'account'].map(foldsOf) : []),
    { name: 'projection fold cache (the rest)', free: () => projection.reset() },
    ...Object.values(COLLECTIONS).map((name) => ({
      name: `collection ${name}`,
      count: () => current.collection(name).countDocuments({}),
      free: () => (current.collection(name) as unknown as { clear(): void }).clear(),
    })),
  ];
  let last = after.heapUsed;
  let freed = 0;
  console.log('retained heap, freed one part after the other:');
  for (const part of parts) {
    const count = part.count ? await part.count() : undefined;
    await part.free();
    const now = settledHeap().heapUsed;
    const size = last - now;
    freed += size;
    console.log(
      `  ${part.name.padEnd(46)} ${mb(size)}` +
        (count ? `  ${count.toLocaleString('en-US').padStart(9)} entries, ${(size / count).toFixed(0).padStart(6)} B each` : ''),
    );
    last = now;
  }
  console.log(`  ${'sum'.padEnd(46)} ${mb(freed)} of ${mb(after.heapUsed - before.heapUsed).trim()} the replay added`);
  await service.stop();
  await events.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
