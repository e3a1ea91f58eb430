/**
 * MongoDB filter documents and sorts as SQL over a `doc jsonb` column, meaning what mingo (the
 * in-memory adapter) makes of them, so both adapters answer alike.
 *
 * A translated filter is a {@link Condition}: `sql` selects candidate rows and is exact on every row
 * where `unsure` is not true; rows where it is true (and every row, for an operator without an exact
 * translation) are candidates only, and the caller tests them with mingo. Values always travel as
 * parameters; field names are SQL string literals (an expression index only serves an expression
 * written with the same constants).
 *
 * Exact: equality (`{f: v}`, `$eq`, `$ne`) on top-level fields and dotted paths, including an array
 * holding the value and mingo's flattening of nested arrays by the depth of the path, against
 * scalars, arrays and objects; `$gt $gte $lt $lte` against strings (with no character at or above
 * U+D800: JavaScript compares UTF-16 code units, PostgreSQL code points), numbers, booleans and null;
 * `$in $nin $exists $size $all $not $and $or $nor`; numeric path components (`lines.0.sku`).
 * A dotted path is exact on rows where no array stands where the path names a field (`lines.sku` on
 * an array of lines): mingo maps such arrays in ways (dropping missing values, unwrapping, nested
 * arrays returned unresolved) that SQL does not imitate, so those rows are unsure. Everything else
 * (`$regex`, `$elemMatch`, `$type`, `$mod`, `$expr`, `$where`, comparisons with arrays or objects,
 * values that are not JSON) is left to mingo.
 *
 * Fields named in `plain` (the store's indexed fields, on the rows that hold a string or nothing
 * there) and `_id` (always a string, kept in the `id` column) are compared as text, which is what
 * lets a btree index on `(doc ->> 'field') COLLATE "C"` serve the condition.
 */
import { Query } from 'mingo';
import { escapeLiteral } from 'pg';
import { Filter, Sort } from './read-store.port';

/**
 * The values of one statement. A translation adds values for conditions it may fold away later, so
 * placeholders are numbered when the statement is complete ({@link SqlParams.bind}): until then they
 * are marked with NUL characters, which no SQL literal can hold.
 */
export class SqlParams {
  private readonly values: unknown[] = [];

  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `\u0000${this.values.length - 1}\u0000::${cast}`;
  }

  json(value: unknown): string {
    return this.add(JSON.stringify(value), 'jsonb');
  }

  /** The statement with `$1`, `$2`, ... for the values it uses, and those values in that order. */
  bind(text: string): { text: string; values: unknown[] } {
    const numbers = new Map<number, number>();
    const values: unknown[] = [];
    const bound = text.replace(/\u0000(\d+)\u0000/g, (_, index: string) => {
      let number = numbers.get(Number(index));
      if (number === undefined) {
        values.push(this.values[Number(index)]);
        number = values.length;
        numbers.set(Number(index), number);
      }
      return `$${number}`;
    });
    return { text: bound, values };
  }
}

export interface Condition {
  /**
   * Candidate rows: every matching row, and exactly the matching ones wherever `unsure` is not true.
   * NULL counts as false.
   */
  readonly sql: string;
  /** Where the rows `sql` selects must be tested with mingo; null: nowhere. */
  readonly unsure: string | null;
}

export const TRUE: Condition = { sql: 'TRUE', unsure: null };
export const FALSE: Condition = { sql: 'FALSE', unsure: null };
/** Every row a candidate, every row tested with mingo. */
export const UNKNOWN: Condition = { sql: 'TRUE', unsure: 'TRUE' };

export interface TranslationContext {
  /** The row's document and id, qualified (`t.doc`, `t.id`). */
  readonly doc: string;
  readonly id: string;
  /** Top-level fields that hold a string or nothing on every row the statement reads. */
  readonly plain: ReadonlySet<string>;
  readonly params: SqlParams;
}

export const sqlLiteral = (text: string): string => escapeLiteral(text);

const isSure = (condition: Condition, sql: string): boolean => condition.unsure === null && condition.sql === sql;

