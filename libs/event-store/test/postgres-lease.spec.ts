/**
 * Processor leases: PostgreSQL advisory locks held on a connection of their own (against a real
 * server, in a database of this file's own), and the in-process lease of the embedded default.
 */
import { randomUUID } from 'node:crypto';
import { createServer, connect as connectTcp, Socket } from 'node:net';
import { Client } from 'pg';
import { PostgresLease, PostgresLeaseHandle } from '../src/postgres/postgres-lease';
import { InProcessLease, LeaseHandle } from '../src/processors/processor-lease';
import { createTestDatabase, describeWithPostgres, TestDatabase } from '../src/testing/postgres';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const quiet = { warn: () => undefined };

/** Whether `promise` settles within `ms`. */
const settlesWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> => {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
};

describe('InProcessLease', () => {
  it('grants every lease at once, the same name twice included, and never loses one', async () => {
    const lease = new InProcessLease();
    const [a, b] = await Promise.all([lease.acquire('p'), lease.acquire('p')]);
    expect(await settlesWithin(a.lost, 50)).toBe(false);
    await a.release();
    await b.release();
  });

  it('refuses an aborted acquire', async () => {
    await expect(new InProcessLease().acquire('p', AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
  });
});

describeWithPostgres('PostgreSQL processor lease', () => {
  let database: TestDatabase;
  const held: LeaseHandle[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  afterEach(async () => {
    await Promise.all(held.splice(0).map((handle) => handle.release()));
  });

  /** A lease as one process would have it. */
  const lease = (namespace = 'test') =>
    new PostgresLease({
      connect: () => new Client({ connectionString: database.url, application_name: 'lease-test' }),
      namespace,
      pollIntervalMs: 100,
      heartbeatIntervalMs: 200,
      logger: quiet,
    });

  const admin = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  it('grants one of two leases on one name, and the second once the first is released', async () => {
    const name = `p-${randomUUID()}`;
    const first = await lease().acquire(name);
    held.push(first);
    const second = lease().acquire(name);
    second.then((handle) => held.push(handle), () => undefined);
    expect(await settlesWithin(second, 600)).toBe(false);

    await first.release();
    const started = Date.now();
    const taken = await second;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await settlesWithin(first.lost, 50)).toBe(false); // released, not lost
    expect(taken.backendPid).not.toBe(first.backendPid);
  });

  it('lets another process take the lease over when the holder\'s connection is killed, and tells the holder', async () => {
    const name = `p-${randomUUID()}`;
    const first: PostgresLeaseHandle = await lease().acquire(name);
    held.push(first);
    const second = lease().acquire(name);
    second.then((handle) => held.push(handle), () => undefined);
    expect(await settlesWithin(second, 400)).toBe(false);

    const killed = await admin((client) => client.query('SELECT pg_terminate_backend($1) AS killed', [first.backendPid]));
    expect(killed.rows).toEqual([{ killed: true }]);
    expect(await settlesWithin(first.lost, 2000)).toBe(true);
    expect(await settlesWithin(second, 2000)).toBe(true);
    await first.release(); // harmless after the loss
  });

  it('keeps leases of different names, and of different namespaces, apart', async () => {
    const name = `p-${randomUUID()}`;
    const handles = await Promise.all([
      lease().acquire(name),
      lease().acquire(`${name}-other`),
      lease('another-deployment').acquire(name),
    ]);
    held.push(...handles);
    expect(new Set(handles.map((h) => (h as PostgresLeaseHandle).backendPid)).size).toBe(3);
  });

  it('stops waiting when its signal aborts, and leaves no connection behind', async () => {
    const name = `p-${randomUUID()}`;
    held.push(await lease().acquire(name));
    const controller = new AbortController();
    const waiting = lease().acquire(name, controller.signal);
    await sleep(250);
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    await sleep(100);
    const { rows } = await admin((client) =>
      client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'lease-test'"),
    );
    expect(rows).toEqual([{ n: 1 }]); // only the holder's
  });

  it('tells the holder its lease is lost when its connection stops answering (heartbeat)', async () => {
    // A proxy between the lease and the server that can freeze: the connection dies in silence.
    const target = new URL(database.url);
    const sockets: Socket[] = [];
    let frozen = false;
    const proxy = createServer((incoming) => {
      const outgoing = connectTcp(Number(target.port || 5432), target.hostname);
      sockets.push(incoming, outgoing);
      incoming.on('data', (chunk) => frozen || outgoing.write(chunk));
      outgoing.on('data', (chunk) => frozen || incoming.write(chunk));
      incoming.on('error', () => outgoing.destroy());
      outgoing.on('error', () => incoming.destroy());
      incoming.on('close', () => outgoing.destroy());
      outgoing.on('close', () => incoming.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    try {
      const url = new URL(database.url);
      url.host = `127.0.0.1:${port}`;
      const viaProxy = new PostgresLease({
        connect: () => new Client({ connectionString: url.toString() }),
        namespace: 'test',
        heartbeatIntervalMs: 100,
        heartbeatTimeoutMs: 300,
        logger: quiet,
      });
      const handle = await viaProxy.acquire(`p-${randomUUID()}`);
      expect(await settlesWithin(handle.lost, 400)).toBe(false); // heartbeats answered
      frozen = true;
      expect(await settlesWithin(handle.lost, 2000)).toBe(true);
      await handle.release();
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
