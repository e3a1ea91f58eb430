import { SqliteCheckpointStore } from '../src/checkpoints/sqlite-checkpoint-store';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database';
import { describeCheckpointStoreContract } from '../src/testing/checkpoint-store.contract';

describeCheckpointStoreContract('SQLite', async () => {
  const db = openSqliteDatabase({ path: ':memory:' });
  return { store: new SqliteCheckpointStore(db), dispose: async () => void db.close() };
});
