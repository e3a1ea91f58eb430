/**
 * The PostgreSQL adapters against a real server (POSTGRES_TEST_URL), in a database of this file's
 * own, dropped at the end; skipped with one line where no server answers.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server, Socket } from 'node:net';
import { Client, Pool } from 'pg';
import { ANY, ConcurrencyConflictError, EventToAppend, NO_STREAM, RecordedEvent } from '../src/event-store.port';
import { PostgresCheckpointStore } from '../src/postgres/postgres-checkpoint-store';
import { PostgresEventStore, PostgresEventStoreOptions } from '../src/postgres/postgres-event-store';
import { describeCheckpointStoreContract } from '../src/testing/checkpoint-store.contract';
import { describeEventStoreContract, take } from '../src/testing/event-store.contract';
import { createTestDatabase, describeWithPostgres, TestDatabase } from '../src/testing/postgres';

const event = (type: string, data: unknown = { type }): EventToAppend => ({ id: randomUUID(), type, data });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => undefined };

/** Waits until `condition` holds (or fails after `timeoutMs`). */
const until = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(10);
  }
};

describeWithPostgres('PostgreSQL event store', () => {
  let database: TestDatabase;
  const opened: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((store) => store.close()));
  });

  /** A store on a pool of its own (which it owns), its LISTEN connection named for the tests. */
  const openStore = async (schema: string, options: Partial<PostgresEventStoreOptions> = {}) => {
    const pool = new Pool({ connectionString: database.url, max: 5 });
    pool.on('error', () => undefined);
    const listenName = `listen-${randomUUID().slice(0, 8)}`;
    const store = new PostgresEventStore({
      pool,
      listenClient: () => new Client({ connectionString: database.url, application_name: listenName }),
      schema,
      ownsPool: true,
      logger: quiet,
      ...options,
    });
    await store.migrate();
    return { store, pool, listenName };
  };

  /** A plain connection to the test database, closed after the test. */
  const connect = async (): Promise<Client> => {
    const client = new Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    opened.push({ close: () => client.end().catch(() => undefined) });
    return client;
  };

  describeEventStoreContract('PostgreSQL', async () => {
    const { store } = await openStore('contract');
    return {
      store,
      reopen: async () => (await openStore('contract')).store,
      dispose: () => store.close(),
    };
  });

  describeCheckpointStoreContract('PostgreSQL', async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    const store = await PostgresCheckpointStore.open({ pool, schema: 'checkpoints' });
    return { store, dispose: () => pool.end() };
  });

  describeCheckpointStoreContract('PostgreSQL, durable writes', async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    const store = await PostgresCheckpointStore.open({ pool, schema: 'checkpoints', durable: true });
    return { store, dispose: () => pool.end() };
  });

  describe('schema', () => {
    it('is created once when several processes start at once, and migrating again changes nothing', async () => {
      const schema = `race_${randomUUID().slice(0, 8)}`;
      const pools = Array.from({ length: 4 }, () => new Pool({ connectionString: database.url, max: 2 }));
      try {
        await Promise.all(
          pools.flatMap((pool) => [
            new PostgresEventStore({ pool, listenClient: () => new Client(), schema }).migrate(),
            new PostgresCheckpointStore({ pool, schema }).migrate(),
          ]),
        );
        await new PostgresEventStore({ pool: pools[0]!, listenClient: () => new Client(), schema }).migrate();
        const { rows } = await pools[0]!.query(
          `SELECT component, version FROM "${schema}".schema_versions ORDER BY component, version`,
        );
        expect(rows).toEqual([
          { component: 'checkpoints', version: 1 },
          { component: 'events', version: 1 },
        ]);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    });

    it('refuses to append at an isolation level other than READ COMMITTED, loudly', async () => {
      const schema = `iso_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema);
      opened.push(store);
      const pool = new Pool({ connectionString: database.url, max: 1, options: '-c default_transaction_isolation=serializable' });
      const strict = new PostgresEventStore({ pool, ownsPool: true, schema, listenClient: () => new Client(), logger: quiet });
      opened.push(strict);
      await expect(strict.append('s', [event('A')], { expectedRevision: NO_STREAM })).rejects.toThrow(/READ COMMITTED only/);
      expect(await store.readStream('s')).toEqual([]);
    });

    it('keeps logs in different schemas apart', async () => {
      const { store: a } = await openStore('apart_a');
      const { store: b } = await openStore('apart_b');
      opened.push(a, b);
      await a.append('s', [event('A')], { expectedRevision: NO_STREAM });
      expect(await b.readStream('s')).toEqual([]);
      await b.append('s', [event('B')], { expectedRevision: NO_STREAM });
      expect((await a.readStream('s')).map((e) => e.type)).toEqual(['A']);
    });
  });

  describe('late commits', () => {
    it('(control) on this server, a bigserial position drawn first can commit after a higher one', async () => {
      // The hazard the store's lock exists for, shown with raw inserts and no lock.
      const writer1 = await connect();
      const writer2 = await connect();
      const reader = await connect();
      const table = `"race_${randomUUID().slice(0, 8)}"`;
      await writer1.query(`CREATE TABLE ${table} (position bigserial PRIMARY KEY, label text)`);
      await writer1.query('BEGIN');
      await writer1.query(`INSERT INTO ${table} (label) VALUES ('first')`); // draws 1, not committed
      await writer2.query(`INSERT INTO ${table} (label) VALUES ('second')`); // draws 2, commits
      const seen = await reader.query(`SELECT position::int, label FROM ${table} ORDER BY position`);
      expect(seen.rows).toEqual([{ position: 2, label: 'second' }]);
      await writer1.query('COMMIT');
      // A reader that moved its cursor to 2 now skips 'first' for good.
      const after2 = await reader.query(`SELECT label FROM ${table} WHERE position > 2`);
      expect(after2.rows).toEqual([]);
    });

    it('never lets a reader skip an append that drew its position first and commits late', async () => {
      const schema = `late_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema, { pollIntervalMs: 50 });
      opened.push(store);
      await store.append('before', [event('Before')], { expectedRevision: NO_STREAM });
      const head = (await store.headPosition())!;
      const subscription = store.subscribe({ after: head });
      const seen: RecordedEvent[] = [];
      const reading = (async () => {
        for await (const e of subscription) {
          seen.push(e);
          if (seen.length === 2) break;
        }
      })();

      // Another process's append, stopped between drawing its position and committing: the same
      // function the store calls, in a transaction left open.
      const other = await connect();
      const lateId = randomUUID();
      await other.query('BEGIN');
      const drawn = await other.query<{ last_position: string; outcome: string }>(
        `SELECT outcome, last_position::text FROM "${schema}".append_events($1::jsonb)`,
        [JSON.stringify([{ s: 'late', x: 'no_stream', r: null, e: [{ i: lateId, t: 'Late', d: {}, m: {} }] }])],
      );
      expect(drawn.rows[0]!.outcome).toBe('appended');
      const latePosition = BigInt(drawn.rows[0]!.last_position);

      // A later append, through another connection: it cannot commit before the first.
      let laterSettled = false;
      const later = store.append('later', [event('Later')], { expectedRevision: NO_STREAM }).finally(() => (laterSettled = true));
      await sleep(500);
      expect(laterSettled).toBe(false);
      expect(seen).toEqual([]);
      expect(await store.readAll({ after: head })).toEqual([]);
      expect(await store.headPosition()).toBe(head);

      await other.query('COMMIT');
      const laterResult = await later;
      expect(laterResult.position > latePosition).toBe(true);
      await reading;
      await subscription.close();
      expect(seen.map((e) => [e.type, e.position])).toEqual([
        ['Late', latePosition],
        ['Later', laterResult.position],
      ]);
      expect((await store.readAll({ after: head })).map((e) => [e.type, e.position])).toEqual([
        ['Late', latePosition],
        ['Later', laterResult.position],
      ]);
    });

    it('a writer that rolls back after drawing a position only leaves a gap', async () => {
      const schema = `gap_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema, { pollIntervalMs: 50 });
      opened.push(store);
      const other = await connect();
      await other.query('BEGIN');
      await other.query(`SELECT * FROM "${schema}".append_events($1::jsonb)`, [
        JSON.stringify([{ s: 'gone', x: 'any', r: null, e: [{ i: randomUUID(), t: 'Gone', d: {}, m: {} }] }]),
      ]);
      const subscription = store.subscribe();
      const later = store.append('kept', [event('Kept')], { expectedRevision: NO_STREAM });
      await sleep(100);
      await other.query('ROLLBACK');
      const result = await later;
      const got = await take(subscription, 1, 2000);
      await subscription.close();
      expect(got.map((e) => [e.type, e.position])).toEqual([['Kept', result.position]]);
      expect(result.position).toBe(2n); // position 1 was drawn by the rolled-back writer
      expect(await store.readStream('gone')).toEqual([]);
    });

    it('delivers every event of several concurrent writers once, in position order, filtered or not', async () => {
      const schema = `many_${randomUUID().slice(0, 8)}`;
      const { store: reader } = await openStore(schema, { pollIntervalMs: 20, batchSize: 7 });
      const writers = await Promise.all([openStore(schema), openStore(schema), openStore(schema)]);
      opened.push(reader, ...writers.map((w) => w.store));
      const all = reader.subscribe();
      const filtered = reader.subscribe({ filter: { streamPrefixes: ['odd-'] } });
      const perWriter = 40;
      await Promise.all(
        writers.map(async ({ store }, w) => {
          for (let i = 0; i < perWriter; i++) {
            const stream = `${i % 2 ? 'odd' : 'even'}-${w}-${i % 5}`;
            await Promise.all([
              store.append(stream, [event('E', { w, i })], { expectedRevision: ANY }),
              store.append(`${stream}-x`, [event('F', { w, i }), event('G', { w, i })], { expectedRevision: ANY }),
            ]);
          }
        }),
      );
      const total = writers.length * perWriter * 3;
      const log: RecordedEvent[] = [];
      for (let after: bigint | undefined; ; ) {
        const batch = await reader.readAll({ ...(after === undefined ? {} : { after }), maxCount: 50 });
        if (batch.length === 0) break;
        log.push(...batch);
        after = batch[batch.length - 1]!.position;
      }
      expect(log).toHaveLength(total);
      const got = await take(all, total, 10_000);
      expect(got.map((e) => e.id)).toEqual(log.map((e) => e.id));
      const odd = log.filter((e) => e.streamName.startsWith('odd-'));
      const gotOdd = await take(filtered, odd.length, 10_000);
      expect(gotOdd.map((e) => e.id)).toEqual(odd.map((e) => e.id));
      const positions = got.map((e) => e.position);
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
      await Promise.all([all.close(), filtered.close()]);
    });
  });

  describe('subscriptions', () => {
    it('is woken by a NOTIFY from another store well before its poll interval', async () => {
      const schema = `notify_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema, { pollIntervalMs: 10_000 });
      const { store: writer } = await openStore(schema, { pollIntervalMs: 10_000 });
      opened.push(store, writer);
      const subscription = store.subscribe({ filter: { streamPrefixes: ['n-'] } });
      await until(() => store.isListening());
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const next = take(subscription, 1, 5000);
        await writer.append(`n-${i}`, [event('Notified')], { expectedRevision: NO_STREAM });
        const got = await next;
        expect(got.map((e) => e.streamName)).toEqual([`n-${i}`]);
        expect(Date.now() - started).toBeLessThan(1000);
      }
      await subscription.close();
    });

    it('tells a waiter of another process\'s append (nextAppend), not only of its own', async () => {
      const schema = `next_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema, { pollIntervalMs: 10_000 });
      const { store: writer } = await openStore(schema, { pollIntervalMs: 10_000 });
      opened.push(store, writer);
      void store.nextAppend();
      await until(() => store.isListening());
      let woken = false;
      const next = store.nextAppend().then(() => (woken = true));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(woken).toBe(false);
      await writer.append('n-next', [event('Notified')], { expectedRevision: NO_STREAM });
      await Promise.race([next, new Promise((_, reject) => setTimeout(() => reject(new Error('not woken')), 3000))]);
      expect(woken).toBe(true);
    });

    it('goes on after its LISTEN connection is killed: it reconnects and is woken again', async () => {
      const schema = `relisten_${randomUUID().slice(0, 8)}`;
      const { store, listenName } = await openStore(schema, { pollIntervalMs: 10_000 });
      const { store: writer } = await openStore(schema);
      opened.push(store, writer);
      const subscription = store.subscribe();
      await until(() => store.isListening());
      const admin = await connect();
      const killed = await admin.query(
        'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1',
        [listenName],
      );
      expect(killed.rows).toEqual([{ killed: true }]);
      const started = Date.now();
      const next = take(subscription, 1, 8000);
      await writer.append('after-kill', [event('AfterKill')], { expectedRevision: NO_STREAM });
      expect((await next).map((e) => e.streamName)).toEqual(['after-kill']);
      expect(Date.now() - started).toBeLessThan(3000);
      for (let i = 0; i < 100 && !store.isListening(); i++) await sleep(20);
      expect(store.isListening()).toBe(true);
      // And NOTIFY works again on the new connection.
      const again = Date.now();
      const second = take(subscription, 1, 5000);
      await writer.append('after-reconnect', [event('Again')], { expectedRevision: NO_STREAM });
      expect((await second).map((e) => e.streamName)).toEqual(['after-reconnect']);
      expect(Date.now() - again).toBeLessThan(1000);
      await subscription.close();
    });

    it('moves a filtered subscription past the events of other streams without delivering them', async () => {
      const schema = `skip_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema, { batchSize: 10, pollIntervalMs: 20 });
      opened.push(store);
      for (let i = 0; i < 5; i++) {
        await Promise.all(Array.from({ length: 20 }, (_, j) => store.append(`other-${i}-${j}`, [event('O')], { expectedRevision: NO_STREAM })));
      }
      await store.append('wanted_%', [event('W')], { expectedRevision: NO_STREAM });
      // LIKE's own characters in a prefix are literal: 'wanted_%' matches only itself here.
      await store.append('wantedX%', [event('NotW')], { expectedRevision: NO_STREAM });
      const subscription = store.subscribe({ filter: { streamPrefixes: ['wanted_%'] } });
      expect((await take(subscription, 2, 500)).map((e) => e.type)).toEqual(['W']);
      await subscription.close();
    });

    it('keeps positions beyond 2^53 exact', async () => {
      const schema = `big_${randomUUID().slice(0, 8)}`;
      const { store, pool } = await openStore(schema);
      opened.push(store);
      await pool.query(`ALTER TABLE "${schema}".events ALTER COLUMN position RESTART WITH 9007199254740993`);
      const result = await store.append('big', [event('A'), event('B')], { expectedRevision: NO_STREAM });
      expect(result.position).toBe(9007199254740994n);
      expect(await store.headPosition()).toBe(9007199254740994n);
      expect((await store.readAll({ after: 9007199254740993n })).map((e) => e.position)).toEqual([9007199254740994n]);
      const subscription = store.subscribe({ after: 9007199254740992n });
      expect((await take(subscription, 2)).map((e) => e.position)).toEqual([9007199254740993n, 9007199254740994n]);
      await subscription.close();
    });
  });

  describe('group commit', () => {
    it('commits the appends asked for in one turn in one transaction, in the order asked', async () => {
      const schema = `group_${randomUUID().slice(0, 8)}`;
      const { store, pool } = await openStore(schema);
      opened.push(store);
      const before = store.stats();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.append(`s-${i}`, [event('A'), event('B')], { expectedRevision: NO_STREAM })),
      );
      const after = store.stats();
      expect(after.commits - before.commits).toBe(1);
      expect(after.appends - before.appends).toBe(50);
      const positions = results.map((r) => r.position);
      expect(positions.every((p, i) => i === 0 || p === positions[i - 1]! + 2n)).toBe(true);
      const { rows } = await pool.query(`SELECT count(*)::int AS rows, count(DISTINCT transaction_id)::int AS transactions FROM "${schema}".events`);
      expect(rows[0]).toEqual({ rows: 100, transactions: 1 });
    });

    it('fails alone an append whose revision check fails; the rest of the batch commits', async () => {
      const { store } = await openStore(`group_${randomUUID().slice(0, 8)}`);
      opened.push(store);
      await store.append('hot', [event('A')], { expectedRevision: NO_STREAM });
      const outcomes = await Promise.allSettled([
        store.append('hot', [event('B')], { expectedRevision: 0n }),
        store.append('hot', [event('C'), event('D')], { expectedRevision: 0n }), // sees B: conflict
        store.append('cold', [event('E')], { expectedRevision: NO_STREAM }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyConflictError);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ actual: 1n });
      expect((await store.readStream('hot')).map((e) => e.type)).toEqual(['A', 'B']);
      expect((await store.readStream('cold')).map((e) => e.type)).toEqual(['E']);
    });

    it('fails alone an append the server refuses; the others are committed without it', async () => {
      const { store } = await openStore(`group_${randomUUID().slice(0, 8)}`);
      opened.push(store);
      const twice = event('Twice');
      const huge = randomBytes(4000).toString('hex'); // a stream name past what a btree index entry holds
      const outcomes = await Promise.allSettled([
        store.append('before', [event('A')], { expectedRevision: NO_STREAM }),
        store.append(huge, [event('Huge')], { expectedRevision: NO_STREAM }),
        store.append('twice', [twice, { ...twice }], { expectedRevision: NO_STREAM }), // one id twice in an append
        store.append('after', [event('C')], { expectedRevision: NO_STREAM }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/index row/);
      expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/events_event_id/);
      expect((await store.readAll()).map((e) => e.streamName)).toEqual(['before', 'after']);
    });

    it('keeps what jsonb cannot hold as it is (\\u0000, lone surrogates), beside ordinary events of the same batch', async () => {
      const { store } = await openStore(`group_${randomUUID().slice(0, 8)}`);
      opened.push(store);
      const odd = { nul: 'a\u0000b', lone: 'x\ud800y', text: 'literally \\u0000', list: [1, '\u0000'] };
      const plain = { key: 'value' };
      await Promise.all([
        store.append('odd', [{ id: randomUUID(), type: 'Odd', data: odd, metadata: { actor: '\u0000' } }], { expectedRevision: NO_STREAM }),
        store.append('plain', [{ id: randomUUID(), type: 'Plain', data: plain, metadata: { actor: 'a' } }], { expectedRevision: NO_STREAM }),
        store.append('scalar', [{ id: randomUUID(), type: 'Scalar', data: 'just a string' }], { expectedRevision: NO_STREAM }),
      ]);
      const [read] = await store.readStream('odd');
      expect(read!.data).toEqual(odd);
      expect(read!.metadata).toEqual({ actor: '\u0000' });
      expect((await store.readStream('plain'))[0]!.data).toEqual(plain);
      expect((await store.readStream('scalar'))[0]!.data).toBe('just a string');
    });

    it('answers a retried append (same ids, same place) with the first result and writes nothing, even in the same batch', async () => {
      const { store } = await openStore(`group_${randomUUID().slice(0, 8)}`);
      opened.push(store);
      const batch = [event('A'), event('B')];
      const [first, again] = await Promise.all([
        store.append('s', batch, { expectedRevision: NO_STREAM }),
        store.append('s', batch, { expectedRevision: NO_STREAM }),
      ]);
      expect(again).toEqual(first);
      // The same ids elsewhere, or at another place, are a conflict.
      await expect(store.append('other', batch, { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(ConcurrencyConflictError);
      await expect(store.append('s', batch, { expectedRevision: 1n })).rejects.toBeInstanceOf(ConcurrencyConflictError);
      await expect(store.append('s', [event('C'), batch[1]!], { expectedRevision: 1n })).rejects.toMatchObject({ actual: 1n });
      expect(await store.readStream('s')).toHaveLength(2);
    });

    it('commits what is still queued when the store closes, and refuses appends after', async () => {
      const schema = `group_${randomUUID().slice(0, 8)}`;
      const { store } = await openStore(schema);
      const { store: reader } = await openStore(schema);
      opened.push(reader);
      const pending = store.append('late', [event('A')], { expectedRevision: NO_STREAM });
      await store.close();
      await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 0n });
      expect((await reader.readStream('late')).map((e) => e.type)).toEqual(['A']);
      await expect(store.append('late', [event('B')], { expectedRevision: 0n })).rejects.toThrow(/closed/);
    });
  });

  describe('ping and close', () => {
    let hung: Server | undefined;
    const sockets: Socket[] = [];
    afterEach(async () => {
      sockets.splice(0).forEach((s) => s.destroy());
      await new Promise<void>((resolve) => (hung ? hung.close(() => resolve()) : resolve()));
      hung = undefined;
    });

    it('answers ping within its timeout when the server hangs', async () => {
      hung = createServer((socket) => sockets.push(socket)); // accepts, never answers
      await new Promise<void>((resolve) => hung!.listen(0, '127.0.0.1', resolve));
      const port = (hung.address() as { port: number }).port;
      const pool = new Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      pool.on('error', () => undefined);
      const store = new PostgresEventStore({ pool, listenClient: () => new Client(), pingTimeoutMs: 300 });
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow(/did not answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(1500);
      sockets.splice(0).forEach((s) => s.destroy());
      await store.close();
      await pool.end().catch(() => undefined);
    });

    it('pings a live server, and on close ends its LISTEN connection but not a pool it was given', async () => {
      const pool = new Pool({ connectionString: database.url, max: 2 });
      const listenName = `listen-${randomUUID().slice(0, 8)}`;
      const store = new PostgresEventStore({
        pool,
        schema: `close_${randomUUID().slice(0, 8)}`,
        listenClient: () => new Client({ connectionString: database.url, application_name: listenName }),
      });
      await store.migrate();
      await store.ping();
      const subscription = store.subscribe();
      await take(subscription, 1, 300);
      expect(store.isListening()).toBe(true);
      await store.close();
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [listenName]);
      expect(rows[0]).toEqual({ n: 0 });
      await pool.end();
    });
  });
});
