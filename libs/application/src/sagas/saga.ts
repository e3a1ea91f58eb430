/**
 * A saga is a pure function from a recorded event to the commands it causes. The processor runner
 * makes it durable: `SagaProcessor` feeds it from the checkpointed subscription and executes its
 * commands through the CommandBus, awaiting each before the checkpoint moves.
 */
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { Processor, RecordedEvent, SubscriptionFilter } from '@app/event-store';
import { EventProcessor } from '@app/event-store/nest/event-processor.decorator';

export interface Saga {
  readonly name: string;
  readonly filter: SubscriptionFilter;
  /** Pure: the commands this event causes, in the order they must run. */
  readonly react: (event: RecordedEvent) => ICommand[];
}

/**
 * How many events a saga handles at once. Events of one stream stay in order; events of different
 * orders and POs go side by side, so one flow's steps do not wait behind every other flow's
 * commits. Every command is decided on the current state of its streams, so their order across
 * streams does not change what they decide; a replay after a crash redoes nothing (ids are derived).
 */
export const SAGA_CONCURRENCY = 32;

/** Every saga processor is run by the ProcessorHost of a process that runs processors. */
@EventProcessor()
export class SagaProcessor implements Processor {
  readonly name: string;
  readonly filter: SubscriptionFilter;
  readonly concurrency = SAGA_CONCURRENCY;

  constructor(
    private readonly saga: Saga,
    private readonly commandBus: CommandBus,
  ) {
    this.name = saga.name;
    this.filter = saga.filter;
  }

  async handle(event: RecordedEvent): Promise<void> {
    for (const command of this.saga.react(event)) await this.commandBus.execute(command);
  }
}
