/**
 * `npm run bench`: the service end to end over HTTP on loopback, on the embedded default (SQLite
 * event log, in-memory read models, processors in the api process), against a bare Nest route on
 * the same HTTP adapter as the ceiling. Every process under test is a child started from dist/;
 * the load generator (autocannon, programmatic) and the flow drivers run in this process.
 *
 * 1. Order creation with stock available: `POST /accounts/{a}/orders`, unique orderIds, 4 sellers
 *    x 20 SKUs with ample stock (every order READY), `BENCH_CONNECTIONS` (10) connections, after a
 *    warm-up; the bare route (`apps/bench/src/bare-server.ts`) gets the same body shape and the
 *    same connections. orderCreateRatio = order req/s / bare req/s. At durability `full` (the
 *    default, what production gets) and again at `normal`.
 * 2. The complete backorder flow: seller S (allowOrdersWithoutInventory, autoPoVendorLevel,
 *    autoGrnThroughBackOrder) without stock, vendor V (isB2bNew, vendorPanelType 2,
 *    orderApprovalRequired) with stock, SKUs mapped S -> V. Each flow: POST the order (short) ->
 *    (sagas: PO, vendor order) -> wait until V's order is visible -> approve -> handover ->
 *    (sagas: GRN, inward, assign) -> wait until S's order is READY. `BENCH_FLOWS_IN_FLIGHT` (50)
 *    flows at once; flows/s from the first request to the last READY seen.
 * 3. Read-model lag at a steady offered load of 1,000 orders/s (paced open loop, see measureLag):
 *    for every 10th order created, as soon as its answer arrives, a GET of that order with
 *    `X-Consistent-With: <its X-Event-Position>`; lag = that GET answered - the command answered.
 *    Then the same at 100 orders/s, a rate the service sustains.
 * 4. Resident memory after 1,000,000 events: a log generated through the real write side
 *    (generate-log.ts), the service started on it, `/health` polled until projectionLag.max is
 *    "0"; then VmRSS of the service from /proc. Also the catch-up time.
 *
 * Knobs: BENCH_QUICK=1 (short runs, 100k events), BENCH_PHASES=order,normal,flow,lag,memory
 * (a subset), BENCH_CONNECTIONS, BENCH_ORDER_SECONDS, BENCH_FLOWS, BENCH_FLOWS_IN_FLIGHT,
 * BENCH_LAG_RATE, BENCH_LAG_SECONDS, BENCH_MEMORY_EVENTS, BENCH_LOG (reuse an existing generated
 * log for phase 4; it is copied first, never changed), BENCH_SERVICE_NODE_ARGS (node flags of the
 * service children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_KEEP=1 (keep the
 * temp dir).
 *
 * Human-readable lines first; the LAST line is one JSON object.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { API_NODE_FLAGS } from '../../api/src/node-flags';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client as PgClient } from 'pg';
import { purchaseOrderIdFor, vendorOrderIdFor } from '@app/domain/fulfilment/ids';
import {
  ADMIN_TOKEN as ADMIN,
  Answer,
  BARE_ENTRY,
  API_ENTRY,
  WORKER_ENTRY,
  call,
  Child,
  cpuBusy,
  cpuSecondsOf,
  eventPosition,
  expectCall,
  fmt,
  GENERATOR_ENTRY,
  HOST,
  percentile,
  round,
  runLoad,
  runScript,
  separateAgent,
  sleep,
} from './support';

// ---------------------------------------------------------------------------------------------
// Configuration

const QUICK = process.env['BENCH_QUICK'] === '1';
/**
 * `embedded` (the default: one api process on SQLite, processors in it) or `postgres`: two api
 * processes (RUN_PROCESSORS=false) and a worker on a fresh PostgreSQL database of
 * BENCH_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/postgres); load is spread
 * over both api processes.
 */
