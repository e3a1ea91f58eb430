/**
 * Group commit for one SQLite connection: the writes asked for during one turn of the event loop
 * run together in one IMMEDIATE transaction and are committed (fsynced, at `full`) once. A write
 * that throws fails alone and its caller gets the error; the others commit. A write that fails
 * cleanly (its options say which errors mean it wrote nothing: a revision check, a checkpoint's
 * compare-and-set) costs nothing more; any other error may have left part of the write behind, so
 * the whole transaction is rolled back and run again without it. Every caller's promise settles
 * only after the commit, so an append is as durable when it resolves as it was with a transaction
 * of its own. (A savepoint per write did the same, at two more statements per write.)
 *
 * Writes that need no durability (processor checkpoints: a lost one only replays idempotent work)
 * say so; a batch made only of those commits without an fsync.
 */
import { SqliteDatabase } from './sqlite-database';

interface Write<T> {
  readonly work: () => T;
  readonly durable: boolean;
  readonly failsCleanly: ((error: unknown) => boolean) | undefined;
  readonly committed: ((result: T) => void) | undefined;
  readonly resolve: (result: T) => void;
  readonly reject: (error: unknown) => void;
  outcome?: { ok: true; result: T } | { ok: false; error: unknown };
}

export interface WriteOptions<T> {
  /** Whether the commit must reach the disk (fsync at `full`) before the caller hears of it. */
  readonly durable: boolean;
  /** Runs after the commit, before any caller's promise settles, in the order writes were asked. */
  readonly committed?: (result: T) => void;
  /** Whether an error the work throws means it wrote nothing (then the rest of the batch goes on as it is). */
  readonly failsCleanly?: (error: unknown) => boolean;
}

/** A write failed after it may have written: the batch's transaction is rolled back and run again without it. */
class FailedMidWrite extends Error {
  constructor(
    readonly write: Write<unknown>,
    override readonly cause: unknown,
  ) {
    super('A write failed after it may have written part of itself');
  }
}

const queues = new WeakMap<SqliteDatabase, SqliteCommitQueue>();

export class SqliteCommitQueue {
  private pending: Write<unknown>[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  /** The connection's `synchronous` level (2 FULL, 1 NORMAL); a batch of non-durable writes drops to NORMAL. */
  private readonly synchronous: number;
  private readonly batch;
  private readonly batches = { count: 0, writes: 0 };

  /** The one queue of a connection: every writer on it must share it to share its transactions. */
  static of(db: SqliteDatabase): SqliteCommitQueue {
    let queue = queues.get(db);
    if (!queue) {
      queue = new SqliteCommitQueue(db);
      queues.set(db, queue);
    }
    return queue;
  }

  private constructor(private readonly db: SqliteDatabase) {
    this.synchronous = Number(db.pragma('synchronous', { simple: true }));
    this.batch = db.transaction((writes: Write<unknown>[]) => {
      for (const write of writes) {
        try {
          write.outcome = { ok: true, result: write.work() };
        } catch (error) {
          if (!write.failsCleanly?.(error)) throw new FailedMidWrite(write, error);
          write.outcome = { ok: false, error };
        }
      }
    });
  }

  run<T>(work: () => T, options: WriteOptions<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        work,
        durable: options.durable,
        failsCleanly: options.failsCleanly,
        committed: options.committed,
        resolve,
        reject,
      } as Write<unknown>);
      this.scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now, synchronously (before closing the connection). */
  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const writes = this.pending;
    if (writes.length === 0) return;
    this.pending = [];
    const relaxed = this.synchronous > 1 && !writes.some((write) => write.durable);
    let remaining = writes;
    try {
      if (relaxed) this.db.pragma('synchronous = NORMAL');
      for (;;) {
        try {
          this.batch.immediate(remaining);
          break;
        } catch (error) {
          if (!(error instanceof FailedMidWrite)) throw error;
          // Rolled back: that write fails alone, the others run again from the start.
          error.write.outcome = { ok: false, error: error.cause };
          remaining = remaining.filter((write) => write !== error.write);
          for (const write of remaining) delete write.outcome;
        }
      }
    } catch (error) {
      // Nothing of the batch was committed (BEGIN or COMMIT failed): every write not failed yet failed.
      for (const write of remaining) write.reject(error);
      for (const write of writes) if (!remaining.includes(write)) write.reject((write.outcome as { error: unknown }).error);
      return;
    } finally {
      if (relaxed && this.db.open) this.db.pragma(`synchronous = ${this.synchronous}`);
    }
    this.batches.count += 1;
    this.batches.writes += writes.length;
    for (const write of writes) {
      if (write.outcome?.ok) write.committed?.(write.outcome.result);
    }
    for (const write of writes) {
      const outcome = write.outcome!;
      if (outcome.ok) write.resolve(outcome.result);
      else write.reject(outcome.error);
    }
  }

  /** Commits so far and the writes they held (for benchmarks and tests). */
  stats(): { readonly batches: number; readonly writes: number } {
    return { batches: this.batches.count, writes: this.batches.writes };
  }
}
