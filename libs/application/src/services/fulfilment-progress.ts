/**
 * Where a request waits for the steps its command set off: the fulfilment process manager has
 * finished the command's event (carried a handover to the bins, inwarded a GRN, released a
 * cancelled order's stock), and, where the answer needs it, the allocation process manager what
 * those steps appended in the same flow (a manual GRN's round). In the process that runs the
 * process managers it is told at once; elsewhere (an api beside a worker) it follows their stored
 * checkpoints.
 */
import { CheckpointStore, EventStore, ProcessorRunner } from '@app/event-store';
import { CommandContext } from '../command-path/command-context';
import { StepNotFinishedError } from '../command-path/command-path';
import { FULFILMENT } from '../sagas/fulfilment.saga';
import { ALLOCATION, allocationSaga } from '../sagas/allocation.saga';

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
  async awaitSteps(streamName: string, position: bigint, context: CommandContext, options: { readonly andAllocation?: boolean; readonly timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = performance.now() + timeoutMs;
    if (!(await this.handled(FULFILMENT, position, timeoutMs))) throw new StepNotFinishedError(streamName, timeoutMs, 'The fulfilment steps of the command');
    if (!options.andAllocation) {
      context.positions?.recordSeen(await this.store.headPosition());
      return;
    }
    // What the fulfilment steps appended is the allocation's to finish (a GRN's round).
    for (const waited of await this.allocationEventsAfter(position)) {
      if (!(await this.handled(ALLOCATION, waited, Math.max(0, deadline - performance.now())))) {
        throw new StepNotFinishedError(streamName, timeoutMs, 'The allocation steps of the command');
      }
    }
    context.positions?.recordSeen(await this.store.headPosition());
  }

  /**
   * Resolves once the allocation process manager has finished the event at `position` (stock that
   * became free given out to waiting orders); StepNotFinishedError after `timeoutMs`.
   */
  async awaitAllocation(streamName: string, position: bigint, context: CommandContext, timeoutMs = 10_000): Promise<void> {
    if (!(await this.handled(ALLOCATION, position, timeoutMs))) throw new StepNotFinishedError(streamName, timeoutMs, 'The allocation of the stock');
    context.positions?.recordSeen(await this.store.headPosition());
  }

  /**
   * Positions of the events of the same flow as the event at `position` (its correlation id), from
   * it up to the head now, that the allocation process manager takes: what the command's steps
   * appended (other flows' events are not waited for).
   */
  private async allocationEventsAfter(position: bigint): Promise<bigint[]> {
    const head = await this.store.headPosition();
    const positions: bigint[] = [];
    let flow: unknown;
    for (let after = position > 0n ? position - 1n : undefined; head !== undefined && (after === undefined || after < head); ) {
      const batch = await this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 500 });
      if (batch.length === 0) break;
      for (const event of batch) {
        if (event.position > head) return positions;
        if (event.position === position) flow = event.metadata['correlationId'];
        // The event itself too: an append of the command may end with an event the allocation takes (a line increase's round).
        if (event.position < position || event.metadata['correlationId'] !== flow) continue;
        if (allocationSaga.filter.streamPrefixes!.some((prefix) => event.streamName.startsWith(prefix))) positions.push(event.position);
      }
      after = batch[batch.length - 1]!.position;
    }
    return positions;
  }

  private async handled(processor: string, position: bigint, timeoutMs: number): Promise<boolean> {
    const running = this.runner.get(processor);
    return running ? running.whenHandled(position, timeoutMs) : this.pollCheckpoint(processor, position, timeoutMs);
  }

  private async pollCheckpoint(processor: string, position: bigint, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (let pollMs = 5; ; pollMs = Math.min(pollMs * 2, 100)) {
      const checkpoint = await this.checkpoints.load(processor);
      if (checkpoint !== undefined && checkpoint >= position) return true;
      if (performance.now() >= deadline) return false;
      // The process manager's steps append: look again at its next append, or after a while.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([...(this.store.nextAppend ? [this.store.nextAppend()] : []), new Promise((resolve) => (timer = setTimeout(resolve, pollMs)))]);
      clearTimeout(timer);
    }
  }
}
