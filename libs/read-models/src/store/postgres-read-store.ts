/**
 * The read store on PostgreSQL: one table per collection, `(id text primary key, doc jsonb)`, in a
 * schema of its own choosing and under a table prefix, on a `pg.Pool` it is given.
 *
 * Filters run in SQL where `postgres-filter.ts` translates them exactly; the rows it cannot decide
 * are fetched and tested with mingo, so every answer is the in-memory adapter's. Sorts, skips and
 * limits run in SQL when the rows read are known to be the right ones, else in JavaScript with
 * mingo's own sort.
 *
 * **Indexed fields** (`accountId` and `_sequence` by default): every table has a btree index on
 * `((doc ->> field) COLLATE "C", ...)`, which serves only rows where those fields hold a string or
 * nothing. Rows where one holds anything else ("odd" rows: never written by the product) are kept in
 * a partial index of their own; every query reads them apart (one probe of a normally empty index)
 * and tests them with mingo. So the page query `{accountId, _sequence: {$gt}}` sorted by `_sequence`
 * with a limit is one index range scan that stops at the limit, once the table has statistics
 * (autovacuum's ANALYZE; run one after a bulk load): without them the planner guesses how many rows
 * an account has and may read all of the account's rows and sort them (never the whole table).
 *
 * `replaceOne` is one statement: `UPDATE ... WHERE id = $1 AND <guard>`, or for an upsert
 * `INSERT ... ON CONFLICT (id) DO UPDATE ... WHERE <guard>` (inserts when nothing has the _id,
 * replaces when the existing document passes the guard, else writes nothing), so of two writers
 * moving the same revision only one wins. A guard SQL cannot decide is tested with mingo and
 * written with a compare-and-set on the whole previous document.
 *
 * jsonb keeps no key order: documents come back with their keys in jsonb's order (shorter keys
 * first). Strings are stored as PostgreSQL stores them: a NUL character or a lone surrogate is refused.
 * Strings sort by code point (COLLATE "C") where JavaScript sorts by UTF-16 code unit; the two
 * differ only between characters U+E000..U+FFFF and characters above U+FFFF. PostgreSQL 13 or later.
 */
import { createHash } from 'node:crypto';
import { Query } from 'mingo';
import { escapeIdentifier, Pool, PoolClient, QueryResultRow } from 'pg';
import { Document, Filter, FindOptions, ReadCollection, ReadStore, Sort } from './read-store.port';
import { SqlParams, sqlLiteral, TranslatedSort, TranslationContext, translateFilter, translateSort } from './postgres-filter';

export interface PostgresReadStoreOptions {
  /** The schema of every table of the store, created when missing. Default `public`. */
  readonly schema?: string;
  /** Put before every table name, e.g. `rm_` (letters, digits, underscores). Default none. */
  readonly tablePrefix?: string;
  /** Whether `close()` ends the pool. Default false: whoever made the pool ends it. */
  readonly ownsPool?: boolean;
  /**
   * Top-level fields indexed together on every collection, in this order (equality on the first ones,
   * order or range on the last). Default `['accountId', '_sequence']`.
   */
  readonly indexedFields?: readonly string[];
  /** Collections whose tables `migrate()` creates at start (the others on first use). */
  readonly collections?: readonly string[];
  /** Told of every statement the store runs (for logs and tests). */
  readonly onQuery?: (query: ExecutedQuery) => void;
}

export interface ExecutedQuery {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Rows the statement returned or changed. */
  readonly rowCount: number;
}

export const DEFAULT_INDEXED_FIELDS: readonly string[] = ['accountId', '_sequence'];

const PREFIX = /^[A-Za-z0-9_]{0,24}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SAFE_COLLECTION = /^[a-z0-9_]+$/;
/** Leaves room for the `$idx` and `$odd` of index names within PostgreSQL's 63 bytes. */
const MAX_TABLE_NAME = 55;

const hasOwn = Object.prototype.hasOwnProperty;

const hasSortKeys = (sort: FindOptions['sort']): sort is Sort => {
  for (const key in sort) if (hasOwn.call(sort, key)) return true;
  return false;
};

