/**
 * The worker hosts the processors (the fulfilment process manager and the read-model projection)
 * of a production deployment (and the webhooks' outbox and dispatcher): the write side's services (the process manager's steps run through
 * them) and the read side's projection, against the shared stores. Its only HTTP is /metrics and
 * /health/live on WORKER_METRICS_PORT (metrics-server.ts).
 */
import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig } from '@app/config';
import { ApplicationModule } from '@app/application/application.module';
import { EventStoreModule } from '@app/event-store/nest/event-store.module';
import { ReadModelsModule } from '@app/read-models/nest/read-models.module';
import { WebhooksModule } from '@app/application/webhooks/webhooks.module';
import { HealthProbe } from '../../api/src/health/health.controller';
import { Metrics } from '../../api/src/metrics/metrics';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [EventStoreModule.forRoot({ ...config, RUN_PROCESSORS: true }), CqrsModule.forRoot(), ApplicationModule, ReadModelsModule, WebhooksModule],
      // The api's metrics, read here: the processors and the dispatcher run in this process.
      providers: [Metrics, HealthProbe],
    };
  }
}
