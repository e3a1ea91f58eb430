/**
 * The behaviour every ReadStore adapter must have. Each adapter's spec calls
 * `describeReadStoreContract` with a factory for a fresh, empty store. The same filter documents
 * run against every adapter with the same expected answers: projections and queries are written
 * once, in MongoDB's filter language, and must mean the same in memory and in MongoDB.
 */
import { Document, Filter, ReadCollection, ReadStore } from '../store/read-store.port';

export interface ReadStoreFixture {
  /** An empty store. */
  readonly store: ReadStore;
  /** Makes a second store on the same data (another process' view), where the adapter can. */
  readonly reopen?: () => Promise<ReadStore>;
  readonly dispose: () => Promise<void>;
}

/** Writes each document as a projection's first write does: an upsert guarded by its _id. */
const given = async (collection: ReadCollection, documents: readonly Document[]): Promise<void> => {
  for (const document of documents) {
    expect(await collection.replaceOne({ _id: document._id }, document, { upsert: true })).toBe(true);
  }
};

const ids = (documents: readonly Document[]): string[] => documents.map((d) => d._id);
const sortedIds = (documents: readonly Document[]): string[] => ids(documents).sort();

const ITEMS: readonly Document[] = [
  {
    _id: 'a',
    sku: 'A-1',
    quantity: 5,
    price: 2.5,
    status: 'open',
    tags: ['red', 'big'],
    location: { bin: 'B1', zone: 'north' },
    lines: [
      { sku: 'X', qty: 1 },
      { sku: 'Y', qty: 3 },
    ],
  },
  {
    _id: 'b',
    sku: 'B-2',
    quantity: 0,
    price: 10,
    status: 'closed',
    tags: ['blue'],
    location: { bin: 'B2', zone: 'south' },
    lines: [{ sku: 'Y', qty: 2 }],
    note: null,
  },
  {
    _id: 'c',
    sku: 'C-3',
    quantity: 12,
    price: 7,
    status: 'open',
    tags: [],
    location: { bin: 'B1', zone: 'south' },
    lines: [],
    archivedAt: '2024-01-01T00:00:00.000Z',
  },
  { _id: 'd', sku: 'D-4', quantity: 5, price: 1, status: 'backordered', location: { bin: 'B3', zone: 'north' } },
];

/** Filter documents and the _ids of ITEMS each must match, in every adapter. */
const FILTERS: ReadonlyArray<readonly [Filter, readonly string[]]> = [
  [{}, ['a', 'b', 'c', 'd']],
  [{ _id: 'b' }, ['b']],
  [{ _id: 'nope' }, []],
  [{ _id: 'a', status: 'open' }, ['a']],
  [{ _id: 'a', status: 'closed' }, []],
  [{ _id: 'b', note: { $exists: true } }, ['b']],
  [{ _id: 'a', tags: 'big' }, ['a']],
  [{ sku: 'C-3' }, ['c']],
  [{ quantity: 5, status: 'open' }, ['a']],
  [{ 'location.zone': 'north' }, ['a', 'd']],
  [{ 'location.bin': 'B1', 'location.zone': 'south' }, ['c']],
  [{ 'lines.sku': 'Y' }, ['a', 'b']],
  [{ 'lines.0.sku': 'X' }, ['a']],
  [{ lines: { $elemMatch: { sku: 'Y', qty: { $gt: 2 } } } }, ['a']],
  [{ status: { $in: ['open', 'backordered'] } }, ['a', 'c', 'd']],
  [{ _id: { $in: ['a', 'd', 'nope'] } }, ['a', 'd']],
  [{ status: { $nin: ['open', 'closed'] } }, ['d']],
  [{ status: { $ne: 'open' } }, ['b', 'd']],
  [{ quantity: { $gt: 4 } }, ['a', 'c', 'd']],
  [{ quantity: { $gte: 5, $lt: 12 } }, ['a', 'd']],
  [{ price: { $lte: 2.5 } }, ['a', 'd']],
  [{ archivedAt: { $exists: true } }, ['c']],
  [{ archivedAt: { $exists: false } }, ['a', 'b', 'd']],
  [{ note: { $exists: true } }, ['b']],
  [{ note: null }, ['a', 'b', 'c', 'd']],
  [{ tags: 'red' }, ['a']],
  [{ tags: { $all: ['big', 'red'] } }, ['a']],
  [{ tags: { $size: 0 } }, ['c']],
  [{ sku: { $regex: '^[AB]-' } }, ['a', 'b']],
  [{ $or: [{ quantity: 0 }, { 'location.bin': 'B3' }] }, ['b', 'd']],
  [{ $and: [{ status: 'open' }, { quantity: { $lt: 10 } }] }, ['a']],
  [{ $nor: [{ status: 'open' }] }, ['b', 'd']],
  [{ 'location.zone': { $in: ['south'] }, quantity: { $gt: 0 } }, ['c']],
];

