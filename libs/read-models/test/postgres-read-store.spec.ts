/**
 * The ReadStore contract against PostgreSQL, wherever a server answers at POSTGRES_TEST_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres): one schema for the file, dropped after it;
 * each contract test a table prefix of its own. Then what the contract does not cover: every
 * filter, sort and window answering as the memory adapter does (fast-check, on documents of every
 * shape), compare-and-set under concurrent writers, the product's queries running in SQL on the
 * index, and the store's tables, indexes and pool.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Pool, PoolClient } from 'pg';
import { COLLECTIONS } from '../src/projections/read-models.projection';
import { ReadModelQueries } from '../src/queries';
import { MemoryReadStore } from '../src/store/memory-read-store';
import { ExecutedQuery, PostgresReadStore, PostgresReadStoreOptions } from '../src/store/postgres-read-store';
import { Document, Filter, FindOptions, ReadCollection } from '../src/store/read-store.port';
import { describeReadStoreContract } from '../src/testing/read-store.contract';
import { describeWithPostgres, postgresTestUrl } from '@app/event-store/testing/postgres';
import * as arbitrary from './read-store.arbitraries';

const PROPERTY_RUNS = Number(process.env.READ_STORE_PROPERTY_RUNS ?? 120);

const ids = (documents: readonly Document[]): string[] => documents.map((document) => document._id);

/** What a call answers, or that it threw: the adapters must agree on both. */
const outcome = async <T>(call: () => Promise<T>): Promise<{ value: T } | { threw: true }> => {
  try {
    return { value: await call() };
  } catch {
    return { threw: true };
  }
};

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly 'Actual Rows'?: number;
  readonly Plans?: readonly PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The nodes of a plan that read a table or an index. */
const scansOf = (plan: readonly PlanNode[]): PlanNode[] => plan.filter((node) => node['Relation Name'] !== undefined || node['Index Name'] !== undefined);

