/** Checkpoints of the embedded default, in the SQLite file beside the events. */
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointConflictError, CheckpointStore } from './checkpoint-store.port';

export class SqliteCheckpointStore implements CheckpointStore {
  private readonly select;
  private readonly insert;
  private readonly update;
  private readonly remove;

  constructor(db: SqliteDatabase) {
    this.select = db.prepare<[string], { position: string }>('SELECT position FROM checkpoints WHERE processor = ?');
    this.insert = db.prepare(
      'INSERT INTO checkpoints (processor, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (processor) DO NOTHING',
    );
    this.update = db.prepare('UPDATE checkpoints SET position = ?, updated_at = ? WHERE processor = ? AND position = ?');
    this.remove = db.prepare('DELETE FROM checkpoints WHERE processor = ?');
  }

  async load(processorName: string): Promise<bigint | undefined> {
    const row = this.select.get(processorName);
    return row ? BigInt(row.position) : undefined;
  }

  async store(processorName: string, position: bigint, expected: bigint | undefined): Promise<void> {
    const now = Date.now();
    const changes =
      expected === undefined
        ? this.insert.run(processorName, position.toString(), now).changes
        : this.update.run(position.toString(), now, processorName, expected.toString()).changes;
    if (changes !== 1) throw new CheckpointConflictError(processorName, expected);
  }

  async reset(processorName: string): Promise<void> {
    this.remove.run(processorName);
  }
}
