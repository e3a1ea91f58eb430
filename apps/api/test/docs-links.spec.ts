/**
 * The product's documentation (README.md and docs/*.md) against the code, so the two cannot drift
 * apart in silence: every relative link resolves to a file (and an anchor to a heading), nothing
 * links outside the repository, every status and pending reason the domain exports is in the tables
 * of docs/product.md (and nothing else is), every stream kind and event type of the aggregates'
 * registry is in docs/streams.md, every error code the code produces and every route of the OpenAPI
 * document is in docs/api.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as aggregates from '@app/domain/aggregates';
import { STREAM_PREFIXES } from '@app/domain/shared/streams';
import { EVENT_PARKED, PARKED_EVENT_RESOLVED, PARKED_RETRY_FAILED, PARKED_RETRY_REQUESTED, PARKED_STREAM_PREFIX } from '@app/event-store';
import { buildOpenApiDocument } from '../src/http/openapi';

const ROOT = resolve(__dirname, '../../..');
const DOCS = join(ROOT, 'docs');
const read = (path: string) => readFileSync(path, 'utf8');

const markdownFiles = (): string[] => [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name)),
];

/** The text outside fenced code blocks and inline code, where a link is a link. */
const prose = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

const linksOf = (markdown: string): string[] => [...prose(markdown).matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slugOf = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const anchorsOf = (markdown: string): Set<string> =>
  new Set([...markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slugOf(m[1]!)));

/** The rows of the first table under the heading `## <title>`: the cells of each row, backticks kept. */
const tableUnder = (markdown: string, title: string): string[][] => {
  const start = markdown.search(new RegExp(`^#{2,4} ${title}\\s*$`, 'm'));
  if (start < 0) throw new Error(`No section "${title}"`);
  const rest = markdown.slice(start).split('\n').slice(1);
  const end = rest.findIndex((line) => /^#{1,4} /.test(line));
  const lines = (end < 0 ? rest : rest.slice(0, end)).filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim()),
  );
};

const codesIn = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

/** The exported values of every module of the domain, by export name. */
const domainExports = (): Map<string, unknown> => {
  const found = new Map<string, unknown>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        for (const [key, value] of Object.entries(require(path) as Record<string, unknown>)) found.set(key, value);
      }
    }
  };
  walk(join(ROOT, 'libs/domain/src'));
  return found;
};

/** Every source file of the running code (no tests, no benchmarks). */
const sourceFiles = (): string[] => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) files.push(path);
    }
  };
  for (const dir of ['libs/domain/src', 'libs/application/src', 'libs/read-models/src', 'libs/event-store/src', 'apps/api/src']) walk(join(ROOT, dir));
  return files.filter((path) => !path.includes('/testing/'));
};

