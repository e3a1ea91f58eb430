/**
 * The embedded read store: every collection a `Map` from `_id` to document, queried with the same
 * MongoDB filter documents as the MongoDB adapter, answered by mingo.
 *
 * Projections hit `findOne({_id})` and `replaceOne({_id, _revision}, ...)` on every event, and a
 * rebuild replays the whole log through them, so those calls never scan and never compile a mingo
 * query when the rest of the filter is plain equalities or `$exists` (a compiled mingo query
 * costs about ten microseconds; the budget of a findOne + replaceOne pair is a few). Every other
 * filter goes to mingo.
 *
 * Documents are kept and returned as they are given, never copied: the port makes them immutable,
 * and a copy per read and per write would cost more than the rest of the call.
 */
import { Query } from 'mingo';
import { Document, Filter, FindOptions, ReadCollection, ReadStore, SynchronousAccess } from './read-store.port';

const hasOwn = Object.prototype.hasOwnProperty;

/** The `_id` the filter names by equality, when it names one: the document can be looked up. */
const idOf = (filter: Filter): string | undefined => {
  const id = filter['_id'];
  return typeof id === 'string' ? id : undefined;
};

/** `true` or `false` when `condition` is exactly `{$exists: <boolean>}`, else `undefined`. */
const existsCondition = (condition: object): boolean | undefined => {
  let exists: boolean | undefined;
  for (const operator in condition) {
    const value = (condition as Record<string, unknown>)[operator];
    if (operator !== '$exists' || exists !== undefined || typeof value !== 'boolean') return undefined;
    exists = value;
  }
  return exists;
};

const MATCH = 1;
const NO_MATCH = 0;
const ASK_MINGO = -1;
type Answer = typeof MATCH | typeof NO_MATCH | typeof ASK_MINGO;

/**
 * Tests every field of `filter` but `_id` on `document` without mingo where the MongoDB meaning is
 * plain: a top-level field equal to a string, boolean or number, or `{$exists: <boolean>}`. An
 * array field (equality also matches an element), an operator, a dotted path or any other value
 * makes it answer ASK_MINGO.
 */
const matchesPlainGuard = (filter: Filter, document: Document): Answer => {
  for (const field in filter) {
    if (field === '_id') continue;
    if (field.charCodeAt(0) === 36 /* $ */ || field.includes('.')) return ASK_MINGO;
    const expected = filter[field];
    // An own property only: `constructor` and friends are not fields of a JSON document.
    const actual = hasOwn.call(document, field) ? document[field] : undefined;
    switch (typeof expected) {
      case 'string':
      case 'boolean':
        if (actual === expected) continue;
        if (Array.isArray(actual)) return ASK_MINGO;
        return NO_MATCH;
      case 'number':
        if (actual === expected) continue;
        if (Array.isArray(actual) || Number.isNaN(expected)) return ASK_MINGO;
        return NO_MATCH;
      case 'object': {
        if (expected === null || Array.isArray(expected)) return ASK_MINGO;
        const exists = existsCondition(expected);
        if (exists === undefined) return ASK_MINGO;
        // A field holding undefined is absent: the MongoDB adapter does not store undefined.
        if ((actual !== undefined) !== exists) return NO_MATCH;
        continue;
      }
      default:
        return ASK_MINGO;
    }
  }
  return MATCH;
};

/** Whether `document` (already known to have the filter's `_id`, if it names one) matches. */
const matches = (filter: Filter, document: Document): boolean => {
  const answer = matchesPlainGuard(filter, document);
  return answer === ASK_MINGO ? new Query(filter).test(document) : answer === MATCH;
};

const hasSortKeys = (sort: FindOptions['sort']): sort is NonNullable<FindOptions['sort']> => {
  for (const key in sort) if (hasOwn.call(sort, key)) return true;
  return false;
};

const replacementError = (id: string, document: Document): Error =>
  new Error(`A replacement keeps the _id of the document it replaces: "${id}" cannot become "${document._id}"`);

