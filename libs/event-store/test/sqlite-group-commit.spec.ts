import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyConflictError, NO_STREAM } from '../src/event-store.port';
import { SqliteCheckpointStore } from '../src/checkpoints/sqlite-checkpoint-store';
import { SqliteCommitQueue } from '../src/sqlite/sqlite-commit-queue';
import { openSqliteDatabase, SqliteDatabase } from '../src/sqlite/sqlite-database';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store';

const event = (type: string) => ({ id: randomUUID(), type, data: { type } });

describe('SQLite group commit', () => {
  let dir: string;
  let path: string;
  let db: SqliteDatabase;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
    path = join(dir, 'events.sqlite');
    db = openSqliteDatabase({ path });
    store = new SqliteEventStore(db, { ownsDatabase: true });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const countRows = (): number => {
    const reader = openSqliteDatabase({ path });
    try {
      return Number(reader.prepare('SELECT COUNT(*) FROM events').pluck().get());
    } finally {
      reader.close();
    }
  };

  it('commits the appends asked for in one turn of the event loop once, in the order asked', async () => {
    const queue = SqliteCommitQueue.of(db);
    const before = queue.stats();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(`s-${i}`, [event('A'), event('B')], { expectedRevision: NO_STREAM })));
    const after = queue.stats();
    expect(after.batches - before.batches).toBe(1);
    expect(after.writes - before.writes).toBe(20);
    expect(results.map((r) => r.position)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(2 * i + 2)));
    expect(countRows()).toBe(40);
  });

  it('rolls back only the append whose revision check fails; the rest of the batch commits', async () => {
    await store.append('hot', [event('A')], { expectedRevision: NO_STREAM });
    const outcomes = await Promise.allSettled([
      store.append('hot', [event('B')], { expectedRevision: 0n }),
      store.append('hot', [event('C'), event('D')], { expectedRevision: 0n }), // sees B: conflict
      store.append('cold', [event('E')], { expectedRevision: NO_STREAM }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyConflictError);
    expect((await store.readStream('hot')).map((e) => e.type)).toEqual(['A', 'B']);
    expect((await store.readStream('cold')).map((e) => e.type)).toEqual(['E']);
    // Positions stay contiguous: the rolled-back insert left no hole.
    const all = await store.readAll();
    expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n]);
  });

  it('rolls back and fails alone an append that breaks after writing part of itself; the batch runs again without it', async () => {
    const taken = event('Taken');
    await store.append('other', [taken], { expectedRevision: NO_STREAM });
    const outcomes = await Promise.allSettled([
      store.append('before', [event('A')], { expectedRevision: NO_STREAM }),
      // Its first event inserts, its second reuses an event id of another stream: UNIQUE fails mid-append.
      store.append('broken', [event('B1'), { ...event('B2'), id: taken.id }], { expectedRevision: NO_STREAM }),
      store.append('after', [event('C')], { expectedRevision: NO_STREAM }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(await store.readStream('broken')).toEqual([]);
    const all = await store.readAll();
    expect(all.map((e) => [e.streamName, e.position])).toEqual([
      ['other', 1n],
      ['before', 2n],
      ['after', 3n],
    ]);
  });

  it('fails every write of a batch that cannot commit, and writes none of it', async () => {
    const other = openSqliteDatabase({ path });
    other.pragma('busy_timeout = 0');
    db.pragma('busy_timeout = 50');
    other.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    try {
      const outcomes = await Promise.allSettled([
        store.append('a', [event('A')], { expectedRevision: NO_STREAM }),
        store.append('b', [event('B')], { expectedRevision: NO_STREAM }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
      expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/busy|locked/i);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(countRows()).toBe(0);
    // The flow goes on once the lock is free.
    await store.append('a', [event('A')], { expectedRevision: NO_STREAM });
    expect(countRows()).toBe(1);
  });

  it('settles no append before its commit: subscribers and callers see committed events only', async () => {
    const subscription = store.subscribe();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of subscription) {
        seen.push(e.streamName);
        if (seen.length === 3) break;
      }
    })();
    const appends = [store.append('x', [event('A')], { expectedRevision: NO_STREAM }), store.append('y', [event('B'), event('C')], { expectedRevision: NO_STREAM })];
    // Queued, not yet committed: another connection sees nothing.
    expect(countRows()).toBe(0);
    await Promise.all(appends);
    expect(countRows()).toBe(3);
    await reading;
    await subscription.close();
    expect(seen).toEqual(['x', 'y', 'y']);
  });

  it('carries checkpoints in the same commit as appends, and commits a batch of checkpoints alone without raising durability for later appends', async () => {
    const checkpoints = new SqliteCheckpointStore(db);
    const queue = SqliteCommitQueue.of(db);
    const before = queue.stats();
    await Promise.all([
      store.append('s', [event('A')], { expectedRevision: NO_STREAM }),
      checkpoints.store('p1', 1n, undefined),
      checkpoints.store('p2', 1n, undefined),
    ]);
    expect(queue.stats().batches - before.batches).toBe(1);
    await checkpoints.store('p1', 2n, 1n);
    // A batch of non-durable writes commits at NORMAL (no fsync); one with a durable write at FULL; after either, FULL.
    const level = () => db.pragma('synchronous', { simple: true });
    expect(await queue.run(level, { durable: false })).toBe(1n);
    expect(await Promise.all([queue.run(level, { durable: false }), queue.run(level, { durable: true })])).toEqual([2n, 2n]);
    expect(level()).toBe(2n);
    expect(await checkpoints.load('p1')).toBe(2n);
    // A compare-and-set failure rejects that write alone.
    const outcomes = await Promise.allSettled([checkpoints.store('p2', 5n, 9n), store.append('s', [event('B')], { expectedRevision: 0n })]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'fulfilled']);
    expect(await checkpoints.load('p2')).toBe(1n);
  });

  it('commits what is still queued when the store closes', async () => {
    const pending = store.append('late', [event('A')], { expectedRevision: NO_STREAM });
    await store.close();
    await expect(pending).resolves.toEqual({ nextExpectedRevision: 0n, position: 1n });
    expect(countRows()).toBe(1);
  });

  it('reports writes by another connection through the outside-write mark, and not its own', async () => {
    const mark = store.outsideWriteMark();
    await store.append('mine', [event('A')], { expectedRevision: NO_STREAM });
    expect(store.outsideWriteMark()).toBe(mark);
    const other = new SqliteEventStore(openSqliteDatabase({ path }));
    await other.append('theirs', [event('B')], { expectedRevision: NO_STREAM });
    await other.close();
    expect(store.outsideWriteMark()).not.toBe(mark);
  });
});