export const describeReadStoreContract = (adapterName: string, makeFixture: () => Promise<ReadStoreFixture>): void => {
  describe(`ReadStore contract: ${adapterName}`, () => {
    let fixture: ReadStoreFixture;
    let store: ReadStore;
    let items: ReadCollection;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      items = store.collection('items');
    });

    afterEach(async () => {
      await fixture.dispose();
    });

    describe('the same filter documents answer the same', () => {
      for (const [filter, expected] of FILTERS) {
        it(`matches ${JSON.stringify(expected)} with ${JSON.stringify(filter)}`, async () => {
          await given(items, ITEMS);
          expect(sortedIds(await items.find(filter))).toEqual(expected);
          expect(await items.countDocuments(filter)).toBe(expected.length);
          const one = await items.findOne(filter);
          if (expected.length === 0) expect(one).toBeUndefined();
          else expect(expected).toContain(one?._id);
        });
      }
    });

    describe('findOne', () => {
      it('finds a document by _id, whole', async () => {
        await given(items, ITEMS);
        expect(await items.findOne({ _id: 'a' })).toEqual(ITEMS[0]);
        expect(await items.findOne({ _id: 'nope' })).toBeUndefined();
      });

      it('finds by other fields, dotted paths and operators', async () => {
        await given(items, ITEMS);
        expect((await items.findOne({ 'location.bin': 'B2' }))?._id).toBe('b');
        expect((await items.findOne({ sku: { $in: ['Z-9', 'C-3'] } }))?._id).toBe('c');
        expect((await items.findOne({ quantity: { $gt: 10 } }))?._id).toBe('c');
        expect((await items.findOne({ archivedAt: { $exists: true } }))?._id).toBe('c');
        expect((await items.findOne({ $or: [{ sku: 'none' }, { status: 'backordered' }] }))?._id).toBe('d');
        expect(await items.findOne({ 'location.zone': 'east' })).toBeUndefined();
      });

      it('answers plain JSON objects', async () => {
        await given(items, ITEMS);
        const found = await items.findOne({ _id: 'a' });
        expect(Object.getPrototypeOf(found)).toBe(Object.prototype);
        expect(JSON.parse(JSON.stringify(found))).toEqual(found);
      });
    });

    describe('find', () => {
      it('sorts by several keys, ascending and descending, on dotted paths', async () => {
        await given(items, ITEMS);
        expect(ids(await items.find({}, { sort: { 'location.zone': 1, quantity: -1, _id: 1 } }))).toEqual([
          'a',
          'd',
          'c',
          'b',
        ]);
        expect(ids(await items.find({}, { sort: { price: -1 } }))).toEqual(['b', 'c', 'a', 'd']);
        expect(ids(await items.find({}, { sort: { quantity: 1, _id: -1 } }))).toEqual(['b', 'd', 'a', 'c']);
      });

      it('skips and limits after sorting', async () => {
        await given(items, ITEMS);
        expect(ids(await items.find({}, { sort: { _id: 1 }, skip: 1, limit: 2 }))).toEqual(['b', 'c']);
        expect(ids(await items.find({}, { sort: { _id: -1 }, limit: 1 }))).toEqual(['d']);
        expect(ids(await items.find({}, { sort: { _id: 1 }, skip: 3, limit: 10 }))).toEqual(['d']);
        expect(ids(await items.find({}, { sort: { _id: 1 }, skip: 10 }))).toEqual([]);
        expect(ids(await items.find({ status: 'open' }, { sort: { quantity: -1 }, limit: 1 }))).toEqual(['c']);
      });

      it('reads a limit of 0 as no limit, as MongoDB does', async () => {
        await given(items, ITEMS);
        expect(await items.find({}, { sort: { _id: 1 }, limit: 0 })).toHaveLength(ITEMS.length);
      });

      it('finds nothing in an empty or unknown collection', async () => {
        expect(await store.collection('never-written').find({})).toEqual([]);
        expect(await store.collection('never-written').countDocuments({})).toBe(0);
        expect(await store.collection('never-written').findOne({ _id: 'a' })).toBeUndefined();
      });
    });

    describe('countDocuments', () => {
      it('counts what matches', async () => {
        await given(items, ITEMS);
        expect(await items.countDocuments({})).toBe(4);
        expect(await items.countDocuments({ status: 'open' })).toBe(2);
        expect(await items.countDocuments({ _id: 'c' })).toBe(1);
        expect(await items.countDocuments({ _id: 'c', status: 'closed' })).toBe(0);
      });
    });

    describe('replaceOne', () => {
      it('replaces the matching document whole, dropping fields the replacement lacks', async () => {
        await given(items, ITEMS);
        expect(await items.replaceOne({ _id: 'a' }, { _id: 'a', sku: 'A-1', quantity: 6 })).toBe(true);
        expect(await items.findOne({ _id: 'a' })).toEqual({ _id: 'a', sku: 'A-1', quantity: 6 });
        expect(await items.countDocuments({})).toBe(4);
      });

      it('replaces the document a filter on other fields matches', async () => {
        await given(items, ITEMS);
        expect(await items.replaceOne({ sku: 'B-2' }, { _id: 'b', sku: 'B-2', quantity: 1 })).toBe(true);
        expect(await items.findOne({ _id: 'b' })).toEqual({ _id: 'b', sku: 'B-2', quantity: 1 });
      });

      it('answers false and writes nothing when nothing matches and there is no upsert', async () => {
        await given(items, ITEMS);
        expect(await items.replaceOne({ _id: 'e' }, { _id: 'e', sku: 'E-5' })).toBe(false);
        expect(await items.replaceOne({ _id: 'a', status: 'closed' }, { _id: 'a', sku: 'changed' })).toBe(false);
        expect(await items.replaceOne({ sku: 'none' }, { _id: 'a', sku: 'changed' })).toBe(false);
        expect(await items.findOne({ _id: 'e' })).toBeUndefined();
        expect(await items.findOne({ _id: 'a' })).toEqual(ITEMS[0]);
        expect(await items.countDocuments({})).toBe(4);
      });

      it('inserts with upsert when nothing has the _id', async () => {
        expect(await items.replaceOne({ _id: 'e' }, { _id: 'e', sku: 'E-5' }, { upsert: true })).toBe(true);
        expect(await items.replaceOne({ _id: 'f', _revision: 3 }, { _id: 'f', _revision: 4 }, { upsert: true })).toBe(
          true,
        );
        expect(await items.replaceOne({ sku: 'none' }, { _id: 'g', sku: 'G-7' }, { upsert: true })).toBe(true);
        expect(await items.find({}, { sort: { _id: 1 } })).toEqual([
          { _id: 'e', sku: 'E-5' },
          { _id: 'f', _revision: 4 },
          { _id: 'g', sku: 'G-7' },
        ]);
      });

      it('answers false and changes nothing when an upsert guard fails on an existing _id', async () => {
        await given(items, ITEMS);
        expect(await items.replaceOne({ _id: 'a', status: 'closed' }, { _id: 'a', sku: 'x' }, { upsert: true })).toBe(
          false,
        );
        expect(await items.replaceOne({ sku: 'none' }, { _id: 'b', sku: 'x' }, { upsert: true })).toBe(false);
        expect(await items.findOne({ _id: 'a' })).toEqual(ITEMS[0]);
        expect(await items.findOne({ _id: 'b' })).toEqual(ITEMS[1]);
        expect(await items.countDocuments({})).toBe(4);
      });

      it('moves a guarded revision only from the revision it names (compare-and-set)', async () => {
        const views = store.collection('views');
        expect(await views.replaceOne({ _id: 'o' }, { _id: 'o', _revision: 0, v: 'first' }, { upsert: true })).toBe(true);
        expect(await views.replaceOne({ _id: 'o', _revision: 0 }, { _id: 'o', _revision: 1, v: 'second' })).toBe(true);
        // A replay of the same event: the stored revision moved on.
        expect(await views.replaceOne({ _id: 'o', _revision: 0 }, { _id: 'o', _revision: 1, v: 'again' })).toBe(false);
        expect(
          await views.replaceOne({ _id: 'o', _revision: 0 }, { _id: 'o', _revision: 1, v: 'again' }, { upsert: true }),
        ).toBe(false);
        expect(await views.replaceOne({ _id: 'o', _revision: 2 }, { _id: 'o', _revision: 3, v: 'ahead' })).toBe(false);
        expect(await views.findOne({ _id: 'o' })).toEqual({ _id: 'o', _revision: 1, v: 'second' });
        expect(await views.replaceOne({ _id: 'o', _revision: 1 }, { _id: 'o', _revision: 2, v: 'third' })).toBe(true);
        expect(await views.findOne({ _id: 'o' })).toEqual({ _id: 'o', _revision: 2, v: 'third' });
      });

      it('guards on a revision that must not exist yet', async () => {
        const views = store.collection('views');
        const noRevision = (id: string) => ({ _id: id, _revision: { $exists: false } });
        expect(await views.replaceOne(noRevision('n'), { _id: 'n', _revision: 0 }, { upsert: true })).toBe(true);
        expect(await views.replaceOne(noRevision('n'), { _id: 'n', _revision: 5 }, { upsert: true })).toBe(false);
        expect(await views.replaceOne(noRevision('n'), { _id: 'n', _revision: 5 })).toBe(false);
        expect(await views.findOne({ _id: 'n' })).toEqual({ _id: 'n', _revision: 0 });

        await given(views, [{ _id: 'm', v: 1 }]);
        expect(await views.replaceOne(noRevision('m'), { _id: 'm', _revision: 0, v: 2 })).toBe(true);
        expect(await views.findOne({ _id: 'm' })).toEqual({ _id: 'm', _revision: 0, v: 2 });
      });

      it('refuses a replacement that changes the _id of the matched document', async () => {
        await given(items, ITEMS);
        await expect(items.replaceOne({ _id: 'a' }, { _id: 'z', sku: 'moved' })).rejects.toThrow();
        expect(await items.findOne({ _id: 'a' })).toEqual(ITEMS[0]);
        expect(await items.findOne({ _id: 'z' })).toBeUndefined();
      });
    });

    describe('deleteMany', () => {
      it('deletes what matches and answers how many', async () => {
        await given(items, ITEMS);
        expect(await items.deleteMany({ status: 'open' })).toBe(2);
        expect(await items.deleteMany({ status: 'open' })).toBe(0);
        expect(await items.deleteMany({ _id: 'b', status: 'open' })).toBe(0);
        expect(await items.deleteMany({ _id: 'b' })).toBe(1);
        expect(ids(await items.find({}))).toEqual(['d']);
        expect(await items.deleteMany({})).toBe(1);
        expect(await items.countDocuments({})).toBe(0);
      });
    });

    describe('collections and the store', () => {
      it('keeps collections apart', async () => {
        const orders = store.collection('orders');
        const bins = store.collection('bins');
        await given(orders, [{ _id: 'same', kind: 'order' }]);
        await given(bins, [{ _id: 'same', kind: 'bin' }]);
        expect(await orders.findOne({ _id: 'same' })).toEqual({ _id: 'same', kind: 'order' });
        expect(await bins.findOne({ _id: 'same' })).toEqual({ _id: 'same', kind: 'bin' });
        expect(await orders.deleteMany({})).toBe(1);
        expect(await bins.findOne({ _id: 'same' })).toEqual({ _id: 'same', kind: 'bin' });
        expect(await store.collection('bins').countDocuments({})).toBe(1);
      });

      it('drops every document of every collection, and the collections take writes again', async () => {
        const orders = store.collection('orders');
        await given(items, ITEMS);
        await given(orders, [{ _id: 'o-1' }]);
        await store.dropAll();
        expect(await items.countDocuments({})).toBe(0);
        expect(await orders.find({})).toEqual([]);
        expect(await store.collection('items').findOne({ _id: 'a' })).toBeUndefined();
        await given(items, [ITEMS[3]!]);
        expect(ids(await items.find({}))).toEqual(['d']);
        await store.dropAll();
        await store.dropAll();
        expect(await items.countDocuments({})).toBe(0);
      });

      it('drops what another store on the same data wrote', async () => {
        if (!fixture.reopen) return; // nothing but this store can see its data
        const other = await fixture.reopen();
        try {
          await given(other.collection('written-elsewhere'), [{ _id: 'x' }]);
          await store.dropAll();
          expect(await store.collection('written-elsewhere').countDocuments({})).toBe(0);
        } finally {
          await other.close();
        }
      });

      it('answers a ping and closes', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await expect(store.close()).resolves.toBeUndefined();
      });
    });

    describe('documents round-trip', () => {
      it('keeps unicode and nested arrays of objects', async () => {
        const text = 'Grüße, 注文, заказ, 🚚📦, e\u0301';
        const document: Document = {
          _id: 'ünï-注文-🚚',
          text,
          lines: [
            {
              sku: 'A',
              bins: [
                { bin: 'B1', qty: 2 },
                { bin: 'B2', qty: 0 },
              ],
            },
            { sku: 'B', bins: [] },
          ],
          matrix: [[1, 2], [3], []],
          flags: { ok: true, no: false, none: null, deep: { deeper: { deepest: ['x'] } } },
          amount: -12.75,
          big: Number.MAX_SAFE_INTEGER,
          empty: {},
          blank: '',
        };
        await given(items, [document]);
        expect(await items.findOne({ _id: document._id })).toEqual(document);
        expect((await items.findOne({ text }))?._id).toBe(document._id);
        expect((await items.findOne({ 'lines.bins.bin': 'B2' }))?._id).toBe(document._id);
        expect(await items.find({ 'flags.deep.deeper.deepest': 'x' })).toEqual([document]);
      });
    });
  });
};