describeWithPostgres('PostgreSQL read store', () => {
  const url = postgresTestUrl();
  const schema = `read_store_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let pool: Pool;
  let prefixes = 0;
  const freshPrefix = () => `t${++prefixes}_`;

  beforeAll(() => {
    pool = new Pool({ connectionString: url, max: 16 });
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  /** A store on the shared pool, with a prefix of its own, and the statements it runs. */
  const openStore = async (options: PostgresReadStoreOptions = {}) => {
    const statements: ExecutedQuery[] = [];
    const store = await PostgresReadStore.open(pool, {
      schema,
      tablePrefix: freshPrefix(),
      onQuery: (query) => statements.push(query),
      ...options,
    });
    return { store, statements };
  };

  const explain = async (statement: ExecutedQuery): Promise<PlanNode[]> => {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
      statement.values as unknown[],
    );
    return nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
  };

  describeReadStoreContract('PostgreSQL', async () => {
    const options = { schema, tablePrefix: freshPrefix() };
    const store = await PostgresReadStore.open(pool, options);
    return { store, reopen: () => PostgresReadStore.open(pool, options), dispose: () => store.close() };
  });

  describe('answers as the memory adapter does', () => {
    it('for every filter, sort, skip and limit, on documents of every shape (fast-check)', async () => {
      const { store } = await openStore();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          arbitrary.documents().chain((documents) =>
            fc.tuple(
              fc.constant(documents),
              fc.array(
                fc.tuple(arbitrary.filter(arbitrary.valuesIn(documents), arbitrary.pathValuesIn(documents)), arbitrary.sort(), fc.nat(3), fc.nat(4)),
                { minLength: 1, maxLength: 6 },
              ),
              arbitrary.filter(arbitrary.valuesIn(documents), arbitrary.pathValuesIn(documents)),
              fc.nat(20),
            ),
          ),
          async ([documents, cases, writeFilter, target]) => {
            const name = `c${++run % 8}`;
            const memory = new MemoryReadStore().collection(name);
            const postgres = store.collection(name);
            await postgres.deleteMany({});
            for (const document of documents) {
              await memory.replaceOne({ _id: document._id }, document, { upsert: true });
              await postgres.replaceOne({ _id: document._id }, document, { upsert: true });
            }
            for (const [filter, sort, skip, limit] of cases) {
              const label = JSON.stringify({ filter, sort, skip, limit });
              const expected = await outcome(async () => ids(await memory.find(filter)).sort());
              if ('threw' in expected) continue; // not a filter mingo takes
              expect([label, ids(await postgres.find(filter)).sort()]).toEqual([label, expected.value]);
              expect([label, await postgres.countDocuments(filter)]).toEqual([label, expected.value.length]);
              const one = await postgres.findOne(filter);
              expect([label, one === undefined ? undefined : expected.value.includes(one._id)]).toEqual([label, expected.value.length === 0 ? undefined : true]);
              const options: FindOptions = { sort, skip, limit };
              expect([label, ids(await postgres.find(filter, options))]).toEqual([label, ids(await memory.find(filter, options))]);
            }
            // Writes: a guarded replacement of one document, and a deletion, leave the same documents.
            const label = JSON.stringify(writeFilter);
            const id = `d${String(target).padStart(2, '0')}`;
            const replacement = { _id: id, replaced: true };
            for (const [filter, upsert] of [
              [{ ...writeFilter, _id: id }, true],
              [writeFilter, false],
            ] as const) {
              const written = await outcome(() => memory.replaceOne(filter, replacement, { upsert }));
              expect([label, upsert, await outcome(() => postgres.replaceOne(filter, replacement, { upsert }))]).toEqual([label, upsert, written]);
            }
            const deleted = await outcome(() => memory.deleteMany(writeFilter));
            expect([label, await outcome(() => postgres.deleteMany(writeFilter))]).toEqual([label, deleted]);
            const remaining = await memory.find({}, { sort: { _id: 1 } });
            expect([label, await postgres.find({}, { sort: { _id: 1 } })]).toEqual([label, remaining]);
          },
        ),
        { numRuns: PROPERTY_RUNS },
      );
    }, 300_000);

    it('for filters with operators SQL leaves to mingo, and narrows the rows it reads where it can', async () => {
      const { store, statements } = await openStore();
      const memory = new MemoryReadStore();
      const documents: Document[] = Array.from({ length: 40 }, (_, i) => ({
        _id: `i${String(i).padStart(2, '0')}`,
        status: i % 4 === 0 ? 'open' : 'closed',
        sku: `${'ABC'[i % 3]}-${i}`,
        quantity: i % 7,
        lines: [
          { sku: 'X', qty: i % 3 },
          { sku: 'Y', qty: i % 5 },
        ],
        tags: i % 2 ? ['red'] : ['blue', 'big'],
      }));
      for (const document of documents) {
        await store.collection('items').replaceOne({ _id: document._id }, document, { upsert: true });
        await memory.collection('items').replaceOne({ _id: document._id }, document, { upsert: true });
      }
      const filters: Filter[] = [
        { sku: { $regex: '^A-' } },
        { status: 'open', sku: { $regex: '^[AB]-' } },
        { lines: { $elemMatch: { sku: 'Y', qty: { $gt: 2 } } } },
        { status: 'closed', lines: { $elemMatch: { sku: 'X', qty: 0 } } },
        { $or: [{ sku: { $regex: '-1$' } }, { quantity: 6 }] },
        { quantity: { $type: 'number', $mod: [3, 0] } },
        { tags: { $elemMatch: { $eq: 'big' } }, quantity: { $gte: 2 } },
        { 'lines.qty': { $gt: 3 } },
      ];
      for (const filter of filters) {
        for (const options of [{}, { sort: { quantity: -1, _id: 1 } as const, skip: 2, limit: 3 }]) {
          statements.length = 0;
          const found = await store.collection('items').find(filter, options);
          expect([filter, ids(found)]).toEqual([filter, ids(await memory.collection('items').find(filter, options))]);
        }
        expect([filter, await store.collection('items').countDocuments(filter)]).toEqual([filter, await memory.collection('items').countDocuments(filter)]);
      }
      // The translated part of a filter still narrows what is read: only the open items come back to be tested.
      statements.length = 0;
      await store.collection('items').find({ status: 'open', sku: { $regex: '^[AB]-' } });
      expect(statements).toHaveLength(1);
      expect(statements[0]!.text).toContain(`(t.doc -> 'status') @>`);
      expect(statements[0]!.rowCount).toBe(documents.filter((document) => document['status'] === 'open').length);
    });

    it('for documents whose indexed fields are not strings (read apart and tested with mingo)', async () => {
      const { store } = await openStore();
      const memory = new MemoryReadStore();
      const documents: Document[] = [
        { _id: 'a', accountId: 'acc', _sequence: '0002', n: 1 },
        { _id: 'b', accountId: 'acc', _sequence: '0003', n: 2 },
        { _id: 'c', accountId: ['acc', 'other'], _sequence: '0001', n: 3 },
        { _id: 'd', accountId: 'acc', _sequence: 7, n: 4 },
        { _id: 'e', accountId: 'acc', n: 5 },
        { _id: 'f', accountId: null, _sequence: { at: 1 }, n: 6 },
        { _id: 'g', accountId: 42, _sequence: ['0000'], n: 7 },
      ];
      for (const document of documents) {
        await store.collection('orders').replaceOne({ _id: document._id }, document, { upsert: true });
        await memory.collection('orders').replaceOne({ _id: document._id }, document, { upsert: true });
      }
      const pg = store.collection('orders');
      const mem = memory.collection('orders');
      const cases: Array<[Filter, FindOptions]> = [
        [{ accountId: 'acc' }, { sort: { _sequence: 1 }, limit: 3 }],
        [{ accountId: 'acc' }, { sort: { _sequence: -1 }, limit: 2 }],
        [{ accountId: 'acc', _sequence: { $gt: '0001' } }, { sort: { _sequence: 1 }, limit: 10 }],
        [{ accountId: 42 }, {}],
        [{ accountId: null }, { sort: { n: 1 } }],
        [{ accountId: { $in: ['other', 42] } }, { sort: { n: -1 } }],
        [{ _sequence: { $exists: false } }, {}],
        [{}, { sort: { accountId: 1, _id: 1 }, skip: 1, limit: 4 }],
      ];
      for (const [filter, options] of cases) {
        expect([filter, options, ids(await pg.find(filter, options))]).toEqual([filter, options, ids(await mem.find(filter, options))]);
        expect([filter, await pg.countDocuments(filter)]).toEqual([filter, await mem.countDocuments(filter)]);
      }
      expect(await pg.deleteMany({ accountId: 'acc', n: { $gt: 2 } })).toBe(await mem.deleteMany({ accountId: 'acc', n: { $gt: 2 } }));
      expect(await pg.find({}, { sort: { _id: 1 } })).toEqual(await mem.find({}, { sort: { _id: 1 } }));
    });
  });

  describe('replaceOne is one atomic compare-and-set', () => {
    /** Holds the row's lock on a connection of its own until released, so the writers queue behind it. */
    const lockRow = async (table: string, id: string): Promise<{ release: () => Promise<void> }> => {
      const client: PoolClient = await pool.connect();
      await client.query('BEGIN');
      await client.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
      return {
        release: async () => {
          await client.query('COMMIT');
          client.release();
        },
      };
    };

    const waitUntilBlocked = async (writers: number): Promise<void> => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const { rows } = await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        if (Number(rows[0]!.n) >= writers) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`the writers did not queue on the row lock`);
    };

    it('lets exactly one of two writers move a revision, each round', async () => {
      const { store } = await openStore();
      const views: ReadCollection = store.collection('views');
      await views.replaceOne({ _id: 'o' }, { _id: 'o', _revision: 0, by: 'nobody' }, { upsert: true });
      const table = `"${schema}"."${store.tableNameOf('views')}"`;
      for (let revision = 0; revision < 10; revision++) {
        const lock = await lockRow(table, 'o');
        const writers = ['A', 'B'].map((by) => views.replaceOne({ _id: 'o', _revision: revision }, { _id: 'o', _revision: revision + 1, by }));
        await waitUntilBlocked(2);
        await lock.release();
        const results = await Promise.all(writers);
        expect(results.filter(Boolean)).toHaveLength(1);
        const stored = await views.findOne({ _id: 'o' });
        expect(stored).toEqual({ _id: 'o', _revision: revision + 1, by: results[0] ? 'A' : 'B' });
      }
    });

    it('lets exactly one of many racing writers win, guarded in SQL or by mingo', async () => {
      const { store } = await openStore();
      const views = store.collection('views');
      for (let round = 0; round < 10; round++) {
        const id = `r${round}`;
        // First writes racing on a revision that must not exist yet (an upsert each).
        const firsts = await Promise.all(
          Array.from({ length: 8 }, (_, writer) => views.replaceOne({ _id: id, _revision: { $exists: false } }, { _id: id, _revision: 0, writer }, { upsert: true })),
        );
        expect(firsts.filter(Boolean)).toHaveLength(1);
        // Then a guard SQL leaves to mingo ($regex): written with a compare-and-set on the whole document.
        await views.replaceOne({ _id: id }, { _id: id, _revision: 0, note: 'alpha' }, { upsert: false });
        const seconds = await Promise.all(
          Array.from({ length: 8 }, (_, writer) =>
            views.replaceOne({ _id: id, _revision: 0, note: { $regex: '^al' } }, { _id: id, _revision: 1, note: `beta-${writer}` }),
          ),
        );
        expect(seconds.filter(Boolean)).toHaveLength(1);
        expect((await views.findOne({ _id: id }))?.['note']).toBe(`beta-${seconds.indexOf(true)}`);
      }
    });

    it('is one statement when SQL decides the guard', async () => {
      const { store, statements } = await openStore();
      const views = store.collection('views');
      await views.replaceOne({ _id: 'o' }, { _id: 'o', _revision: 0 }, { upsert: true });
      statements.length = 0;
      expect(await views.replaceOne({ _id: 'o', _revision: 0 }, { _id: 'o', _revision: 1 })).toBe(true);
      expect(await views.replaceOne({ _id: 'p', _revision: { $exists: false } }, { _id: 'p', _revision: 0 }, { upsert: true })).toBe(true);
      expect(statements.map((statement) => statement.text.split(' ')[0])).toEqual(['UPDATE', 'INSERT']);
      expect(statements[0]!.text).toMatch(/WHERE t\.id = \$\d+::text AND/);
      expect(statements[1]!.text).toContain('ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc WHERE');
    });
  });

  describe("the product's queries", () => {
    const ACCOUNTS = 4;
    const ORDERS = 6000;
    const STATUSES = ['PENDING', 'FULFILLED', 'CANCELLED', 'UNAPPROVED', 'BACKORDERED'];

    /** Order documents as `orderDocument` builds them, over a few accounts. */
    const orderDocuments = (): Document[] =>
      Array.from({ length: ORDERS }, (_, i) => {
        const accountId = `acc-${i % ACCOUNTS}`;
        const pending = i % 5 === 0 ? 1 : 0;
        return {
          _id: `${accountId}.o${i}`,
          _revision: 3,
          _sequence: String(1000 + i).padStart(20, '0'),
          ...(i % 97 === 0 ? { _refused: true } : {}),
          accountId,
          orderId: `o${i}`,
          status: STATUSES[i % STATUSES.length]!,
          lines: [{ sku: `SKU-${i % 11}`, quantity: 2, allocated: 2 - pending, pending }],
          inventoryDetails: [],
          purchaseOrders: [],
          _purchaseOrderSkus: [],
          pendingReasons: pending ? [{ sku: `SKU-${i % 11}`, reason: 'AWAITING_VENDOR' }] : [],
          _pendingSkus: pending ? [`SKU-${i % 11}`] : [],
        };
      });

    let store: PostgresReadStore;
    let statements: ExecutedQuery[];
    let queries: ReadModelQueries;
    let expected: ReadModelQueries;

    beforeAll(async () => {
      ({ store, statements } = await openStore({ collections: Object.values(COLLECTIONS) }));
      const memory = new MemoryReadStore();
      const documents = orderDocuments();
      for (const document of documents) await memory.collection(COLLECTIONS.orders).replaceOne({ _id: document._id }, document, { upsert: true });
      const table = `"${schema}"."${store.tableNameOf(COLLECTIONS.orders)}"`;
      await pool.query(`INSERT INTO ${table} (id, doc) SELECT d ->> '_id', d FROM jsonb_array_elements($1::jsonb) AS d`, [JSON.stringify(documents)]);
      // What autovacuum does after a rebuild; without statistics the planner guesses how many orders an account has.
      await pool.query(`ANALYZE ${table}`);
      queries = new ReadModelQueries(() => store);
      expected = new ReadModelQueries(() => memory);
    }, 60_000);

    const lastStatement = () => statements[statements.length - 1]!;

    it('pages orders with the filter, sort and limit in SQL, on the index, reading one page of rows', async () => {
      let after: string | undefined;
      for (let page = 0; page < 3; page++) {
        statements.length = 0;
        const answer = await queries.orders('acc-1', { limit: 25, ...(after === undefined ? {} : { after }) });
        expect(answer).toEqual(await expected.orders('acc-1', { limit: 25, ...(after === undefined ? {} : { after }) }));
        expect(statements).toHaveLength(1);
        expect(lastStatement().rowCount).toBe(26);
        const scans = scansOf(await explain(lastStatement()));
        expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
        const pageScan = scans.find((node) => node['Index Name']?.endsWith('$idx'));
        expect(pageScan?.['Node Type']).toBe('Index Scan');
        // The index hands the rows over in order: the scan stops at the limit.
        expect(pageScan!['Actual Rows']).toBeLessThanOrEqual(27);
        expect(scans.find((node) => node['Index Name']?.endsWith('$odd'))).toBeDefined();
        after = answer.next!;
        expect(after).toEqual(expect.any(String));
      }
    });

    it('pages with a status and answers the last page', async () => {
      statements.length = 0;
      const answer = await queries.orders('acc-2', { status: ['PENDING'], limit: 50, after: String(6000).padStart(20, '0') });
      expect(answer).toEqual(await expected.orders('acc-2', { status: ['PENDING'], limit: 50, after: String(6000).padStart(20, '0') }));
      expect(answer.next).toBeNull();
      const scans = scansOf(await explain(lastStatement()));
      expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    });

    it("reads the backorder report from one account's rows, not the whole table", async () => {
      statements.length = 0;
      const report = await queries.backorders('acc-3', { limit: 500 });
      expect(report).toEqual(await expected.backorders('acc-3', { limit: 500 }));
      expect(report.items.length).toBeGreaterThan(0);
      expect(statements).toHaveLength(1);
      const scans = scansOf(await explain(lastStatement()));
      expect(scans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
      expect(scans.some((node) => node['Index Name']?.endsWith('$idx'))).toBe(true);
    });

    it('finds one order by _id on the primary key', async () => {
      statements.length = 0;
      expect(await queries.order('acc-1', 'o5')).toEqual(await expected.order('acc-1', 'o5'));
      const scans = scansOf(await explain(lastStatement()));
      expect(scans.map((node) => node['Index Name'])).toEqual([expect.stringMatching(/_pkey$/), expect.stringMatching(/\$odd$/)]);
    });
  });

  describe('tables, indexes and the pool', () => {
    it('creates a table per collection under the prefix, with the indexed fields and odd rows indexed', async () => {
      const { store } = await openStore({ tablePrefix: 'rm_', schema: `${schema}_tables` });
      try {
        await store.collection('orders').countDocuments({});
        await store.collection('Odd Name/with ünicode').replaceOne({ _id: 'x' }, { _id: 'x' }, { upsert: true });
        const { rows: tables } = await pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [
          `${schema}_tables`,
        ]);
        expect(tables.map((row) => row.tablename)).toEqual(['rm_$collections', expect.stringMatching(/^rm_odd_name_with_nicode\$[0-9a-f]{10}$/), 'rm_orders']);
        const { rows: indexes } = await pool.query<{ indexname: string; indexdef: string }>(
          `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'rm_orders' ORDER BY 1`,
          [`${schema}_tables`],
        );
        expect(indexes.map((row) => row.indexname)).toEqual(['rm_orders$idx', 'rm_orders$odd', 'rm_orders_pkey']);
        expect(indexes[0]!.indexdef).toContain(`((doc ->> 'accountId'::text)) COLLATE "C", ((doc ->> '_sequence'::text)) COLLATE "C" NULLS FIRST`);
        expect(await store.collection('Odd Name/with ünicode').findOne({ _id: 'x' })).toEqual({ _id: 'x' });
      } finally {
        await pool.query(`DROP SCHEMA "${schema}_tables" CASCADE`);
      }
    });

    it('drops only its own collections', async () => {
      const { store } = await openStore();
      const { store: neighbour } = await openStore();
      await store.collection('views').replaceOne({ _id: 'v' }, { _id: 'v' }, { upsert: true });
      await neighbour.collection('views').replaceOne({ _id: 'n' }, { _id: 'n' }, { upsert: true });
      await store.dropAll();
      expect(await store.collection('views').countDocuments({})).toBe(0);
      expect(await neighbour.collection('views').countDocuments({})).toBe(1);
    });

    it('ends the pool only when it owns it', async () => {
      const own = new Pool({ connectionString: url, max: 1 });
      const owning = await PostgresReadStore.open(own, { schema, tablePrefix: freshPrefix(), ownsPool: true });
      await owning.ping();
      await owning.close();
      expect(own.ended).toBe(true);
      const shared = await PostgresReadStore.open(pool, { schema, tablePrefix: freshPrefix() });
      await shared.close();
      await expect(pool.query('SELECT 1')).resolves.toBeDefined();
    });

    it('refuses documents PostgreSQL cannot keep as given', async () => {
      const { store } = await openStore();
      const views = store.collection('views');
      await expect(views.replaceOne({ _id: 'x' }, { _id: 1 } as unknown as Document, { upsert: true })).rejects.toThrow(/string _id/);
      await expect(views.replaceOne({ _id: 'x' }, { _id: 'x', text: 'a\u0000b' }, { upsert: true })).rejects.toThrow();
      expect(await views.countDocuments({})).toBe(0);
    });

    it('rejects options it cannot honour', () => {
      expect(() => new PostgresReadStore(pool, { tablePrefix: 'bad-prefix' })).toThrow(/prefix/);
      expect(() => new PostgresReadStore(pool, { indexedFields: ['a.b'] })).toThrow(/indexed field/);
    });
  });
});
