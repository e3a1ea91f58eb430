/**
 * Child process for the processor crash test: runs one processor over a SQLite log that writes
 * "stream revision" per handled event to a file, and exits once it has finished the whole log.
 * Usage: node processor-crash.fixture.js <sqlite path> <record file>
 * With FAULT_CRASH_AT=processor:recorder:handled#N it is killed between handling event N and
 * storing its checkpoint.
 */
import { appendFileSync } from 'node:fs';
import { SqliteCheckpointStore } from '../checkpoints/sqlite-checkpoint-store';
import { ProcessorRunner } from '../processors/processor-runner';
import { openSqliteDatabase } from '../sqlite/sqlite-database';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';

const main = async (): Promise<void> => {
  const [path, recordFile] = process.argv.slice(2);
  if (!path || !recordFile) throw new Error('usage: processor-crash.fixture <sqlite path> <record file>');
  const db = openSqliteDatabase({ path });
  const store = new SqliteEventStore(db, { ownsDatabase: false, pollIntervalMs: 10 });
  const checkpoints = new SqliteCheckpointStore(db);
  const head = await store.headPosition();
  const runner = new ProcessorRunner(store, checkpoints);
  const recorder = runner.start({
    name: 'recorder',
    handle: async (event) => {
      appendFileSync(recordFile, `${event.streamName} ${event.revision}\n`);
    },
  });
  await new Promise<void>((resolve) => {
    const check = () => {
      const { checkpoint } = recorder.status();
      if (head === undefined || (checkpoint !== undefined && checkpoint >= head)) resolve();
    };
    recorder.onProgress(check);
    check();
  });
  await runner.stopAll();
  await store.close();
  db.close();
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