const DEPLOYMENT = process.env['BENCH_DEPLOYMENT'] === 'postgres' ? 'postgres' : 'embedded';
const POSTGRES_ADMIN_URL = process.env['BENCH_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';

const intFromEnv = (name: string, fallback: number, min = 1): number => {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got "${text}"`);
  return value;
};

const PHASES = new Set((process.env['BENCH_PHASES'] ?? 'order,normal,flow,lag,memory').split(',').map((p) => p.trim()));
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 10);
const WARMUP_SECONDS = QUICK ? 1 : 3;
const ORDER_SECONDS = intFromEnv('BENCH_ORDER_SECONDS', QUICK ? 3 : 10);
/** A cap on requests per measured run, so a run is bounded in count as well as in time. */
const MAX_REQUESTS_PER_RUN = 2_000_000;
const FLOWS = intFromEnv('BENCH_FLOWS', QUICK ? 300 : 2_000);
const FLOWS_IN_FLIGHT = intFromEnv('BENCH_FLOWS_IN_FLIGHT', 50);
/** No new flow starts after this; flows/s is then over the flows that finished. */
const FLOW_TIME_CAP_MS = (QUICK ? 30 : 120) * 1_000;
const LAG_RATE = intFromEnv('BENCH_LAG_RATE', 1_000);
const LAG_SECONDS = intFromEnv('BENCH_LAG_SECONDS', QUICK ? 4 : 10);
/** A second lag run at a rate the service sustains, to tell queueing from projection delay. */
const LAG_LOW_RATE = intFromEnv('BENCH_LAG_LOW_RATE', 100);
const LAG_SAMPLE_EVERY = 10;
const MEMORY_EVENTS = intFromEnv('BENCH_MEMORY_EVENTS', QUICK ? 100_000 : 1_000_000);
/** Node flags of the service children, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (BENCH_SERVICE_NODE_ARGS). */
/** The api runs with the flags it is started with everywhere, plus any the run adds. */
const SERVICE_NODE_ARGS = [...API_NODE_FLAGS, ...(process.env['BENCH_SERVICE_NODE_ARGS'] ?? '').split(/\s+/).filter(Boolean)];

const SELLERS = ['bench-s1', 'bench-s2', 'bench-s3', 'bench-s4'];
const SKUS = Array.from({ length: 20 }, (_, i) => `SKU-${String(i + 1).padStart(3, '0')}`);
const OPENING_STOCK = 100_000_000;

const AIMS = { orderCreateRatio: 0.3, flowsPerSec: 300, lagP99Ms: 100, rssMb: 500 };

// ---------------------------------------------------------------------------------------------
// Helpers

let workDir = '';
/** The bare route as this run measured it: every figure is read against it. */
let bareRun: LoadRun | undefined;
const redactedUrl = (url: string): string => url.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
const services: Service[] = [];

/** The service under test: one api process (embedded), or api processes and a worker (postgres). */
interface Service {
  /** The first api process's port (setup, settle, reads). */
  readonly port: number;
  /** Every api process's port: load is spread over them. */
  readonly ports: readonly number[];
  /** Every process of the service, for its CPU time. */
  readonly pids: readonly number[];
  readonly children: readonly Child[];
  stop(): Promise<void>;
}

let databases = 0;

const startService = async (label: string, sqlitePath: string, durability: 'full' | 'normal'): Promise<Service> => {
  const service = DEPLOYMENT === 'postgres' ? await startPostgresDeployment(label) : await startEmbedded(label, sqlitePath, durability);
  services.push(service);
  return service;
};

const startEmbedded = async (label: string, sqlitePath: string, durability: 'full' | 'normal'): Promise<Service> => {
  const child = await Child.start({
    entry: API_ENTRY,
    label,
    env: { SQLITE_PATH: sqlitePath, SQLITE_DURABILITY: durability },
    nodeArgs: SERVICE_NODE_ARGS,
  });
  return { port: child.port, ports: [child.port], pids: [child.pid], children: [child], stop: () => child.stop() };
};

/** A fresh database; two api processes, then the worker, as the README's deployment runs them. */
const startPostgresDeployment = async (label: string): Promise<Service> => {
  const name = `bench_${process.pid}_${++databases}`;
  const admin = new PgClient({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const env = { EVENT_STORE: 'postgres', READ_STORE: 'postgres', POSTGRES_URL: url.toString(), RUN_PROCESSORS: 'false' };
  const apis: Child[] = [];
  for (let i = 0; i < 2; i++) apis.push(await Child.start({ entry: API_ENTRY, label: `${label} api ${i + 1}`, env, nodeArgs: SERVICE_NODE_ARGS }));
  const worker = await Child.start({ entry: WORKER_ENTRY, label: `${label} worker`, env: { ...env, LOG_LEVEL: 'log', WORKER_METRICS_PORT: '0' }, nodeArgs: SERVICE_NODE_ARGS, ready: /Running \d+ processors/ });
  return {
    port: apis[0]!.port,
    ports: apis.map((a) => a.port),
    pids: [...apis, worker].map((c) => c.pid),
    children: [...apis, worker],
    stop: async () => {
      await Promise.all([...apis, worker].map((c) => c.stop()));
      const cleanup = new PgClient({ connectionString: POSTGRES_ADMIN_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
};

const stopService = async (service: Service): Promise<void> => {
  await service.stop();
  services.splice(services.indexOf(service), 1);
};

const health = async (port: number): Promise<{ lag: bigint; head: string; body: any }> => {
  const answer = await call(port, 'GET', '/health', { auth: false });
  return { lag: BigInt(answer.body?.projectionLag?.max ?? '-1'), head: answer.body?.eventStore?.headPosition ?? '0', body: answer.body };
};

/** How many events the read models run behind the head, from /health (its checkpoint against the head); undefined when unknown. */
const readModelsLag = (body: any): bigint | undefined => {
  const readModels = (body?.projectionLag?.processors ?? []).find((p: { name: string }) => p.name === 'read-models');
  const head = body?.eventStore?.headPosition;
  if (!readModels || head === undefined) return undefined;
  if (typeof readModels.lag === 'string') return BigInt(readModels.lag);
  return readModels.checkpoint === null ? BigInt(head) + 1n : BigInt(head) - BigInt(readModels.checkpoint);
};

/**
 * Until the work of the last load is done: the read models at the head and the head still for
 * 300 ms (the sagas append while they work). Not /health's projectionLag.max: a saga's checkpoint
 * moves only on the events its filter lets through, so a saga reports the events of other streams
 * appended since its last own event as lag, e.g. 84 after setting up accounts and stock.
 */
const settle = async (port: number, timeoutMs = 600_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  let lastHead = '';
  for (;;) {
    const { head, body } = await health(port);
    if (body?.status !== 'ok') throw new Error(`the service is not healthy: ${JSON.stringify(body)}`);
    const atHead = readModelsLag(body) === 0n;
    if (atHead && head === lastHead) return;
    lastHead = atHead ? head : '';
    if (Date.now() > deadline) throw new Error(`the processors did not catch up: ${JSON.stringify(body)}`);
    await sleep(300);
  }
};

/** Says so when something else keeps the machine busy before a measurement. */
const checkQuiet = async (what: string): Promise<number> => {
  const busy = await cpuBusy(1_000);
  if (busy > 0.1) console.log(`    ! before ${what}: ${(busy * 100).toFixed(0)}% of the CPUs busy with other work; figures will be low`);
  return busy;
};

const openAccount = (port: number, accountId: string, type: 'seller' | 'vendor', settings: Record<string, unknown>) =>
  expectCall(port, 'POST', '/accounts', 201, { body: { accountId, name: accountId, type, settings } });

const adjust = (port: number, accountId: string, sku: string, quantity: number) =>
  expectCall(port, 'POST', `/accounts/${accountId}/inventory/adjustments`, 201, { body: { sku, quantity } });

/** Sellers with ample stock of every SKU: every order is READY at once. */
const setUpStockedSellers = async (port: number): Promise<void> => {
  for (const seller of SELLERS) {
    await openAccount(port, seller, 'seller', {});
    await Promise.all(SKUS.map((sku) => adjust(port, seller, sku, OPENING_STOCK)));
  }
};

/** The order body of request number `n`: a unique id, one or two lines, spread over sellers and SKUs. */
const orderRequest = (prefix: string, n: number) => {
  const seller = SELLERS[n % SELLERS.length]!;
  const first = SKUS[(n * 7) % SKUS.length]!;
  const lines = [{ sku: first, quantity: 1 + (n % 3) }];
  if (n % 2 === 1) lines.push({ sku: SKUS[(n * 7 + 3) % SKUS.length]!, quantity: 1 });
  return { seller, body: { orderId: `${prefix}-${n}`, customer: 'bench', lines } };
};

interface LoadRun {
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  readonly bad: number;
  readonly seconds: number;
  /** CPU the process under load used, in cores (1 = one core busy throughout). */
  readonly serverCores: number;
}

/** Order creation (or the bare route) under autocannon; counts answers that are not as expected. */
const loadOrders = async (
  target: number | readonly number[],
  options: {
    prefix: string;
    seconds: number;
    connections: number;
    bare?: boolean;
    overallRate?: number;
    pid?: number | readonly number[];
    onAnswer?: (status: number, body: string, headers: Record<string, string | string[]>) => void;
  },
): Promise<LoadRun> => {
  let n = 0;
  let ok = 0;
  let bad = 0;
  let firstBad = '';
  const latencies: number[] = [];
  const ports = typeof target === 'number' ? [target] : target;
  const pids = options.pid === undefined ? [] : typeof options.pid === 'number' ? [options.pid] : options.pid;
  const cpu = () => pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
  const cpuBefore = cpu();
  // One load generator per api process, the connections split between them, side by side.
  const results = await Promise.all(ports.map((port, index) => runLoad({
    url: `http://${HOST}:${port}`,
    connections: Math.max(1, Math.round(options.connections / ports.length) + (index < options.connections % ports.length ? 0 : 0)),
    duration: options.seconds,
    maxOverallRequests: MAX_REQUESTS_PER_RUN,
    timeout: 30,
    ...(options.overallRate ? { overallRate: options.overallRate / ports.length } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const { seller, body } = orderRequest(options.prefix, n++);
          return {
            ...request,
            path: options.bare ? '/bare' : `/accounts/${seller}/orders`,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
            body: JSON.stringify(body),
          };
        },
        onResponse: (status, body, _context, headers) => {
          const good = status === 201 && (options.bare || body.includes('"status":"READY"'));
          if (good) ok++;
          else {
            bad++;
            if (!firstBad) firstBad = `${status} ${body.slice(0, 300)}`;
          }
          options.onAnswer?.(status, body, headers);
        },
      },
    ],
  }, (_status, ms) => latencies.push(ms))));
  const result = {
    duration: Math.max(...results.map((r) => r.duration)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    timeouts: results.reduce((sum, r) => sum + r.timeouts, 0),
  };
  const serverCores = pids.length > 0 ? (cpu() - cpuBefore) / result.duration : NaN;
  if (bad > 0) console.log(`    ! ${bad} answers were not 201 READY; the first: ${firstBad}`);
  if (result.errors > 0 || result.timeouts > 0) console.log(`    ! ${result.errors} errors, ${result.timeouts} timeouts`);
  return {
    reqPerSec: ok / result.duration,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ok,
    bad,
    seconds: result.duration,
    serverCores,
  };
};

