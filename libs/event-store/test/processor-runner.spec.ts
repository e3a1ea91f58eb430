import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteCheckpointStore } from '../src/checkpoints/sqlite-checkpoint-store';
import { ANY, EventStore, EventSubscription, RecordedEvent } from '../src/event-store.port';
import {
  awaitParkedRetry,
  listParked,
  parkedStreamOf,
  requestParkedRetry,
} from '../src/processors/parked-events';
import {
  CONCURRENT_CHECKPOINT_INTERVAL_MS,
  MAX_BATCH,
  ProcessorFailedError,
  ProcessorRunner,
  ProcessorState,
  RunningProcessor,
} from '../src/processors/processor-runner';
import { openSqliteDatabase, SqliteDatabase } from '../src/sqlite/sqlite-database';
import { LeaseHandle, ProcessorLease } from '../src/processors/processor-lease';
import { MemoryStatusBoard } from '../src/processors/status-board';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store';

const quietLogger = { log: () => undefined, warn: () => undefined, error: () => undefined };
const fastRetry = { attempts: 3, initialDelayMs: 5, maxDelayMs: 20 };
const fastResubscribe = { initialDelayMs: 5, maxDelayMs: 20 };

/** An event the handler can never take: the processors below classify it 'fatal'. */
class SchemaError extends Error {
  override readonly name = 'SchemaError';
}
/** The domain refused the command: the processors below classify it 'park'. */
class RefusedError extends Error {
  override readonly name = 'DomainError';
  readonly code = 'ORDER_CANCELLED';
}
const classify = (error: unknown) =>
  error instanceof SchemaError ? ('fatal' as const) : error instanceof RefusedError ? ('park' as const) : ('retry' as const);

