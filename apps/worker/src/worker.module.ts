/** The worker hosts the processors (sagas and projections) of a production deployment. */
import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig } from '@app/config';
import { EventStoreModule } from '@app/event-store/nest/event-store.module';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [EventStoreModule.forRoot({ ...config, RUN_PROCESSORS: true }), CqrsModule.forRoot()],
    };
  }
}