const describeRun = (label: string, run: LoadRun) =>
  `  ${label.padEnd(34)} ${fmt(run.reqPerSec).padStart(7)} req/s   p50 ${run.p50Ms.toFixed(1).padStart(6)} ms   p99 ${run.p99Ms
    .toFixed(1)
    .padStart(6)} ms   (${fmt(run.ok)} ok, ${run.bad} not, ${run.seconds.toFixed(1)} s; server CPU ${run.serverCores.toFixed(2)} cores)`;

// ---------------------------------------------------------------------------------------------
// Phase 1: order creation against the bare route

const bareRoute = async (adapter: 'fastify' | 'express' = 'fastify'): Promise<LoadRun> => {
  const bare = await Child.start({ entry: BARE_ENTRY, label: `bare server (${adapter})`, env: { BARE_ADAPTER: adapter } });
  try {
    await loadOrders(bare.port, { prefix: 'warm', seconds: WARMUP_SECONDS, connections: CONNECTIONS, bare: true });
    await checkQuiet('the bare route');
    return await loadOrders(bare.port, { prefix: 'bare', seconds: ORDER_SECONDS, connections: CONNECTIONS, bare: true, pid: bare.pid });
  } finally {
    await bare.stop();
  }
};

const orderCreation = async (durability: 'full' | 'normal'): Promise<LoadRun & { lagAfterMs: number }> => {
  const service = await startService(`service (${durability})`, join(workDir, `orders-${durability}.sqlite`), durability);
  try {
    await setUpStockedSellers(service.port);
    await settle(service.port);
    await loadOrders(service.ports, { prefix: 'warm', seconds: WARMUP_SECONDS, connections: CONNECTIONS });
    await settle(service.port);
    await checkQuiet(`order creation (${durability})`);
    const run = await loadOrders(service.ports, { prefix: 'order', seconds: ORDER_SECONDS, connections: CONNECTIONS, pid: service.pids });
    // How long the processors needed after the load to reach the head (sagas and read models).
    const started = performance.now();
    await settle(service.port);
    return { ...run, lagAfterMs: performance.now() - started };
  } finally {
    await stopService(service);
  }
};

