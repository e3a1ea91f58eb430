/**
 * A saga (here: the fulfilment process manager) is a pure function from a recorded event to the
 * commands it causes. The processor runner makes it durable: `SagaProcessor` feeds it from the
 * checkpointed subscription and executes its commands through the CommandBus, awaiting each
 * before the checkpoint moves. A command the domain refuses is a business conflict: the runner
 * parks that event and goes on with the others; a broken event stops the processor; anything else
 * (the store unreachable, a stream too contended) is retried, then resubscribed from the checkpoint.
 */
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { InvalidStoredEventError } from '@app/domain/aggregates';
import { DomainError } from '@app/domain/shared/decider';
import { Processor, RecordedEvent, SubscriptionFilter } from '@app/event-store';
import { EventProcessor } from '@app/event-store/nest/event-processor.decorator';

export interface Saga {
  readonly name: string;
  readonly filter: SubscriptionFilter;
  /** Pure: the commands this event causes, in the order they must run. */
  readonly react: (event: RecordedEvent) => ICommand[];
  /** Events with the same key are handled one at a time, in log order (default: by stream). */
  readonly keyOf?: (event: RecordedEvent) => string;
}

/**
 * How many events a saga handles at once. Events of one key (one flow) stay in order; events of
 * different flows go side by side, so one flow's steps do not wait behind every other flow's
 * commits. A replay after a crash redoes nothing (decisions are recorded, ids derived).
 */
export const SAGA_CONCURRENCY = 32;

/** What a failure of a saga's command means to the runner. */
export const classifySagaFailure = (error: unknown): 'park' | 'fatal' | 'retry' => {
  if (error instanceof DomainError) return 'park';
  if (error instanceof InvalidStoredEventError) return 'fatal';
  return 'retry';
};

/** Every saga processor is run by the ProcessorHost of a process that runs processors. */
@EventProcessor()
export class SagaProcessor implements Processor {
  readonly name: string;
  readonly filter: SubscriptionFilter;
  readonly concurrency = SAGA_CONCURRENCY;
  readonly keyOf?: (event: RecordedEvent) => string;
  readonly classify = classifySagaFailure;

  constructor(
    private readonly saga: Saga,
    private readonly commandBus: CommandBus,
  ) {
    this.name = saga.name;
    this.filter = saga.filter;
    if (saga.keyOf) this.keyOf = saga.keyOf;
  }

  async handle(event: RecordedEvent): Promise<void> {
    for (const command of this.saga.react(event)) await this.commandBus.execute(command);
  }
}