const orUnsure = (parts: readonly (string | null)[]): string | null => {
  const present = parts.filter((part): part is string => part !== null);
  if (present.length === 0) return null;
  if (present.includes('TRUE')) return 'TRUE';
  return present.length === 1 ? present[0]! : present.map((part) => `(${part})`).join(' OR ');
};

export const and = (conditions: readonly Condition[]): Condition => {
  if (conditions.some((condition) => isSure(condition, 'FALSE'))) return FALSE;
  const rest = conditions.filter((condition) => !isSure(condition, 'TRUE'));
  if (rest.length === 0) return TRUE;
  if (rest.length === 1) return rest[0]!;
  const sql = rest.filter((condition) => condition.sql !== 'TRUE').map((condition) => `(${condition.sql})`);
  return { sql: sql.length === 0 ? 'TRUE' : sql.join(' AND '), unsure: orUnsure(rest.map((condition) => condition.unsure)) };
};

export const or = (conditions: readonly Condition[]): Condition => {
  if (conditions.some((condition) => isSure(condition, 'TRUE'))) return TRUE;
  const rest = conditions.filter((condition) => !isSure(condition, 'FALSE'));
  if (rest.length === 0) return FALSE;
  if (rest.length === 1) return rest[0]!;
  const unsure = orUnsure(rest.map((condition) => condition.unsure));
  if (rest.some((condition) => condition.sql === 'TRUE')) return { sql: 'TRUE', unsure };
  return { sql: rest.map((condition) => `(${condition.sql})`).join(' OR '), unsure };
};

export const not = (condition: Condition): Condition => {
  if (isSure(condition, 'TRUE')) return FALSE;
  if (isSure(condition, 'FALSE')) return TRUE;
  if (condition.unsure === null) return { sql: `(${condition.sql}) IS NOT TRUE`, unsure: null };
  if (condition.unsure === 'TRUE') return UNKNOWN;
  return { sql: `(${condition.unsure}) IS TRUE OR (${condition.sql}) IS NOT TRUE`, unsure: condition.unsure };
};

// ---------------------------------------------------------------------------------------------
// Values

const hasOwn = Object.prototype.hasOwnProperty;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
};

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL keeps the string as it is (no NUL, no lone surrogate). */
const isStorableString = (text: string): boolean => !text.includes('\u0000') && !LONE_SURROGATE.test(text);

/** A value jsonb holds as JavaScript does: null, booleans, finite numbers, strings, arrays, plain objects. */
export const isJsonValue = (value: unknown): boolean => {
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'string':
      return isStorableString(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isJsonValue(value[i])) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key in value) if (hasOwn.call(value, key) && (!isStorableString(key) || !isJsonValue(value[key]))) return false;
      return true;
    }
    default:
      return false;
  }
};

type Scalar = string | number | boolean | null;
const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Strings whose order is the same by UTF-16 code units (JavaScript) and by code points (COLLATE "C"). */
const comparesAlike = (text: string): boolean => !/[\uD800-\uFFFF]/.test(text);

// ---------------------------------------------------------------------------------------------
// Paths

const DIGITS = /^[0-9]+$/;
/** Indexes PostgreSQL reads as mingo does (mingo reads "01" as 1, and large ones as missing). */
const INDEX = /^(0|[1-9][0-9]{0,8})$/;

/** The components of a dotted path, or undefined when it is not translated. */
export const parsePath = (key: string): string[] | undefined => {
  const path = key.split('.');
  for (const component of path) {
    // A NUL cannot be in an SQL literal (and marks parameters here).
    if (component === '' || component === '__proto__' || component.includes('\u0000')) return undefined;
    if (DIGITS.test(component) && !INDEX.test(component)) return undefined;
  }
  return path;
};

/**
 * What a path reads on a row. `text`: a string (or NULL when missing and `nullable`), compared as
 * text. `json`: the jsonb at the path (NULL when missing), `depth` the number of dots (mingo flattens
 * nested arrays that deep for equality), `unsure` where an array stands for a named field.
 * `constant`: a path that reads nothing on any row (under a string).
 */