const until = async (condition: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const eventually = async (condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
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
    runner = new ProcessorRunner(store, checkpoints, { retry: fastRetry, resubscribe: fastResubscribe, logger: quietLogger });
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

  it('stops loudly on a fatal event, without retrying it or skipping it, while other processors go on', async () => {
    await append('order-a.1', 'Good', 'Poison', 'After');
    const errors: string[] = [];
    const loudRunner = new ProcessorRunner(store, checkpoints, {
      retry: fastRetry,
      resubscribe: fastResubscribe,
      logger: { ...quietLogger, error: (m) => errors.push(m) },
    });
    const handledByPoisoned: string[] = [];
    let poisonAttempts = 0;
    const poisoned: RunningProcessor = loudRunner.start({
      name: 'poisoned',
      classify,
      handle: async (event) => {
        if (event.type === 'Poison') {
          poisonAttempts++;
          throw new SchemaError('cannot read this event');
        }
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
    expect(failure).toMatchObject({ processorName: 'poisoned', streamName: 'order-a.1', revision: 1n, attempts: 1 });
    expect(poisonAttempts).toBe(1);
    expect(poisoned.status().resubscriptions).toBe(0);
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
    expect(poisonAttempts).toBe(1);
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

    it('handles events of one key one at a time and in log order, whatever their streams (keyOf)', async () => {
      const put = (stream: string, type: string, orderId: string) =>
        store.append(stream, [{ id: randomUUID(), type, data: { orderId } }], { expectedRevision: ANY });
      await put('po-a.1', 'P1', 'o1');
      await put('order-a.2', 'X1', 'o2');
      await put('bin-a.1', 'B1', 'o1');
      await put('order-a.1', 'O1', 'o1');
      const gate = gated();
      runner.start({ name: 'k', concurrency: 4, keyOf: (e) => (e.data as { orderId: string }).orderId, handle: gate.handle });
      await until(() => gate.started.length === 2);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Three streams of o1, one at a time; o2 side by side with them.
      expect(gate.waiting()).toEqual(['po-a.1:P1', 'order-a.2:X1']);
      gate.release('order-a.2:X1');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(gate.waiting()).toEqual(['po-a.1:P1']);
      gate.release('po-a.1:P1');
      await until(() => gate.waiting().includes('bin-a.1:B1'));
      expect(gate.started).not.toContain('order-a.1:O1');
      gate.release('bin-a.1:B1');
      await until(() => gate.waiting().includes('order-a.1:O1'));
      gate.release('order-a.1:O1');
      await until(() => gate.finished.length === 4);
      expect(gate.finished).toEqual(['order-a.2:X1', 'po-a.1:P1', 'bin-a.1:B1', 'order-a.1:O1']);
      expect(gate.maxInFlight()).toBe(2);
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

    it('stops on a fatal event with the checkpoint just before it, and starts no event after the failure', async () => {
      const good = await append('order-a.1', 'Good');
      await append('order-a.1', 'Poison', 'AfterInStream');
      await append('order-b.1', 'Other');
      const handled: string[] = [];
      const running = runner.start({
        name: 'c',
        concurrency: 4,
        classify,
        handle: async (event) => {
          if (event.type === 'Poison') throw new SchemaError('cannot read this event');
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
        classify,
        handle: async () => {
          throw new SchemaError('cannot read this event');
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

  describe('coming back from failures by subscribing again', () => {
    /** `store` seen through a wrapper whose subscriptions' iteration throws once, after `after` events. */
    const droppingOnce = (after: number): { store: EventStore; subscribes: () => number } => {
      let subscribes = 0;
      let dropped = false;
      const wrapper = Object.create(store) as SqliteEventStore;
      wrapper.subscribe = (options) => {
        subscribes++;
        const inner = store.subscribe(options);
        const drop = !dropped;
        dropped = true;
        let delivered = 0;
        const subscription: EventSubscription = {
          close: () => inner.close(),
          async *[Symbol.asyncIterator]() {
            for await (const event of inner) {
              if (drop && delivered === after) throw new Error('connection dropped');
              delivered++;
              yield event;
            }
          },
        };
        return subscription;
      };
      return { store: wrapper, subscribes: () => subscribes };
    };

    it.each([1, 4])(
      'keeps a handler failing with a retry-class error, subscribes again and handles the event once the cause goes away (concurrency %i)',
      async (concurrency) => {
        const good = await append('order-a.1', 'Good');
        await append('order-a.1', 'Bad', 'After');
        await append('order-b.1', 'Other');
        const warnings: string[] = [];
        const retrying = new ProcessorRunner(store, checkpoints, {
          retry: fastRetry,
          resubscribe: fastResubscribe,
          logger: { ...quietLogger, warn: (m) => warnings.push(m) },
        });
        let broken = true;
        const handled: string[] = [];
        let badAttempts = 0;
        const running = retrying.start({
          name: 'r',
          concurrency,
          classify,
          handle: async (event) => {
            if (event.type === 'Bad' && broken) {
              badAttempts++;
              throw new Error('database is busy');
            }
            handled.push(event.type);
          },
        });
        const states: ProcessorState[] = [];
        running.onProgress(() => states.push(running.status().state));
        await until(() => running.status().resubscriptions >= 2);
        const status = running.status();
        expect(status.state).toBe('retrying');
        expect(status.error).toMatch(/"r".*"order-a\.1" revision 1.*database is busy/);
        // Never past the failed event, never its later event of the same stream.
        expect(await checkpoints.load('r')).toBe(good);
        expect(handled).not.toContain('After');
        expect(badAttempts).toBeGreaterThanOrEqual(2 * fastRetry.attempts);
        expect(warnings.join('\n')).toMatch(/"r" subscribes again in \d+ ms \(resubscription 1\): .*database is busy/);

        broken = false;
        const head = (await store.headPosition())!;
        await until(() => running.status().checkpoint === head);
        expect(running.status()).toMatchObject({ state: 'running', checkpoint: head });
        expect(running.status().error).toBeUndefined();
        expect(states).toContain('retrying');
        expect(states[states.length - 1]).toBe('running');
        expect(handled.filter((t) => t === 'Bad')).toEqual(['Bad']);
        expect(handled.filter((t) => t === 'After')).toEqual(['After']);
        expect(handled[0]).toBe('Good');
        expect(handled.indexOf('Bad')).toBeLessThan(handled.indexOf('After'));
        let settled = false;
        void running.done.finally(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 10));
        expect(settled).toBe(false);
        await retrying.stopAll();
        expect(running.status().state).toBe('stopped');
      },
    );

    it.each([1, 4])('subscribes again after its subscription fails, after the checkpoint, skipping nothing (concurrency %i)', async (concurrency) => {
      await append('order-a.1', 'A', 'B', 'C');
      const dropping = droppingOnce(1);
      const warnings: string[] = [];
      const resubscribing = new ProcessorRunner(dropping.store, checkpoints, {
        retry: fastRetry,
        resubscribe: fastResubscribe,
        logger: { ...quietLogger, warn: (m) => warnings.push(m) },
      });
      const handled: string[] = [];
      const running = resubscribing.start({ name: 's', concurrency, handle: async (e) => void handled.push(e.type) });
      const head = (await store.headPosition())!;
      await until(() => running.status().checkpoint === head);
      expect(handled).toEqual(['A', 'B', 'C']);
      expect(dropping.subscribes()).toBe(2);
      expect(running.status()).toMatchObject({ state: 'running', resubscriptions: 1 });
      expect(warnings.join('\n')).toMatch(/"s" subscribes again in 5 ms \(resubscription 1\): connection dropped/);
      const live = await append('order-a.1', 'D');
      await until(() => running.status().checkpoint === live);
      expect(handled).toEqual(['A', 'B', 'C', 'D']);
      await resubscribing.stopAll();
    });

    it('subscribes again when a checkpoint write fails, from the checkpoint as stored', async () => {
      const first = await append('order-a.1', 'A');
      await append('order-a.1', 'B');
      let failWrites = 1;
      const flaky = Object.create(checkpoints) as SqliteCheckpointStore;
      flaky.store = async (name, position, expected) => {
        if (position !== first && failWrites-- > 0) throw new Error('checkpoint store unavailable');
        return checkpoints.store(name, position, expected);
      };
      const resubscribing = new ProcessorRunner(store, flaky, { retry: fastRetry, resubscribe: fastResubscribe, logger: quietLogger });
      const handled: string[] = [];
      const running = resubscribing.start({ name: 'w', handle: async (e) => void handled.push(e.type) });
      const head = (await store.headPosition())!;
      await until(() => running.status().checkpoint === head);
      // B was handled, its checkpoint was not written: it is handled again after the checkpoint of A.
      expect(handled).toEqual(['A', 'B', 'B']);
      expect(await checkpoints.load('w')).toBe(head);
      expect(running.status()).toMatchObject({ state: 'running', resubscriptions: 1 });
      await resubscribing.stopAll();
    });

    it('stops at once while it waits to subscribe again', async () => {
      await append('order-a.1', 'A');
      const patient = new ProcessorRunner(store, checkpoints, {
        retry: { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
        resubscribe: { initialDelayMs: 60_000, maxDelayMs: 60_000 },
        logger: quietLogger,
      });
      let calls = 0;
      const running = patient.start({
        name: 'waiting',
        handle: async () => {
          calls++;
          throw new Error('database is down');
        },
      });
      await until(() => running.status().state === 'retrying');
      const started = performance.now();
      await patient.stopAll();
      expect(performance.now() - started).toBeLessThan(500);
      expect(running.status()).toMatchObject({ state: 'stopped', resubscriptions: 1 });
      await expect(running.done).resolves.toBeUndefined();
      expect(calls).toBe(1);
      expect(await checkpoints.load('waiting')).toBeUndefined();
    });

    it('stops at once while a handler waits to retry in place', async () => {
      await append('order-a.1', 'A');
      const patient = new ProcessorRunner(store, checkpoints, {
        retry: { attempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 },
        resubscribe: fastResubscribe,
        logger: quietLogger,
      });
      let calls = 0;
      const running = patient.start({
        name: 'waiting',
        concurrency: 2,
        handle: async () => {
          calls++;
          throw new Error('database is down');
        },
      });
      await until(() => calls === 1);
      const started = performance.now();
      await patient.stopAll();
      expect(performance.now() - started).toBeLessThan(500);
      expect(running.status().state).toBe('stopped');
      expect(await checkpoints.load('waiting')).toBeUndefined();
    });
  });

  describe('in batches (handleBatch)', () => {
    it('hands a backlog over in log order, in batches of at most MAX_BATCH, and stores the checkpoint after each batch', async () => {
      const total = MAX_BATCH + 20;
      await store.append(
        'order-a.1',
        Array.from({ length: total }, (_, i) => ({ id: randomUUID(), type: `E${i}`, data: {} })),
        { expectedRevision: ANY },
      );
      const batches: string[][] = [];
      const single: string[] = [];
      const running = runner.start({
        name: 'p',
        handle: async (event) => void single.push(event.type),
        handleBatch: async (events) => void batches.push(events.map((e) => e.type)),
      });
      const head = (await store.headPosition())!;
      await until(() => running.status().checkpoint === head);
      expect(single).toEqual([]);
      expect(batches.length).toBeGreaterThan(1);
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(MAX_BATCH);
      expect(batches.flat()).toEqual(Array.from({ length: total }, (_, i) => `E${i}`));
      // Live events after the backlog come through the same path.
      const live = await append('order-a.1', 'Live');
      await until(() => running.status().checkpoint === live);
      expect(batches.flat().at(-1)).toBe('Live');
    });

    it('handles a failed batch again one event at a time, so the refused event alone is parked and the rest handled', async () => {
      await append('order-a.1', 'A', 'Refused', 'B');
      const singles: string[] = [];
      let batchCalls = 0;
      const running = runner.start({
        name: 'p',
        classify,
        handleBatch: async (events) => {
          batchCalls++;
          if (events.some((e) => e.type === 'Refused')) throw new RefusedError('refused in batch');
        },
        handle: async (event) => {
          if (event.type === 'Refused') throw new RefusedError('refused alone');
          singles.push(event.type);
        },
      });
      await eventually(async () => (await store.readStream(parkedStreamOf('p'))).length === 1);
      const head = (await store.headPosition())!;
      await until(() => running.status().checkpoint === head);
      expect(batchCalls).toBeGreaterThanOrEqual(1);
      expect(singles).toEqual(['A', 'B']);
      const [record] = await store.readStream(parkedStreamOf('p'));
      expect(record!.data).toMatchObject({ type: 'Refused', error: { message: 'refused alone' } });
      expect(running.status()).toMatchObject({ state: 'running' });
    });
  });

  describe('parking events the domain refuses', () => {
    const put = (stream: string, type: string, correlationId?: string) =>
      store.append(stream, [{ id: randomUUID(), type, data: {}, metadata: correlationId ? { correlationId } : {} }], {
        expectedRevision: ANY,
      });

    it.each([1, 4])('records the event once, moves the checkpoint past it and goes on (concurrency %i)', async (concurrency) => {
      const first = (await put('order-a.1', 'A', 'flow-1')).position;
      const refused = await put('order-a.1', 'Refused', 'flow-1');
      await put('order-a.1', 'After', 'flow-1');
      await put('order-b.1', 'Other');
      const warnings: string[] = [];
      const parking = new ProcessorRunner(store, checkpoints, {
        retry: fastRetry,
        resubscribe: fastResubscribe,
        logger: { ...quietLogger, warn: (m) => warnings.push(m) },
      });
      const handled: string[] = [];
      let refusals = 0;
      const processor = {
        name: 'p',
        concurrency,
        filter: { streamPrefixes: ['order-'] },
        classify,
        handle: async (event: RecordedEvent) => {
          if (event.type === 'Refused') {
            refusals++;
            throw new RefusedError('order o-1 is cancelled');
          }
          handled.push(event.type);
        },
      };
      let running = parking.start(processor);
      await until(() => handled.length === 3);
      // The parked stream is part of its subscription: the checkpoint ends on its own EventParked.
      const head = (await store.headPosition())!;
      await until(() => running.status().checkpoint === head);
      expect(handled.sort()).toEqual(['A', 'After', 'Other']);
      expect(refusals).toBe(1);
      expect(running.status()).toMatchObject({ state: 'running', resubscriptions: 0 });

      const parked = await store.readStream(parkedStreamOf('p'));
      expect(parked).toHaveLength(1);
      const [record] = parked;
      expect(record!.position).toBe(head);
      expect(record!.type).toBe('EventParked');
      const [, refusedEvent] = await store.readStream('order-a.1');
      expect(record!.data).toEqual({
        parkedId: refused.position.toString(),
        eventId: refusedEvent!.id,
        streamName: 'order-a.1',
        revision: '1',
        position: refused.position.toString(),
        type: 'Refused',
        flow: 'flow-1',
        error: { name: 'DomainError', code: 'ORDER_CANCELLED', message: 'order o-1 is cancelled' },
      });
      expect(record!.metadata).toMatchObject({
        correlationId: 'flow-1',
        causationId: refusedEvent!.id,
        actor: 'processor:p',
        commandId: `park/p/${refusedEvent!.id}`,
        schemaVersion: 1,
      });
      expect(Number.isNaN(Date.parse(record!.metadata['occurredAt'] as string))).toBe(false);
      expect(warnings.join('\n')).toMatch(
        new RegExp(`"p" parked .*"order-a\\.1" revision 1 \\(position ${refused.position}, flow flow-1\\): order o-1 is cancelled`),
      );
      expect(await listParked(store, 'p')).toEqual([
        expect.objectContaining({ parkedId: refused.position.toString(), type: 'Refused', parkedAt: record!.recordedAt.toISOString() }),
      ]);

      // A replay from an older checkpoint (as after a crash) parks it again under the same id: one record.
      await parking.stop('p');
      await checkpoints.reset('p');
      await checkpoints.store('p', first, undefined);
      running = parking.start(processor);
      await until(() => refusals === 2 && running.status().checkpoint === head);
      await until(() => handled.length === 5);
      expect(await store.readStream(parkedStreamOf('p'))).toHaveLength(1);
      expect(await store.headPosition()).toBe(head);
      await parking.stopAll();
    });

    it('parks an event without a correlation id under its stream name, with flow null', async () => {
      await put('order-a.1', 'Refused');
      runner.start({
        name: 'p',
        classify,
        handle: async () => {
          throw new RefusedError('no');
        },
      });
      await eventually(async () => (await store.readStream(parkedStreamOf('p'))).length === 1);
      const [record] = await store.readStream(parkedStreamOf('p'));
      expect(record!.data).toMatchObject({ flow: null, error: { name: 'DomainError', code: 'ORDER_CANCELLED', message: 'no' } });
      expect(record!.metadata).toMatchObject({ correlationId: 'order-a.1' });
    });

    it('handles a parked event again on request: parked while refused, resolved once accepted', async () => {
      const refused = await put('order-a.1', 'Refused', 'flow-1');
      let accept = false;
      const handled: RecordedEvent[] = [];
      const processor = {
        name: 'p',
        filter: { streamPrefixes: ['order-'] },
        classify,
        handle: async (event: RecordedEvent) => {
          handled.push(event);
          if (event.type === 'Refused' && !accept) throw new RefusedError('order o-1 is cancelled');
        },
      };
      let running = runner.start(processor);
      await eventually(async () => (await listParked(store, 'p')).length === 1);
      const [entry] = await listParked(store, 'p');
      expect(entry!.parkedId).toBe(refused.position.toString());

      // Only its own parked stream counts: a request on a stream that merely shares the prefix is ignored.
      await store.append(
        'parked-p-other',
        [{ id: randomUUID(), type: 'ParkedRetryRequested', data: { parkedId: entry!.parkedId, requestId: 'x' } }],
        { expectedRevision: ANY },
      );
      const marker = await put('order-a.2', 'Marker');
      await until(() => running.status().checkpoint === marker.position);
      expect(handled.map((e) => e.type)).toEqual(['Refused', 'Marker']);
      expect(await awaitParkedRetry(store, 'p', 'x', 0)).toBe('pending');

      expect(await requestParkedRetry(store, 'p', '999999')).toBeUndefined();
      const first = (await requestParkedRetry(store, 'p', entry!.parkedId))!;
      expect(await awaitParkedRetry(store, 'p', first.requestId, 5000)).toBe('parked');
      const [still] = await listParked(store, 'p');
      expect(still!.lastRetry).toMatchObject({ requestId: first.requestId, error: { message: 'order o-1 is cancelled' } });

      accept = true;
      const second = (await requestParkedRetry(store, 'p', entry!.parkedId))!;
      expect(await awaitParkedRetry(store, 'p', second.requestId, 5000)).toBe('resolved');
      expect(await listParked(store, 'p')).toEqual([]);
      expect(await requestParkedRetry(store, 'p', entry!.parkedId)).toBeUndefined();
      // The original event, read back from the log; records of parked streams never reach the handler.
      const [original] = await store.readStream('order-a.1');
      const refusedHandled = handled.filter((e) => e.type === 'Refused');
      expect(refusedHandled.map((e) => [e.id, e.position])).toEqual(Array(3).fill([original!.id, refused.position]));
      expect(handled.map((e) => e.type)).toEqual(['Refused', 'Marker', 'Refused', 'Refused']);
      const types = (await store.readStream(parkedStreamOf('p'))).map((r) => r.type);
      expect(types).toEqual(['EventParked', 'ParkedRetryRequested', 'ParkedRetryFailed', 'ParkedRetryRequested', 'ParkedEventResolved']);
      const head = (await store.headPosition())!;
      await until(() => running.status().checkpoint === head);

      // Replayed from the start (as after a crash), the requests answered already are not answered again.
      await runner.stop('p');
      await checkpoints.reset('p');
      running = runner.start(processor);
      await until(() => running.status().checkpoint === head);
      expect(handled.map((e) => e.type)).toEqual(['Refused', 'Marker', 'Refused', 'Refused', 'Refused', 'Marker']);
      expect((await store.readStream(parkedStreamOf('p'))).map((r) => r.type)).toEqual(types);
    });

    it('answers nothing while the processor is not running, and the request is answered once it runs', async () => {
      await put('order-a.1', 'Refused');
      let accept = false;
      const processor = {
        name: 'p',
        classify,
        handle: async (event: RecordedEvent) => {
          if (event.type === 'Refused' && !accept) throw new RefusedError('no');
        },
      };
      runner.start(processor);
      await eventually(async () => (await listParked(store, 'p')).length === 1);
      await runner.stop('p');
      const [entry] = await listParked(store, 'p');
      const { requestId } = (await requestParkedRetry(store, 'p', entry!.parkedId))!;
      const started = performance.now();
      expect(await awaitParkedRetry(store, 'p', requestId, 60)).toBe('pending');
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
      accept = true;
      runner.start(processor);
      expect(await awaitParkedRetry(store, 'p', requestId, 5000)).toBe('resolved');
    });

    it('retries a parked event under its key: not beside a later event of the same key', async () => {
      const refused = await put('order-a.1', 'Refused');
      let accept = false;
      let release: () => void = () => undefined;
      const calls: string[] = [];
      runner.start({
        name: 'p',
        concurrency: 4,
        classify,
        handle: async (event: RecordedEvent) => {
          calls.push(`${event.type}:start`);
          if (event.type === 'Refused' && !accept) throw new RefusedError('no');
          if (event.type === 'Hold') await new Promise<void>((resolve) => (release = resolve));
          calls.push(`${event.type}:end`);
        },
      });
      await eventually(async () => (await listParked(store, 'p')).length === 1);
      accept = true;
      await put('order-a.1', 'Hold');
      await until(() => calls.includes('Hold:start'));
      const { requestId } = (await requestParkedRetry(store, 'p', refused.position.toString()))!;
      expect(await awaitParkedRetry(store, 'p', requestId, 80)).toBe('pending');
      expect(calls).toEqual(['Refused:start', 'Hold:start']);
      release();
      expect(await awaitParkedRetry(store, 'p', requestId, 5000)).toBe('resolved');
      expect(calls).toEqual(['Refused:start', 'Hold:start', 'Hold:end', 'Refused:start', 'Refused:end']);
    });

    it('subscribes again when a retried parked event fails with a retry-class error, and answers the request then', async () => {
      await put('order-a.1', 'Refused');
      let mode: 'refuse' | 'down' | 'accept' = 'refuse';
      const running = runner.start({
        name: 'p',
        classify,
        handle: async () => {
          if (mode === 'refuse') throw new RefusedError('no');
          if (mode === 'down') throw new Error('database is down');
        },
      });
      await eventually(async () => (await listParked(store, 'p')).length === 1);
      const [entry] = await listParked(store, 'p');
      mode = 'down';
      const { requestId } = (await requestParkedRetry(store, 'p', entry!.parkedId))!;
      await until(() => running.status().state === 'retrying');
      expect(await awaitParkedRetry(store, 'p', requestId, 30)).toBe('pending');
      mode = 'accept';
      expect(await awaitParkedRetry(store, 'p', requestId, 5000)).toBe('resolved');
      await until(() => running.status().state === 'running');
      expect(running.status().resubscriptions).toBeGreaterThanOrEqual(1);
    });
  });

  describe('one active instance per processor (a lease) and a published status', () => {
    /** A lease the test grants and takes away. */
    class ManualLease implements ProcessorLease {
      granted: (() => void) | undefined;
      lose: (() => void) | undefined;
      acquisitions = 0;
      async acquire(_name: string, signal?: AbortSignal): Promise<LeaseHandle> {
        this.acquisitions++;
        await new Promise<void>((resolve, reject) => {
          this.granted = resolve;
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
        let lost!: () => void;
        const handle = { lost: new Promise<void>((resolve) => (lost = resolve)), release: async () => undefined };
        this.lose = lost;
        return handle;
      }
    }

    it('waits in standby until it holds the lease, stops handling when it loses it, and goes on from the checkpoint once it holds it again', async () => {
      const lease = new ManualLease();
      const board = new MemoryStatusBoard();
      const leased = new ProcessorRunner(store, checkpoints, { retry: fastRetry, logger: quietLogger, lease, statusBoard: { board, instance: 'host:1' } });
      const seen: string[] = [];
      await append('order-l.1', 'A');
      const running = leased.start({ name: 'leased', handle: async (event) => void seen.push(event.type) });
      await until(() => lease.granted !== undefined);
      expect(running.status().state).toBe('standby');
      expect(seen).toEqual([]);

      lease.granted!();
      await until(() => seen.length === 1);
      await until(() => running.status().state === 'running');
      const published = await board.read();
      expect(published).toEqual([expect.objectContaining({ name: 'leased', instance: 'host:1', state: expect.any(String), heartbeatAt: expect.any(String) })]);

      lease.granted = undefined;
      lease.lose!();
      await until(() => running.status().state === 'standby' && lease.granted !== undefined);
      await append('order-l.1', 'B');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen).toEqual(['A']);

      lease.granted!();
      await until(() => seen.length === 2);
      expect(seen).toEqual(['A', 'B']);
      expect(lease.acquisitions).toBe(2);
      await eventually(async () => (await board.read())[0]?.state === 'running');
      await leased.stopAll();
      expect(await board.read()).toEqual([]);
    });

    it('stops promptly while it waits for the lease', async () => {
      const lease = new ManualLease();
      const leased = new ProcessorRunner(store, checkpoints, { retry: fastRetry, logger: quietLogger, lease });
      const running = leased.start({ name: 'waiting', handle: async () => undefined });
      await until(() => lease.granted !== undefined);
      await leased.stopAll();
      expect(running.status().state).toBe('stopped');
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
