/**
 * The read side's store: collections of JSON documents queried with MongoDB filter documents.
 * Two adapters: MongoDB (the official driver) and in memory (filters answered by mingo). One
 * contract suite (`testing/read-store.contract.ts`) holds both to the same behaviour.
 *
 * Documents are plain JSON objects with a string `_id`. Documents handed to or returned by the
 * store must be treated as immutable: the in-memory adapter keeps and returns them as they are.
 */

export type Document = { readonly _id: string } & Readonly<Record<string, unknown>>;

/** A MongoDB filter document: `{field: value}`, `{field: {$gt: 1}}`, `{$or: [...]}`, dotted paths. */
export type Filter = Readonly<Record<string, unknown>>;

export type Sort = Readonly<Record<string, 1 | -1>>;

export interface FindOptions {
  readonly sort?: Sort;
  readonly limit?: number;
  readonly skip?: number;
}

export interface ReadCollection<T extends Document = Document> {
  findOne(filter: Filter): Promise<T | undefined>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  countDocuments(filter: Filter): Promise<number>;
  /**
   * Replaces the one document matching `filter` with `document` (same `_id`). With `upsert`, inserts
   * `document` when nothing matches, unless a document with its `_id` exists (then nothing is
   * written: the filter is a guard). Answers whether it wrote.
   */
  replaceOne(filter: Filter, document: T, options?: { readonly upsert?: boolean }): Promise<boolean>;
  deleteMany(filter: Filter): Promise<number>;
}

/**
 * Optional synchronous access by `_id` that an in-process store can offer: a projection applying
 * thousands of events uses it to skip two promise round trips per document.
 */
export interface SynchronousAccess<T extends Document = Document> {
  peek(id: string): T | undefined;
  /** Stores the document under its `_id`, replacing any. */
  put(document: T): void;
}

export const synchronousAccessOf = <T extends Document>(collection: ReadCollection<T>): SynchronousAccess<T> | undefined => {
  const candidate = collection as Partial<SynchronousAccess<T>>;
  return typeof candidate.peek === 'function' && typeof candidate.put === 'function' ? (candidate as SynchronousAccess<T>) : undefined;
};

/** An index the queries need: the fields in order, ascending. */
export interface IndexSpec {
  readonly collection: string;
  readonly fields: readonly string[];
}

export interface ReadStore {
  collection<T extends Document = Document>(name: string): ReadCollection<T>;
  /**
   * Optional, for stores that index: makes sure these indexes exist (called at start and after a
   * rebuild emptied the store). An in-memory store needs none.
   */
  ensureIndexes?(indexes: readonly IndexSpec[]): Promise<void>;
  /** Removes every document of every collection (rebuilds start from nothing). */
  dropAll(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
