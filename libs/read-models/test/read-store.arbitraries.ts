/**
 * fast-check generators of read-model documents, filter documents and sorts, small and adversarial:
 * few field names and values, so filters hit; every JSON type at every field (arrays of arrays,
 * objects where strings are expected, indexed fields holding numbers, nulls and arrays), so the
 * PostgreSQL translation meets every shape mingo has an answer for.
 */
import fc from 'fast-check';
import { Document, Filter, Sort } from '../src/store/read-store.port';

const STRINGS = ['', 'a', 'b', 'B', 'ab', 'x', '10', '9', 'true', 'null', 'A-1', 'a.b', "o'q", 'é', '"'];

export const scalar = (): fc.Arbitrary<string | number | boolean | null> =>
  fc.oneof(
    fc.constantFrom(...STRINGS),
    fc.constantFrom(0, 1, 2, 5, 9, 10, -1, 2.5, 1e21, 0.1),
    fc.boolean(),
    fc.constant(null),
  );

const KEYS = ['a', 'b', 'c', '0', '1'];

/** Values the documents hold often. */
const COMMON = ['OPEN', 'CLOSED', 'acc-1', 'acc-2', '0002', '0003', 'red', 'big', 'X', 'Y', 'a', 'b', 1, 2, 5, true, null];

/** A JSON value, nested at most `depth` deep. */
export const value = (depth: number): fc.Arbitrary<unknown> => {
  if (depth <= 0) return scalar();
  return fc.oneof(
    { weight: 4, arbitrary: scalar() },
    { weight: 2, arbitrary: fc.array(value(depth - 1), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...KEYS), value(depth - 1), { maxKeys: 3, noNullPrototype: true }) },
  );
};

/** The documents of one collection, with _ids d00, d01, ... in that order. */
export const documents = (): fc.Arbitrary<Document[]> =>
  fc
    .array(
      fc.record(
        {
          accountId: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('acc-1', 'acc-2', 'a', '10') }, { weight: 2, arbitrary: value(2) }),
          _sequence: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('0001', '0002', '0003', '0010', 'a') }, { weight: 2, arbitrary: value(2) }),
          status: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('OPEN', 'CLOSED', 'x') }, { weight: 1, arbitrary: value(1) }),
          a: fc.oneof(fc.constantFrom(...COMMON), value(3)),
          b: value(2),
          o: fc.oneof(value(3), fc.record({ a: value(2), b: value(2), c: value(2) }, { requiredKeys: [], noNullPrototype: true })),
          tags: fc.oneof(fc.array(fc.constantFrom('red', 'big', 'x', 'a'), { maxLength: 3 }), value(2)),
          lines: fc.oneof(
            fc.array(fc.record({ sku: fc.constantFrom('X', 'Y', 'a'), qty: fc.constantFrom(0, 1, 2, 3) }, { requiredKeys: [], noNullPrototype: true }), { maxLength: 3 }),
            value(3),
          ),
        },
        { requiredKeys: [], noNullPrototype: true },
      ),
      { minLength: 3, maxLength: 14 },
    )
    .map((bodies) => bodies.map((body, i) => ({ _id: `d${String(i).padStart(2, '0')}`, ...body }) as Document));

const PATHS = [
  '_id',
  '_id.x',
  'accountId',
  'accountId.0',
  '_sequence',
  'status',
  'a',
  'a.0',
  'a.1',
  'a.a',
  'a.0.a',
  'a.a.b',
  'a.0.0',
  'b',
  'b.a',
  'o',
  'o.a',
  'o.b',
  'o.a.a',
  'o.a.0',
  'o.c.b.a',
  'tags',
  'tags.0',
  'lines',
  'lines.sku',
  'lines.0.sku',
  'lines.qty',
  'missing',
  'missing.a',
];

/** The fields most documents have come up more often, so filters select some documents and not others. */
const COMMON_PATHS = ['status', 'accountId', '_sequence', 'a', 'b', 'tags', 'lines.sku', 'o.a', 'lines.qty', 'a.0'];

export const path = (): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON_PATHS) }, { weight: 2, arbitrary: fc.constantFrom(...PATHS) });

/** Every value in the documents, at every depth: operands that hit. */
export const valuesIn = (documents: readonly Document[]): unknown[] => {
  const found: unknown[] = [];
  const walk = (item: unknown): void => {
    found.push(item);
    if (Array.isArray(item)) item.forEach(walk);
    else if (typeof item === 'object' && item !== null) Object.values(item).forEach(walk);
  };
  for (const document of documents) for (const [key, item] of Object.entries(document)) if (key !== '_id') walk(item);
  return found;
};