type PathValue =
  | { readonly kind: 'text'; readonly expr: string; readonly nullable: boolean }
  | {
      readonly kind: 'json';
      readonly expr: string;
      readonly depth: number;
      readonly unsure: string | null;
      readonly root: string;
      /** `doc ? 'field'`, for a top-level field. */
      readonly has: string | null;
    }
  | { readonly kind: 'constant' };

const jsonAt = (doc: string, path: readonly string[]): string =>
  path.length === 1 ? `(${doc} -> ${sqlLiteral(path[0]!)})` : `(${doc} #> ARRAY[${path.map(sqlLiteral).join(', ')}]::text[])`;

const pathValue = (context: TranslationContext, path: readonly string[]): PathValue => {
  const [field] = path as [string, ...string[]];
  const textual = field === '_id' || context.plain.has(field);
  if (textual && path.length > 1) return { kind: 'constant' };
  if (field === '_id') return { kind: 'text', expr: context.id, nullable: false };
  if (textual) return { kind: 'text', expr: `(${context.doc} ->> ${sqlLiteral(field)})`, nullable: true };
  const arrays: string[] = [];
  for (let k = 1; k < path.length; k++) {
    if (!DIGITS.test(path[k]!)) arrays.push(`jsonb_typeof(${jsonAt(context.doc, path.slice(0, k))}) = 'array'`);
  }
  return {
    kind: 'json',
    expr: jsonAt(context.doc, path),
    depth: path.length - 1,
    unsure: arrays.length === 0 ? null : arrays.join(' OR '),
    root: jsonAt(context.doc, path.slice(0, 1)),
    has: path.length === 1 ? `(${context.doc} ? ${sqlLiteral(field)})` : null,
  };
};

// ---------------------------------------------------------------------------------------------
// Operators on one path

let aliasCounter = 0;
const alias = (): string => `e${(aliasCounter = (aliasCounter + 1) % 1_000_000)}`;

const elementsOf = (json: string): string => `jsonb_array_elements(CASE WHEN jsonb_typeof(${json}) = 'array' THEN ${json} END)`;

/** EXISTS an element `levels` arrays deep in `json` (1: its elements) for which `predicate` holds. */
const existsAtLevel = (json: string, levels: number, predicate: (element: string) => string): string => {
  const from: string[] = [];
  let current = json;
  for (let level = 1; level <= levels; level++) {
    const name = alias();
    from.push(`${elementsOf(current)} AS ${name}(v)`);
    current = `${name}.v`;
  }
  return `EXISTS (SELECT 1 FROM ${from.join(', ')} WHERE ${predicate(current)})`;
};

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** mingo's `$eq`: equal, or an array holding it (flattened by the depth of the path). */
const equals = (context: TranslationContext, value: PathValue, expected: unknown): Condition => {
  if (value.kind === 'text') {
    if (typeof expected === 'string') return { sql: `${value.expr} COLLATE "C" = ${context.params.add(expected, 'text')}`, unsure: null };
    if (expected === null && value.nullable) return { sql: `${value.expr} IS NULL`, unsure: null };
    return FALSE;
  }
  if (value.kind !== 'json') return UNKNOWN;
  const x = value.expr;
  const d = value.depth;
  if (isScalar(expected)) {
    // `a @> scalar` holds when a equals it or is an array holding it at its top level; deeper
    // levels (up to depth + 1) are looked for element by element.
    const parameter = context.params.json(expected);
    const deeper = range(1, d).map((level) => existsAtLevel(x, level, (element) => `${element} @> ${parameter}`));
    const exact = [`${x} @> ${parameter}`, ...deeper];
    if (expected === null) exact.unshift(`${x} IS NULL`);
    return { sql: exact.join(' OR '), unsure: null };
  }
  const parameter = context.params.json(expected);
  // An object matches at any level up to depth + 1; an array at the first or at depth + 1 only
  // (flattening pushes arrays as they are only once it has no depth left).
  const levels = Array.isArray(expected) ? [...new Set([1, d + 1])] : range(1, d + 1);
  return {
    sql: [`${x} = ${parameter}`, ...levels.map((level) => existsAtLevel(x, level, (element) => `${element} = ${parameter}`))].join(' OR '),
    unsure: null,
  };
};