// ---------------------------------------------------------------------------------------------
// Phase 2: the complete backorder flow

const SELLER = 'flow-seller';
const VENDOR = 'flow-vendor';
const FLOW_SKUS = SKUS.slice(0, 5);

/** Polls `attempt` with growing pauses (5 ms up to 50 ms) until `done`. */
const pollUntil = async (attempt: () => Promise<Answer>, done: (answer: Answer) => boolean, what: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  let pause = 5;
  let polls = 0;
  for (;;) {
    const answer = await attempt();
    polls++;
    if (done(answer)) return { answer, polls };
    if (Date.now() > deadline) throw new Error(`${what}: gave up after ${polls} polls; last ${answer.status} ${JSON.stringify(answer.body)}`);
    await sleep(pause);
    pause = Math.min(50, pause * 2);
  }
};

interface FlowResult {
  readonly flows: number;
  readonly seconds: number;
  readonly flowsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
}

const backorderFlows = async (): Promise<FlowResult> => {
  const service = await startService('service (flows)', join(workDir, 'flows.sqlite'), 'full');
  const port = service.port;
  try {
    await openAccount(port, SELLER, 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true });
    await openAccount(port, VENDOR, 'vendor', { isB2bNew: true, vendorPanelType: 2, orderApprovalRequired: true });
    for (const sku of FLOW_SKUS) {
      await expectCall(port, 'PUT', `/accounts/${SELLER}/products/${sku}/vendor`, 200, { body: { vendorAccountId: VENDOR } });
      await adjust(port, VENDOR, sku, OPENING_STOCK);
    }
    await settle(port);

    let requests = 0;
    const tracked = async (work: Promise<Answer>) => {
      requests++;
      return work;
    };

    const oneFlow = async (prefix: string, i: number): Promise<number> => {
      // Each flow's requests go to one api process, flows in turn over all of them.
      const port = service.ports[i % service.ports.length]!;
      const started = performance.now();
      const orderId = `${prefix}-${i}`;
      const sku = FLOW_SKUS[i % FLOW_SKUS.length]!;
      const placed = await tracked(
        expectCall(port, 'POST', `/accounts/${SELLER}/orders`, 201, { body: { orderId, lines: [{ sku, quantity: 2 }] } }),
      );
      if (placed.body.status !== 'PENDING_INVENTORY') throw new Error(`order ${orderId} is ${placed.body.status}, not short`);
      const purchaseOrderId = purchaseOrderIdFor(SELLER, orderId, 1, VENDOR);
      const vendorOrderId = vendorOrderIdFor(SELLER, purchaseOrderId);
      const placedAt = eventPosition(placed);
      // The sagas create the PO and the vendor's order: V sees it in its orders.
      const seen = await pollUntil(
        () => tracked(call(port, 'GET', `/accounts/${VENDOR}/orders/${vendorOrderId}`, { headers: { 'x-consistent-with': placedAt } })),
        (answer) => answer.status === 200,
        `vendor order of ${orderId}`,
      );
      if (seen.answer.body.status !== 'UNAPPROVED') throw new Error(`vendor order ${vendorOrderId} is ${seen.answer.body.status}`);
      await tracked(expectCall(port, 'POST', `/accounts/${VENDOR}/orders/${vendorOrderId}/approve`, 200, { body: {} }));
      const handed = await tracked(
        expectCall(port, 'POST', `/accounts/${VENDOR}/orders/${vendorOrderId}/handover`, 200, { body: { handoverId: `h-${orderId}` } }),
      );
      const handedAt = eventPosition(handed);
      // The sagas inward a GRN on the PO and assign it to S's order.
      await pollUntil(
        () => tracked(call(port, 'GET', `/accounts/${SELLER}/orders/${orderId}`, { headers: { 'x-consistent-with': handedAt } })),
        (answer) => answer.status === 200 && answer.body.status === 'READY',
        `seller order ${orderId} READY`,
      );
      return performance.now() - started;
    };

    const runFlows = async (prefix: string, count: number, capMs: number) => {
      const durations: number[] = [];
      let next = 0;
      const started = performance.now();
      let lastDone = started;
      const worker = async () => {
        while (next < count && performance.now() - started < capMs) {
          const i = next++;
          durations.push(await oneFlow(prefix, i));
          lastDone = performance.now();
        }
      };
      await Promise.all(Array.from({ length: Math.min(FLOWS_IN_FLIGHT, count) }, worker));
      return { durations, seconds: (lastDone - started) / 1_000 };
    };

    // Warm-up (not measured).
    await runFlows('warm', Math.min(100, FLOWS), FLOW_TIME_CAP_MS);
    await settle(port);
    await checkQuiet('the flows');
    requests = 0;
    const { durations, seconds } = await runFlows('flow', FLOWS, FLOW_TIME_CAP_MS);
    if (durations.length < FLOWS) console.log(`    ! time cap: ${durations.length} of ${FLOWS} flows started and finished`);

    // Sanity: the last flow's PO was received and its order holds goods from the backorder.
    const lastOrder = `flow-${durations.length - 1}`;
    const po = await expectCall(port, 'GET', `/accounts/${SELLER}/purchase-orders/${purchaseOrderIdFor(SELLER, lastOrder, 1, VENDOR)}`, 200);
    const order = await expectCall(port, 'GET', `/accounts/${SELLER}/orders/${lastOrder}`, 200);
    if (po.body.status !== 'RECEIVED' || !order.body.inventoryDetails.some((d: { source: string }) => d.source === 'backorder')) {
      throw new Error(`flow ${lastOrder} did not complete: PO ${JSON.stringify(po.body)} order ${JSON.stringify(order.body)}`);
    }
    return {
      flows: durations.length,
      seconds,
      flowsPerSec: durations.length / seconds,
      p50Ms: percentile(durations, 50),
      p99Ms: percentile(durations, 99),
      requests,
    };
  } finally {
    await stopService(service);
  }
};