describe('the documentation', () => {
  const files = markdownFiles();
  const product = read(join(DOCS, 'product.md'));
  const streams = read(join(DOCS, 'streams.md'));
  const api = read(join(DOCS, 'api.md'));

  it('has the pages the README links to', () => {
    const readme = read(join(ROOT, 'README.md'));
    for (const page of ['docs/product.md', 'docs/api.md', 'docs/streams.md', 'docs/decisions.md', 'BENCHMARKS.md']) {
      expect(linksOf(readme)).toContain(page);
    }
  });

  it.each(files.map((path) => [relative(ROOT, path), path]))('%s: every relative link resolves to a file, and an anchor to a heading', (_name, path) => {
    const broken: string[] = [];
    for (const link of linksOf(read(path))) {
      if (/^[a-z][a-z+.-]*:/i.test(link)) continue;
      const [target, anchor] = link.split('#') as [string, string | undefined];
      const file = target === '' ? path : resolve(dirname(path), decodeURI(target));
      if (!existsSync(file)) {
        broken.push(`${link}: no file ${relative(ROOT, file)}`);
        continue;
      }
      if (relative(ROOT, file).startsWith('..')) broken.push(`${link}: outside the repository`);
      if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(read(file)).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  it.each(files.map((path) => [relative(ROOT, path), path]))('%s: nothing points into ../shared', (_name, path) => {
    expect(read(path)).not.toMatch(/\.\.\/shared|\/work\/shared/);
  });

  describe('docs/product.md', () => {
    const exported = domainExports();
    /** Every exported list of statuses or reasons in the domain (ORDER_STATUSES, PENDING_REASONS, …). */
    const lists = [...exported].filter(
      (entry): entry is [string, readonly string[]] =>
        /(_STATUSES|_REASONS)$/.test(entry[0]) && Array.isArray(entry[1]) && entry[1].every((v) => typeof v === 'string'),
    );

    it('finds the lists it checks', () => {
      expect(lists.map(([name]) => name)).toEqual(expect.arrayContaining(['ORDER_STATUSES', 'PURCHASE_ORDER_STATUSES', 'PENDING_REASONS']));
    });

    it.each([
      ['ORDER_STATUSES', 'Order statuses'],
      ['PURCHASE_ORDER_STATUSES', 'Purchase order statuses'],
      ['PENDING_REASONS', 'Pending reasons'],
    ])('its table of %s has one row per value the domain exports, and no other', (name, section) => {
      const documented = tableUnder(product, section).map((row) => codesIn(row[0]!)[0]);
      expect([...documented].sort()).toEqual([...(exported.get(name) as string[])].sort());
    });

    it('names every value of every other exported list of statuses or reasons', () => {
      const missing = lists.flatMap(([name, values]) => values.filter((v) => !product.includes(`\`${v}\``)).map((v) => `${name}: ${v}`));
      expect(missing).toEqual([]);
    });

    it('has a row for every setting, with its default', () => {
      const defaults = exported.get('DEFAULT_SETTINGS') as Record<string, unknown>;
      const rows = new Map(tableUnder(product, 'Settings').map((row) => [codesIn(row[0]!)[0], codesIn(row[2]!)[0]]));
      for (const [setting, value] of Object.entries(defaults)) expect([setting, rows.get(setting)]).toEqual([setting, JSON.stringify(value)]);
      expect(rows.size).toBe(Object.keys(defaults).length);
    });

    it('states the invariants the audit checks, one numbered item each', () => {
      const section = product.slice(product.indexOf('## Invariants'));
      for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(section).toMatch(new RegExp(`^${n}\\. `, 'm'));
      expect(section).toContain('npm run --silent audit -- verify --invariants');
    });
  });

  describe('docs/streams.md', () => {
    /** Every aggregate registered (exported with its category and event schema, a zod discriminated union). */
    type Registered = { category: string; eventSchema: { options: readonly { shape: { type: { value: string } } }[] } };
    const registry = (Object.values(aggregates) as unknown[]).filter(
      (value): value is Registered =>
        typeof value === 'object' && value !== null && typeof (value as { category?: unknown }).category === 'string' && 'eventSchema' in value,
    );
    const streamRows = tableUnder(streams, 'Stream names');

    it('finds the registry it checks', () => {
      expect(registry.map((aggregate) => aggregate.category)).toEqual(expect.arrayContaining(['account', 'order', 'po', 'bin']));
    });

    it('has a row of the stream-name table for every stream kind of the registry, with its pattern', () => {
      const categories = new Map(streamRows.map((row) => [codesIn(row[1]!)[0], codesIn(row[0]!)[0]]));
      for (const { category } of registry) {
        expect([category, categories.has(category)]).toEqual([category, true]);
        expect(categories.get(category)!.startsWith(`${category}-`)).toBe(true);
      }
      for (const prefix of [...Object.values(STREAM_PREFIXES), PARKED_STREAM_PREFIX]) {
        expect(streamRows.some((row) => codesIn(row[0]!)[0]!.startsWith(prefix))).toBe(true);
      }
    });

    it('describes every event type of every stream kind under its own heading', () => {
      const missing: string[] = [];
      for (const { category, eventSchema } of registry) {
        const pattern = codesIn(streamRows.find((row) => codesIn(row[1]!)[0] === category)![0]!)[0]!;
        const documented = new Set(tableUnder(streams, `\`${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``).map((row) => codesIn(row[0]!)[0]));
        for (const option of eventSchema.options) if (!documented.has(option.shape.type.value)) missing.push(`${category}: ${option.shape.type.value}`);
      }
      const parked = new Set(tableUnder(streams, '`parked-<processor>`').map((row) => codesIn(row[0]!)[0]));
      for (const type of [EVENT_PARKED, PARKED_RETRY_REQUESTED, PARKED_EVENT_RESOLVED, PARKED_RETRY_FAILED]) if (!parked.has(type)) missing.push(`parked: ${type}`);
      expect(missing).toEqual([]);
    });

    it('names every metadata field the command path writes', () => {
      const fields = new Set(tableUnder(streams, 'Metadata').map((row) => codesIn(row[0]!)[0]));
      for (const field of ['correlationId', 'causationId', 'occurredAt', 'actor', 'commandId', 'schemaVersion']) expect(fields).toContain(field);
    });
  });

  describe('docs/api.md', () => {
    it('lists every error code the code produces', () => {
      const codes = new Set<string>();
      for (const file of sourceFiles()) {
        const text = read(file);
        for (const m of text.matchAll(/new DomainError\(\s*'[a-z_]+',\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(m[1]!);
        for (const m of text.matchAll(/notFound\(\s*'([A-Z][A-Z0-9_]+)'/g)) codes.add(m[1]!);
        // problem(status, code, …): every upper-case literal in the code argument (`a ? 'X' : 'Y'` included).
        for (const m of text.matchAll(/\bproblem\(\s*[^,()]+,\s*([^,]+),/g)) {
          for (const literal of m[1]!.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) codes.add(literal[1]!);
        }
      }
      // The scan itself must see codes of each kind: the domain's, the edge's, the ternary's.
      expect([...codes]).toEqual(expect.arrayContaining(['INVENTORY_NOT_AVAILABLE', 'BIN_NOT_FOUND', 'STEP_NOT_FINISHED', 'UNAUTHENTICATED', 'FORBIDDEN']));
      expect([...codes].filter((code) => !api.includes(`\`${code}\``))).toEqual([]);
    });

    it('has a row for every route of the OpenAPI document', () => {
      const short: Record<string, string> = { '{accountId}': '{a}', '{orderId}': '{o}', '{purchaseOrderId}': '{p}' };
      const paths = buildOpenApiDocument().paths as Record<string, Record<string, unknown>>;
      const routes = Object.entries(paths).flatMap(([path, methods]) =>
        Object.keys(methods)
          .filter((method) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
          .map((method) => `${method.toUpperCase()} ${path.replace(/\{[A-Za-z]+\}/g, (p) => short[p] ?? p)}`),
      );
      expect(routes.length).toBeGreaterThan(20);
      expect(routes.filter((route) => !new RegExp(`\`${route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\`? ]`).test(api))).toEqual([]);
    });
  });
});
