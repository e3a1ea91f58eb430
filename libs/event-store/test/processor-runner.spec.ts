import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointStore } from '../src/checkpoints/sqlite-checkpoint-store';
import { ANY, RecordedEvent } from '../src/event-store.port';
import { CONCURRENT_CHECKPOINT_INTERVAL_MS, ProcessorFailedError, ProcessorRunner, RunningProcessor } from '../src/processors/processor-runner';
import { openSqliteDatabase, SqliteDatabase } from '../src/sqlite/sqlite-database';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store';

const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
const fastRetry = { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 };

const until = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('ProcessorRunner', () => {
  let db: SqliteDatabase;
  let store: SqliteEventStore;
  let checkpoints: SqliteCheckpointStore;
  let runner: ProcessorRunner;

  const append = async (stream: string, ...types: string[]) => {
    let last = 0n;
    for (const type of types) {
      last = (await store.append(stream, [{ id: randomUUID(), type, data: {} }], { expectedRevision: ANY })).position;
    }
    return last;
  };

  beforeEach(() => {
    db = openSqliteDatabase({ path: ':memory:' });
    store = new SqliteEventStore(db, { ownsDatabase: false, pollIntervalMs: 10 });
    checkpoints = new SqliteCheckpointStore(db);
    runner = new ProcessorRunner(store, checkpoints, { retry: fastRetry, logger: quietLogger });
  });

  afterEach(async () => {
    await runner.stopAll();
    await store.close();
    db.close();
  });

  it('feeds events one at a time, in order, catching up then live, and stores the checkpoint after each', async () => {
    await append('order-a.1', 'A', 'B');
    const seen: string[] = [];
    let inFlight = 0;
    let checkpointDuringHandler: Array<bigint | undefined> = [];
    const running = runner.start({
      name: 'p',
      handle: async (event) => {
        inFlight++;
        expect(inFlight).toBe(1);
        checkpointDuringHandler.push(await checkpoints.load('p'));
        await new Promise((resolve) => setTimeout(resolve, 2));
        seen.push(event.type);
        inFlight--;
      },
    });
    await until(() => seen.length === 2);
    const live = await append('order-a.1', 'C');
    await until(() => running.status().checkpoint === live);
    expect(seen).toEqual(['A', 'B', 'C']);
    // While an event is handled, the checkpoint still names the event before it.
    const events = await store.readAll();
    expect(checkpointDuringHandler).toEqual([undefined, events[0]!.position, events[1]!.position]);
    expect(await checkpoints.load('p')).toBe(live);
  });

  it('starts after its checkpoint on restart, handling nothing twice', async () => {
    await append('order-a.1', 'A', 'B');
    const seen: string[] = [];
    const handle = async (event: RecordedEvent) => void seen.push(event.type);
    let running = runner.start({ name: 'p', handle });
    await until(() => seen.length === 2);
    await running.stop();
    runner = new ProcessorRunner(store, checkpoints, { retry: fastRetry, logger: quietLogger });
    await append('order-a.1', 'C');
    running = runner.start({ name: 'p', handle });
    await until(() => seen.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toEqual(['A', 'B', 'C']);
  });

  it('feeds only the streams of its filter', async () => {
    await append('order-a.1', 'O1');
    await append('po-a.1', 'P1');
    await append('order-a.2', 'O2');
    const seen: string[] = [];
    const running = runner.start({
      name: 'orders',
      filter: { streamPrefixes: ['order-'] },
      handle: async (e) => void seen.push(e.type),
    });
    await until(() => seen.length === 2);
    expect(seen).toEqual(['O1', 'O2']);
    expect(running.status().state).toBe('running');
  });

  it('retries a failing handler with backoff and goes on once it succeeds', async () => {
    await append('order-a.1', 'A', 'B');
    const attempts: string[] = [];
    const running = runner.start({
      name: 'flaky',
      handle: async (event) => {
        attempts.push(event.type);
        if (event.type === 'A' && attempts.length < 3) throw new Error('store unavailable');
      },
    });
    await until(() => attempts.includes('B'));
    expect(attempts).toEqual(['A', 'A', 'A', 'B']);
    await until(() => running.status().checkpoint !== undefined && attempts.length === 4);
    expect(running.status().state).toBe('running');
  });

  it('stops loudly on a poison event, never skipping it, while other processors go on', async () => {
    await append('order-a.1', 'Good', 'Poison', 'After');
    const errors: string[] = [];
    const loudRunner = new ProcessorRunner(store, checkpoints, {
      retry: fastRetry,
      logger: { ...quietLogger, error: (m) => errors.push(m) },
    });
    const handledByPoisoned: string[] = [];
    const poisoned: RunningProcessor = loudRunner.start({
      name: 'poisoned',
      handle: async (event) => {
        if (event.type === 'Poison') throw new Error('cannot read this event');
        handledByPoisoned.push(event.type);
      },
    });
    const healthySeen: string[] = [];
    runner.start({ name: 'healthy', handle: async (e) => void healthySeen.push(e.type) });

    const failure = await poisoned.done.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ProcessorFailedError);
    expect(failure).toMatchObject({ processorName: 'poisoned', streamName: 'order-a.1', revision: 1n, attempts: 3 });
    expect((failure as Error).message).toMatch(/"poisoned".*"order-a\.1" revision 1/);
    expect(errors.join('\n')).toMatch(/"poisoned".*"order-a\.1" revision 1/);
    expect(poisoned.status().state).toBe('failed');
    expect(handledByPoisoned).toEqual(['Good']);
    const [good] = await store.readStream('order-a.1');
    expect(await checkpoints.load('poisoned')).toBe(good!.position);

    await until(() => healthySeen.length === 3);
    await append('order-a.1', 'Later');
    await until(() => healthySeen.length === 4);
    expect(handledByPoisoned).toEqual(['Good']);
    await loudRunner.stopAll();
  });

  describe('with concurrency', () => {
    /** A handler whose calls finish when the test says so. */
    const gated = () => {
      const open = new Map<string, () => void>();
      const started: string[] = [];
      const finished: string[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const handle = async (event: RecordedEvent) => {
        const key = `${event.streamName}:${event.type}`;
        started.push(key);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((resolve) => open.set(key, resolve));
        inFlight--;
        finished.push(key);
      };
      const release = (key: string) => {
        const resolve = open.get(key);
        if (!resolve) throw new Error(`${key} is not waiting`);
        open.delete(key);
        resolve();
      };
      return { handle, release, started, finished, maxInFlight: () => maxInFlight, waiting: () => [...open.keys()] };
    };

    it('handles different streams side by side and each stream in order, up to its limit', async () => {
      await append('order-a.1', 'A1', 'A2');
      await append('order-b.1', 'B1');
      await append('order-c.1', 'C1');
      const gate = gated();
      runner.start({ name: 'c', concurrency: 3, handle: gate.handle });
      await until(() => gate.started.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // A2 waits behind A1 (same stream), holding one of the 3 places; C1 waits for a free place.
      expect(gate.waiting()).toEqual(['order-a.1:A1', 'order-b.1:B1']);
      gate.release('order-b.1:B1');
      await until(() => gate.waiting().includes('order-c.1:C1'));
      expect(gate.started).not.toContain('order-a.1:A2');
      gate.release('order-a.1:A1');
      await until(() => gate.waiting().includes('order-a.1:A2'));
      gate.release('order-c.1:C1');
      gate.release('order-a.1:A2');
      await until(() => gate.finished.length === 4);
      expect(gate.maxInFlight()).toBe(2);
      expect(gate.finished).toEqual(['order-b.1:B1', 'order-a.1:A1', 'order-c.1:C1', 'order-a.1:A2']);
    });

    it('moves the checkpoint only past a run of finished events: a slow early event holds it back', async () => {
      const slow = await append('order-a.1', 'Slow');
      await append('order-b.1', 'Fast1');
      const last = await append('order-c.1', 'Fast2');
      const gate = gated();
      const running = runner.start({ name: 'c', concurrency: 8, handle: gate.handle });
      await until(() => gate.started.length === 3);
      gate.release('order-b.1:Fast1');
      gate.release('order-c.1:Fast2');
      await until(() => gate.finished.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(running.status().checkpoint).toBeUndefined();
      expect(await checkpoints.load('c')).toBeUndefined();
      gate.release('order-a.1:Slow');
      await until(() => running.status().checkpoint === last);
      expect(await checkpoints.load('c')).toBe(last);
      expect(slow).toBeLessThan(last);
    });

    it('stops on a poison event with the checkpoint just before it, and starts no event after the failure', async () => {
      const good = await append('order-a.1', 'Good');
      await append('order-a.1', 'Poison', 'AfterInStream');
      await append('order-b.1', 'Other');
      const handled: string[] = [];
      const running = runner.start({
        name: 'c',
        concurrency: 4,
        handle: async (event) => {
          if (event.type === 'Poison') throw new Error('cannot read this event');
          handled.push(event.type);
        },
      });
      const failure = await running.done.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ processorName: 'c', streamName: 'order-a.1', revision: 1n });
      expect(running.status().state).toBe('failed');
      // The stream's later event never ran; another stream's may have (it is handled again on restart).
      expect(handled).not.toContain('AfterInStream');
      expect(handled[0]).toBe('Good');
      expect(await checkpoints.load('c')).toBe(good);
    });

    it('fails even when the failure comes while it waits for new events', async () => {
      await append('order-a.1', 'Poison');
      const running = runner.start({
        name: 'c',
        concurrency: 4,
        handle: async () => {
          throw new Error('cannot read this event');
        },
      });
      await expect(running.done).rejects.toBeInstanceOf(ProcessorFailedError);
    });

    it('writes its checkpoint at most once per interval while events keep coming, and the last one when it stops', async () => {
      let writes = 0;
      const counting = Object.create(checkpoints) as SqliteCheckpointStore;
      counting.store = async (...args) => {
        writes++;
        return checkpoints.store(...args);
      };
      const countingRunner = new ProcessorRunner(store, counting, { retry: fastRetry, logger: quietLogger });
      let handled = 0;
      const running = countingRunner.start({ name: 'c', concurrency: 8, handle: async () => void handled++ });
      let last = 0n;
      const started = performance.now();
      for (let i = 0; i < 40; i++) {
        last = await append(`order-${i % 5}.1`, 'E');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const elapsed = performance.now() - started;
      await until(() => handled === 40);
      await countingRunner.stop('c');
      expect(await checkpoints.load('c')).toBe(last);
      expect(running.status().checkpoint).toBe(last);
      // 40 events over `elapsed` ms: one write per interval, plus the first and the last.
      expect(writes).toBeLessThanOrEqual(Math.ceil(elapsed / CONCURRENT_CHECKPOINT_INTERVAL_MS) + 2);
      expect(writes).toBeLessThan(40);
    });

    it('starts after its checkpoint on restart and finishes what it was handling when stopped', async () => {
      await append('order-a.1', 'A');
      await append('order-b.1', 'B');
      const seen: string[] = [];
      let running = runner.start({ name: 'c', concurrency: 4, handle: async (e) => void seen.push(e.type) });
      const head = await append('order-c.1', 'C');
      await until(() => running.status().checkpoint === head);
      await runner.stop('c');
      await append('order-a.1', 'D');
      running = runner.start({ name: 'c', concurrency: 4, handle: async (e) => void seen.push(e.type) });
      await until(() => seen.length === 4);
      expect(seen).toEqual(['A', 'B', 'C', 'D']);
      expect(running.status().state).toBe('running');
    });
  });

  it('refuses to run two processors of one name', () => {
    runner.start({ name: 'p', handle: async () => undefined });
    expect(() => runner.start({ name: 'p', handle: async () => undefined })).toThrow(/already running/);
  });
});

describe('ProcessorRunner across a kill -9', () => {
  const fixture = join(__dirname, '../../../dist/libs/event-store/src/testing/processor-crash.fixture.js');
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'processor-crash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const runChild = (path: string, record: string, env: Record<string, string>) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [fixture, path, record], { env: { ...process.env, ...env } });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
    });

  it('sees the event it was killed on again after restart, and none before it', async () => {
    const path = join(dir, 'events.sqlite');
    const record = join(dir, 'handled.txt');
    const db = openSqliteDatabase({ path });
    const store = new SqliteEventStore(db);
    for (let i = 0; i < 5; i++) {
      await store.append(`order-a.${i}`, [{ id: randomUUID(), type: 'E', data: { i } }], { expectedRevision: ANY });
    }
    await store.close();

    const crashed = await runChild(path, record, { FAULT_CRASH_AT: 'processor:recorder:handled#3' });
    expect(crashed.signal).toBe('SIGKILL');
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual(['order-a.0 0', 'order-a.1 0', 'order-a.2 0']);

    const restarted = await runChild(path, record, {});
    expect(restarted).toMatchObject({ code: 0, signal: null });
    expect(readFileSync(record, 'utf8').trim().split('\n')).toEqual([
      'order-a.0 0',
      'order-a.1 0',
      'order-a.2 0',
      'order-a.2 0',
      'order-a.3 0',
      'order-a.4 0',
    ]);
    expect(existsSync(path)).toBe(true);
  });
});
