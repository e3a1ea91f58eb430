/**
 * The EventStore contract against a real EventStoreDB: one insecure single node, in memory,
 * started once for the file through testcontainers, wherever a Docker engine is reachable.
 */
import { randomUUID } from 'node:crypto';
import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { connectEsdbEventStore } from '../src/esdb/esdb-event-store';
import { ANY } from '../src/event-store.port';
import { describeWithDocker } from '../src/testing/docker';
import { describeEventStoreContract } from '../src/testing/event-store.contract';

const IMAGE = 'eventstore/eventstore:24.10';
const HTTP_AND_GRPC = 2113;

/** A live node may still be electing itself leader: wait until it takes a write. */
const waitForWrites = async (connectionString: string, timeoutMs: number): Promise<void> => {
  const store = connectEsdbEventStore(connectionString);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await store.append(`warmup-${randomUUID()}`, [{ id: randomUUID(), type: 'WarmedUp', data: {} }], {
          expectedRevision: ANY,
        });
        return;
      } catch (error: unknown) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await store.close();
  }
};

describeWithDocker('EventStoreDB event store (testcontainers)', () => {
  let container: StartedTestContainer | undefined;
  let connectionString = '';

  beforeAll(async () => {
    container = await new GenericContainer(IMAGE)
      .withExposedPorts(HTTP_AND_GRPC)
      .withEnvironment({
        EVENTSTORE_INSECURE: 'true',
        EVENTSTORE_RUN_PROJECTIONS: 'None',
        EVENTSTORE_MEM_DB: 'true',
        EVENTSTORE_CLUSTER_SIZE: '1',
        // The contract stores a 1 MB payload; the server's default append limit is exactly 1 MiB.
        EVENTSTORE_MAX_APPEND_SIZE: String(8 * 1024 * 1024),
      })
      .withWaitStrategy(
        Wait.forHttp('/health/live', HTTP_AND_GRPC).forStatusCodeMatching((status) => status >= 200 && status < 300),
      )
      .withStartupTimeout(150_000)
      .start();
    connectionString = `esdb://${container.getHost()}:${container.getMappedPort(HTTP_AND_GRPC)}?tls=false`;
    await waitForWrites(connectionString, 30_000);
  }, 180_000);

  afterAll(async () => {
    await container?.stop();
  }, 60_000);

  // One client per test; dispose closes the client only, the server lives for the whole file.
  describeEventStoreContract('EventStoreDB', async () => {
    const store = connectEsdbEventStore(connectionString);
    return {
      store,
      reopen: async () => connectEsdbEventStore(connectionString),
      dispose: () => store.close(),
    };
  });
});
