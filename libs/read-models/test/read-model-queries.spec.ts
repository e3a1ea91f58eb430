/**
 * The paged queries (the accounts list, the backorder report with its filters) answer the same on
 * the memory and the PostgreSQL read stores: pages in a stable order, each page read from the
 * store (not sliced from everything), and `next` leading on without a gap or a repeat.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { COLLECTIONS } from '../src/projections/read-models.projection';
import { BackordersQuery, ReadModelQueries } from '../src/queries';
import { MemoryReadStore } from '../src/store/memory-read-store';
import { ExecutedQuery, PostgresReadStore } from '../src/store/postgres-read-store';
import { Document, ReadStore } from '../src/store/read-store.port';
import { describeWithPostgres, postgresTestUrl } from '@app/event-store/testing/postgres';

const REASONS = ['AWAITING_VENDOR', 'SKU_NOT_MAPPED', 'AUTO_PO_DISABLED', 'VENDOR_NOT_ELIGIBLE'] as const;
const sequence = (n: number) => String(n).padStart(20, '0');

/**
 * Orders of account `acc` as `orderDocument` writes them: order i has SKUs pending with reasons
 * that vary by i; some are not backorders (cancelled, waiting for approval, nothing pending);
 * another account's orders are mixed in.
 */
const orderDocuments = (): Document[] =>
  Array.from({ length: 60 }, (_, i) => {
    const accountId = i % 7 === 6 ? 'other' : 'acc';
    const skus = ['SKU-C', 'SKU-A', 'SKU-B'].slice(0, 1 + (i % 3));
    const pending = i % 10 === 9 ? [] : skus;
    const reasonOf = (sku: string) => (sku === 'SKU-A' && i % 4 === 0 ? null : REASONS[(i + sku.length + sku.charCodeAt(4)) % REASONS.length]!);
    const pendingReasons = pending.flatMap((sku) => (reasonOf(sku) === null ? [] : [{ sku, reason: reasonOf(sku)! }]));
    return {
      _id: `${accountId}.o${i}`,
      _revision: 2,
      _sequence: sequence(100 + i * 3),
      accountId,
      orderId: `o${i}`,
      status: i % 11 === 5 ? 'CANCELLED' : i % 13 === 7 ? 'UNAPPROVED' : pending.length > 0 ? 'PENDING_INVENTORY' : 'READY',
      lines: skus.map((sku) => ({ sku, quantity: 4, assigned: pending.includes(sku) ? 1 : 4, pending: pending.includes(sku) ? 3 : 0, handedOver: 0 })),
      inventoryDetails: [],
      purchaseOrders: [],
      _purchaseOrderSkus: i % 2 === 0 ? [{ purchaseOrderId: `po${i}`, skus: ['SKU-A'] }] : [],
      pendingReasons,
      _pendingSkus: pending,
      _pendingReasons: [...new Set(pendingReasons.map((r) => r.reason))],
    };
  });

const accountDocuments = (): Document[] =>
  ['m', 'B', 'a', 'z-1', 'z_0', '0', 'k', 'Z', 'a-b'].map((accountId, i) => ({
    _id: accountId,
    _revision: 0,
    _openedAt: `2024-01-0${1 + i}T00:00:00.000Z`,
    accountId,
    name: `Account ${accountId}`,
    type: i % 2 ? 'vendor' : 'seller',
    settings: {},
    locations: [],
    vendorMappings: [],
  }));

/** Every page of a query, following `next`. */
const allPages = async <T>(read: (after: string | undefined) => Promise<{ items: T[]; next: string | null }>) => {
  const pages: T[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await read(after);
    pages.push(page.items);
    if (page.next === null) return pages;
    after = page.next;
    if (pages.length > 200) throw new Error('no last page');
  }
};

const fill = async (store: ReadStore) => {
  for (const document of orderDocuments()) await store.collection(COLLECTIONS.orders).replaceOne({ _id: document._id }, document, { upsert: true });
  for (const document of accountDocuments()) await store.collection(COLLECTIONS.accounts).replaceOne({ _id: document._id }, document, { upsert: true });
};