type Comparison = '>' | '>=' | '<' | '<=';

/** mingo's `$gt` and friends: the value, or an element of it, of the same type, compares so. */
const compares = (context: TranslationContext, value: PathValue, operator: Comparison, bound: unknown): Condition => {
  if (value.kind === 'text') {
    if (typeof bound !== 'string') return FALSE;
    if (!comparesAlike(bound)) return UNKNOWN;
    return { sql: `${value.expr} COLLATE "C" ${operator} ${context.params.add(bound, 'text')}`, unsure: null };
  }
  if (value.kind !== 'json') return UNKNOWN;
  let single: (json: string) => string;
  switch (typeof bound) {
    case 'string': {
      if (!comparesAlike(bound)) return UNKNOWN;
      const parameter = context.params.add(bound, 'text');
      single = (json) => `(CASE WHEN jsonb_typeof(${json}) = 'string' THEN ${json} #>> '{}' END) COLLATE "C" ${operator} ${parameter}`;
      break;
    }
    case 'number': {
      if (!Number.isFinite(bound)) return UNKNOWN;
      const parameter = context.params.add(String(bound), 'numeric');
      single = (json) => `(CASE WHEN jsonb_typeof(${json}) = 'number' THEN (${json})::numeric END) ${operator} ${parameter}`;
      break;
    }
    case 'boolean': {
      const parameter = context.params.add(bound, 'boolean');
      single = (json) => `(CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN (${json})::boolean END) ${operator} ${parameter}`;
      break;
    }
    case 'object':
      if (bound === null) {
        // null only compares equal to null.
        if (operator === '>' || operator === '<') return FALSE;
        return { sql: `${value.expr} @> 'null'::jsonb`, unsure: null };
      }
      return UNKNOWN;
    default:
      return UNKNOWN;
  }
  return { sql: `${single(value.expr)} OR ${existsAtLevel(value.expr, 1, single)}`, unsure: null };
};

/** mingo's `$in`: missing or null when the list holds null; else the value, or an element of an array, in the list. */
const isIn = (context: TranslationContext, value: PathValue, list: unknown): Condition => {
  if (!Array.isArray(list) || !list.every(isJsonValue)) return UNKNOWN;
  const holdsNull = list.includes(null);
  if (value.kind === 'text') {
    const strings = list.filter((item): item is string => typeof item === 'string');
    const parts: Condition[] = [];
    if (strings.length > 0) parts.push({ sql: `${value.expr} COLLATE "C" = ANY(${context.params.add(strings, 'text[]')})`, unsure: null });
    if (holdsNull && value.nullable) parts.push({ sql: `${value.expr} IS NULL`, unsure: null });
    return or(parts);
  }
  if (value.kind !== 'json') return UNKNOWN;
  if (list.length === 0) return FALSE;
  const x = value.expr;
  const parameter = context.params.add(
    list.map((item) => JSON.stringify(item)),
    'jsonb[]',
  );
  const name = alias();
  return {
    sql:
      `CASE WHEN ${x} IS NULL OR jsonb_typeof(${x}) = 'null' THEN ${holdsNull ? 'TRUE' : 'FALSE'}` +
      ` WHEN jsonb_typeof(${x}) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${x}) AS ${name}(v) WHERE ${name}.v = ANY(${parameter}))` +
      ` ELSE ${x} = ANY(${parameter}) END`,
    unsure: null,
  };
};

const exists = (value: PathValue, wanted: boolean): Condition => {
  if (value.kind === 'text') {
    if (!value.nullable) return wanted ? TRUE : FALSE;
    return { sql: `${value.expr} IS ${wanted ? 'NOT ' : ''}NULL`, unsure: null };
  }
  if (value.kind !== 'json') return UNKNOWN;
  // The same test, but the planner estimates `NOT (doc ? 'f')` as nearly every row and
  // `doc -> 'f' IS NULL` as almost none, which would keep it from reading a page in index order.
  if (!wanted && value.has !== null) return { sql: `NOT ${value.has}`, unsure: null };
  return { sql: `${value.expr} IS ${wanted ? 'NOT ' : ''}NULL`, unsure: null };
};

