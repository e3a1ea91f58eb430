/**
 * The behaviour every EventStore adapter must have. Each adapter's spec calls
 * `describeEventStoreContract` with a factory; the suite never relies on the log being empty, so
 * one server (an EventStoreDB container) can serve every test.
 */
import { randomUUID } from 'node:crypto';
import {
  ANY,
  ConcurrencyConflictError,
  EventStore,
  EventToAppend,
  NO_STREAM,
  RecordedEvent,
  STREAM_EXISTS,
} from '../event-store.port';

export interface EventStoreFixture {
  readonly store: EventStore;
  /** Makes a second store on the same log (another process' view), where the adapter can. */
  readonly reopen?: () => Promise<EventStore>;
  readonly dispose: () => Promise<void>;
}

const event = (type: string, data: unknown = {}, metadata: Record<string, unknown> = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata,
});

/** Reads events from a subscription until `count` arrived or `timeoutMs` passed. */
export const take = async (
  iterable: AsyncIterable<RecordedEvent>,
  count: number,
  timeoutMs = 5000,
): Promise<RecordedEvent[]> => {
  const got: RecordedEvent[] = [];
  const iterator = iterable[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    let timer: NodeJS.Timeout | undefined;
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left))),
    ]);
    clearTimeout(timer);
    if (next === 'timeout' || next.done) break;
    got.push(next.value);
  }
  return got;
};

