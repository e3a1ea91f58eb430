/**
 * The read side as a Nest module: the read store chosen by READ_STORE, the read-model projection
 * (started when this process runs processors), and the queries the GET endpoints answer.
 */
import { Global, Inject, Injectable, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { MongoClient } from 'mongodb';
import { AppConfig } from '@app/config';
import { CheckpointStore, EventStore, ProcessorRunner } from '@app/event-store';
import { MongoCheckpointStore } from '@app/event-store/checkpoints/mongodb-checkpoint-store';
import { APP_CONFIG, EVENT_STORE, MONGO_CLIENT } from '@app/event-store/nest/tokens';
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
      inject: [APP_CONFIG, EVENT_STORE, MONGO_CLIENT],
      useFactory: (config: AppConfig, events: EventStore, mongo: MongoClient | undefined) => {
        const logger = new Logger('ReadModels');
        const processorLogger = { log: (m: string) => logger.log(m), warn: (m: string) => logger.warn(m), error: (m: string) => logger.error(m) };
        let checkpoints: CheckpointStore;
        if (config.READ_STORE === 'mongodb') {
          const db = mongo!.db(config.MONGODB_DATABASE);
          checkpoints = new MongoCheckpointStore(db, { collectionName: 'read_model_checkpoints' });
          const runner = new ProcessorRunner(events, checkpoints, { logger: processorLogger });
          return new ReadModelsService(events, new MongoReadStore(db, { collectionPrefix: 'rm_' }), checkpoints, runner, undefined);
        }
        checkpoints = new MemoryCheckpointStore();
        const runner = new ProcessorRunner(events, checkpoints, { logger: processorLogger });
        return new ReadModelsService(events, new MemoryReadStore(), checkpoints, runner, () => new MemoryReadStore());
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
