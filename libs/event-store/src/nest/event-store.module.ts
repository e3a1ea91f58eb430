/**
 * Chooses the event log and checkpoint adapters from the configuration and provides them as
 * ports. Embedded default: one SQLite file holds events and checkpoints. Production: PostgreSQL
 * for events, checkpoints, the processors' leases and their published state (one pool for all);
 * or EventStoreDB for events and MongoDB for checkpoints and state.
 */
import { DynamicModule, Global, Inject, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { hostname } from 'node:os';
import { MongoClient } from 'mongodb';
import { Client, Pool } from 'pg';
import { AppConfig, fieldLogger } from '@app/config';
import { CheckpointStore } from '../checkpoints/checkpoint-store.port';
import { MongoCheckpointStore } from '../checkpoints/mongodb-checkpoint-store';
import { SqliteCheckpointStore } from '../checkpoints/sqlite-checkpoint-store';
import { connectEsdbEventStore } from '../esdb/esdb-event-store';
import { EventStore } from '../event-store.port';
import { ProcessorRunner } from '../processors/processor-runner';
import { InProcessLease, ProcessorLease } from '../processors/processor-lease';
import { ProcessorStatusBoard } from '../processors/status-board';
import { MongoStatusBoard } from '../checkpoints/mongodb-status-board';
import { PostgresCheckpointStore } from '../postgres/postgres-checkpoint-store';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { PostgresLease } from '../postgres/postgres-lease';
import { PostgresStatusBoard } from '../postgres/postgres-status-board';
import { openSqliteDatabase, SqliteDatabase } from '../sqlite/sqlite-database';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';
import { ProcessorHost } from './processor-host';
import { APP_CONFIG, CHECKPOINT_STORE, EVENT_STORE, MONGO_CLIENT, POSTGRES_POOL, PROCESSOR_LEASE, PROCESSOR_RUNNER, STATUS_BOARD } from './tokens';

const SQLITE_DATABASE = Symbol('SQLITE_DATABASE');

class StoresLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SQLITE_DATABASE) private readonly db: SqliteDatabase | undefined,
    @Inject(MONGO_CLIENT) private readonly mongo: MongoClient | undefined,
    @Inject(POSTGRES_POOL) private readonly pool: Pool | undefined,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stopAll();
    // Commits whatever is still queued on the connection (checkpoints included) before it closes.
    await this.store.close();
    this.db?.close();
    await this.mongo?.close();
    await this.pool?.end();
  }
}

/** Who runs a processor, as the status board names it. */
export const processInstance = (): string => `${hostname()}:${process.pid}`;

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
        provide: POSTGRES_POOL,
        useFactory: () => {
          if (!config.POSTGRES_URL) return undefined;
          const pool = new Pool({ connectionString: config.POSTGRES_URL, max: config.POSTGRES_POOL_SIZE, application_name: 'backorders' });
          // An idle connection that dies (a database restart) must not end the process: the next query reconnects.
          pool.on('error', (error) => new Logger('PostgreSQL').warn(`An idle connection failed: ${error.message}`));
          // A connection cut while checked out (between the statements of a transaction) emits its
          // error on the client, where nothing else listens: the statement in flight fails anyway.
          pool.on('connect', (client) => client.on('error', () => undefined));
          return pool;
        },
      },
      {
        provide: EVENT_STORE,
        inject: [SQLITE_DATABASE, POSTGRES_POOL],
        useFactory: async (db: SqliteDatabase | undefined, pool: Pool | undefined): Promise<EventStore> => {
          if (db) return new SqliteEventStore(db, { ownsDatabase: false });
          if (config.EVENT_STORE === 'postgres') {
            const logger = new Logger('PostgreSQL');
            const store = new PostgresEventStore({
              pool: pool!,
              listenClient: () => new Client({ connectionString: config.POSTGRES_URL, application_name: 'backorders:listen' }),
              schema: config.POSTGRES_SCHEMA,
              logger: { warn: (m) => logger.warn(m) },
            });
            await store.migrate();
            return store;
          }
          return connectEsdbEventStore(config.ESDB_CONNECTION_STRING!);
        },
      },
      {
        provide: CHECKPOINT_STORE,
        inject: [SQLITE_DATABASE, MONGO_CLIENT, POSTGRES_POOL],
        useFactory: async (db: SqliteDatabase | undefined, mongo: MongoClient | undefined, pool: Pool | undefined): Promise<CheckpointStore> => {
          // On the events' connection, in its group commits, without an fsync of their own.
          if (db) return new SqliteCheckpointStore(db);
          if (config.EVENT_STORE === 'postgres') return PostgresCheckpointStore.open({ pool: pool!, schema: config.POSTGRES_SCHEMA });
          if (!mongo) throw new Error('EVENT_STORE=esdb keeps processor checkpoints in MongoDB: set MONGODB_URI');
          return new MongoCheckpointStore(mongo.db(config.MONGODB_DATABASE));
        },
      },
      {
        provide: PROCESSOR_LEASE,
        useFactory: (): ProcessorLease =>
          config.EVENT_STORE === 'postgres'
            ? PostgresLease.fromConfig({ connectionString: config.POSTGRES_URL }, { namespace: config.POSTGRES_SCHEMA })
            : // One process on a SQLite file runs the processors; on EventStoreDB, run one worker.
              new InProcessLease(),
      },
      {
        provide: STATUS_BOARD,
        inject: [MONGO_CLIENT, POSTGRES_POOL],
        useFactory: (mongo: MongoClient | undefined, pool: Pool | undefined): ProcessorStatusBoard | undefined => {
          if (config.EVENT_STORE === 'postgres') return new PostgresStatusBoard(pool!, config.POSTGRES_SCHEMA);
          if (config.EVENT_STORE === 'esdb' && mongo) return new MongoStatusBoard(mongo.db(config.MONGODB_DATABASE));
          return undefined;
        },
      },
      {
        provide: PROCESSOR_RUNNER,
        inject: [EVENT_STORE, CHECKPOINT_STORE, PROCESSOR_LEASE, STATUS_BOARD],
        useFactory: (store: EventStore, checkpoints: CheckpointStore, lease: ProcessorLease, board: ProcessorStatusBoard | undefined) => {
          return new ProcessorRunner(store, checkpoints, {
            logger: fieldLogger('Processors'),
            lease,
            ...(board ? { statusBoard: { board, instance: processInstance() } } : {}),
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
      exports: [APP_CONFIG, EVENT_STORE, CHECKPOINT_STORE, PROCESSOR_RUNNER, MONGO_CLIENT, POSTGRES_POOL, PROCESSOR_LEASE, STATUS_BOARD, ProcessorHost],
    };
  }
}
