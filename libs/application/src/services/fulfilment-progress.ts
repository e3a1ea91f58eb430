/**
 * Where a request waits for the steps its command set off: the fulfilment process manager has
 * finished the command's event (carried a handover to the bins, inwarded and assigned a GRN,
 * released a cancelled order's stock). In the process that runs the process manager it is told at
 * once; elsewhere (an api beside a worker) it follows the process manager's stored checkpoint.
 */
import { CheckpointStore, EventStore, ProcessorRunner } from '@app/event-store';
import { CommandContext } from '../command-path/command-context';
import { StepNotFinishedError } from '../command-path/command-path';
import { FULFILMENT } from '../sagas/fulfilment.saga';

export class FulfilmentProgress {
  constructor(
    private readonly runner: ProcessorRunner,
    private readonly checkpoints: CheckpointStore,
    private readonly store: EventStore,
  ) {}

  /**
   * Resolves once the process manager has finished the event at `position` of `streamName`, and
   * records in the request's context where the log stood then (the answer's X-Event-Position
   * covers the steps); StepNotFinishedError after `timeoutMs` (the steps still happen).
   */
  async awaitSteps(streamName: string, position: bigint, context: CommandContext, timeoutMs = 10_000): Promise<void> {
    const running = this.runner.get(FULFILMENT);
    const finished = running ? await running.whenHandled(position, timeoutMs) : await this.pollCheckpoint(position, timeoutMs);
    if (!finished) throw new StepNotFinishedError(streamName, timeoutMs, 'The fulfilment steps of the command');
    context.positions?.recordSeen(await this.store.headPosition());
  }

  private async pollCheckpoint(position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (let pollMs = 5; ; pollMs = Math.min(pollMs * 2, 100)) {
      const checkpoint = await this.checkpoints.load(FULFILMENT);
      if (checkpoint !== undefined && checkpoint >= position) return true;
      if (performance.now() >= deadline) return false;
      // The process manager's steps append: look again at its next append, or after a while.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([...(this.store.nextAppend ? [this.store.nextAppend()] : []), new Promise((resolve) => (timer = setTimeout(resolve, pollMs)))]);
      clearTimeout(timer);
    }
  }
}
