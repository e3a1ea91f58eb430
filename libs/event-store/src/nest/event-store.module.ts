/**
 * Chooses the event log and checkpoint adapters from the configuration and provides them as
 * ports. Embedded default: one SQLite file holds events and checkpoints. Production: EventStoreDB
 * for events, MongoDB for checkpoints.
 */
import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MongoClient } from 'mongodb';
import { AppConfig } from '@app/config';
import { CheckpointStore } from '../checkpoints/checkpoint-store.port';
import { MongoCheckpointStore } from '../checkpoints/mongodb-checkpoint-store';
import { SqliteCheckpointStore } from '../checkpoints/sqlite-checkpoint-store';
import { connectEsdbEventStore } from '../esdb/esdb-event-store';
import { EventStore } from '../event-store.port';
import { ProcessorRunner } from '../processors/processor-runner';
import { openSqliteDatabase, SqliteDatabase } from '../sqlite/sqlite-database';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { ProcessorHost } from './processor-host';
import { APP_CONFIG, CHECKPOINT_STORE, EVENT_STORE, MONGO_CLIENT, PROCESSOR_RUNNER } from './tokens';

const SQLITE_DATABASE = Symbol('SQLITE_DATABASE');
const EXTRA_CONNECTIONS = Symbol('EXTRA_CONNECTIONS');

class StoresLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DATABASE) private readonly db: SqliteDatabase | undefined,
    @Inject(MONGO_CLIENT) private readonly mongo: MongoClient | undefined,
    @Inject(EXTRA_CONNECTIONS) private readonly connections: SqliteDatabase[],
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stopAll();
    await this.store.close();
    for (const connection of this.connections) connection.close();
    this.db?.close();
    await this.mongo?.close();
  }
}

@Global()
@Module({})
export class EventStoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    const extraConnections: SqliteDatabase[] = [];
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      {
        provide: SQLITE_DATABASE,
        useFactory: () =>
          config.EVENT_STORE === 'sqlite'
            ? openSqliteDatabase({ path: config.SQLITE_PATH, durability: config.SQLITE_DURABILITY })
            : undefined,
      },
      {
        provide: MONGO_CLIENT,
        useFactory: async () => {
          if (!config.MONGODB_URI) return undefined;
          const client = new MongoClient(config.MONGODB_URI);
          await client.connect();
          return client;
        },
      },
      {
        provide: EVENT_STORE,
        inject: [SQLITE_DATABASE],
        useFactory: (db: SqliteDatabase | undefined): EventStore =>
          db ? new SqliteEventStore(db, { ownsDatabase: false }) : connectEsdbEventStore(config.ESDB_CONNECTION_STRING!),
      },
      {
        provide: CHECKPOINT_STORE,
        inject: [SQLITE_DATABASE, MONGO_CLIENT],
        useFactory: (db: SqliteDatabase | undefined, mongo: MongoClient | undefined): CheckpointStore => {
          if (db) {
            // Checkpoints on a connection of their own that does not fsync each commit: a checkpoint
            // lost to a power cut only makes a processor handle a few events again, which every
            // handler tolerates; syncing one per event per processor cost more than the appends.
            const checkpointDb =
              config.SQLITE_PATH === ':memory:' ? db : openSqliteDatabase({ path: config.SQLITE_PATH, durability: 'normal' });
            if (checkpointDb !== db) extraConnections.push(checkpointDb);
            return new SqliteCheckpointStore(checkpointDb);
          }
          if (!mongo) throw new Error('EVENT_STORE=esdb keeps processor checkpoints in MongoDB: set MONGODB_URI');
          return new MongoCheckpointStore(mongo.db(config.MONGODB_DATABASE));
        },
      },
      {
        provide: PROCESSOR_RUNNER,
        inject: [EVENT_STORE, CHECKPOINT_STORE],
        useFactory: (store: EventStore, checkpoints: CheckpointStore) => {
          const logger = new Logger('Processors');
          return new ProcessorRunner(store, checkpoints, {
            logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
          });
        },
      },
      { provide: EXTRA_CONNECTIONS, useValue: extraConnections },
      StoresLifecycle,
      ProcessorHost,
    ];
    return {
      module: EventStoreModule,
      imports: [DiscoveryModule],
      providers,
      exports: [APP_CONFIG, EVENT_STORE, CHECKPOINT_STORE, PROCESSOR_RUNNER, MONGO_CLIENT, ProcessorHost],
    };
  }
}
