/**
 * Helpers for the crash specs: a driver that keeps a child api running across crashes (it restarts
 * the child WITHOUT the fault whenever it died and repeats the step that was cut), a wait for a
 * quiet system (every processor caught up with the log, the log no longer growing), and checks of
 * the log's own integrity.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { RecordedEvent, SubscriptionFilter } from '@app/event-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SAGAS } from '@app/application/application.module';
import { READ_MODELS_PROCESSOR } from '@app/read-models/projections/read-models.projection';
import { WEBHOOK_OUTBOX, WEBHOOK_OUTBOX_FILTER } from '@app/application/webhooks/webhook-outbox.processor';
import { ChildApi, readLog } from './child-api';

export type Answer = { status: number; body: any };

/** Every processor the api hosts, with the part of the log it is fed. */
export const PROCESSOR_FILTERS: ReadonlyMap<string, SubscriptionFilter> = new Map<string, SubscriptionFilter>([
  [READ_MODELS_PROCESSOR, {}],
  [WEBHOOK_OUTBOX, WEBHOOK_OUTBOX_FILTER],
  ...SAGAS.map(
    (saga) => [saga.name, saga.filter] as [string, SubscriptionFilter],
  ),
]);

const matches = (filter: SubscriptionFilter, streamName: string): boolean =>
  !filter.streamPrefixes || filter.streamPrefixes.length === 0 || filter.streamPrefixes.some((p) => streamName.startsWith(p));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise`, or rejects after `ms` with `what`. */
const within = <T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(what())), ms);
    }),
  ]);
};

export const describeLog = (events: readonly RecordedEvent[]): string =>
  events.map((e) => `${e.position} ${e.streamName}@${e.revision} ${e.type} ${JSON.stringify(e.data)}`).join('\n');

/** Copies a SQLite file (and its write-ahead log, if any) written by a process that has stopped. */
export const copySqlite = (from: string, to: string): void => {
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
};

/**
 * How a child ended: `crash` by itself (a fault-injection point, or a failure), `killed` with
 * SIGKILL by the test, `stopped` gracefully by the test (a clean restart).
 */
export interface Death {
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly reason: 'crash' | 'killed' | 'stopped';
  /** Events in the log when the death was noticed. */
  readonly logLength: number;
  /** The sagas' stored checkpoints then. */
  readonly checkpoints: ReadonlyMap<string, bigint>;
  readonly output: string;
}

export class CrashDriver {
  readonly deaths: Death[] = [];
  private current: ChildApi | undefined;
  private readonly endedByTest = new WeakMap<ChildApi, 'killed' | 'stopped'>();
  private readonly recorded = new WeakSet<ChildApi>();
  private starts = 0;

  constructor(readonly path: string) {}

  /** Starts the first child, with `env` (the fault); every later start is without it. */
  async start(env: Record<string, string> = {}): Promise<ChildApi> {
    this.starts++;
    this.current = await ChildApi.start(this.path, env);
    return this.current;
  }

  get api(): ChildApi {
    if (!this.current) throw new Error('no child started');
    return this.current;
  }

  get startCount(): number {
    return this.starts;
  }

  static isAlive(api: ChildApi): boolean {
    return api.child.exitCode === null && api.child.signalCode === null;
  }

  /** Kills the child that runs now (kill -9), as the test's own doing. */
  async killNow(): Promise<void> {
    const api = this.api;
    if (!CrashDriver.isAlive(api)) return;
    this.endedByTest.set(api, 'killed');
    await api.kill();
  }

  /**
   * Stops the child gracefully (SIGTERM) and starts it again on the same log: a clean restart,
   * with `env` for this start only.
   */
  async cleanRestart(env: Record<string, string> = {}): Promise<void> {
    await this.ensureUp();
    const api = this.api;
    this.endedByTest.set(api, 'stopped');
    api.child.kill('SIGTERM');
    await within(api.exited, 10000, () => `the api did not stop on SIGTERM:\n${api.logs()}`).catch(async (error) => {
      await api.kill();
      throw error;
    });
    await this.record(api);
    await this.start(env);
  }

  /** Stops whatever runs (end of a test). */
  async stop(): Promise<void> {
    if (!this.current) return;
    const api = this.current;
    this.current = undefined;
    if (CrashDriver.isAlive(api)) this.endedByTest.set(api, 'killed');
    await api.kill();
  }

  /** When the child has died, records how and starts it again without the fault. */
  async ensureUp(): Promise<void> {
    const api = this.api;
    if (CrashDriver.isAlive(api)) return;
    await this.record(api);
    await this.start();
  }

  private async record(api: ChildApi): Promise<void> {
    if (this.recorded.has(api)) return;
    this.recorded.add(api);
    const { code, signal } = await api.exited;
    // 'exit' can come before the last output is read: wait (briefly) for the pipes to close.
    const closed = () => [api.child.stdout, api.child.stderr].every((s) => !s || s.closed || s.destroyed);
    for (let i = 0; i < 40 && !closed(); i++) await sleep(25);
    this.deaths.push({
      code,
      signal,
      reason: this.endedByTest.get(api) ?? 'crash',
      logLength: (await readLog(this.path)).length,
      checkpoints: readCheckpoints(this.path),
      output: api.logs(),
    });
  }

  /**
   * A request that is safe to repeat: sent to the child that runs, repeated on a restarted child
   * when the connection broke (the child died under it). Any status outside `expected` fails.
   */
  async step(method: string, url: string, body: unknown, expected: readonly number[]): Promise<Answer> {
    for (let attempt = 1; attempt <= 6; attempt++) {
      await this.ensureUp();
      const api = this.api;
      const answer = await within(api.request(method, url, body), 20000, () => `${method} ${url} hung:\n${api.logs()}`);
      if ('failed' in answer) {
        // The connection broke: the child is dying (a crash point, or the test's kill -9).
        const ended = await within(api.exited, 5000, () => 'alive').catch(() => undefined);
        if (!ended) {
          // A broken connection from a live child: not a crash; stop it so that it shows as the test's doing.
          this.endedByTest.set(api, 'killed');
          await api.kill();
        }
        continue;
      }
      if (!expected.includes(answer.status)) {
        throw new Error(`${method} ${url} answered ${answer.status} ${JSON.stringify(answer.body)} (expected ${expected.join(' or ')})`);
      }
      return answer;
    }
    throw new Error(`${method} ${url}: the connection broke on every attempt`);
  }

  /** A GET answered by whichever child runs (restarting a dead one); undefined when the connection broke. */
  async get(url: string): Promise<Answer | undefined> {
    await this.ensureUp();
    const answer = await this.api.request('GET', url);
    return 'failed' in answer ? undefined : answer;
  }

  /** Polls `check` (against the log, GETs, ...) until it answers something, restarting a dead child meanwhile. */
  async waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.ensureUp();
      const found = await check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; log:\n${describeLog(await readLog(this.path))}\nchild output:\n${this.api.logs()}`);
      }
      await sleep(50);
    }
  }

  /**
   * Waits until the system is quiet: every processor runs and has handled the last event of the
   * log it is fed, and the log has not grown for a while. A failed processor fails at once.
   */
  async waitUntilQuiet(timeoutMs = 20000): Promise<RecordedEvent[]> {
    let stableSince: { length: number; at: number } | undefined;
    return this.waitFor(
      'a quiet system',
      async () => {
        const health = await this.get('/health');
        if (!health) return undefined;
        const processors: { name: string; state: string; checkpoint: string | null; error?: string }[] =
          health.body?.projectionLag?.processors ?? [];
        const failed = processors.filter((p) => p.state === 'failed');
        if (failed.length > 0) throw new Error(`processors failed: ${JSON.stringify(failed)}\n${this.api.logs()}`);
        const events = await readLog(this.path);
        const names = new Set(processors.map((p) => p.name));
        if ([...PROCESSOR_FILTERS.keys()].some((name) => !names.has(name))) return undefined;
        for (const p of processors) {
          const filter = PROCESSOR_FILTERS.get(p.name);
          if (!filter) throw new Error(`an unknown processor "${p.name}" runs: add its filter to PROCESSOR_FILTERS`);
          if (p.state !== 'running') return undefined;
          const checkpoint = p.checkpoint === null ? -1n : BigInt(p.checkpoint);
          if (events.some((e) => e.position > checkpoint && matches(filter, e.streamName))) return undefined;
        }
        const now = Date.now();
        if (!stableSince || stableSince.length !== events.length) {
          stableSince = { length: events.length, at: now };
          return undefined;
        }
        return now - stableSince.at >= 250 ? events : undefined;
      },
      timeoutMs,
    );
  }
}

