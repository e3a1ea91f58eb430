/**
 * Webhooks as a Nest module, imported by the api and the worker: the registrations' service, the
 * outbox (a processor the ProcessorHost runs) and the dispatcher, started where processors run
 * (the worker; the api unless RUN_PROCESSORS=false) and stopped before the stores close.
 */
import { Global, Inject, Module, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { CheckpointStore, EventStore, ProcessorLease } from '@app/event-store';
import { APP_CONFIG, CHECKPOINT_STORE, EVENT_STORE, PROCESSOR_LEASE } from '@app/event-store/nest/tokens';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from '../services/accounts.service';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOutbox } from './webhook-outbox.processor';
import { WebhooksService } from './webhooks.service';

class DispatcherLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(WebhookDispatcher) private readonly dispatcher: WebhookDispatcher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RUN_PROCESSORS) this.dispatcher.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.dispatcher.stop();
  }
}

// Global: the api's metrics count the dispatcher's attempts.
@Global()
@Module({
  providers: [
    {
      provide: WebhooksService,
      inject: [CommandPath, AccountsService, APP_CONFIG],
      useFactory: (c: CommandPath, a: AccountsService, config: AppConfig) => new WebhooksService(c, a, config.WEBHOOK_ALLOW_PRIVATE_NETWORKS),
    },
    { provide: WebhookOutbox, inject: [EVENT_STORE, CommandPath], useFactory: (s: EventStore, c: CommandPath) => new WebhookOutbox(s, c) },
    {
      provide: WebhookDispatcher,
      inject: [EVENT_STORE, CHECKPOINT_STORE, PROCESSOR_LEASE, CommandPath, APP_CONFIG],
      useFactory: (s: EventStore, checkpoints: CheckpointStore, lease: ProcessorLease, c: CommandPath, config: AppConfig) =>
        new WebhookDispatcher(s, checkpoints, lease, c, {
          retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
          allowPrivateNetworks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
        }),
    },
    DispatcherLifecycle,
  ],
  exports: [WebhooksService, WebhookDispatcher],
})
export class WebhooksModule {}