const size = (context: TranslationContext, value: PathValue, length: unknown): Condition => {
  if (value.kind === 'text') return FALSE;
  if (value.kind !== 'json') return UNKNOWN;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 2 ** 31 - 1) return FALSE;
  const x = value.expr;
  return { sql: `(CASE WHEN jsonb_typeof(${x}) = 'array' THEN jsonb_array_length(${x}) END) = ${context.params.add(length, 'integer')}`, unsure: null };
};

/** mingo's `$all`: a non-empty array holding each of a non-empty list (as elements, not flattened). */
const all = (context: TranslationContext, value: PathValue, list: unknown): Condition => {
  if (!Array.isArray(list) || list.length === 0) return FALSE;
  if (!list.every(isJsonValue)) return UNKNOWN;
  if (list.some((item) => isPlainObject(item) && Object.keys(item)[0] === '$elemMatch')) return UNKNOWN;
  if (value.kind === 'text') return FALSE;
  if (value.kind !== 'json') return UNKNOWN;
  const x = value.expr;
  const scalars = list.filter(isScalar);
  const others = list.filter((item) => !isScalar(item));
  const parts = [scalars.length > 0 ? `${x} @> ${context.params.json(scalars)}` : `jsonb_typeof(${x}) = 'array'`];
  for (const item of others) {
    const parameter = context.params.json(item);
    parts.push(existsAtLevel(x, 1, (element) => `${element} = ${parameter}`));
  }
  return { sql: parts.join(' AND '), unsure: null };
};

const isOperator = (name: string): boolean => /^\$[a-zA-Z0-9_]+$/.test(name);

/** mingo's reading of a field's condition: operators, or a value to equal. */
const operatorsOf = (expression: unknown): Array<[string, unknown]> | undefined => {
  if (isScalar(expression) || Array.isArray(expression)) return [['$eq', expression]];
  if (!isPlainObject(expression)) return undefined;
  const keys = Object.keys(expression);
  if (!keys.some(isOperator)) return [['$eq', expression]];
  if (hasOwn.call(expression, '$regex')) return undefined;
  return keys.map((key) => [key, expression[key]]);
};

/**
 * Rows where a path crosses an array are unsure; among them, for a scalar sought by equality, only
 * those holding it somewhere under the path's first field can match.
 */
const narrowed = (context: TranslationContext, value: PathValue & { kind: 'json' }, operators: Array<[string, unknown]>): string | null => {
  for (const [operator, operand] of operators) {
    if (operator === '$eq' && isScalar(operand) && operand !== null) {
      return `jsonb_path_exists(${value.root}, 'lax $.** ? (@ == $v)', jsonb_build_object('v', ${context.params.json(operand)}))`;
    }
    if (operator === '$in' && Array.isArray(operand) && operand.length > 0 && operand.every((item) => isScalar(item) && item !== null)) {
      return `jsonb_path_exists(${value.root}, 'lax $.** ? (@ == $v[*])', jsonb_build_object('v', ${context.params.json(operand)}))`;
    }
  }
  return null;
};

