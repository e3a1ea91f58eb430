/**
 * The production read store: each collection of the port a MongoDB collection (optionally under a
 * name prefix), read and written through the official driver. Filters, sorts and documents pass
 * through unchanged: they are MongoDB's own language, which the in-memory adapter imitates.
 */
import { Collection, Db, Document as MongoDocument, Filter as MongoFilter, MongoServerError } from 'mongodb';
import { Document, Filter, FindOptions, IndexSpec, ReadCollection, ReadStore } from './read-store.port';

export interface MongoReadStoreOptions {
  /**
   * Put before every collection name, e.g. `rm_`. With a prefix, `dropAll` also drops collections
   * under it that this process never opened (written by an earlier one).
   */
  readonly collectionPrefix?: string;
}

/** What the driver holds: the port's documents, whose _id is always a string (never an ObjectId). */
interface StoredDocument extends MongoDocument {
  _id: string;
}
type StoredFilter = MongoFilter<StoredDocument>;

const DUPLICATE_KEY = 11000;
const NAMESPACE_NOT_FOUND = 26;

const isServerError = (error: unknown, code: number): boolean => error instanceof MongoServerError && error.code === code;

class MongoReadCollection implements ReadCollection<Document> {
  constructor(private readonly collection: Collection<StoredDocument>) {}

  // Read-model documents are JSON (strings, numbers, booleans, null, arrays, objects), which the
  // driver returns as plain objects with JS numbers; nothing of the driver's types leaks out.
  async findOne(filter: Filter): Promise<Document | undefined> {
    const found = await this.collection.findOne(filter as StoredFilter);
    return (found ?? undefined) as Document | undefined;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<Document[]> {
    const cursor = this.collection.find(filter as StoredFilter);
    if (options.sort && Object.keys(options.sort).length > 0) cursor.sort({ ...options.sort });
    if (options.skip) cursor.skip(options.skip);
    if (options.limit) cursor.limit(options.limit);
    return (await cursor.toArray()) as Document[];
  }

  countDocuments(filter: Filter): Promise<number> {
    return this.collection.countDocuments(filter as StoredFilter);
  }

  async replaceOne(filter: Filter, document: Document, options?: { readonly upsert?: boolean }): Promise<boolean> {
    const upsert = options?.upsert ?? false;
    try {
      const result = await this.collection.replaceOne(filter as StoredFilter, document, { upsert });
      // A match counts as a write even when the replacement equals what was there.
      return result.matchedCount > 0 || result.upsertedCount > 0;
    } catch (error: unknown) {
      // The guard matched nothing, so the upsert inserted, and a document with that _id exists.
      if (upsert && isServerError(error, DUPLICATE_KEY)) return false;
      throw error;
    }
  }

  async deleteMany(filter: Filter): Promise<number> {
    const result = await this.collection.deleteMany(filter as StoredFilter);
    return result.deletedCount;
  }
}

export class MongoReadStore implements ReadStore {
  private readonly prefix: string;
  private readonly collections = new Map<string, MongoReadCollection>();

  constructor(
    private readonly db: Db,
    options: MongoReadStoreOptions = {},
  ) {
    this.prefix = options.collectionPrefix ?? '';
  }

  collection<T extends Document = Document>(name: string): ReadCollection<T> {
    const fullName = this.prefix + name;
    let collection = this.collections.get(fullName);
    if (collection === undefined) {
      // undefined is left out, as JSON leaves it out, instead of being stored as null.
      collection = new MongoReadCollection(this.db.collection<StoredDocument>(fullName, { ignoreUndefined: true }));
      this.collections.set(fullName, collection);
    }
    // The collection holds whatever documents it was given; T is the caller's view of them.
    return collection as unknown as ReadCollection<T>;
  }

  /**
   * Drops the collections this store opened and, with a prefix, every collection under it. Without
   * a prefix it cannot tell its collections from others in the database (checkpoints, say), so it
   * drops only those it opened. A dropped collection comes back on the next write; handles stay live.
   */
  async dropAll(): Promise<void> {
    const existing = await this.db.listCollections({}, { nameOnly: true }).toArray();
    const names = existing
      .map(({ name }) => name)
      .filter((name) => !name.startsWith('system.'))
      .filter((name) => this.collections.has(name) || (this.prefix !== '' && name.startsWith(this.prefix)));
    for (const name of names) {
      try {
        await this.db.dropCollection(name);
      } catch (error: unknown) {
        // Dropped by someone else since the listing (servers before 7.0 refuse a missing one).
        if (!isServerError(error, NAMESPACE_NOT_FOUND)) throw error;
      }
    }
  }

  /** Creates what is missing (createIndex on an existing index is a no-op). */
  async ensureIndexes(indexes: readonly IndexSpec[]): Promise<void> {
    for (const { collection, fields } of indexes) {
      await this.db.collection(this.prefix + collection).createIndex(Object.fromEntries(fields.map((field) => [field, 1])));
    }
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  /** Does nothing: the caller made the `MongoClient` behind the `Db` and closes it. */
  async close(): Promise<void> {}
}