// ---------------------------------------------------------------------------------------------
// Phase 3: read-model lag at a steady offered load

interface LagResult {
  readonly offeredRate: number;
  readonly achievedRate: number;
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly timedOut: number;
  readonly createP99Ms: number;
  readonly maxHealthLagEvents: number;
  /** How long a plain GET /health took meanwhile (every 100 ms): what any request waits to be served. */
  readonly healthP99Ms: number;
}

/**
 * Orders at a steady offered rate, open loop: a 1 ms timer sends whatever is due by now (so
 * requests go out evenly spread, not in bursts, and keep going out when answers are slow). Every
 * LAG_SAMPLE_EVERY-th order is read back as soon as its answer arrives, with X-Consistent-With.
 *
 * Not autocannon's overallRate: that gives each connection a budget per second, which it spends
 * back to back at the start of each second, all connections on the same tick; the offered load
 * is then a burst every second, not a steady one.
 */
const measureLag = async (port: number, rate: number, prefix: string): Promise<LagResult> => {
  const lags: number[] = [];
  const createMs: number[] = [];
  let timedOut = 0;
  let ok = 0;
  let bad = 0;
  let firstBad = '';
  const pending: Promise<void>[] = [];
  // The read-backs (and /health) on connections of their own: not queued behind this client's backlog.
  const readAgent = separateAgent();
  // The read-model processor's lag in /health (events behind the head), sampled alongside.
  let maxHealthLag = 0;
  const healthMs: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const askedAt = performance.now();
      const { body } = await call(port, 'GET', '/health', { auth: false, agent: readAgent });
      healthMs.push(performance.now() - askedAt);
      maxHealthLag = Math.max(maxHealthLag, Number(readModelsLag(body) ?? 0n));
      await sleep(100);
    }
  })();

  const sendOne = (n: number): Promise<void> => {
    const { seller, body } = orderRequest(prefix, n);
    const sentAt = performance.now();
    return call(port, 'POST', `/accounts/${seller}/orders`, { body }).then(
      async (answer) => {
        const answeredAt = performance.now();
        createMs.push(answeredAt - sentAt);
        if (answer.status !== 201 || answer.body?.status !== 'READY') {
          bad++;
          if (!firstBad) firstBad = `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`;
          return;
        }
        ok++;
        if (n % LAG_SAMPLE_EVERY !== 0) return;
        const read = await call(port, 'GET', `/accounts/${seller}/orders/${body.orderId}`, {
          headers: { 'x-consistent-with': eventPosition(answer) },
          agent: readAgent,
        });
        if (read.status === 200 && read.body.orderId === body.orderId) lags.push(performance.now() - answeredAt);
        else timedOut++;
      },
      (error: unknown) => {
        bad++;
        if (!firstBad) firstBad = String(error);
      },
    );
  };

  const started = performance.now();
  const total = rate * LAG_SECONDS;
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1_000) * rate));
      while (sent < due) pending.push(sendOne(sent++));
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const sendSeconds = (performance.now() - started) / 1_000;
  await Promise.all(pending);
  const allSeconds = (performance.now() - started) / 1_000;
  sampling = false;
  await sampler;
  readAgent.destroy();
  if (bad > 0) console.log(`    ! ${bad} answers were not 201 READY; the first: ${firstBad}`);
  return {
    offeredRate: total / sendSeconds,
    // Orders answered over the time until the last answer: below the offered rate when it queues.
    achievedRate: ok / allSeconds,
    samples: lags.length,
    p50Ms: percentile(lags, 50),
    p99Ms: percentile(lags, 99),
    maxMs: lags.length ? Math.max(...lags) : NaN,
    timedOut,
    createP99Ms: percentile(createMs, 99),
    maxHealthLagEvents: maxHealthLag,
    healthP99Ms: percentile(healthMs, 99),
  };
};