const idOf = (filter: Filter): string | undefined => {
  const id = filter['_id'];
  return typeof id === 'string' ? id : undefined;
};

const replacementError = (id: string, document: Document): Error =>
  new Error(`A replacement keeps the _id of the document it replaces: "${id}" cannot become "${document._id}"`);

const checkDocument = (document: Document): string => {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new TypeError('A read-model document is an object');
  if (typeof document._id !== 'string') throw new TypeError(`A read-model document has a string _id, not ${JSON.stringify(document._id)}`);
  return JSON.stringify(document);
};

/** Errors of concurrent DDL that a retry resolves (the other session created it first). */
const isCreateRace = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === '42P06' || code === '42P07' || code === '42710';
};

interface Row extends QueryResultRow {
  readonly doc: Document;
}

class PostgresReadCollection implements ReadCollection<Document> {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly store: PostgresReadStore,
    private readonly name: string,
    /** `"schema"."table"`. */
    private readonly table: string,
    private readonly tableName: string,
  ) {}

  /** @internal Creates the table and indexes once per process. */
  ensure(): Promise<void> {
    this.ready ??= this.store.createCollection(this.name, this.tableName).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  // --- reading -----------------------------------------------------------------------------

  /** The conditions of one statement: for the rows whose indexed fields are plain, and for the odd ones. */
  private conditions(filter: Filter, params: SqlParams) {
    const plain = translateFilter(this.store.context(params, true), filter);
    const odd = this.store.hasOddRows ? translateFilter(this.store.context(params, false), filter) : undefined;
    return { plain, odd };
  }

  async findOne(filter: Filter): Promise<Document | undefined> {
    const [found] = await this.find(filter, { limit: 1 });
    return found;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<Document[]> {
    await this.ensure();
    const skip = options.skip ?? 0;
    const limit = options.limit ?? 0;
    const sort = hasSortKeys(options.sort) ? options.sort : undefined;
    if (!Number.isSafeInteger(skip) || skip < 0 || !Number.isSafeInteger(limit) || limit < 0) {
      return this.findWithMingo(filter, options);
    }
    const params = new SqlParams();
    const { plain, odd } = this.conditions(filter, params);
    const order: TranslatedSort | undefined = sort === undefined ? { orderBy: [], complex: null } : translateSort(this.store.context(params, true), sort);
    if (order === undefined) return this.findWithMingo(filter, options);

    const windowed = skip > 0 || limit > 0;
    const exact = plain.unsure === null;
    const orderBy = [...order.orderBy];
    // A window needs a total order to be the same window twice; ties go by _id.
    if (windowed && (sort !== undefined || skip > 0) && !orderBy.some((term) => term.startsWith('t.id '))) orderBy.push('t.id COLLATE "C" ASC');
    const plainWhere = `${this.store.notOdd('t')} AND (${plain.sql})`;
    let window = '';
    if (windowed) {
      // With unsure rows the window is taken after mingo has had its say: read skip + limit and cut here.
      if (limit > 0) window += ` LIMIT ${params.add(exact ? limit : skip + limit, 'bigint')}`;
      if (exact && skip > 0) window += ` OFFSET ${params.add(skip, 'bigint')}`;
    }
    const unsureColumn = plain.unsure === null ? 'false' : `(${plain.unsure}) IS TRUE`;
    // Without a window every candidate is read: a complex sort value is seen among them. With one,
    // one EXISTS over the candidates says whether SQL's order can be trusted.
    const complexColumn = order.complex === null || windowed ? 'false' : `(${order.complex}) IS TRUE`;
    const branches = [
      `SELECT 0 AS kind, doc, unsure, complex, row_number() OVER () AS ord FROM (` +
        `SELECT t.doc, ${unsureColumn} AS unsure, ${complexColumn} AS complex FROM ${this.table} AS t WHERE ${plainWhere}` +
        `${orderBy.length > 0 ? ` ORDER BY ${orderBy.join(', ')}` : ''}${window}) AS plain`,
    ];
    if (odd !== undefined) {
      branches.push(`SELECT 1, t.doc, true, false, 0 FROM ${this.table} AS t WHERE ${this.store.odd('t')} AND (${odd.sql})`);
    }
    if (order.complex !== null && windowed) {
      branches.push(
        `SELECT 2, NULL::jsonb, false, EXISTS (SELECT 1 FROM ${this.table} AS t WHERE ${plainWhere} AND (${order.complex})), 0`,
      );
    }
    const rows = await this.store.run<{ kind: number; doc: Document; unsure: boolean; complex: boolean }>(
      `${branches.map((branch) => `(${branch})`).join(' UNION ALL ')} ORDER BY kind, ord`,
      params,
    );

    const query = new Query(filter);
    const found: Document[] = [];
    const oddMatches: Document[] = [];
    let plainRead = 0;
    let rejected = false;
    let complex = false;
    for (const row of rows) {
      if (row.kind === 2) {
        complex ||= row.complex;
      } else if (row.kind === 1) {
        if (query.test(row.doc)) oddMatches.push(row.doc);
      } else {
        plainRead++;
        complex ||= row.complex;
        if (!row.unsure || query.test(row.doc)) found.push(row.doc);
        else rejected = true;
      }
    }
    if (oddMatches.length === 0 && !complex) {
      if (!windowed || exact) return found;
      // Every row read matched, or every candidate was read: the window is right.
      if (!rejected || limit === 0 || plainRead < skip + limit) return found.slice(skip, limit > 0 ? skip + limit : undefined);
    } else if (!windowed) {
      // Every candidate is here: sort them all as mingo does.
      return this.sortWithMingo([...found, ...oddMatches], sort);
    }
    return this.findWithMingo(filter, options);
  }

  /** mingo's answer over every candidate row (the memory adapter's pipeline). */
  private async findWithMingo(filter: Filter, options: FindOptions): Promise<Document[]> {
    const candidates = await this.candidates(filter);
    const cursor = new Query(filter).find<Document>(candidates);
    if (hasSortKeys(options.sort)) cursor.sort(options.sort);
    if (options.skip) cursor.skip(options.skip);
    if (options.limit) cursor.limit(options.limit);
    return cursor.all();
  }

  private sortWithMingo(documents: Document[], sort: Sort | undefined): Document[] {
    if (sort === undefined) return documents;
    return new Query({}).find<Document>(documents).sort(sort).all();
  }

  /** Every row the filter's SQL selects, plain and odd, in _id order: a superset of the matches. */
  private async candidates(filter: Filter): Promise<Document[]> {
    await this.ensure();
    const params = new SqlParams();
    const { plain, odd } = this.conditions(filter, params);
    const branches = [`SELECT t.id, t.doc FROM ${this.table} AS t WHERE ${this.store.notOdd('t')} AND (${plain.sql})`];
    if (odd !== undefined) branches.push(`SELECT t.id, t.doc FROM ${this.table} AS t WHERE ${this.store.odd('t')} AND (${odd.sql})`);
    const rows = await this.store.run<Row & { id: string }>(
      `SELECT doc FROM (${branches.map((branch) => `(${branch})`).join(' UNION ALL ')}) AS c ORDER BY id COLLATE "C"`,
      params,
    );
    return rows.map((row) => row.doc);
  }

  async countDocuments(filter: Filter): Promise<number> {
    await this.ensure();
    const params = new SqlParams();
    const { plain, odd } = this.conditions(filter, params);
    const plainWhere = `${this.store.notOdd('t')} AND (${plain.sql})`;
    const sure = plain.unsure === null ? plainWhere : `${plainWhere} AND (${plain.unsure}) IS NOT TRUE`;
    const columns = [`(SELECT count(*) FROM ${this.table} AS t WHERE ${sure}) AS sure`];
    const maybe: string[] = [];
    if (plain.unsure !== null) maybe.push(`SELECT t.doc FROM ${this.table} AS t WHERE ${plainWhere} AND (${plain.unsure}) IS TRUE`);
    if (odd !== undefined) maybe.push(`SELECT t.doc FROM ${this.table} AS t WHERE ${this.store.odd('t')} AND (${odd.sql})`);
    if (maybe.length > 0) {
      columns.push(`(SELECT coalesce(jsonb_agg(m.doc), '[]'::jsonb) FROM (${maybe.map((part) => `(${part})`).join(' UNION ALL ')}) AS m) AS maybe`);
    }
    const [row] = await this.store.run<{ sure: string; maybe?: Document[] }>(`SELECT ${columns.join(', ')}`, params);
    let count = Number(row!.sure);
    if (row!.maybe && row!.maybe.length > 0) {
      const query = new Query(filter);
      for (const document of row!.maybe) if (query.test(document)) count++;
    }
    return count;
  }

  // --- writing -----------------------------------------------------------------------------

  async replaceOne(filter: Filter, document: Document, options?: { readonly upsert?: boolean }): Promise<boolean> {
    const json = checkDocument(document);
    await this.ensure();
    const upsert = options?.upsert ?? false;
    const id = idOf(filter);
    if (id !== undefined && document._id !== id) {
      // Nothing is written either way; only whether it is an error depends on the stored document.
      const current = await this.read(id);
      if (current === undefined) {
        if (upsert) throw replacementError(id, document);
        return false;
      }
      if (new Query(filter).test(current)) throw replacementError(id, document);
      return false;
    }
    const params = new SqlParams();
    // One row, plain or odd: the guard in the translation that assumes nothing of indexed fields.
    const guard = translateFilter(this.store.context(params, false), filter);
    if (guard.unsure !== null) return this.replaceWithMingo(filter, document, json, upsert);
    if (id !== undefined) {
      const idParameter = params.add(id, 'text');
      const docParameter = params.add(json, 'jsonb');
      const text = upsert
        ? `INSERT INTO ${this.table} AS t (id, doc) VALUES (${idParameter}, ${docParameter}) ` +
          `ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc WHERE ${guard.sql} RETURNING 1`
        : `UPDATE ${this.table} AS t SET doc = ${docParameter} WHERE t.id = ${idParameter} AND (${guard.sql}) RETURNING 1`;
      return (await this.store.run(text, params)).length > 0;
    }
    // No _id named: the first matching row (by _id) is replaced, and must be the document's.
    const docId = params.add(document._id, 'text');
    const docParameter = params.add(json, 'jsonb');
    const [row] = await this.store.run<{ matched: string | null; updated: string }>(
      `WITH m AS (SELECT t.id FROM ${this.table} AS t WHERE ${guard.sql} ORDER BY t.id LIMIT 1 FOR UPDATE), ` +
        `u AS (UPDATE ${this.table} AS t SET doc = ${docParameter} FROM m WHERE t.id = m.id AND m.id = ${docId} RETURNING 1) ` +
        `SELECT (SELECT id FROM m) AS matched, (SELECT count(*) FROM u) AS updated`,
      params,
    );
    if (row!.matched === null) return upsert ? this.insert(document._id, json) : false;
    if (row!.matched !== document._id) throw replacementError(row!.matched, document);
    return Number(row!.updated) > 0;
  }

  /** A guard SQL cannot decide: tested with mingo, written if the document tested is still the one stored. */
  private async replaceWithMingo(filter: Filter, document: Document, json: string, upsert: boolean): Promise<boolean> {
    const query = new Query(filter);
    for (;;) {
      const id = idOf(filter);
      let current: Document | undefined;
      if (id !== undefined) {
        current = await this.read(id);
        if (current !== undefined && !query.test(current)) return false;
      } else {
        current = (await this.candidates(filter)).find((candidate) => query.test(candidate));
        if (current !== undefined && current._id !== document._id) throw replacementError(current._id, document);
      }
      if (current === undefined) {
        if (!upsert) return false;
        if (await this.insert(document._id, json)) return true;
        // Taken meanwhile: with an _id filter, the new document may pass the guard; else nothing is written.
        if (id === undefined) return false;
        continue;
      }
      const written = await this.store.run(`UPDATE ${this.table} AS t SET doc = $3::jsonb WHERE t.id = $1::text AND t.doc = $2::jsonb RETURNING 1`, [
        current._id,
        JSON.stringify(current),
        json,
      ]);
      if (written.length > 0) return true;
    }
  }

  private async insert(id: string, json: string): Promise<boolean> {
    const rows = await this.store.run(`INSERT INTO ${this.table} (id, doc) VALUES ($1::text, $2::jsonb) ON CONFLICT (id) DO NOTHING RETURNING 1`, [id, json]);
    return rows.length > 0;
  }

  private async read(id: string): Promise<Document | undefined> {
    const [row] = await this.store.run<Row>(`SELECT t.doc FROM ${this.table} AS t WHERE t.id = $1::text`, [id]);
    return row?.doc;
  }

  async deleteMany(filter: Filter): Promise<number> {
    await this.ensure();
    const params = new SqlParams();
    const { plain, odd } = this.conditions(filter, params);
    const plainWhere = `${this.store.notOdd('t')} AND (${plain.sql})`;
    const deletes = [`DELETE FROM ${this.table} AS t WHERE ${plainWhere}${plain.unsure === null ? '' : ` AND (${plain.unsure}) IS NOT TRUE`} RETURNING 1`];
    const maybe: string[] = [];
    if (plain.unsure !== null) maybe.push(`SELECT t.id, t.doc FROM ${this.table} AS t WHERE ${plainWhere} AND (${plain.unsure}) IS TRUE`);
    if (odd !== undefined) {
      const oddWhere = `${this.store.odd('t')} AND (${odd.sql})`;
      if (odd.unsure === null) deletes.push(`DELETE FROM ${this.table} AS t WHERE ${oddWhere} RETURNING 1`);
      else maybe.push(`SELECT t.id, t.doc FROM ${this.table} AS t WHERE ${oddWhere}`);
    }
    const [row] = await this.store.run<{ deleted: string }>(
      `WITH ${deletes.map((statement, i) => `d${i} AS (${statement})`).join(', ')} ` +
        `SELECT ${deletes.map((_, i) => `(SELECT count(*) FROM d${i})`).join(' + ')} AS deleted`,
      params,
    );
    let deleted = Number(row!.deleted);
    if (maybe.length > 0) {
      const rows = await this.store.run<Row & { id: string }>(maybe.map((part) => `(${part})`).join(' UNION ALL '), params);
      const query = new Query(filter);
      const matching = rows.filter((candidate) => query.test(candidate.doc)).map((candidate) => ({ id: candidate.id, doc: candidate.doc }));
      if (matching.length > 0) {
        // Deleted only if unchanged since it was tested.
        const removed = await this.store.run(
          `DELETE FROM ${this.table} AS t USING jsonb_to_recordset($1::jsonb) AS m(id text, doc jsonb) WHERE t.id = m.id AND t.doc = m.doc RETURNING 1`,
          [JSON.stringify(matching)],
        );
        deleted += removed.length;
      }
    }
    return deleted;
  }
}

export class PostgresReadStore implements ReadStore {
  readonly schema: string;
  readonly tablePrefix: string;
  readonly indexedFields: readonly string[];
  private readonly ownsPool: boolean;
  private readonly onQuery: ((query: ExecutedQuery) => void) | undefined;
  private readonly collections = new Map<string, PostgresReadCollection>();
  private readonly plainFields: ReadonlySet<string>;
  private readonly initialCollections: readonly string[];
  private migrated: Promise<void> | undefined;
  private closed = false;

  /** A store on `pool`, its schema and registry created (see {@link migrate}). */
  static async open(pool: Pool, options: PostgresReadStoreOptions = {}): Promise<PostgresReadStore> {
    const store = new PostgresReadStore(pool, options);
    await store.migrate();
    return store;
  }

  constructor(
    private readonly pool: Pool,
    options: PostgresReadStoreOptions = {},
  ) {
    this.schema = options.schema ?? 'public';
    this.tablePrefix = options.tablePrefix ?? '';
    this.indexedFields = options.indexedFields ?? DEFAULT_INDEXED_FIELDS;
    this.ownsPool = options.ownsPool ?? false;
    this.onQuery = options.onQuery;
    this.initialCollections = options.collections ?? [];
    if (this.schema === '' || Buffer.byteLength(this.schema) > 63) throw new Error(`Not a schema name: "${this.schema}"`);
    if (!PREFIX.test(this.tablePrefix)) throw new Error(`A table prefix is up to 24 letters, digits and underscores, not "${this.tablePrefix}"`);
    for (const field of this.indexedFields) {
      if (!FIELD.test(field) || field === '_id') throw new Error(`Not an indexed field: "${field}" (a top-level name other than _id)`);
    }
    if (new Set(this.indexedFields).size !== this.indexedFields.length) throw new Error('Indexed fields are named once each');
    this.plainFields = new Set(this.indexedFields);
  }

  /** The registry of the store's collections: which table holds which. */
  private get registry(): string {
    return `${escapeIdentifier(this.schema)}.${escapeIdentifier(`${this.tablePrefix}$collections`)}`;
  }

  /**
   * Creates the schema, the registry of collections and the tables of `options.collections` when
   * missing (idempotent; every operation waits for the schema and registry, so calling it at start
   * makes a bad connection fail early). Other tables are created on a collection's first use.
   */
  async migrate(): Promise<void> {
    await this.schemaReady();
    for (const name of this.initialCollections) await (this.collection(name) as unknown as PostgresReadCollection).ensure();
  }

  private schemaReady(): Promise<void> {
    this.migrated ??= this.ddl(`read-store:${this.schema}`, async (client) => {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(this.schema)}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.registry} (name text PRIMARY KEY, table_name text NOT NULL UNIQUE)`);
    }).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  collection<T extends Document = Document>(name: string): ReadCollection<T> {
    if (typeof name !== 'string' || name === '') throw new Error('A collection has a name');
    let collection = this.collections.get(name);
    if (collection === undefined) {
      const tableName = this.tableNameOf(name);
      collection = new PostgresReadCollection(this, name, this.qualified(tableName), tableName);
      this.collections.set(name, collection);
    }
    // The collection holds whatever documents it was given; T is the caller's view of them.
    return collection as unknown as ReadCollection<T>;
  }

  /** The table of a collection: the prefix and the name, or a slug and a hash of names that are not lower-case SQL words. */
  tableNameOf(name: string): string {
    const plain = `${this.tablePrefix}${name}`;
    if (SAFE_COLLECTION.test(name) && plain.length <= MAX_TABLE_NAME) return plain;
    const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
    const slug = name
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .slice(0, MAX_TABLE_NAME - this.tablePrefix.length - hash.length - 1);
    // `$` never appears in a plain table name, so the two kinds cannot collide.
    return `${this.tablePrefix}${slug}$${hash}`;
  }

  /** Removes every document of every collection of the store (any process' ones), keeping the tables. */
  async dropAll(): Promise<void> {
    await this.schemaReady();
    const rows = await this.run<{ table_name: string }>(
      `SELECT r.table_name FROM ${this.registry} AS r WHERE to_regclass(quote_ident($1::text) || '.' || quote_ident(r.table_name)) IS NOT NULL ORDER BY r.table_name`,
      [this.schema],
    );
    if (rows.length === 0) return;
    await this.run(`TRUNCATE ${rows.map((row) => this.qualified(row.table_name)).join(', ')}`, []);
  }

  async ping(): Promise<void> {
    await this.run('SELECT 1', []);
  }

  /** Ends the pool if the store owns it; else leaves it to whoever made it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsPool) await this.pool.end();
  }

  // --- for the collections --------------------------------------------------------------------

  /** @internal */
  get hasOddRows(): boolean {
    return this.indexedFields.length > 0;
  }

  /** @internal The translation context for the row `t`: with indexed fields plain, or assuming nothing. */
  context(params: SqlParams, plain: boolean): TranslationContext {
    return { doc: 't.doc', id: 't.id', plain: plain ? this.plainFields : new Set<string>(), params };
  }

  /**
   * 1 for a row where an indexed field holds something other than a string, else 0. Compared with
   * `= 1`, the planner estimates it as rare (an equality without statistics) and reads the partial
   * index of odd rows; the same test as `OR`s of `jsonb_typeof` it estimates as nearly every row.
   */
  private shape(row: string | undefined): string {
    const doc = row === undefined ? 'doc' : `${row}.doc`;
    const odd = this.indexedFields.map((field) => `jsonb_typeof(${doc} -> ${sqlLiteral(field)}) <> 'string'`);
    return `(CASE WHEN ${odd.join(' OR ')} THEN 1 ELSE 0 END)`;
  }

  /** @internal Rows where an indexed field holds something other than a string (the predicate of the partial index). */
  odd(row: string | undefined): string {
    return this.indexedFields.length === 0 ? 'FALSE' : `${this.shape(row)} = 1`;
  }

  /** @internal */
  notOdd(row: string): string {
    return this.indexedFields.length === 0 ? 'TRUE' : `${this.shape(row)} <> 1`;
  }

  /** @internal Creates a collection's table and indexes when missing, and registers it. */
  async createCollection(name: string, tableName: string): Promise<void> {
    await this.schemaReady();
    const table = this.qualified(tableName);
    const indexName = `${tableName}$idx`;
    const oddName = `${tableName}$odd`;
    const [existing] = await this.run<{ table: string | null; index: string | null; odd: string | null; registered: boolean }>(
      `SELECT to_regclass($1::text) AS table, to_regclass($2::text) AS index, to_regclass($3::text) AS odd, ` +
        `EXISTS (SELECT 1 FROM ${this.registry} WHERE name = $4::text) AS registered`,
      [table, this.qualified(indexName), this.qualified(oddName), name],
    );
    const hasIndexes = this.indexedFields.length === 0 || (existing!.index !== null && existing!.odd !== null);
    if (existing!.table !== null && hasIndexes && existing!.registered) return;
    await this.ddl(`read-store:${this.schema}.${tableName}`, async (client) => {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table} (id text COLLATE "C" PRIMARY KEY, doc jsonb NOT NULL)`);
      if (this.indexedFields.length > 0) {
        const keys = this.indexedFields.map(
          (field, i) => `((doc ->> ${sqlLiteral(field)})) COLLATE "C"${i === this.indexedFields.length - 1 ? ' NULLS FIRST' : ''}`,
        );
        await client.query(`CREATE INDEX IF NOT EXISTS ${escapeIdentifier(indexName)} ON ${table} (${keys.join(', ')})`);
        await client.query(`CREATE INDEX IF NOT EXISTS ${escapeIdentifier(oddName)} ON ${table} (id) WHERE ${this.odd(undefined)}`);
      }
      await client.query(`INSERT INTO ${this.registry} (name, table_name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [name, tableName]);
    });
  }

  /** @internal */
  async run<R extends QueryResultRow = QueryResultRow>(statement: string, parameters: SqlParams | readonly unknown[]): Promise<R[]> {
    const { text, values } = parameters instanceof SqlParams ? parameters.bind(statement) : { text: statement, values: [...parameters] };
    const result = await this.pool.query<R>(text, values);
    this.onQuery?.({ text, values, rowCount: result.rowCount ?? result.rows.length });
    return result.rows;
  }

  private qualified(tableName: string): string {
    return `${escapeIdentifier(this.schema)}.${escapeIdentifier(tableName)}`;
  }

  /** Runs DDL in a transaction holding an advisory lock on `key`, so two processes never create the same thing at once. */
  private async ddl(key: string, work: (client: PoolClient) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
        await work(client);
        await client.query('COMMIT');
        return;
      } catch (error: unknown) {
        await client.query('ROLLBACK').catch(() => undefined);
        // Someone without the lock (another schema's user) created it first.
        if (attempt < 3 && isCreateRace(error)) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }
}