const translateField = (context: TranslationContext, key: string, expression: unknown): Condition => {
  const path = parsePath(key);
  const operators = operatorsOf(expression);
  if (path === undefined || operators === undefined) return UNKNOWN;
  const value = pathValue(context, path);
  if (value.kind === 'constant') {
    // The path reads nothing on any row: what mingo answers for a document without it.
    try {
      return new Query({ [key]: expression }).test({}) ? TRUE : FALSE;
    } catch {
      return UNKNOWN;
    }
  }
  const conditions = operators.map(([operator, operand]): Condition => {
    switch (operator) {
      case '$eq':
        return isJsonValue(operand) ? equals(context, value, operand) : UNKNOWN;
      case '$ne':
        return isJsonValue(operand) ? not(equals(context, value, operand)) : UNKNOWN;
      case '$gt':
        return compares(context, value, '>', operand);
      case '$gte':
        return compares(context, value, '>=', operand);
      case '$lt':
        return compares(context, value, '<', operand);
      case '$lte':
        return compares(context, value, '<=', operand);
      case '$in':
        return isIn(context, value, operand);
      case '$nin':
        return not(isIn(context, value, operand));
      case '$exists':
        return exists(value, Boolean(operand));
      case '$size':
        return size(context, value, operand);
      case '$all':
        return all(context, value, operand);
      case '$not':
        return operand instanceof RegExp ? UNKNOWN : not(translateField(context, key, operand));
      default:
        return UNKNOWN;
    }
  });
  const condition = and(conditions);
  // Where the path crosses an array, what SQL read at the path means nothing: such rows are
  // candidates (the ones holding a sought value, when one is sought), to be tested with mingo.
  if (value.kind !== 'json' || value.unsure === null) return condition;
  const narrow = narrowed(context, value, operators);
  const candidates = narrow === null ? `(${value.unsure})` : `(${value.unsure}) AND ${narrow}`;
  return {
    sql: condition.sql === 'TRUE' ? 'TRUE' : `(${candidates}) OR (${condition.sql})`,
    unsure: orUnsure([value.unsure, condition.unsure]),
  };
};

/** The filter as a condition on the row `context` names. */
export const translateFilter = (context: TranslationContext, filter: Filter): Condition => {
  if (!isPlainObject(filter)) return UNKNOWN;
  const conditions: Condition[] = [];
  for (const key of Object.keys(filter)) {
    const expression = filter[key];
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(expression) || !expression.every(isPlainObject)) return UNKNOWN;
      const parts = (expression as Filter[]).map((part) => translateFilter(context, part));
      conditions.push(key === '$and' ? and(parts) : key === '$or' ? or(parts) : not(or(parts)));
    } else if (key.startsWith('$')) {
      conditions.push(UNKNOWN);
    } else {
      conditions.push(translateField(context, key, expression));
    }
  }
  return and(conditions);
};

// ---------------------------------------------------------------------------------------------
// Sorts

export interface TranslatedSort {
  /** ORDER BY terms, in mingo's order of values: missing and null, numbers, strings, objects, arrays, booleans. */
  readonly orderBy: readonly string[];
  /**
   * Where a row's sort value is one SQL does not order as mingo does (an array, an object, or a path
   * crossing an array); null: nowhere.
   */
  readonly complex: string | null;
}

/** The sort in SQL, or undefined when a key is not a path SQL reads. */
export const translateSort = (context: TranslationContext, sort: Sort): TranslatedSort | undefined => {
  const orderBy: string[] = [];
  const complex: string[] = [];
  for (const key of Object.keys(sort)) {
    const descending = sort[key] === -1;
    const direction = descending ? 'DESC' : 'ASC';
    const path = parsePath(key);
    if (path === undefined) return undefined;
    const value = pathValue(context, path);
    if (value.kind === 'constant') continue;
    if (value.kind === 'text') {
      orderBy.push(value.nullable ? `${value.expr} COLLATE "C" ${descending ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}` : `${value.expr} COLLATE "C" ${direction}`);
      continue;
    }
    const x = value.expr;
    if (value.unsure !== null) complex.push(value.unsure);
    complex.push(`jsonb_typeof(${x}) IN ('array', 'object')`);
    orderBy.push(
      `CASE jsonb_typeof(${x}) WHEN 'number' THEN 3 WHEN 'string' THEN 4 WHEN 'object' THEN 6 WHEN 'array' THEN 7 WHEN 'boolean' THEN 9 ELSE 2 END ${direction}`,
      `(CASE WHEN jsonb_typeof(${x}) = 'number' THEN (${x})::numeric END) ${direction}`,
      `(CASE WHEN jsonb_typeof(${x}) = 'string' THEN ${x} #>> '{}' END) COLLATE "C" ${direction}`,
      `(CASE WHEN jsonb_typeof(${x}) = 'boolean' THEN (${x})::boolean END) ${direction}`,
    );
  }
  return { orderBy, complex: complex.length === 0 ? null : complex.map((part) => `(${part})`).join(' OR ') };
};
