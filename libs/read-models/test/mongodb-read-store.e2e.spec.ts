/**
 * The ReadStore contract against a real MongoDB, started once for the file through
 * testcontainers, wherever a Docker engine is reachable; each test gets a database of its own.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { describeWithDocker } from '@app/event-store/testing/docker';
import { READ_MODEL_INDEXES } from '../src/queries';
import { MongoReadStore } from '../src/store/mongodb-read-store';
import { describeReadStoreContract } from '../src/testing/read-store.contract';

const IMAGE = 'mongo:7';
const MONGO_PORT = 27017;
const PREFIX = 'rm_';

describeWithDocker('MongoDB read store (testcontainers)', () => {
  let container: StartedTestContainer | undefined;
  let client: MongoClient | undefined;

  beforeAll(async () => {
    container = await new GenericContainer(IMAGE)
      .withExposedPorts(MONGO_PORT)
      .withWaitStrategy(Wait.forLogMessage(/waiting for connections/i))
      .withStartupTimeout(150_000)
      .start();
    client = await new MongoClient(
      `mongodb://${container.getHost()}:${container.getMappedPort(MONGO_PORT)}/?directConnection=true`,
    ).connect();
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    await container?.stop();
  }, 60_000);

  const freshDatabase = () => client!.db(`read-store-${randomUUID().replace(/-/g, '')}`);

  // One client for the file; each test a fresh database, dropped after it.
  describeReadStoreContract('MongoDB', async () => {
    const db = freshDatabase();
    const store = new MongoReadStore(db, { collectionPrefix: PREFIX });
    return {
      store,
      reopen: async () => new MongoReadStore(db, { collectionPrefix: PREFIX }),
      dispose: async () => {
        await store.close();
        await db.dropDatabase();
      },
    };
  });

  describe('MongoReadStore', () => {
    it('leaves collections outside its prefix alone when it drops all', async () => {
      const db = freshDatabase();
      try {
        await db.collection<{ _id: string; position: string }>('checkpoints').insertOne({ _id: 'projection', position: '42' });
        const store = new MongoReadStore(db, { collectionPrefix: PREFIX });
        await store.collection('views').replaceOne({ _id: 'v' }, { _id: 'v' }, { upsert: true });
        expect(await db.collection(`${PREFIX}views`).countDocuments({})).toBe(1);
        await store.dropAll();
        expect(await db.collection(`${PREFIX}views`).countDocuments({})).toBe(0);
        expect(await db.collection('checkpoints').countDocuments({})).toBe(1);
      } finally {
        await db.dropDatabase();
      }
    });

    it('creates the indexes the queries need, once, under its prefix', async () => {
      const db = freshDatabase();
      try {
        const store = new MongoReadStore(db, { collectionPrefix: PREFIX });
        await store.ensureIndexes(READ_MODEL_INDEXES);
        await store.ensureIndexes(READ_MODEL_INDEXES);
        const orders = await db.collection(`${PREFIX}orders`).listIndexes().toArray();
        expect(orders.map((index) => index.key)).toEqual(
          expect.arrayContaining([{ accountId: 1, _sequence: 1 }, { accountId: 1, status: 1, _sequence: 1 }]),
        );
        const plan = await db.collection(`${PREFIX}orders`).find({ accountId: 'a', status: 'READY' }).sort({ _sequence: 1 }).explain();
        expect(JSON.stringify(plan)).toContain('IXSCAN');
      } finally {
        await db.dropDatabase();
      }
    });

    it('leaves the shared client open when it closes', async () => {
      const db = freshDatabase();
      await new MongoReadStore(db).close();
      await expect(db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    });
  });
});
