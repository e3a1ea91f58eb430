import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store';
import { describeEventStoreContract } from '../src/testing/event-store.contract';

describeEventStoreContract('SQLite in memory', async () => {
  const store = new SqliteEventStore(openSqliteDatabase({ path: ':memory:' }));
  return { store, dispose: () => store.close() };
});

describeEventStoreContract('SQLite file (WAL, full durability)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'events-'));
  const path = join(dir, 'events.sqlite');
  const open = () => new SqliteEventStore(openSqliteDatabase({ path }), { pollIntervalMs: 20 });
  const store = open();
  return {
    store,
    reopen: async () => open(),
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
