/**
 * The progress reporter of long reads (rebuilds, catch-ups at start), on an injected clock and
 * sink; and the processor runner's catch-up reporting over a real SQLite log.
 */
import { randomUUID } from 'node:crypto';
import { SqliteCheckpointStore } from '../src/checkpoints/sqlite-checkpoint-store';
import { ProcessorRunner } from '../src/processors/processor-runner';
import { formatDuration, ProgressReporter, ProgressSink, progressSink } from '../src/progress';
import { openSqliteDatabase } from '../src/sqlite/sqlite-database';
import { SqliteEventStore } from '../src/sqlite/sqlite-event-store';

class FakeClock {
  now = 0;
  reads = 0;
  readonly read = () => {
    this.reads++;
    return this.now;
  };
}

const recordingSink = () => {
  const lines: string[] = [];
  return { lines, sink: { log: (message: string) => void lines.push(message) } satisfies ProgressSink };
};

describe('ProgressReporter', () => {
  it('logs done/total, the rate and the time left every interval, and a final line', () => {
    const clock = new FakeClock();
    const { lines, sink } = recordingSink();
    const reporter = new ProgressReporter({ label: 'Rebuild', head: 1_000_000n, sink, clock: clock.read, logIntervalMs: 5000 });
    // 85,000 events a second, read in batches of 1,000.
    for (let done = 1000; done <= 1_000_000; done += 1000) {
      clock.now = (done / 85_000) * 1000;
      reporter.advance(1000, BigInt(done));
    }
    reporter.finish();
    // One line per 5 s (at 85,000 ev/s: from 425,000 and 850,000 events, within a quarter of an
    // interval, when the clock is next read), then the final one.
    expect(lines).toEqual([
      expect.stringMatching(/^Rebuild: \d+\/1000000 events, 85000 ev\/s, ETA [5-7] s$/),
      expect.stringMatching(/^Rebuild: \d+\/1000000 events, 85000 ev\/s, ETA [0-2] s$/),
      'Rebuild: 1000000 events in 11.8 s, 85000 ev/s',
    ]);
    const done = lines.slice(0, 2).map((line) => Number(/: (\d+)\//.exec(line)![1]));
    expect(done[0]).toBeGreaterThanOrEqual(425_000);
    expect(done[0]).toBeLessThanOrEqual(425_000 + 85_000 * 1.25 + 1000);
    expect(done[1]! - done[0]!).toBeGreaterThanOrEqual(425_000);
  });

  it('reads the clock a few times per interval, not once per event', () => {
    const clock = new FakeClock();
    const { sink } = recordingSink();
    const reporter = new ProgressReporter({ label: 'Catch-up', head: 1_000_000n, sink, clock: clock.read, logIntervalMs: 5000 });
    for (let done = 1; done <= 1_000_000; done++) {
      clock.now = done / 100; // 100,000 events a second, one at a time
      reporter.advance(1, BigInt(done));
    }
    // 10 s of events: about 4 reads per 5 s interval, plus the first ones while the rate is unknown.
    expect(clock.reads).toBeLessThan(50);
  });

  it('redraws one line on a terminal, more often, and ends it with the final line', () => {
    const clock = new FakeClock();
    const draws: { text: string; last: boolean }[] = [];
    const logs: string[] = [];
    const reporter = new ProgressReporter({
      label: 'Rebuild',
      head: 10_000n,
      sink: { log: (m) => void logs.push(m), redraw: (text, last) => void draws.push({ text, last }) },
      clock: clock.read,
    });
    for (let done = 100; done <= 10_000; done += 100) {
      clock.now = done / 10; // 10,000 ev/s: 1 s in all
      reporter.advance(100, BigInt(done));
    }
    reporter.finish();
    expect(logs).toEqual([]);
    // Every 250 ms or so.
    expect(draws.slice(0, -1).map((d) => d.last)).toEqual([false, false, false]);
    expect(draws[0]!.text).toMatch(/^Rebuild: (2[5-9]|3[01])00\/10000 events, 10000 ev\/s, ETA 1 s$/);
    expect(draws[draws.length - 1]).toEqual({ text: 'Rebuild: 10000 events in 1.0 s, 10000 ev/s', last: true });
  });

  it('says nothing of a short catch-up, and speaks once it is large or slow', () => {
    const quietUnless = { events: 10_000, ms: 2_000 };
    const short = recordingSink();
    const clock = new FakeClock();
    const small = new ProgressReporter({ label: 'Catch-up', head: 5_000n, sink: short.sink, clock: clock.read, logIntervalMs: 500, quietUnless });
    for (let done = 100; done <= 5_000; done += 100) {
      clock.now = done / 10;
      small.advance(100, BigInt(done));
    }
    small.finish();
    expect(short.lines).toEqual([]);

    const slow = recordingSink();
    const slowClock = new FakeClock();
    const slowReporter = new ProgressReporter({ label: 'Catch-up', head: 5_000n, sink: slow.sink, clock: slowClock.read, logIntervalMs: 500, quietUnless });
    for (let done = 10; done <= 5_000; done += 10) {
      slowClock.now = done; // 1,000 ev/s: 5 s in all
      slowReporter.advance(10, BigInt(done));
    }
    slowReporter.finish();
    expect(slow.lines.length).toBeGreaterThan(3);
    expect(slow.lines.every((line, i) => i === slow.lines.length - 1 || /^Catch-up: \d+\/5000 events, 1000 ev\/s, ETA \d+ s$/.test(line))).toBe(true);
    expect(Number(/(\d+)\//.exec(slow.lines[0]!)![1])).toBeGreaterThan(2000);
    expect(slow.lines[slow.lines.length - 1]).toBe('Catch-up: 5000 events in 5.0 s, 1000 ev/s');
  });

  it('estimates the total from the share of positions covered where positions are not event numbers', () => {
    const clock = new FakeClock();
    const { lines, sink } = recordingSink();
    // Byte offsets (EventStoreDB): each event takes 500 positions; 1,000 events from 10,000 to 510,000.
    const reporter = new ProgressReporter({ label: 'Rebuild', after: 10_000n, head: 510_000n, sink, clock: clock.read, logIntervalMs: 1000 });
    for (let done = 1; done <= 1000; done++) {
      clock.now = done * 2; // 500 ev/s
      reporter.advance(1, 10_000n + BigInt(done * 500));
    }
    // 1,000 in all, though the positions run to 510,000.
    expect(lines[0]).toMatch(/^Rebuild: [5-6]\d\d\/1000 events, 500 ev\/s, ETA 1 s$/);
  });

  it('formats the time left', () => {
    expect([formatDuration(400), formatDuration(59_400), formatDuration(125_000), formatDuration(7_500_000)]).toEqual(['0 s', '59 s', '2 min 5 s', '2 h 5 min']);
  });

  it('redraws on stderr only when it is a terminal', () => {
    const logged: string[] = [];
    const written: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, write: (text: string) => written.push(text) }) as unknown as NodeJS.WriteStream;
    expect(progressSink({ log: (m) => logged.push(m) }, stream(false)).redraw).toBeUndefined();
    progressSink({ log: (m) => logged.push(m) }, stream(true)).redraw!('Rebuild: 1/2 events', false);
    expect(written).toEqual(['\r\x1b[2KRebuild: 1/2 events']);
  });
});

describe('a processor catching up at start', () => {
  const appendEvents = async (store: SqliteEventStore, count: number) => {
    for (let i = 0; i < count; i += 1000) {
      const events = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ id: randomUUID(), type: 'Noted', data: { n: i + j } }));
      await store.append(`note-${i}`, events, { expectedRevision: 'no_stream' });
    }
  };

  const runToHead = async (events: number) => {
    const db = openSqliteDatabase({ path: ':memory:' });
    const store = new SqliteEventStore(db, { ownsDatabase: true });
    await appendEvents(store, events);
    const { lines, sink } = recordingSink();
    const runner = new ProcessorRunner(store, new SqliteCheckpointStore(db), {
      logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
      progress: sink,
    });
    let handled = 0;
    const running = runner.start({ name: 'notes', handle: async () => void handled++ });
    const deadline = Date.now() + 20_000;
    while (running.status().checkpoint !== BigInt(events) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await runner.stopAll();
    await store.close();
    return { lines, handled };
  };

  it('reports a backlog of more than 10,000 events with a final line', async () => {
    const { lines, handled } = await runToHead(12_000);
    expect(handled).toBe(12_000);
    expect(lines[lines.length - 1]).toMatch(/^Catch-up of notes: 12000 events in \d+\.\d s, \d+ ev\/s$/);
  }, 30_000);

  it('says nothing of a short one', async () => {
    const { lines, handled } = await runToHead(2_000);
    expect(handled).toBe(2_000);
    expect(lines).toEqual([]);
  });
});
