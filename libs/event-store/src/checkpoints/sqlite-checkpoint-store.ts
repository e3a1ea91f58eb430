/**
 * Checkpoints of the embedded default, in the SQLite file beside the events, written through the
 * connection's group commit. They are not durable writes: a batch holding only checkpoints commits
 * without an fsync (a checkpoint lost to a power cut only makes a processor handle a few events
 * again, which every handler tolerates), and one holding appends carries them for free. Being on
 * the events' connection keeps them from looking like another process's writes.
 */
import { SqliteCommitQueue } from '../sqlite/sqlite-commit-queue';
import { SqliteDatabase } from '../sqlite/sqlite-database';
import { CheckpointConflictError, CheckpointStore } from './checkpoint-store.port';

export class SqliteCheckpointStore implements CheckpointStore {
  private readonly select;
  private readonly insert;
  private readonly update;
  private readonly remove;
  private readonly commits: SqliteCommitQueue;

  constructor(db: SqliteDatabase) {
    this.commits = SqliteCommitQueue.of(db);
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
    await this.commits.run(
      () => {
        const now = Date.now();
        const changes =
          expected === undefined
            ? this.insert.run(processorName, position.toString(), now).changes
            : this.update.run(position.toString(), now, processorName, expected.toString()).changes;
        if (changes !== 1) throw new CheckpointConflictError(processorName, expected);
      },
      // A single statement: when it changed nothing, nothing was written.
      { durable: false, failsCleanly: (error) => error instanceof CheckpointConflictError },
    );
  }

  async reset(processorName: string): Promise<void> {
    await this.commits.run(() => this.remove.run(processorName), { durable: true });
  }
}
