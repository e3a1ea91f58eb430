/**
 * Writes a realistic SQLite event log of at least N events for the resident-memory measurement of
 * service.bench.ts: `node dist/apps/bench/src/generate-log.js <sqlite path> <events>`.
 *
 * The workload (libs/application/bench/workload.ts, shared with bench:rebuild): every event is decided by the real
 * deciders through the REAL write side (the services for the clients' commands, and the fulfilment
 * process manager's own steps, fed from the log in order, after each of them), carries the real
 * metadata and passes its aggregate's zod schema. Nothing is appended by hand. For speed only, appends run inside large explicit SQLite transactions at
 * durability `normal`. The workload is deterministic (fixed-seed PRNG): 4 sellers, 3 vendors,
 * 300 SKUs, 4 extra bins per account, orders of 1-4 lines, approvals, assignment rounds,
 * backorders (PO, vendor order, handover, GRN, reserved assignment), handovers, cancellations.
 *
 * Because the generator itself takes the process manager's steps, its checkpoint is then
 * set to the head of the log, as they stand in a service that wrote this log and stopped: a
 * restarted service rebuilds its in-memory read models from the first event (what is measured)
 * and its sagas carry on from where they were.
 *
 * Last stdout line: {"events", "orders", "purchaseOrders", "seconds", "fileMb"}.
 */
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Workload } from '../../../libs/application/bench/workload';
import { SAGAS } from '@app/application/application.module';
import { SqliteCheckpointStore } from '@app/event-store/checkpoints/sqlite-checkpoint-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';

const SAGA_NAMES = SAGAS.map((saga) => saga.name);

async function main(): Promise<void> {
  const [path, eventsText] = process.argv.slice(2);
  const target = Number(eventsText);
  if (!path || !Number.isInteger(target) || target < 1) throw new Error('usage: generate-log.js <sqlite path> <events>');
  const started = performance.now();
  const db = openSqliteDatabase({ path, durability: 'normal' });
  const store = new SqliteEventStore(db, { ownsDatabase: true });
  try {
    const workload = new Workload(db, store);
    let lastReport = performance.now();
    const generated = await workload.run(target, (head) => {
      if (performance.now() - lastReport < 10_000) return;
      lastReport = performance.now();
      console.log(`generating: ${head.toLocaleString('en-US')} events after ${((performance.now() - started) / 1_000).toFixed(0)} s`);
    });
    const head = (await store.headPosition()) ?? 0n;
    const checkpoints = new SqliteCheckpointStore(db);
    for (const name of SAGA_NAMES) {
      await checkpoints.reset(name);
      await checkpoints.store(name, head, undefined);
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const seconds = (performance.now() - started) / 1_000;
    console.log(
      `generated ${generated.events.toLocaleString('en-US')} events (${generated.orders.toLocaleString('en-US')} orders incl. vendor orders, ` +
        `${generated.purchaseOrders.toLocaleString('en-US')} POs) in ${seconds.toFixed(1)} s; saga checkpoints ${SAGA_NAMES.join(', ')} set to ${head}`,
    );
    const fileMb = statSync(path).size / 1024 / 1024;
    console.log(JSON.stringify({ events: generated.events, orders: generated.orders, purchaseOrders: generated.purchaseOrders, seconds, fileMb }));
  } finally {
    await store.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
