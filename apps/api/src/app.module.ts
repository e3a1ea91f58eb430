/** The HTTP edge: controllers turn requests into commands and queries; nothing else. */
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig } from '@app/config';
import { ApplicationModule } from '@app/application/application.module';
import { EventStoreModule } from '@app/event-store/nest/event-store.module';
import { AccountsController } from './controllers/accounts.controller';
import { AdminController } from './controllers/admin.controller';
import { AdminAccountsController } from './controllers/admin-accounts.controller';
import { EventsController } from './controllers/events.controller';
import { QueriesController } from './controllers/queries.controller';
import { ReadModelsModule } from '@app/read-models/nest/read-models.module';
import { DocsController } from './controllers/docs.controller';
import { ConsoleController } from './controllers/console.controller';
import { InventoryController } from './controllers/inventory.controller';
import { OrdersController } from './controllers/orders.controller';
import { PurchaseOrdersController } from './controllers/purchase-orders.controller';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { AuthGuard } from './http/auth';
import { IdempotencyInterceptor } from './http/idempotency';
import { ProblemFilter } from './http/problem';
import { WebhooksModule } from '@app/application/webhooks/webhooks.module';
import { WebhooksController } from './controllers/webhooks.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [EventStoreModule.forRoot(config), CqrsModule.forRoot(), ApplicationModule, ReadModelsModule, WebhooksModule, MetricsModule],
      controllers: [
        HealthController,
        DocsController,
        ConsoleController,
        AccountsController,
        InventoryController,
        OrdersController,
        PurchaseOrdersController,
        QueriesController,
        AdminController,
        AdminAccountsController,
        EventsController,
        WebhooksController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