/** The stored checkpoints of the processors that keep them in the SQLite file (the sagas). */
export const readCheckpoints = (path: string): Map<string, bigint> => {
  const db = openSqliteDatabase({ path });
  try {
    const rows = db.prepare('SELECT processor, position FROM checkpoints').all() as { processor: string; position: string }[];
    return new Map(rows.map((row) => [row.processor, BigInt(row.position)]));
  } finally {
    db.close();
  }
};

/** The event a processor handles next after `checkpoint` (the one a crash after its handler cut). */
export const nextEventFor = (events: readonly RecordedEvent[], processor: string, checkpoint: bigint | undefined): RecordedEvent | undefined => {
  const filter = PROCESSOR_FILTERS.get(processor);
  if (!filter) throw new Error(`unknown processor ${processor}`);
  return events.find((e) => (checkpoint === undefined || e.position > checkpoint) && matches(filter, e.streamName));
};

/** The integrity of the log itself: no event id twice; each stream's revisions 0, 1, 2, ... in log order. */
export const logIntegrityProblems = (events: readonly RecordedEvent[]): string[] => {
  const problems: string[] = [];
  const ids = new Map<string, number>();
  for (const e of events) ids.set(e.id, (ids.get(e.id) ?? 0) + 1);
  for (const [id, count] of ids) if (count > 1) problems.push(`event id ${id} appears ${count} times`);
  const next = new Map<string, bigint>();
  let lastPosition: bigint | undefined;
  for (const e of events) {
    if (lastPosition !== undefined && e.position <= lastPosition) problems.push(`position ${e.position} after ${lastPosition}`);
    lastPosition = e.position;
    const expected = next.get(e.streamName) ?? 0n;
    if (e.revision !== expected) problems.push(`${e.streamName}: revision ${e.revision} where ${expected} was next`);
    next.set(e.streamName, e.revision + 1n);
  }
  return problems;
};

/** A small seeded generator (mulberry32): the same seed gives the same kill moments every run. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
