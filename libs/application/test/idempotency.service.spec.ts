import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { idempotencyStream } from '@app/domain/idempotency/idempotency.decider';
import { RecordedAnswer } from '@app/domain/idempotency/idempotency.events';
import { DomainError } from '@app/domain/shared/decider';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { CommandPath } from '../src/command-path/command-path';
import { IdempotencyClock, IdempotencyService } from '../src/services/idempotency.service';

const answer = (n: number): RecordedAnswer => ({ status: 201, body: { n }, headers: { 'x-event-position': String(n) } });

describe('IdempotencyService', () => {
  let dir: string;
  let stores: SqliteEventStore[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'idempotency-service-'));
    stores = [];
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A service as one api process has it: its own store connection, command path and queue. */
  const process = (clock = new IdempotencyClock()) => {
    const store = new SqliteEventStore(openSqliteDatabase({ path: join(dir, 'events.sqlite'), durability: 'normal' }));
    stores.push(store);
    return { service: new IdempotencyService(new CommandPath(store), clock), store };
  };
  const request = { caller: 'account:S', key: 'k-1', fingerprint: 'fp-1' };

  it('runs requests with one key one at a time in a process: the later ones answer the first answer without running', async () => {
    const { service, store } = process();
    let runs = 0;
    const outcomes = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        service.run(request, async () => {
          runs++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          return answer(n);
        }),
      ),
    );
    expect(runs).toBe(1);
    expect(outcomes).toStrictEqual([
      { answer: answer(1), replayed: false },
      ...[2, 3, 4, 5].map(() => ({ answer: answer(1), replayed: true })),
    ]);
    expect(await store.readStream(idempotencyStream('account:S', 'k-1'))).toHaveLength(1);
  });

  it('keeps the first answer recorded when two processes run the same request at once: the other does not fail, it answers that one', async () => {
    const first = process();
    const second = process();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Both look the key up before either records: both run (the body id derived from the key keeps the write single).
    let slowRan = false;
    const slow = second.service.run(request, async () => {
      slowRan = true;
      await held;
      return answer(2);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slowRan).toBe(true);
    const fast = first.service.run(request, async () => answer(1));
    expect(await fast).toStrictEqual({ answer: answer(1), replayed: false });
    release();
    expect(await slow).toStrictEqual({ answer: answer(1), replayed: true });
    expect(await first.store.readStream(idempotencyStream('account:S', 'k-1'))).toHaveLength(1);
  });

  it('records nothing for a request that fails: the key stays free', async () => {
    const { service, store } = process();
    await expect(service.run(request, async () => Promise.reject(new DomainError('conflict', 'X', 'refused')))).rejects.toThrow('refused');
    expect(await store.readStream(idempotencyStream('account:S', 'k-1'))).toHaveLength(0);
    expect(await service.run(request, async () => answer(3))).toStrictEqual({ answer: answer(3), replayed: false });
  });

  it('gives the work the use of the key: a fresh one after 24 h, so derived body ids are new', async () => {
    const clock = new IdempotencyClock();
    const { service } = process(clock);
    const uses: number[] = [];
    await service.run(request, async ({ use }) => (uses.push(use), answer(1)));
    jest.spyOn(clock, 'now').mockReturnValue(new Date(Date.now() + 24 * 60 * 60 * 1000 + 1000));
    await service.run({ ...request, fingerprint: 'fp-2' }, async ({ use }) => (uses.push(use), answer(2)));
    expect(uses).toStrictEqual([0, 1]);
  });
});
