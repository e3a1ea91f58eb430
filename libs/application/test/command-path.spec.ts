import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stockOf } from '@app/domain/bin/bin.decider';
import { binStream } from '@app/domain/shared/streams';
import { ConcurrencyConflictError, EventStore } from '@app/event-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { BinAggregate } from '@app/domain/aggregates';
import { CommandContext } from '../src/command-path/command-context';
import { CommandPath, TooManyConflictsError } from '../src/command-path/command-path';
import { InvalidStoredEventError } from '@app/domain/aggregates';

const context = (): CommandContext => {
  const id = randomUUID();
  return { commandId: id, correlationId: id, causationId: id, actor: 'test', occurredAt: '2026-11-27T00:00:00.000Z' };
};

const BIN = binStream('seller', 'main', 'default');

describe('CommandPath', () => {
  let dir: string;
  let stores: SqliteEventStore[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'command-path-'));
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  const open = () => {
    const store = new SqliteEventStore(openSqliteDatabase({ path: join(dir, 'events.sqlite'), durability: 'normal' }));
    stores.push(store);
    return store;
  };

  it('never assigns beyond on hand when two processes (two caches, two queues) race on one bin', async () => {
    const first = new CommandPath(open());
    const second = new CommandPath(open());
    await first.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'a1', sku: 'SKU', quantity: 7 }, context());
    // Warm both caches, so each decides on a fold that the other's appends make stale.
    await first.load(BinAggregate, BIN);
    await second.load(BinAggregate, BIN);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? first : second).handle(
          BinAggregate,
          BIN,
          { type: 'AssignStock', assignmentId: `as-${i}`, orderId: `o${i}`, sku: 'SKU', quantity: 1 },
          context(),
        ),
      ),
    );
    expect(results.filter((r) => r.events.some((e) => e.type === 'StockAssigned'))).toHaveLength(7);
    // The others were answered, and the answer recorded: nothing for them.
    expect(results.filter((r) => r.events.some((e) => e.type === 'NothingAssigned'))).toHaveLength(13);
    const fresh = new CommandPath(open());
    const { state } = await fresh.load(BinAggregate, BIN);
    expect(stockOf(state, 'SKU')).toEqual({ onHand: 7, assigned: 7, reserved: 0, available: 0 });
  });

  it('appends with the revision it read, and reloads and decides again on a conflict', async () => {
    const store = open();
    const appends: Array<bigint | string> = [];
    let interfered = false;
    const spy: EventStore = Object.create(store) as EventStore;
    spy.append = async (stream, events, options) => {
      appends.push(options.expectedRevision);
      if (!interfered) {
        interfered = true;
        // Another writer gets in between this command's read and its append.
        await store.append(stream, [{ id: randomUUID(), type: 'StockAdjusted', data: { adjustmentId: 'other', sku: 'SKU', quantity: 1 } }], {
          expectedRevision: 0n,
        });
      }
      return store.append(stream, events, options);
    };
    const path = new CommandPath(spy);
    await store.append(BIN, [{ id: randomUUID(), type: 'StockAdjusted', data: { adjustmentId: 'first', sku: 'SKU', quantity: 2 } }], {
      expectedRevision: 'no_stream',
    });
    const result = await path.handle(BinAggregate, BIN, { type: 'AssignStock', assignmentId: 'x', orderId: 'o', sku: 'SKU', quantity: 5 }, context());
    expect(appends).toEqual([0n, 1n]);
    // Decided again on the new state: 3 on hand by then, all of it assigned.
    expect(result.events).toEqual([{ type: 'StockAssigned', data: { assignmentId: 'x', orderId: 'o', sku: 'SKU', quantity: 3, fromReserved: 0 } }]);
  });

  it('gives up after a bounded number of conflicts', async () => {
    const store = open();
    const hostile: EventStore = Object.create(store) as EventStore;
    hostile.append = async (stream, _events, options) => {
      throw new ConcurrencyConflictError(stream, options.expectedRevision, 99n);
    };
    const path = new CommandPath(hostile, { maxAttempts: 3 });
    await expect(
      path.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'a', sku: 'SKU', quantity: 1 }, context()),
    ).rejects.toBeInstanceOf(TooManyConflictsError);
  });

  it('derives event ids from the command, the stream and the revision, so a retried append is recognised', async () => {
    const ctx = context();
    const adjust = { type: 'AdjustStock' as const, adjustmentId: 'a', sku: 'SKU', quantity: 1 };
    const idsOf = async (commandContext: CommandContext) => {
      const store = new SqliteEventStore(openSqliteDatabase({ path: ':memory:' }));
      stores.push(store);
      await new CommandPath(store).handle(BinAggregate, BIN, adjust, commandContext);
      return (await store.readStream(BIN)).map((e) => e.id);
    };
    const first = await idsOf(ctx);
    expect(await idsOf(ctx)).toEqual(first);
    expect(await idsOf(context())).not.toEqual(first);

    // An append whose answer was lost, sent again with the same ids: written once.
    const store = open();
    let failOnce = true;
    const flaky: EventStore = Object.create(store) as EventStore;
    flaky.append = async (stream, events, options) => {
      const result = await store.append(stream, events, options);
      if (failOnce) {
        failOnce = false;
        throw new Error('connection reset after the write');
      }
      return result;
    };
    const path = new CommandPath(flaky);
    await expect(path.handle(BinAggregate, BIN, { ...adjust, adjustmentId: 'lost' }, ctx)).rejects.toThrow(/connection reset/);
    // The command sent again: the bin recognises the adjustment id and writes nothing more.
    await path.handle(BinAggregate, BIN, { ...adjust, adjustmentId: 'lost' }, ctx);
    expect(await store.readStream(BIN)).toHaveLength(1);
    // And the store itself recognises the same events re-appended where they were written.
    await store.append(BIN, (await store.readStream(BIN)).map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })), {
      expectedRevision: 'no_stream',
    });
    expect(await store.readStream(BIN)).toHaveLength(1);
  });

  it('stops on a stored event that does not match its schema, naming the stream and revision', async () => {
    const store = open();
    await store.append(BIN, [{ id: randomUUID(), type: 'StockAdjusted', data: { sku: 'SKU', quantity: 'many' } }], { expectedRevision: 'no_stream' });
    const error = await new CommandPath(store).load(BinAggregate, BIN).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidStoredEventError);
    expect((error as Error).message).toMatch(/StockAdjusted at stream "bin-seller\.main\.default" revision 0/);
  });

  it('reads only the new tail of a cached stream once another process has written to it', async () => {
    const store = open();
    const path = new CommandPath(store);
    await path.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'a', sku: 'SKU', quantity: 1 }, context());
    const reads: Array<bigint | undefined> = [];
    const counting: EventStore = Object.create(store) as EventStore;
    counting.readStream = async (stream, options) => {
      reads.push(options?.fromRevision);
      return store.readStream(stream, options);
    };
    const cachedPath = new CommandPath(counting);
    await cachedPath.load(BinAggregate, BIN);
    // Another process (its own connection to the file) appends.
    const other = open();
    await other.append(BIN, [{ id: randomUUID(), type: 'StockAdjusted', data: { adjustmentId: 'b', sku: 'SKU', quantity: 2 } }], { expectedRevision: 0n });
    const { state, revision } = await cachedPath.load(BinAggregate, BIN);
    expect(reads).toEqual([0n, 1n]);
    expect(revision).toBe(1n);
    expect(stockOf(state, 'SKU').onHand).toBe(3);
  });

  it('does not read a cached stream again while only its own appends have touched the log', async () => {
    const store = open();
    let reads = 0;
    const counting: EventStore = Object.create(store) as EventStore;
    counting.readStream = async (stream, options) => {
      reads += 1;
      return store.readStream(stream, options);
    };
    const path = new CommandPath(counting);
    await path.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'a', sku: 'SKU', quantity: 5 }, context());
    expect(reads).toBe(1); // the first load of a stream it never saw
    for (let i = 0; i < 5; i++) {
      await path.handle(BinAggregate, BIN, { type: 'AssignStock', assignmentId: `as-${i}`, orderId: `o${i}`, sku: 'SKU', quantity: 1 }, context());
    }
    const { state, revision } = await path.load(BinAggregate, BIN);
    expect(reads).toBe(1);
    expect(revision).toBe(5n);
    expect(stockOf(state, 'SKU').assigned).toBe(5);
    // The fold equals what the log says.
    const fresh = await new CommandPath(open()).load(BinAggregate, BIN);
    expect(fresh.state).toEqual(state);
  });

  it('re-reads after a conflict even when the mark did not move', async () => {
    const store = open();
    const path = new CommandPath(store);
    await path.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'a', sku: 'SKU', quantity: 1 }, context());
    // A write the mark cannot see: through the same store, not through the command path.
    await store.append(BIN, [{ id: randomUUID(), type: 'StockAdjusted', data: { adjustmentId: 'b', sku: 'SKU', quantity: 2 } }], { expectedRevision: 0n });
    const handled = await path.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'c', sku: 'SKU', quantity: 4 }, context());
    expect(handled.revision).toBe(2n);
    expect(stockOf(handled.state, 'SKU').onHand).toBe(7);
  });

  it('answers a load of a stream with an append in flight only once that append is folded in', async () => {
    // As with EventStoreDB, an append can be in the log (and reach subscribers) before its writer
    // hears back: here the acknowledgement waits for the test.
    const store = open();
    const acknowledgements: (() => void)[] = [];
    const slow: EventStore = Object.create(store) as EventStore;
    slow.append = async (...args) => {
      const result = await store.append(...args);
      await new Promise<void>((resolve) => acknowledgements.push(resolve));
      return result;
    };
    const path = new CommandPath(slow);
    const adjusting = path.handle(BinAggregate, BIN, { type: 'AdjustStock', adjustmentId: 'a', sku: 'SKU', quantity: 1 }, context());
    while (acknowledgements.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    acknowledgements.shift()!();
    await adjusting;
    const assigning = path.handle(BinAggregate, BIN, { type: 'AssignStock', assignmentId: 'as', orderId: 'o1', sku: 'SKU', quantity: 1 }, context());
    while (acknowledgements.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    // A reader that learnt of the assignment from the log loads the bin meanwhile.
    expect((await store.readStream(BIN)).map((e) => e.type)).toEqual(['StockAdjusted', 'StockAssigned']);
    let loaded: { revision: bigint | undefined } | undefined;
    const loading = path.load(BinAggregate, BIN).then((l) => (loaded = l));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(loaded).toBeUndefined();
    acknowledgements.shift()!();
    await Promise.all([assigning, loading]);
    expect(loaded?.revision).toBe(1n);
  });
});