export const describeEventStoreContract = (
  adapterName: string,
  makeFixture: () => Promise<EventStoreFixture>,
): void => {
  describe(`EventStore contract: ${adapterName}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    /** A stream name no other test uses. */
    let stream: (category?: string) => string;

    beforeEach(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      const run = randomUUID().replace(/-/g, '');
      let n = 0;
      stream = (category = 'test') => `${category}-${run}.${n++}`;
    });

    afterEach(async () => {
      await fixture.dispose();
    });

    describe('append and read', () => {
      it('numbers the revisions of a new stream from 0 and returns the last one', async () => {
        const s = stream();
        const first = await store.append(s, [event('A'), event('B')], { expectedRevision: NO_STREAM });
        expect(first.nextExpectedRevision).toBe(1n);
        const second = await store.append(s, [event('C')], { expectedRevision: 1n });
        expect(second.nextExpectedRevision).toBe(2n);
        expect(second.position > first.position).toBe(true);

        const read = await store.readStream(s);
        expect(read.map((e) => [e.type, e.revision])).toEqual([
          ['A', 0n],
          ['B', 1n],
          ['C', 2n],
        ]);
        expect(read.every((e) => e.streamName === s)).toBe(true);
        expect(read[2]!.position).toBe(second.position);
      });

      it('keeps the id, data, metadata and time of each event', async () => {
        const s = stream();
        const e = event('Placed', { sku: 'A-1', quantity: 3, nested: { list: [1, 2] } }, { correlationId: 'c-1' });
        const before = Date.now();
        await store.append(s, [e], { expectedRevision: NO_STREAM });
        const [read] = await store.readStream(s);
        expect(read!.id).toBe(e.id);
        expect(read!.data).toEqual({ sku: 'A-1', quantity: 3, nested: { list: [1, 2] } });
        expect(read!.metadata).toEqual({ correlationId: 'c-1' });
        expect(read!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5000);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('reads part of a stream from a revision, up to a count', async () => {
        const s = stream();
        await store.append(s, ['A', 'B', 'C', 'D'].map((t) => event(t)), { expectedRevision: NO_STREAM });
        const part = await store.readStream(s, { fromRevision: 1n, maxCount: 2 });
        expect(part.map((e) => e.type)).toEqual(['B', 'C']);
      });

      it('stores a 1 MB payload whole', async () => {
        const s = stream();
        const big = 'x'.repeat(1024 * 1024);
        await store.append(s, [event('Big', { big })], { expectedRevision: NO_STREAM });
        const [read] = await store.readStream(s);
        expect((read!.data as { big: string }).big).toHaveLength(big.length);
        expect((read!.data as { big: string }).big === big).toBe(true);
      });

      it('keeps unicode in data and metadata', async () => {
        const s = stream();
        const text = 'Grüße, 注文, заказ, 🚚📦, \u0000-free, e\u0301';
        await store.append(s, [event('Unicode', { text }, { actor: 'ação' })], { expectedRevision: NO_STREAM });
        const [read] = await store.readStream(s);
        expect(read!.data).toEqual({ text });
        expect(read!.metadata).toEqual({ actor: 'ação' });
      });
    });

    describe('optimistic concurrency', () => {
      it('refuses "no stream" when the stream exists', async () => {
        const s = stream();
        await store.append(s, [event('A')], { expectedRevision: NO_STREAM });
        const error = await store.append(s, [event('B')], { expectedRevision: NO_STREAM }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyConflictError);
        expect(error).toMatchObject({ streamName: s, expected: NO_STREAM, actual: 0n });
      });

      it('refuses "stream exists" when it does not', async () => {
        const s = stream();
        const error = await store.append(s, [event('A')], { expectedRevision: STREAM_EXISTS }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyConflictError);
        expect(error).toMatchObject({ streamName: s, expected: STREAM_EXISTS, actual: NO_STREAM });
        expect(await store.readStream(s)).toEqual([]);
      });

      it('accepts "stream exists" when it does', async () => {
        const s = stream();
        await store.append(s, [event('A')], { expectedRevision: NO_STREAM });
        const result = await store.append(s, [event('B')], { expectedRevision: STREAM_EXISTS });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('refuses a stale revision, and a revision on a missing stream', async () => {
        const s = stream();
        await store.append(s, [event('A'), event('B')], { expectedRevision: NO_STREAM });
        const stale = await store.append(s, [event('C')], { expectedRevision: 0n }).catch((e: unknown) => e);
        expect(stale).toBeInstanceOf(ConcurrencyConflictError);
        expect(stale).toMatchObject({ expected: 0n, actual: 1n });

        const missing = await store.append(stream(), [event('C')], { expectedRevision: 0n }).catch((e: unknown) => e);
        expect(missing).toBeInstanceOf(ConcurrencyConflictError);
        expect(missing).toMatchObject({ expected: 0n, actual: NO_STREAM });
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('appends with "any" whatever the state', async () => {
        const s = stream();
        await store.append(s, [event('A')], { expectedRevision: ANY });
        const result = await store.append(s, [event('B')], { expectedRevision: ANY });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('lets exactly one of many racing writers of the same revision win', async () => {
        const s = stream();
        await store.append(s, [event('A')], { expectedRevision: NO_STREAM });
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () => store.append(s, [event('B')], { expectedRevision: 0n })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected).toHaveLength(9);
        expect(rejected.every((r) => r.reason instanceof ConcurrencyConflictError)).toBe(true);
        expect(await store.readStream(s)).toHaveLength(2);
      });
    });

    describe('idempotent appends', () => {
      it('recognises the same events appended again at the same revision', async () => {
        const s = stream();
        const batch = [event('A'), event('B')];
        const first = await store.append(s, batch, { expectedRevision: NO_STREAM });
        const again = await store.append(s, batch, { expectedRevision: NO_STREAM });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(await store.readStream(s)).toHaveLength(2);

        const next = [event('C')];
        await store.append(s, next, { expectedRevision: 1n });
        await store.append(s, next, { expectedRevision: 1n });
        expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A', 'B', 'C']);
      });

      it('recognises a retried append made with "any"', async () => {
        const s = stream();
        const batch = [event('A')];
        await store.append(s, batch, { expectedRevision: ANY });
        await store.append(s, batch, { expectedRevision: ANY });
        expect(await store.readStream(s)).toHaveLength(1);
      });
    });

    describe('the whole log', () => {
      it('orders events of all streams by position, in append order', async () => {
        const head = (await store.headPosition()) ?? undefined;
        const a = stream();
        const b = stream();
        await store.append(a, [event('A1')], { expectedRevision: NO_STREAM });
        await store.append(b, [event('B1'), event('B2')], { expectedRevision: NO_STREAM });
        await store.append(a, [event('A2')], { expectedRevision: 0n });

        const ours = (await readAllAfter(store, head)).filter((e) => e.streamName === a || e.streamName === b);
        expect(ours.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
        const positions = ours.map((e) => e.position);
        expect([...positions].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(positions);
        expect(new Set(positions).size).toBe(positions.length);
        expect(await store.headPosition()).toBe(positions[3]);
      });

      it('reads after a position (exclusive), in batches', async () => {
        const s = stream();
        const appended: bigint[] = [];
        for (const type of ['A', 'B', 'C', 'D', 'E']) {
          appended.push((await store.append(s, [event(type)], { expectedRevision: ANY })).position);
        }
        const batch = await store.readAll({ after: appended[1], maxCount: 2 });
        expect(batch.map((e) => e.type)).toEqual(['C', 'D']);
        const rest = await store.readAll({ after: batch[1]!.position, maxCount: 10 });
        expect(rest.filter((e) => e.streamName === s).map((e) => e.type)).toEqual(['E']);
        expect(await store.readAll({ after: appended[4], maxCount: 10 })).toEqual([]);
      });
    });

    describe('subscriptions', () => {
      it('catches up from a position (exclusive), then delivers live events', async () => {
        const s = stream();
        const before = await store.append(s, [event('Old1'), event('Old2')], { expectedRevision: NO_STREAM });
        await store.append(s, [event('Caught')], { expectedRevision: ANY });

        const subscription = store.subscribe({ after: before.position, filter: { streamPrefixes: [s] } });
        const caughtUp = await take(subscription, 1);
        expect(caughtUp.map((e) => e.type)).toEqual(['Caught']);

        const live = take(subscription, 2);
        await store.append(s, [event('Live1')], { expectedRevision: ANY });
        await store.append(s, [event('Live2')], { expectedRevision: ANY });
        expect((await live).map((e) => e.type)).toEqual(['Live1', 'Live2']);
        await subscription.close();
      });

      it('delivers only the streams its filter names', async () => {
        const wanted = stream('wanted');
        const other = stream('other');
        const head = await store.headPosition();
        const subscription = store.subscribe({ after: head, filter: { streamPrefixes: [wanted] } });
        await store.append(other, [event('Other')], { expectedRevision: NO_STREAM });
        await store.append(wanted, [event('Wanted')], { expectedRevision: NO_STREAM });
        await store.append(other, [event('Other2')], { expectedRevision: ANY });
        await store.append(wanted, [event('Wanted2')], { expectedRevision: ANY });
        const got = await take(subscription, 2);
        expect(got.map((e) => [e.streamName, e.type])).toEqual([
          [wanted, 'Wanted'],
          [wanted, 'Wanted2'],
        ]);
        await subscription.close();
      });

      it('sees events appended through another connection to the same log', async () => {
        if (!fixture.reopen) return;
        const writer = await fixture.reopen();
        try {
          const s = stream();
          const subscription = store.subscribe({ after: await store.headPosition(), filter: { streamPrefixes: [s] } });
          await writer.append(s, [event('FromElsewhere')], { expectedRevision: NO_STREAM });
          expect((await take(subscription, 1)).map((e) => e.type)).toEqual(['FromElsewhere']);
          await subscription.close();
        } finally {
          await writer.close();
        }
      });

      it('ends its iteration when closed', async () => {
        const subscription = store.subscribe({ after: await store.headPosition(), filter: { streamPrefixes: [stream()] } });
        const iteration = (async () => {
          const got: RecordedEvent[] = [];
          for await (const e of subscription) got.push(e);
          return got;
        })();
        await new Promise((resolve) => setTimeout(resolve, 50));
        await subscription.close();
        await expect(iteration).resolves.toEqual([]);
      });
    });
  });
};

const readAllAfter = async (store: EventStore, after: bigint | undefined): Promise<RecordedEvent[]> => {
  const all: RecordedEvent[] = [];
  let from = after;
  for (;;) {
    const batch = await store.readAll({ ...(from === undefined ? {} : { after: from }), maxCount: 100 });
    if (batch.length === 0) return all;
    all.push(...batch);
    from = batch[batch.length - 1]!.position;
  }
};
