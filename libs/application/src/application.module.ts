/** The write side as a Nest module: the command path, the services, the command handlers, the processors. */
import { Global, Module } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import { CheckpointStore, EventStore, ProcessorRunner } from '@app/event-store';
import { CHECKPOINT_STORE, EVENT_STORE, PROCESSOR_RUNNER } from '@app/event-store/nest/tokens';
import { CommandPath } from './command-path/command-path';
import { COMMAND_HANDLERS } from './commands/command-handlers';
import { fulfilmentSaga } from './sagas/fulfilment.saga';
import { allocationSaga } from './sagas/allocation.saga';
import { AllocationSteps } from './services/allocation.steps';
import { SagaProcessor } from './sagas/saga';
import { FulfilmentService } from './services/fulfilment.service';
import { FulfilmentProgress } from './services/fulfilment-progress';
import { ClosingShortSteps } from './services/closing-short.steps';
import { LineChangeSteps } from './services/line-change.steps';
import { ExpectedDatesSteps } from './services/expected-dates.steps';
import { AccountsService } from './services/accounts.service';
import { Flows } from './services/flows';
import { AuditService } from './services/audit.service';
import { IdempotencyClock, IdempotencyService } from './services/idempotency.service';
import { InventoryService } from './services/inventory.service';
import { OrdersService } from './services/orders.service';
import { PurchaseOrdersService } from './services/purchase-orders.service';

/**
 * The sagas this application runs, each a processor with its own checkpoint: the fulfilment process
 * manager (every cross-stream step of a flow) and the allocation process manager (every round and
 * every share of free stock, one account at a time).
 */
export const SAGAS = [fulfilmentSaga, allocationSaga];

@Global()
@Module({
  imports: [CqrsModule],
  providers: [
    { provide: CommandPath, inject: [EVENT_STORE], useFactory: (store: EventStore) => new CommandPath(store) },
    { provide: Flows, inject: [EVENT_STORE], useFactory: (store: EventStore) => new Flows(store) },
    { provide: AuditService, inject: [EVENT_STORE], useFactory: (store: EventStore) => new AuditService(store) },
    { provide: AccountsService, inject: [CommandPath], useFactory: (c: CommandPath) => new AccountsService(c) },
    {
      provide: InventoryService,
      inject: [CommandPath, AccountsService],
      useFactory: (c: CommandPath, a: AccountsService) => new InventoryService(c, a),
    },
    {
      provide: OrdersService,
      inject: [CommandPath, AccountsService, InventoryService],
      useFactory: (c: CommandPath, a: AccountsService, i: InventoryService) => new OrdersService(c, a, i),
    },
    {
      provide: PurchaseOrdersService,
      inject: [CommandPath],
      useFactory: (c: CommandPath) => new PurchaseOrdersService(c),
    },
    ...SAGAS.map((saga) => ({
      provide: `saga:${saga.name}`,
      inject: [CommandBus],
      useFactory: (bus: CommandBus) => new SagaProcessor(saga, bus),
    })),
    {
      provide: FulfilmentService,
      inject: [CommandPath, AccountsService, OrdersService, PurchaseOrdersService],
      useFactory: (c: CommandPath, a: AccountsService, o: OrdersService, p: PurchaseOrdersService) => new FulfilmentService(c, a, o, p),
    },
    { provide: AllocationSteps, inject: [CommandPath, AccountsService], useFactory: (c: CommandPath, a: AccountsService) => new AllocationSteps(c, a) },
    { provide: ClosingShortSteps, inject: [CommandPath], useFactory: (c: CommandPath) => new ClosingShortSteps(c) },
    { provide: ExpectedDatesSteps, inject: [CommandPath], useFactory: (c: CommandPath) => new ExpectedDatesSteps(c) },
    { provide: LineChangeSteps, inject: [CommandPath, AccountsService], useFactory: (c: CommandPath, a: AccountsService) => new LineChangeSteps(c, a) },
    {
      provide: FulfilmentProgress,
      inject: [PROCESSOR_RUNNER, CHECKPOINT_STORE, EVENT_STORE],
      useFactory: (r: ProcessorRunner, c: CheckpointStore, s: EventStore) => new FulfilmentProgress(r, c, s),
    },
    { provide: IdempotencyClock, useValue: new IdempotencyClock() },
    {
      provide: IdempotencyService,
      inject: [CommandPath, IdempotencyClock],
      useFactory: (c: CommandPath, clock: IdempotencyClock) => new IdempotencyService(c, clock),
    },
    ...COMMAND_HANDLERS,
  ],
  exports: [IdempotencyService, IdempotencyClock, CommandPath, Flows, AuditService, FulfilmentService, FulfilmentProgress, AccountsService, InventoryService, OrdersService, PurchaseOrdersService],
})
export class ApplicationModule {}
