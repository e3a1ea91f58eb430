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

class StoresLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DATABASE) private readonly db: SqliteDatabase | undefined,
    @Inject(MONGO_CLIENT) private readonly mongo: MongoClient | undefined,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stopAll();
    // Commits whatever is still queued on the connection (checkpoints included) before it closes.
    await this.store.close();
    this.db?.close();
    await this.mongo?.close();
  }
}

@Global()
@Module({})
export class EventStoreModule {
  static forRoot(config: AppConfig): DynamicModule {
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
          // On the events' connection, in its group commits, without an fsync of their own.
          if (db) return new SqliteCheckpointStore(db);
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