/** The value at each of the generated paths in each document, where it has one (read through objects and indexes). */
export const pathValuesIn = (documents: readonly Document[]): Array<readonly [string, unknown]> => {
  const found: Array<readonly [string, unknown]> = [];
  for (const document of documents) {
    for (const key of PATHS) {
      let item: unknown = document;
      for (const component of key.split('.')) {
        item = typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[component] : undefined;
      }
      if (item !== undefined) found.push([key, item]);
      // Through an array of objects, as `lines.sku` reads it.
      const [head, tail] = key.split('.');
      const list = (document as Record<string, unknown>)[head!];
      if (tail !== undefined && Array.isArray(list)) {
        for (const element of list) if (typeof element === 'object' && element !== null && tail in element) found.push([key, (element as Record<string, unknown>)[tail]]);
      }
    }
  }
  return found;
};

/** A condition on a path about a value some document holds there: selective, mostly. */
export const anchored = (pairs: ReadonlyArray<readonly [string, unknown]>): fc.Arbitrary<Filter> =>
  pairs.length === 0
    ? fc.constant({})
    : fc
        .tuple(
          fc.constantFrom(...pairs),
          fc.constantFrom('value', '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$not'),
          scalar(),
        )
        .map(([[key, held], operator, other]): Filter => {
          if (operator === 'value') return { [key]: held };
          if (operator === '$in' || operator === '$nin') return { [key]: { [operator]: [other, held] } };
          if (operator === '$not') return { [key]: { $not: { $gte: held } } };
          return { [key]: { [operator]: held } };
        });

const operand = (held: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: held.length > 0 ? 4 : 0, arbitrary: held.length > 0 ? fc.constantFrom(...held) : fc.constant(null) },
    { weight: 3, arbitrary: fc.constantFrom(...COMMON) },
    { weight: 2, arbitrary: scalar() },
    { weight: 1, arbitrary: value(2) },
  );

/** A field's condition: a value, or operators (some of them left to mingo by the translation). */
const condition = (held: readonly unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: operand(held) },
    {
      weight: 6,
      arbitrary: fc
        .array(
          fc.oneof(
            fc.tuple(fc.constantFrom('$eq', '$ne', '$gt', '$gte', '$lt', '$lte'), operand(held)),
            fc.tuple(fc.constantFrom('$in', '$nin'), fc.array(operand(held), { maxLength: 3 })),
            fc.tuple(fc.constant('$exists'), fc.boolean()),
            fc.tuple(fc.constant('$size'), fc.constantFrom(0, 1, 2)),
            fc.tuple(fc.constant('$all'), fc.array(scalar(), { minLength: 1, maxLength: 2 })),
            fc.tuple(fc.constant('$not'), fc.oneof(operand(held), fc.record({ $gt: scalar() }), fc.record({ $in: fc.array(scalar(), { maxLength: 2 }) }))),
            fc.tuple(fc.constant('$regex'), fc.constantFrom('^a', 'b', '^$', '1')),
            fc.tuple(fc.constant('$elemMatch'), fc.oneof(fc.record({ sku: fc.constantFrom('X', 'Y') }), fc.record({ $gt: fc.constantFrom(0, 1, 'a') }))),
            fc.tuple(fc.constant('$type'), fc.constantFrom('string', 'number', 'array', 'object', 'null', 'bool')),
          ),
          { minLength: 1, maxLength: 2, depthIdentifier: 'operators' },
        )
        .map((pairs) => Object.fromEntries(pairs)),
    },
  );

/** A filter document, its operands mostly among `held` (the values the documents hold). */
export const filter = (held: readonly unknown[] = [], pairs: ReadonlyArray<readonly [string, unknown]> = []): fc.Arbitrary<Filter> =>
  fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 6, arbitrary: anchored(pairs) },
      { weight: 8, arbitrary: fc.dictionary(path(), condition(held), { minKeys: 1, maxKeys: 2, noNullPrototype: true }) as fc.Arbitrary<Filter> },
      { weight: 1, arbitrary: fc.record({ $or: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }) as fc.Arbitrary<Filter> },
      { weight: 1, arbitrary: fc.record({ $and: fc.array(tie('filter'), { minLength: 1, maxLength: 3 }) }) as fc.Arbitrary<Filter> },
      { weight: 1, arbitrary: fc.record({ $nor: fc.array(tie('filter'), { minLength: 1, maxLength: 2 }) }) as fc.Arbitrary<Filter> },
      { weight: 1, arbitrary: fc.tuple(fc.dictionary(path(), condition(held), { maxKeys: 2, noNullPrototype: true }), tie('filter')).map(([fields, nested]) => ({ ...fields, $or: [nested, { status: 'OPEN' }] })) },
    ),
  })).filter;

/** A sort ending in _id, so the order is total in every adapter. */
export const sort = (): fc.Arbitrary<Sort> =>
  fc
    .array(fc.tuple(path().filter((key) => key !== '_id'), fc.constantFrom<1 | -1>(1, -1)), { maxLength: 2 })
    .map((keys) => ({ ...Object.fromEntries(keys), _id: 1 }) as Sort);
