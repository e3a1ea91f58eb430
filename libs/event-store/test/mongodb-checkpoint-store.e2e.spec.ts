/**
 * The CheckpointStore contract against a real MongoDB, started once for the file through
 * testcontainers, wherever a Docker engine is reachable.
 */
import { MongoClient } from 'mongodb';
import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { MongoCheckpointStore } from '../src/checkpoints/mongodb-checkpoint-store';
import { describeCheckpointStoreContract } from '../src/testing/checkpoint-store.contract';
import { describeWithDocker } from '../src/testing/docker';

const IMAGE = 'mongo:7';
const MONGO_PORT = 27017;

describeWithDocker('MongoDB checkpoint store (testcontainers)', () => {
  let container: StartedTestContainer | undefined;
  let uri = '';

  beforeAll(async () => {
    container = await new GenericContainer(IMAGE)
      .withExposedPorts(MONGO_PORT)
      .withWaitStrategy(Wait.forLogMessage(/waiting for connections/i))
      .withStartupTimeout(150_000)
      .start();
    uri = `mongodb://${container.getHost()}:${container.getMappedPort(MONGO_PORT)}/?directConnection=true`;
  }, 180_000);

  afterAll(async () => {
    await container?.stop();
  }, 60_000);

  // One client per test, on the default `checkpoints` collection of one database.
  describeCheckpointStoreContract('MongoDB', async () => {
    const client = await new MongoClient(uri).connect();
    return { store: new MongoCheckpointStore(client.db('checkpoints-e2e')), dispose: () => client.close() };
  });
});