/** The report as it should read: every pending line of acc's backorders, by order, then SKU. */
const expectedReport = (filter: { sku?: string; reason?: string } = {}) =>
  orderDocuments()
    .filter((o) => o['accountId'] === 'acc' && !['CANCELLED', 'UNAPPROVED'].includes(o['status'] as string))
    .flatMap((o) => {
      const order = o as unknown as { orderId: string; lines: { sku: string; quantity: number; pending: number }[]; pendingReasons: { sku: string; reason: string }[]; _purchaseOrderSkus: { purchaseOrderId: string; skus: string[] }[] };
      return order.lines
        .filter((line) => line.pending > 0)
        .sort((a, b) => (a.sku < b.sku ? -1 : 1))
        .map((line) => ({
          orderId: order.orderId,
          sku: line.sku,
          quantity: line.quantity,
          pending: line.pending,
          reason: order.pendingReasons.find((r) => r.sku === line.sku)?.reason ?? null,
          purchaseOrderIds: order._purchaseOrderSkus.filter((po) => po.skus.includes(line.sku)).map((po) => po.purchaseOrderId),
        }));
    })
    .filter((line) => (filter.sku === undefined || line.sku === filter.sku) && (filter.reason === undefined || line.reason === filter.reason));

const describeQueries = (name: string, open: () => Promise<{ store: ReadStore; statements?: ExecutedQuery[]; close: () => Promise<void> }>) => {
  describe(`the paged queries on ${name}`, () => {
    let queries: ReadModelQueries;
    let statements: ExecutedQuery[] | undefined;
    let close: () => Promise<void>;

    beforeAll(async () => {
      const opened = await open();
      await fill(opened.store);
      queries = new ReadModelQueries(() => opened.store);
      statements = opened.statements;
      close = opened.close;
    });
    afterAll(() => close());

    it('pages accounts by id, in plain string order, with their opening time', async () => {
      const pages = await allPages((after) => queries.accounts({ limit: 4, ...(after === undefined ? {} : { after }) }));
      expect(pages.map((page) => page.length)).toEqual([4, 4, 1]);
      expect(pages.flat().map((a) => a.accountId)).toEqual(['0', 'B', 'Z', 'a', 'a-b', 'k', 'm', 'z-1', 'z_0']);
      expect(pages.flat()[0]).toEqual({ accountId: '0', name: 'Account 0', type: 'vendor', openedAt: '2024-01-06T00:00:00.000Z' });
      expect(await queries.accounts({ limit: 9 })).toMatchObject({ next: null });
    });

    it.each<[string, Omit<BackordersQuery, 'limit' | 'after'>, number]>([
      ['everything', {}, 7],
      ['everything, one line a page', {}, 1],
      ['everything, in one page', {}, 500],
      ['one SKU', { sku: 'SKU-A' }, 5],
      ['one reason', { reason: 'SKU_NOT_MAPPED' }, 3],
      ['a SKU and a reason', { sku: 'SKU-B', reason: 'AWAITING_VENDOR' }, 1],
      ['a SKU no order has', { sku: 'SKU-X' }, 5],
    ])('pages the backorder report (%s) by order, then SKU, without gaps or repeats', async (_label, filter, limit) => {
      const expected = expectedReport(filter);
      if (filter.sku !== 'SKU-X') expect(expected.length).toBeGreaterThan(limit === 500 ? 40 : limit);
      const pages = await allPages((after) => queries.backorders('acc', { limit, ...filter, ...(after === undefined ? {} : { after }) }));
      expect(pages.flat()).toEqual(expected);
      expect(pages.slice(0, -1).every((page) => page.length === limit)).toBe(true);
      if (limit < expected.length) expect(pages.length).toBe(Math.ceil(expected.length / limit));
    });

    it('reads a page of orders from the store, not every order of the account', async () => {
      if (!statements) return;
      statements.length = 0;
      const page = await queries.backorders('acc', { limit: 3 });
      expect(page.items).toHaveLength(3);
      expect(statements).toHaveLength(1);
      expect(statements[0]!.rowCount).toBeLessThanOrEqual(4);
    });
  });
};

describeQueries('the memory store', async () => {
  const store = new MemoryReadStore();
  return { store, close: () => store.close() };
});

describeWithPostgres('PostgreSQL', () => {
  const schema = `queries_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const pool = new Pool({ connectionString: postgresTestUrl(), max: 4 });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });
  describeQueries('PostgreSQL', async () => {
    const statements: ExecutedQuery[] = [];
    const store = await PostgresReadStore.open(pool, { schema, onQuery: (query) => statements.push(query) });
    return { store, statements, close: () => store.close() };
  });
});
