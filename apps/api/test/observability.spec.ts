/**
 * Operations (SPEC.md): JSON log lines (one per request, with its request id; one per processor
 * decision that parks; errors with their stack), `X-Request-Id` on every response, `/health/live`
 * and `/health/ready`, and `/metrics` in the Prometheus text format, read with a strict parser.
 */
import { loadConfig } from '@app/config';
import { ANY, EventStore, ProcessorRunner } from '@app/event-store';
import { EVENT_STORE, POSTGRES_POOL, PROCESSOR_RUNNER } from '@app/event-store/nest/tokens';
import { FULFILMENT } from '@app/application/sagas/fulfilment.saga';
import { createTestDatabase, describeWithPostgres, TestDatabase } from '@app/event-store/testing/postgres';
import { Pool } from 'pg';
import { createApiApp } from '../src/bootstrap';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type LogLine = Record<string, unknown> & { level: string; msg?: string };

/** An api on an in-memory log whose JSON lines are collected and parsed. */
const startApi = async (logger: false | ('error' | 'warn' | 'log' | 'debug')[] = ['log'], env: Record<string, string> = {}) => {
  const config = loadConfig({ SQLITE_PATH: ':memory:', ADMIN_TOKEN, LOG_LEVEL: 'error', ...env });
  const raw: string[] = [];
  const logStream = { write: (chunk: string) => void raw.push(...chunk.split('\n').filter((l) => l.length > 0)) };
  const app = await createApiApp(config, { logger, logStream });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const request = async (method: 'GET' | 'POST', url: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) => {
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const response = await app.inject({
      method,
      url,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }),
    });
    return { status: response.statusCode, headers: response.headers, body: response.body, json: () => JSON.parse(response.body) as Record<string, unknown> };
  };
  // Every line must be JSON: parsing them all is part of every test.
  const lines = (): LogLine[] => raw.map((line) => JSON.parse(line) as LogLine);
  const until = async (what: string, found: () => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!found()) {
      if (Date.now() > deadline) throw new Error(`no ${what} in the log:\n${raw.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const linesOf = (requestId: unknown) => lines().filter((line) => line['requestId'] === requestId);
  return { app, request, lines, linesOf, until, store: app.get<EventStore>(EVENT_STORE), runner: app.get<ProcessorRunner>(PROCESSOR_RUNNER) };
};

type Api = Awaited<ReturnType<typeof startApi>>;

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
interface Family {
  readonly type: string;
  help?: string;
  readonly samples: Sample[];
}

/**
 * A strict reader of the Prometheus text format 0.0.4: HELP and TYPE lines, samples with labels
 * (escapes \\, \", \n) and a value, an optional timestamp; a sample whose family has no TYPE before
 * it, a TYPE given twice, a malformed line or a histogram whose buckets are not cumulative throws.
 */
const parsePrometheus = (text: string): Map<string, Family> => {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  const familyOf = (sample: string): Family | undefined => {
    if (families.has(sample)) return families.get(sample);
    const suffix = /^(.*)_(bucket|sum|count)$/.exec(sample);
    const family = suffix ? families.get(suffix[1]!) : undefined;
    return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
  };
  const parseValue = (token: string, line: string): number => {
    if (token === '+Inf') return Infinity;
    if (token === '-Inf') return -Infinity;
    if (token === 'NaN') return NaN;
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(token)) throw new Error(`bad value in: ${line}`);
    return Number(token);
  };
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
    if (comment) {
      const [, keyword, name, rest = ''] = comment;
      if (!new RegExp(`^${NAME}$`).test(name!)) throw new Error(`bad metric name in: ${line}`);
      if (keyword === 'TYPE') {
        if (families.has(name!)) throw new Error(`TYPE given twice, or after samples, for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type in: ${line}`);
        families.set(name!, { type: rest, samples: [], ...(helps.has(name!) ? { help: helps.get(name!)! } : {}) });
      } else {
        if (helps.has(name!)) throw new Error(`HELP given twice for ${name}`);
        helps.set(name!, rest);
        const family = families.get(name!);
        if (family) family.help = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`).exec(line);
    if (!sample) throw new Error(`malformed sample: ${line}`);
    const [, name, labelText = '', valueText] = sample;
    const labels: Record<string, string> = {};
    const label = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
    let at = 0;
    while (at < labelText.length) {
      label.lastIndex = at;
      const match = label.exec(labelText);
      if (!match) throw new Error(`malformed labels in: ${line}`);
      if (labels[match[1]!] !== undefined) throw new Error(`label ${match[1]} twice in: ${line}`);
      labels[match[1]!] = match[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      at = label.lastIndex;
    }
    const family = familyOf(name!);
    if (!family) throw new Error(`sample ${name} has no TYPE before it`);
    family.samples.push({ name: name!, labels, value: parseValue(valueText!, line) });
  }
  for (const [name, family] of families) {
    if (family.type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of family.samples.filter((s) => s.name === `${name}_bucket`)) {
      const { le, ...others } = s.labels;
      if (le === undefined) throw new Error(`${name}_bucket without le`);
      const key = JSON.stringify(others);
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${name} buckets are not cumulative for ${key}`);
      }
      const inf = buckets.find((b) => b.labels['le'] === '+Inf');
      const count = family.samples.find((s) => s.name === `${name}_count` && JSON.stringify(s.labels) === key);
      if (!inf || !count || inf.value !== count.value) throw new Error(`${name}: the +Inf bucket is not the count for ${key}`);
    }
  }
  return families;
};

const scrape = async (api: Api) => {
  const answer = await api.request('GET', '/metrics', { token: null });
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(answer.body);
};

const valueOf = (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined =>
  (families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, '')))
    ?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

const allEvents = async (store: EventStore) => {
  let count = 0;
  let after: bigint | undefined;
  for (;;) {
    const batch = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
    if (batch.length === 0) return count;
    count += batch.length;
    after = batch[batch.length - 1]!.position;
  }
};

describe('observability', () => {
  let api: Api;
  let apiKey: string;

  beforeEach(async () => {
    api = await startApi();
    const opened = await api.request('POST', '/accounts', { body: { accountId: 'seller', name: 'Seller', type: 'seller', settings: {} } });
    expect(opened.status).toBe(201);
    apiKey = opened.json()['apiKey'] as string;
    // The account as the read models have it: its key then works on reads.
    const head = String(await api.store.headPosition());
    expect((await api.request('GET', '/accounts/seller/orders', { token: apiKey, headers: { 'x-consistent-with': head } })).status).toBe(200);
  });
  afterEach(() => api.app.close());

  describe('the request log', () => {
    it('writes exactly one JSON line per request, with its request id, route pattern, status, duration and account', async () => {
      const answer = await api.request('GET', '/accounts/seller/orders?status=PENDING_INVENTORY', { token: apiKey });
      expect(answer.status).toBe(200);
      const requestId = answer.headers['x-request-id'];
      expect(requestId).toMatch(UUID);
      await api.until('request line', () => api.linesOf(requestId).length > 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = api.linesOf(requestId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        level: 'info',
        name: 'api',
        requestId,
        method: 'GET',
        route: '/accounts/:accountId/orders',
        status: 200,
        account: 'seller',
        actor: 'account:seller',
      });
      expect(typeof lines[0]!['ms']).toBe('number');
      expect(lines[0]!['time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });

    it('names the admin as the actor of an admin request and nobody on a refused one', async () => {
      const admin = await api.request('GET', '/admin/processors');
      const refused = await api.request('GET', '/accounts/seller/orders', { token: null });
      expect([admin.status, refused.status]).toEqual([200, 401]);
      await api.until('both lines', () => api.linesOf(refused.headers['x-request-id']).length > 0 && api.linesOf(admin.headers['x-request-id']).length > 0);
      expect(api.linesOf(admin.headers['x-request-id'])).toEqual([expect.objectContaining({ actor: 'admin', route: '/admin/processors', status: 200 })]);
      const [line] = api.linesOf(refused.headers['x-request-id']);
      expect(line).toMatchObject({ status: 401, route: '/accounts/:accountId/orders' });
      expect(line).not.toHaveProperty('actor');
      expect(line).not.toHaveProperty('account');
    });

    it('keeps a sane X-Request-Id the caller sent and replaces one of a bad length or charset', async () => {
      const cases: [string, boolean][] = [
        ['trace-42.a_b:c', true],
        ['x'.repeat(128), true],
        ['x'.repeat(129), false],
        ['has spaces in it', false],
        ['quote"and<angle>', false],
        ['', false],
      ];
      for (const [given, kept] of cases) {
        const answer = await api.request('GET', '/health/live', { headers: { 'x-request-id': given } });
        const id = answer.headers['x-request-id'];
        if (kept) expect(id).toBe(given);
        else expect(id).toMatch(UUID);
        await api.until(`the line of ${String(id)}`, () => api.linesOf(id).length === 1);
      }
    });

    it('puts an X-Request-Id on a response no route matched, and logs it without the raw URL as its route', async () => {
      const answer = await api.request('GET', '/no/such/place/seller-42');
      expect(answer.status).toBe(404);
      const id = answer.headers['x-request-id'];
      expect(id).toMatch(UUID);
      await api.until('the 404 line', () => api.linesOf(id).length === 1);
      expect(api.linesOf(id)[0]).toMatchObject({ route: '(unmatched)', url: '/no/such/place/seller-42', status: 404 });
    });

    it("keeps Nest's route-mapping lines out of the info level", async () => {
      const lines = api.lines();
      expect(lines.some((l) => l['context'] === 'ProcessorHost')).toBe(true);
      expect(lines.filter((l) => ['RouterExplorer', 'RoutesResolver', 'InstanceLoader'].includes(String(l['context'])))).toEqual([]);
    });

    it('writes nothing with logger: false', async () => {
      const quiet = await startApi(false);
      try {
        const answer = await quiet.request('GET', '/health/live');
        expect(answer.status).toBe(200);
        expect(answer.headers['x-request-id']).toMatch(UUID);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(quiet.lines()).toEqual([]);
      } finally {
        await quiet.app.close();
      }
    });
  });

  describe('processor decisions', () => {
    it('logs a park with the stream, revision, position and the flow, and counts it in /metrics', async () => {
      api.runner.start({
        name: 'refuser',
        filter: { streamPrefixes: ['refusable-'] },
        handle: async () => {
          throw new Error('the domain says no');
        },
        classify: () => 'park',
      });
      const appended = await api.store.append('refusable-1', [{ id: crypto.randomUUID(), type: 'Asked', data: {}, metadata: { correlationId: 'order-seller.o-1' } }], {
        expectedRevision: ANY,
      });
      await api.until('the park line', () => api.lines().some((l) => l['decision'] === 'parked'));
      const [park] = api.lines().filter((l) => l['decision'] === 'parked');
      expect(park).toMatchObject({
        level: 'warn',
        context: 'Processors',
        processor: 'refuser',
        stream: 'refusable-1',
        revision: '0',
        position: appended.position.toString(),
        type: 'Asked',
        flow: 'order-seller.o-1',
        error: 'the domain says no',
      });
      expect(park!.msg).toMatch(/"refuser" parked the event at stream "refusable-1" revision 0/);
      const families = await scrape(api);
      expect(valueOf(families, 'processor_parked_events', { processor: 'refuser' })).toBe(1);
      expect(valueOf(families, 'processor_parked_events', { processor: FULFILMENT })).toBe(0);
    });
  });

  it('logs a fatal failure as an error with the stream, revision and flow', async () => {
    api.runner.start({
      name: 'breaker',
      filter: { streamPrefixes: ['breakable-'] },
      handle: async () => {
        throw new Error('cannot read this event');
      },
      classify: () => 'fatal',
    });
    await api.store.append('breakable-1', [{ id: crypto.randomUUID(), type: 'Broken', data: {}, metadata: { correlationId: 'order-seller.o-2' } }], {
      expectedRevision: ANY,
    });
    await api.until('the fatal line', () => api.lines().some((l) => l['processor'] === 'breaker' && l.level === 'error'));
    const [fatal] = api.lines().filter((l) => l['processor'] === 'breaker' && l.level === 'error');
    expect(fatal).toMatchObject({ context: 'Processors', stream: 'breakable-1', revision: '0', flow: 'order-seller.o-2' });
    expect(fatal!.msg).toMatch(/"breaker" stopped at stream "breakable-1" revision 0 .*cannot read this event/);
    const ready = await api.request('GET', '/health/ready', { token: null });
    expect([ready.status, ready.json()['reasons']]).toEqual([503, [expect.stringMatching(/^processor breaker: failed \(Processor "breaker" stopped/)]]);
  });

  describe('/metrics', () => {
    it('parses as Prometheus text, with latency by route pattern and status, events appended and processor gauges', async () => {
      for (const token of [apiKey, apiKey, null]) await api.request('GET', '/accounts/seller/orders', { token });
      const adjusted = await api.request('POST', '/accounts/seller/inventory/adjustments', { body: { sku: 'SKU-A', quantity: 5 } });
      expect(adjusted.status).toBe(201);
      const headBefore = await api.store.headPosition();
      // The read models apply the log; the metrics read their checkpoint at scrape time.
      await api.request('GET', '/accounts/seller/inventory', { token: apiKey, headers: { 'x-consistent-with': String(headBefore) } });

      const families = await scrape(api);
      const histogram = families.get('http_request_duration_seconds');
      expect(histogram).toMatchObject({ type: 'histogram' });
      const route = '/accounts/:accountId/orders';
      expect(valueOf(families, 'http_request_duration_seconds_count', { method: 'GET', route, status: '200' })).toBe(3);
      expect(valueOf(families, 'http_request_duration_seconds_count', { method: 'GET', route, status: '401' })).toBe(1);
      expect(valueOf(families, 'http_request_duration_seconds_count', { method: 'POST', route: '/accounts', status: '201' })).toBe(1);
      const routes = new Set(histogram!.samples.map((s) => s.labels['route']));
      for (const r of routes) expect(r).not.toMatch(/seller/);

      expect(families.get('events_appended_total')?.type).toBe('counter');
      expect(valueOf(families, 'events_appended_total')).toBe(await allEvents(api.store));
      const head = await api.store.headPosition();
      expect(valueOf(families, 'event_store_head_position')).toBe(Number(head));
      expect(valueOf(families, 'processor_position', { processor: 'read-models' })).toBe(Number(head));
      expect(valueOf(families, 'processor_lag_events', { processor: 'read-models' })).toBe(0);
      expect(valueOf(families, 'processor_running', { processor: FULFILMENT })).toBe(1);
      for (const name of ['processor_position', 'processor_lag_events', 'processor_parked_events']) expect(families.get(name)?.type).toBe('gauge');
    });

    it('counts per application: another api in the same process starts from nothing', async () => {
      const other = await startApi(['error']);
      try {
        const families = await scrape(other);
        expect(valueOf(families, 'events_appended_total')).toBe(0);
        expect(valueOf(families, 'http_request_duration_seconds_count', { route: '/accounts' })).toBeUndefined();
      } finally {
        await other.app.close();
      }
    });

    it('refuses what is not the text format (the parser is strict)', () => {
      expect(() => parsePrometheus('a 1\n')).toThrow(/no TYPE/);
      expect(() => parsePrometheus('# TYPE a gauge\na{b="c} 1\n')).toThrow(/malformed/);
      expect(() => parsePrometheus('# TYPE a gauge\na one\n')).toThrow(/bad value/);
      expect(() => parsePrometheus('# TYPE a gauge\n# TYPE a gauge\n')).toThrow(/twice/);
      expect(() => parsePrometheus('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n')).toThrow(/cumulative/);
      expect(valueOf(parsePrometheus('# TYPE a gauge\na{b="x\\"y",c="z"} 2.5e3\n'), 'a', { b: 'x"y' })).toBe(2500);
    });
  });

  describe('liveness and readiness', () => {
    it('answers 200 on both, without auth, while the stores answer and the processors run', async () => {
      expect((await api.request('GET', '/health/live', { token: null })).status).toBe(200);
      const ready = await api.request('GET', '/health/ready', { token: null });
      expect([ready.status, ready.json()]).toEqual([
        200,
        { status: 'ready', checks: { eventStore: 'up', readStore: 'up', processors: { 'read-models': 'running', fulfilment: 'running', allocation: 'running', 'webhook-outbox': 'running' } } },
      ]);
      expect((await api.request('GET', '/health/live', { token: null })).json()).toEqual({ status: 'ok' });
    });

    it('is not ready when a processor stopped, and still live', async () => {
      await api.runner.get(FULFILMENT)!.stop();
      const ready = await api.request('GET', '/health/ready', { token: null });
      expect(ready.status).toBe(503);
      expect(ready.json()).toEqual({
        status: 'not_ready',
        checks: { eventStore: 'up', readStore: 'up', processors: { 'read-models': 'running', fulfilment: 'stopped', allocation: 'running', 'webhook-outbox': 'running' } },
        reasons: ['processor fulfilment: stopped'],
      });
      expect((await api.request('GET', '/health/live', { token: null })).status).toBe(200);
    });
  });
});

describeWithPostgres('readiness on PostgreSQL', () => {
  let database: TestDatabase;
  const started: Api[] = [];
  const start = async (env: Record<string, string>) => {
    const api = await startApi(['log'], { EVENT_STORE: 'postgres', READ_STORE: 'postgres', POSTGRES_URL: database.url, ...env });
    started.push(api);
    return api;
  };
  const ready = (api: Api) => api.request('GET', '/health/ready', { token: null });

  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    // One of them had its pool ended under it: its close fails there, after the rest is closed.
    for (const api of started.splice(0)) await api.app.close().catch(() => undefined);
    await database.drop();
  });

  it('an api beside a worker is ready only while the processors run somewhere with fresh heartbeats', async () => {
    const alone = await start({ RUN_PROCESSORS: 'false' });
    const before = await ready(alone);
    expect(before.status).toBe(503);
    expect(before.json()['reasons']).toEqual(expect.arrayContaining(['processor read-models: not-running', 'processor fulfilment: not-running']));

    // Another process runs the processors and publishes their state on the shared board.
    await start({});
    const deadline = Date.now() + 10_000;
    let after = await ready(alone);
    while (after.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await ready(alone);
    }
    expect([after.status, after.json()['status']]).toEqual([200, 'ready']);
  });

  it('is not ready when the stores do not answer; a failing request logs its error with the stack and the request id', async () => {
    const api = await start({});
    expect((await ready(api)).status).toBe(200);
    await api.runner.stopAll();
    await api.app.get<Pool>(POSTGRES_POOL).end();

    const answer = await ready(api);
    expect(answer.status).toBe(503);
    expect(answer.json()['reasons']).toEqual(expect.arrayContaining([expect.stringMatching(/^event store: /), expect.stringMatching(/^read store: /)]));
    expect((await api.request('GET', '/health/live', { token: null })).status).toBe(200);

    const failed = await api.request('POST', '/accounts', { body: { accountId: 'later', name: 'Later', type: 'seller', settings: {} } });
    expect(failed.status).toBe(500);
    const id = failed.headers['x-request-id'];
    await api.until('the error and the request line', () => api.linesOf(id).length === 2);
    const [error, requestLine] = api.linesOf(id);
    expect(error).toMatchObject({ level: 'error', context: 'Http' });
    expect((error!['err'] as { stack?: string }).stack).toMatch(/\n\s+at /);
    expect(requestLine).toMatchObject({ level: 'warn', status: 500, route: '/accounts' });
  });
});
