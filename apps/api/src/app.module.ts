/** The HTTP edge: controllers turn requests into commands and queries; nothing else. */
import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AppConfig } from '@app/config';
import { EventStoreModule } from '@app/event-store/nest/event-store.module';
import { HealthController } from './health/health.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [EventStoreModule.forRoot(config), CqrsModule.forRoot()],
      controllers: [HealthController],
    };
  }
}
