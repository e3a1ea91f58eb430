/**
 * The read side as a Nest module: the read store chosen by READ_STORE, the read-model projection
 * (started when this process runs processors), and the queries the GET endpoints answer.
 */
import { Global, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import { AppConfig, fieldLogger } from '@app/config';
import { Pool } from 'pg';
import { CheckpointStore, EventStore, ProcessorRunner, ProcessorStatusBoard } from '@app/event-store';
import { MongoCheckpointStore } from '@app/event-store/checkpoints/mongodb-checkpoint-store';
import { processInstance } from '@app/event-store/nest/event-store.module';
import { ProcessorLease } from '@app/event-store/processors/processor-lease';
import { PostgresCheckpointStore } from '@app/event-store/postgres/postgres-checkpoint-store';
import { APP_CONFIG, EVENT_STORE, MONGO_CLIENT, POSTGRES_POOL, PROCESSOR_LEASE, STATUS_BOARD } from '@app/event-store/nest/tokens';
import { READ_MODEL_INDEXES } from '../queries';
import { PostgresReadStore } from '../store/postgres-read-store';
import { MemoryCheckpointStore } from '../memory-checkpoint-store';
import { ReadModelQueries } from '../queries';
import { ReadModelsService } from '../read-models.service';
import { MemoryReadStore } from '../store/memory-read-store';
import { MongoReadStore } from '../store/mongodb-read-store';

/** The runner of the read-model projection, with the read side's checkpoints. */
export const READ_MODEL_RUNNER = Symbol('READ_MODEL_RUNNER');

@Injectable()
class ReadModelsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    private readonly readModels: ReadModelsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RUN_PROCESSORS) this.readModels.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.readModels.stop();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: ReadModelsService,
      inject: [APP_CONFIG, EVENT_STORE, MONGO_CLIENT, POSTGRES_POOL, PROCESSOR_LEASE, STATUS_BOARD],
      useFactory: async (
        config: AppConfig,
        events: EventStore,
        mongo: MongoClient | undefined,
        pool: Pool | undefined,
        lease: ProcessorLease,
        board: ProcessorStatusBoard | undefined,
      ) => {
        const processorLogger = fieldLogger('ReadModels');
        const runnerFor = (checkpoints: CheckpointStore) =>
          new ProcessorRunner(events, checkpoints, {
            logger: processorLogger,
            lease,
            ...(board ? { statusBoard: { board, instance: processInstance() } } : {}),
          });
        if (config.READ_STORE === 'postgres') {
          // Beside the read models, in the same database: the api reads the projection's position here.
          const checkpoints = await PostgresCheckpointStore.open({ pool: pool!, schema: config.POSTGRES_SCHEMA });
          const store = await PostgresReadStore.open(pool!, { schema: config.POSTGRES_SCHEMA, tablePrefix: 'rm_' });
          return new ReadModelsService(events, store, checkpoints, runnerFor(checkpoints), undefined);
        }
        if (config.READ_STORE === 'mongodb') {
          const db = mongo!.db(config.MONGODB_DATABASE);
          const checkpoints = new MongoCheckpointStore(db, { collectionName: 'read_model_checkpoints' });
          const store = new MongoReadStore(db, { collectionPrefix: 'rm_' });
          await store.ensureIndexes(READ_MODEL_INDEXES);
          return new ReadModelsService(events, store, checkpoints, runnerFor(checkpoints), undefined);
        }
        const checkpoints = new MemoryCheckpointStore();
        return new ReadModelsService(events, new MemoryReadStore(), checkpoints, runnerFor(checkpoints), () => new MemoryReadStore());
      },
    },
    {
      provide: ReadModelQueries,
      inject: [ReadModelsService],
      useFactory: (readModels: ReadModelsService) => new ReadModelQueries(() => readModels.store),
    },
    ReadModelsLifecycle,
  ],
  exports: [ReadModelsService, ReadModelQueries],
})
export class ReadModelsModule {}