/** At the aim's rate, then (for comparison) at a rate the service sustains. */
const readModelLag = async (): Promise<{ high: LagResult; low: LagResult }> => {
  const service = await startService('service (lag)', join(workDir, 'lag.sqlite'), 'full');
  const port = service.port;
  try {
    await setUpStockedSellers(port);
    await settle(port);
    await loadOrders(port, { prefix: 'warm', seconds: WARMUP_SECONDS, connections: CONNECTIONS });
    await settle(port);
    await checkQuiet('the lag run');
    const high = await measureLag(port, LAG_RATE, 'lag');
    await settle(port);
    await checkQuiet('the low-rate lag run');
    const low = await measureLag(port, LAG_LOW_RATE, 'low');
    return { high, low };
  } finally {
    await stopService(service);
  }
};

// ---------------------------------------------------------------------------------------------
// Phase 4: resident memory after N events

interface MemoryResult {
  readonly events: number;
  readonly generationSeconds: number;
  readonly fileMb: number;
  readonly listeningSeconds: number;
  readonly catchUpSeconds: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

const memoryAtEvents = async (): Promise<MemoryResult> => {
  const path = join(workDir, 'memory.sqlite');
  let generated: { events: number; seconds: number; fileMb: number };
  const reuse = process.env['BENCH_LOG'];
  if (reuse) {
    if (!existsSync(reuse)) throw new Error(`BENCH_LOG ${reuse} does not exist`);
    copyFileSync(reuse, path);
    generated = { events: NaN, seconds: 0, fileMb: statSync(reuse).size / 1024 / 1024 };
    console.log(`  log copied from ${reuse}`);
  } else {
    console.log(`  generating a log of >= ${fmt(MEMORY_EVENTS)} events through the real write side (not measured):`);
    generated = await runScript(GENERATOR_ENTRY, [path, String(MEMORY_EVENTS)]);
  }
  await checkQuiet('the catch-up');
  const spawnedAt = performance.now();
  const service = await startService('service (memory)', path, 'full');
  const listeningSeconds = (performance.now() - spawnedAt) / 1_000;
  try {
    let peak = 0;
    const deadline = Date.now() + 600_000;
    let head = '0';
    for (;;) {
      const h = await health(service.port);
      head = h.head;
      peak = Math.max(peak, service.children[0]!.memory().rssMb);
      if (h.lag === 0n) break;
      if (Date.now() > deadline) throw new Error(`no catch-up: ${JSON.stringify(h.body)}`);
      await sleep(100);
    }
    const catchUpSeconds = (performance.now() - spawnedAt) / 1_000;
    // Settled: a moment for the last batch's garbage, then read the resident set.
    await sleep(2_000);
    const { rssMb, hwmMb } = service.children[0]!.memory();
    return {
      events: Number.isNaN(generated.events) ? Number(head) : generated.events,
      generationSeconds: generated.seconds,
      fileMb: generated.fileMb,
      listeningSeconds,
      catchUpSeconds,
      rssMb,
      peakRssMb: Math.max(peak, hwmMb),
    };
  } finally {
    await stopService(service);
  }
};

// ---------------------------------------------------------------------------------------------
// Driver

async function main(): Promise<void> {
  workDir = mkdtempSync(join(tmpdir(), 'service-bench-'));
  const cleanup = () => {
    for (const child of services.flatMap((s) => s.children)) if (child.alive) child.process.kill('SIGKILL');
    if (process.env['BENCH_KEEP'] !== '1') rmSync(workDir, { recursive: true, force: true });
  };
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();

  const summary: Record<string, unknown> = {};
  try {
    console.log(
      DEPLOYMENT === 'postgres'
        ? `Service benchmark: the deployment on PostgreSQL (two api processes with RUN_PROCESSORS=false, a worker; ${redactedUrl(POSTGRES_ADMIN_URL)})`
        : 'Service benchmark: the api on the embedded default (SQLite log, in-memory read models, processors in-process)',
    );
    console.log(
      `  ${QUICK ? 'QUICK run' : 'full run'}; node ${process.version}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); ` +
        `${fmt(totalmem() / 1024 / 1024)} MB RAM; temp dir ${workDir}`,
    );
    console.log(`  services: node ${SERVICE_NODE_ARGS.join(' ')} dist/apps/api/src/main.js, SQLITE_DURABILITY=full unless said, LOG_LEVEL=warn, 127.0.0.1`);
    if (SERVICE_NODE_ARGS.length > 0) console.log(`  service node flags: ${SERVICE_NODE_ARGS.join(' ')}`);

    if (PHASES.has('order')) {
      console.log(`\n1. Order creation with stock available (${CONNECTIONS} connections, ${ORDER_SECONDS} s after a ${WARMUP_SECONDS} s warm-up)`);
      const bare = await bareRoute('fastify');
      bareRun = bare;
      console.log(describeRun('bare Nest route (Fastify)', bare));
      // The adapter is chosen by this measurement (README): the same route on Express.
      const bareExpress = await bareRoute('express');
      console.log(describeRun('bare Nest route (Express)', bareExpress));
      const orders = await orderCreation('full');
      console.log(describeRun('POST /orders, durability full', orders));
      console.log(`    processors reached the head ${orders.lagAfterMs.toFixed(0)} ms after the load ended`);
      const ratio = orders.reqPerSec / bare.reqPerSec;
      console.log(`  orderCreateRatio ${ratio.toFixed(3)} (aim >= ${AIMS.orderCreateRatio})`);
      Object.assign(summary, {
        orderCreateReqPerSec: Math.round(orders.reqPerSec),
        orderCreateP50Ms: round(orders.p50Ms, 2),
        orderCreateP99Ms: round(orders.p99Ms, 2),
        bareReqPerSec: Math.round(bare.reqPerSec),
        orderCreateRatio: round(ratio, 3),
        bareP50Ms: round(bare.p50Ms, 2),
        bareP99Ms: round(bare.p99Ms, 2),
        bareExpressReqPerSec: Math.round(bareExpress.reqPerSec),
        bareExpressP99Ms: round(bareExpress.p99Ms, 2),
      });
    }
    if (PHASES.has('normal')) {
      const normal = await orderCreation('normal');
      console.log(describeRun('POST /orders, durability normal', normal));
      Object.assign(summary, {
        orderCreateNormalReqPerSec: Math.round(normal.reqPerSec),
        orderCreateNormalP50Ms: round(normal.p50Ms, 2),
        orderCreateNormalP99Ms: round(normal.p99Ms, 2),
      });
    }

    if (PHASES.has('flow')) {
      console.log(`\n2. Complete backorder flows (${FLOWS} flows, ${FLOWS_IN_FLIGHT} in flight, after ${Math.min(100, FLOWS)} warm-up flows)`);
      if (!bareRun) {
        bareRun = await bareRoute('fastify');
        console.log(describeRun('bare Nest route (Fastify)', bareRun));
      }
      const flows = await backorderFlows();
      const perBare = flows.flowsPerSec / bareRun.reqPerSec;
      console.log(
        `  ${fmt(flows.flows)} flows in ${flows.seconds.toFixed(2)} s = ${flows.flowsPerSec.toFixed(1)} flows/s (aim >= ${AIMS.flowsPerSec}), ` +
          `${perBare.toFixed(4)} flows per bare-route request; ` +
          `one flow p50 ${flows.p50Ms.toFixed(0)} ms, p99 ${flows.p99Ms.toFixed(0)} ms; ${(flows.requests / flows.flows).toFixed(1)} requests per flow incl. polls`,
      );
      Object.assign(summary, {
        flowsPerBareRequest: round(perBare, 5),
        flowsPerSec: round(flows.flowsPerSec, 1),
        flowP50Ms: Math.round(flows.p50Ms),
        flowP99Ms: Math.round(flows.p99Ms),
        flowRequestsPerFlow: round(flows.requests / flows.flows, 1),
      });
    }

    if (PHASES.has('lag')) {
      console.log(`\n3. Read-model lag at an offered ${fmt(LAG_RATE)} orders/s for ${LAG_SECONDS} s (every ${LAG_SAMPLE_EVERY}th order read back with X-Consistent-With)`);
      const { high: lag, low } = await readModelLag();
      const describeLag = (l: LagResult) =>
        `  offered ${fmt(l.offeredRate).padStart(5)} orders/s, achieved ${fmt(l.achievedRate).padStart(5)}/s (create p99 ${l.createP99Ms.toFixed(1)} ms): ` +
        `lag over ${fmt(l.samples)} samples p50 ${l.p50Ms.toFixed(1)} ms, p99 ${l.p99Ms.toFixed(1)} ms, max ${l.maxMs.toFixed(1)} ms; ` +
        `${l.timedOut} not seen in 5 s; read-model lag in /health up to ${fmt(l.maxHealthLagEvents)} events; ` +
        `a plain GET /health meanwhile took p99 ${l.healthP99Ms.toFixed(1)} ms`;
      console.log(describeLag(lag));
      if (lag.achievedRate < 0.95 * lag.offeredRate) console.log(`    ! the service did not sustain the offered rate: the lag above is mostly queueing`);
      console.log(describeLag(low));
      console.log(`  aim: p99 <= ${AIMS.lagP99Ms} ms at ${fmt(LAG_RATE)} orders/s`);
      if (bareRun) console.log(`  lag p99 / bare-route p99: ${(lag.p99Ms / bareRun.p99Ms).toFixed(2)}`);
      Object.assign(summary, {
        ...(bareRun ? { lagP99PerBareP99: round(lag.p99Ms / bareRun.p99Ms, 2) } : {}),
        lagP99Ms: round(lag.p99Ms, 1),
        lagP50Ms: round(lag.p50Ms, 1),
        lagAchievedOrdersPerSec: Math.round(lag.achievedRate),
        lagSamples: lag.samples,
        lagNotSeen: lag.timedOut,
        lagLowRate: LAG_LOW_RATE,
        lagLowRateP99Ms: round(low.p99Ms, 1),
        lagLowRateP50Ms: round(low.p50Ms, 1),
        lagHealthP99Ms: round(lag.healthP99Ms, 1),
      });
    }

    if (PHASES.has('memory') && DEPLOYMENT === 'postgres') {
      console.log('\n4. Resident memory: skipped on PostgreSQL (the read models are not in the api\'s memory there)');
    } else if (PHASES.has('memory')) {
      console.log(`\n4. Resident memory after ${fmt(MEMORY_EVENTS)} events in the log`);
      const memory = await memoryAtEvents();
      console.log(
        `  ${fmt(memory.events)} events (${memory.fileMb.toFixed(0)} MB file, ${memory.generationSeconds > 0 ? `generated in ${memory.generationSeconds.toFixed(1)} s` : 'reused'}): ` +
          `listening after ${memory.listeningSeconds.toFixed(1)} s, caught up after ${memory.catchUpSeconds.toFixed(1)} s`,
      );
      console.log(`  RSS ${memory.rssMb.toFixed(0)} MB once caught up (peak ${memory.peakRssMb.toFixed(0)} MB) (aim <= ${AIMS.rssMb} MB)`);
      Object.assign(summary, {
        rssMbAt1MEvents: Math.round(memory.rssMb),
        memoryEvents: memory.events,
        peakRssMb: Math.round(memory.peakRssMb),
        catchUpSeconds: round(memory.catchUpSeconds, 1),
      });
    }

    const aims: Record<string, string> = {};
    const judge = (key: string, met: boolean | undefined) => {
      if (met !== undefined) aims[key] = met ? 'met' : 'missed';
    };
    const num = (key: string) => (typeof summary[key] === 'number' ? (summary[key] as number) : undefined);
    judge('orderCreateRatio', num('orderCreateRatio') === undefined ? undefined : num('orderCreateRatio')! >= AIMS.orderCreateRatio);
    judge('flowsPerSec', num('flowsPerSec') === undefined ? undefined : num('flowsPerSec')! >= AIMS.flowsPerSec);
    judge('lagP99Ms', num('lagP99Ms') === undefined ? undefined : num('lagP99Ms')! <= AIMS.lagP99Ms);
    if ((num('memoryEvents') ?? 0) >= 1_000_000) {
      judge('rssMbAt1MEvents', num('rssMbAt1MEvents') === undefined ? undefined : num('rssMbAt1MEvents')! <= AIMS.rssMb);
    } else if (num('memoryEvents') !== undefined) {
      aims['rssMbAt1MEvents'] = `not judged (${num('memoryEvents')} events, not 1,000,000)`;
    }
    console.log(`\nAims: ${Object.entries(aims).map(([k, v]) => `${k} ${v}`).join(', ')}; whole run ${((performance.now() - started) / 1_000).toFixed(0)} s`);
    console.log(JSON.stringify({ ...summary, deployment: DEPLOYMENT, quick: QUICK, aims }));
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    for (const child of services.flatMap((s) => s.children)) {
      if (child.alive) child.process.kill('SIGKILL');
      console.error(`--- ${child.label} output (tail):\n${child.logs().slice(-4_000)}`);
    }
    process.exit(1);
  },
);
