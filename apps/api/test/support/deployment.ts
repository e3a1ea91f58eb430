/**
 * The production deployment, started for real: several api processes (RUN_PROCESSORS=false) and
 * workers, the built entry points as child processes, on one PostgreSQL database of the test's own.
 * Requests are spread over the api processes in turn; the test reads the log and the checkpoints
 * straight from the database. The suites that run on the embedded default (ApiHarness) run on this
 * too: both implement `Deployment`.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { CommandPath } from '@app/application/command-path/command-path';
import { checkInvariants, foldLog, Violation } from '@app/domain/invariants/invariants';
import { EventStore, RecordedEvent } from '@app/event-store';
import { PostgresCheckpointStore } from '@app/event-store/postgres/postgres-checkpoint-store';
import { PostgresEventStore } from '@app/event-store/postgres/postgres-event-store';
import { createTestDatabase, describeWithPostgres, TestDatabase } from '@app/event-store/testing/postgres';
import { READ_MODELS_PROCESSOR } from '@app/read-models/projections/read-models.projection';
import { ADMIN_TOKEN, Answer } from './api-harness';
import { freePort } from './child-api';

const API_ENTRY = join(__dirname, '../../../../dist/apps/api/src/main.js');
const WORKER_ENTRY = join(__dirname, '../../../../dist/apps/worker/src/main.js');

/** What a suite needs of the service under test, whichever way it runs. */
export interface Deployment {
  readonly kind: 'embedded' | 'postgres';
  /** The event log, as the test process reads it. */
  readonly store: EventStore;
  invariantsWaived: string | undefined;
  request<T = any>(method: string, url: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string> }): Promise<Answer<T>>;
  post<T = any>(url: string, body?: unknown, token?: string | null): Promise<Answer<T>>;
  openAccount(accountId: string, type: 'seller' | 'vendor', settings?: Record<string, unknown>): Promise<{ accountId: string; apiKey: string }>;
  adjust(accountId: string, sku: string, quantity: number, binId?: string): Promise<any>;
  allEvents(): Promise<RecordedEvent[]>;
  /** Waits until the log is quiet and the read models applied all of it. */
  settle(quietMs?: number, timeoutMs?: number): Promise<bigint | undefined>;
  invariantViolations(): Promise<Violation[]>;
  /** Base URLs for real HTTP clients (every api process). */
  baseUrls(): Promise<string[]>;
  /** Stops the processors (the worker, or the api's in-process ones) and starts them again. */
  stopProcessors(): Promise<void>;
  startProcessors(): Promise<void>;
  /** A command path on the same log, to write by hand a state the product would not write (legacy data). */
  commandPath(): CommandPath;
  /** Forgets a processor's checkpoint (while it is stopped): it starts again from the first event. */
  resetCheckpoint(name: string): Promise<void>;
  stop(): Promise<void>;
}