class MemoryReadCollection implements ReadCollection<Document>, SynchronousAccess<Document> {
  /** Insertion order, like a fresh MongoDB collection scanned in natural order; a replace keeps its place. */
  readonly documents = new Map<string, Document>();

  peek(id: string): Document | undefined {
    return this.documents.get(id);
  }

  put(document: Document): void {
    this.documents.set(document._id, document);
  }

  async findOne(filter: Filter): Promise<Document | undefined> {
    const id = idOf(filter);
    if (id !== undefined) {
      const document = this.documents.get(id);
      return document !== undefined && matches(filter, document) ? document : undefined;
    }
    const query = new Query(filter);
    for (const document of this.documents.values()) if (query.test(document)) return document;
    return undefined;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<Document[]> {
    const id = idOf(filter);
    if (id !== undefined) {
      // One document at most: sorting it changes nothing.
      const document = this.documents.get(id);
      const found = document !== undefined && matches(filter, document) ? [document] : [];
      return found.slice(options.skip ?? 0, options.limit ? (options.skip ?? 0) + options.limit : undefined);
    }
    const cursor = new Query(filter).find<Document>(this.documents.values());
    if (hasSortKeys(options.sort)) cursor.sort(options.sort);
    if (options.skip) cursor.skip(options.skip);
    // MongoDB reads a limit of 0 as no limit; mingo as none at all.
    if (options.limit) cursor.limit(options.limit);
    return cursor.all();
  }

  async countDocuments(filter: Filter): Promise<number> {
    const id = idOf(filter);
    if (id !== undefined) {
      const document = this.documents.get(id);
      return document !== undefined && matches(filter, document) ? 1 : 0;
    }
    let any = false;
    for (const field in filter) if (hasOwn.call(filter, field)) any = true;
    if (!any) return this.documents.size;
    const query = new Query(filter);
    let count = 0;
    for (const document of this.documents.values()) if (query.test(document)) count++;
    return count;
  }

  async replaceOne(filter: Filter, document: Document, options?: { readonly upsert?: boolean }): Promise<boolean> {
    const id = idOf(filter);
    if (id !== undefined) {
      const current = this.documents.get(id);
      if (current === undefined) {
        if (!options?.upsert) return false;
        if (document._id !== id) throw replacementError(id, document);
        // Nothing matched; the replacement's _id cannot be taken, since nothing has the filter's.
        this.documents.set(id, document);
        return true;
      }
      // A document has this _id: if the guard fails, an upsert would collide with it, so nothing is written.
      if (!matches(filter, current)) return false;
      if (document._id !== id) throw replacementError(id, document);
      this.documents.set(id, document);
      return true;
    }
    const query = new Query(filter);
    for (const [currentId, current] of this.documents) {
      if (!query.test(current)) continue;
      if (document._id !== currentId) throw replacementError(currentId, document);
      this.documents.set(currentId, document);
      return true;
    }
    if (!options?.upsert || this.documents.has(document._id)) return false;
    this.documents.set(document._id, document);
    return true;
  }

  async deleteMany(filter: Filter): Promise<number> {
    const id = idOf(filter);
    if (id !== undefined) {
      const document = this.documents.get(id);
      if (document === undefined || !matches(filter, document)) return 0;
      this.documents.delete(id);
      return 1;
    }
    const query = new Query(filter);
    let deleted = 0;
    // Deleting the entry being visited is safe while iterating a Map.
    for (const [currentId, current] of this.documents) {
      if (!query.test(current)) continue;
      this.documents.delete(currentId);
      deleted++;
    }
    return deleted;
  }

  clear(): void {
    this.documents.clear();
  }
}

export class MemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, MemoryReadCollection>();

  collection<T extends Document = Document>(name: string): ReadCollection<T> {
    let collection = this.collections.get(name);
    if (collection === undefined) {
      collection = new MemoryReadCollection();
      this.collections.set(name, collection);
    }
    // The collection holds whatever documents it was given; T is the caller's view of them.
    return collection as unknown as ReadCollection<T>;
  }

  /** Empties every collection but keeps it, so handles taken before stay live. */
  async dropAll(): Promise<void> {
    for (const collection of this.collections.values()) collection.clear();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