class ChildService {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly role: string,
    readonly child: ChildProcess,
    readonly port: number | undefined,
  ) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  logs(): string {
    return this.output;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }

  async waitFor(ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`the ${this.role} exited at start:\n${this.output}`);
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`the ${this.role} did not come up:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export class PostgresDeployment implements Deployment {
  readonly kind = 'postgres' as const;
  invariantsWaived: string | undefined;
  private apis: ChildService[] = [];
  private workers: ChildService[] = [];
  private next = 0;
  private readonly checkpoints: PostgresCheckpointStore;

  private constructor(
    private readonly database: TestDatabase,
    private readonly pool: Pool,
    readonly store: PostgresEventStore,
    private readonly env: Record<string, string>,
  ) {
    this.checkpoints = new PostgresCheckpointStore({ pool });
  }

  /** A fresh database, `apis` api processes and `workers` workers on it. */
  static async start(options: { apis?: number; workers?: number; env?: Record<string, string> } = {}): Promise<PostgresDeployment> {
    const database = await createTestDatabase();
    const env = {
      PATH: process.env['PATH'] ?? '',
      EVENT_STORE: 'postgres',
      READ_STORE: 'postgres',
      POSTGRES_URL: database.url,
      RUN_PROCESSORS: 'false',
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ...options.env,
    };
    const pool = new Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    // Reading only: the api processes create the schema.
    const store = new PostgresEventStore({ pool, listenClient: () => new Client({ connectionString: database.url }) });
    const deployment = new PostgresDeployment(database, pool, store, env);
    try {
      // The first api creates the schema; the others and the workers start on it.
      for (let i = 0; i < (options.apis ?? 2); i++) await deployment.startApi();
      for (let i = 0; i < (options.workers ?? 1); i++) await deployment.startWorker();
    } catch (error) {
      await deployment.stop();
      throw error;
    }
    return deployment;
  }

  get databaseName(): string {
    return this.database.name;
  }

  async startApi(extraEnv: Record<string, string> = {}): Promise<ChildService> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--heap-growing-percent=50', API_ENTRY], { env: { ...this.env, PORT: String(port), ...extraEnv } });
    const api = new ChildService('api', child, port);
    await api.waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status > 0);
    this.apis.push(api);
    return api;
  }

  /** A worker, up once it says which processors it runs (a second one waits in standby for their leases). */
  async startWorker(extraEnv: Record<string, string> = {}): Promise<ChildService> {
    const child = spawn(process.execPath, [WORKER_ENTRY], { env: { ...this.env, LOG_LEVEL: 'log', WORKER_METRICS_PORT: '0', ...extraEnv } });
    const worker = new ChildService('worker', child, undefined);
    await worker.waitFor(async () => /Running \d+ processors/.test(worker.logs()));
    this.workers.push(worker);
    return worker;
  }

  runningWorkers(): ChildService[] {
    return this.workers.filter((w) => w.alive);
  }

  runningApis(): ChildService[] {
    return this.apis.filter((a) => a.alive);
  }

  async request<T = any>(
    method: string,
    url: string,
    options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const apis = this.runningApis();
    if (apis.length === 0) throw new Error('no api process runs');
    const api = apis[this.next++ % apis.length]!;
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`http://127.0.0.1:${api.port}${url}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: left as text.
    }
    return { status: response.status, body: body as T, headers: Object.fromEntries(response.headers.entries()) };
  }

  post<T = any>(url: string, body?: unknown, token?: string | null) {
    return this.request<T>('POST', url, { body, ...(token === undefined ? {} : { token }) });
  }

  async openAccount(accountId: string, type: 'seller' | 'vendor', settings: Record<string, unknown> = {}) {
    const answer = await this.post('/accounts', { accountId, name: `${type} ${accountId}`, type, settings });
    if (answer.status !== 201) throw new Error(`opening ${accountId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return { accountId, apiKey: answer.body.apiKey as string };
  }

  async adjust(accountId: string, sku: string, quantity: number, binId?: string) {
    const answer = await this.post(`/accounts/${accountId}/inventory/adjustments`, { sku, quantity, ...(binId ? { binId } : {}) });
    if (answer.status !== 201) throw new Error(`adjusting ${sku}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  async allEvents(): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    let after: bigint | undefined;
    for (;;) {
      const batch = await this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
      if (batch.length === 0) return all;
      all.push(...batch);
      after = batch[batch.length - 1]!.position;
    }
  }

  async settle(quietMs = 300, timeoutMs = 30_000): Promise<bigint | undefined> {
    const deadline = Date.now() + timeoutMs;
    let head = await this.store.headPosition();
    let since = Date.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const now = await this.store.headPosition();
      if (now !== head) {
        head = now;
        since = Date.now();
      }
      const applied = await this.checkpoints.load(READ_MODELS_PROCESSOR);
      if (Date.now() - since >= quietMs && (head === undefined || (applied !== undefined && applied >= head))) return head;
      if (Date.now() > deadline) {
        throw new Error(`the deployment did not settle (head ${head}, read models at ${applied})\n${this.workers.map((w) => w.logs()).join('\n')}`);
      }
    }
  }

  async invariantViolations(): Promise<Violation[]> {
    return checkInvariants(foldLog(await this.allEvents()));
  }

  async baseUrls(): Promise<string[]> {
    return this.runningApis().map((api) => `http://127.0.0.1:${api.port}`);
  }

  async stopProcessors(): Promise<void> {
    for (const worker of this.runningWorkers()) await worker.kill('SIGTERM');
  }

  async startProcessors(): Promise<void> {
    await this.startWorker();
  }

  commandPath(): CommandPath {
    return new CommandPath(this.store);
  }

  async resetCheckpoint(name: string): Promise<void> {
    await this.checkpoints.reset(name);
  }

  /**
   * What a restart of the database server looks like to the service: every connection to the
   * database cut, and new ones refused for `downMs`, then accepted again. (The server itself is
   * shared with other tests, so only this database goes down.)
   */
  async restartDatabase(downMs: number): Promise<void> {
    const admin = new Client({ connectionString: new URL('/postgres', this.database.url).toString() });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${this.database.name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [this.database.name]);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await admin.query(`ALTER DATABASE "${this.database.name}" ALLOW_CONNECTIONS true`);
    } finally {
      await admin.end();
    }
  }

  /** The output of every process, for a failure's message. */
  logs(): string {
    return [...this.apis, ...this.workers].map((p, i) => `--- ${p.role} ${i}\n${p.logs()}`).join('\n');
  }

  async stop(): Promise<void> {
    try {
      if (this.invariantsWaived === undefined && this.runningWorkers().length > 0) {
        await this.settle();
        const violations = await this.invariantViolations();
        if (violations.length > 0) throw new Error(`The log breaks invariants after the test:\n${violations.map((v) => JSON.stringify(v)).join('\n')}`);
      }
    } finally {
      await Promise.all([...this.apis, ...this.workers].map((p) => p.kill('SIGTERM')));
      await this.store.close();
      await this.pool.end();
      await this.database.drop();
    }
  }
}

/**
 * Registers a suite once per way of running the product: on the embedded default, and (wherever a
 * PostgreSQL server answers) on two api processes and a worker over PostgreSQL. The body gets a
 * function that starts a fresh deployment of that kind.
 */
export const forEachDeployment = (title: string, body: (start: () => Promise<Deployment>, kind: Deployment['kind']) => void): void => {
  describe(`${title} (embedded default)`, () => body(async () => (await import('./api-harness')).ApiHarness.start(), 'embedded'));
  describeWithPostgres(`${title} (PostgreSQL: two api processes and a worker)`, () => body(() => PostgresDeployment.start(), 'postgres'));
};
