/**
 * The read side at run time: the read store, the projection feeding it through the processor
 * runner (in the process that runs processors), read-your-writes waits, and rebuilds from the
 * first event.
 *
 * A process that does not run the projection (an api beside a worker, on shared read models)
 * learns how far the read models are from the projection's checkpoint in the shared checkpoint
 * store, never from its own memory; and it does not rebuild them itself (a second writer under the
 * live projection): it asks, with a `ProjectionRebuildRequested` in the log's `control-read-models`
 * stream, and the process that runs the projection rebuilds and answers there.
 */
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { InvalidStoredEventError } from '@app/domain/aggregates';
import { ANY, CheckpointStore, EventStore, ProcessorRunner, RecordedEvent, RunningProcessor } from '@app/event-store';
import { ProgressOptions, ProgressReporter, progressSink } from '@app/event-store/progress';
import { ReadModelsProjection, READ_MODELS_PROCESSOR } from './projections/read-models.projection';
import { READ_MODEL_INDEXES } from './queries';
import { ReadStore } from './store/read-store.port';

/** The read models did not reach a position in time. */
export class NotCaughtUpError extends Error {
  override readonly name = 'NotCaughtUpError';
  constructor(
    readonly position: bigint,
    readonly reached: bigint | undefined,
  ) {
    super(`The read models have not caught up to position ${position} (they stand at ${reached ?? 'the start'})`);
  }
}

/** Nobody rebuilt the read models in time: the process that runs the projection is down or busy. */
export class RebuildNotAnsweredError extends Error {
  override readonly name = 'RebuildNotAnsweredError';
  constructor(readonly requestId: string) {
    super(`The rebuild ${requestId} was asked for, but the process that runs the read-model projection has not answered yet`);
  }
}

export interface RebuildResult {
  readonly events: number;
  readonly durationMs: number;
}

/** Where a rebuild here reports its progress: by default Nest's logger, or a redrawn line on a terminal. */
export type RebuildProgress = Partial<Pick<ProgressOptions, 'sink' | 'logIntervalMs' | 'clock'>>;

/** Where rebuilds are asked for and answered: the projection's own stream in the log. */
export const REBUILD_CONTROL_STREAM = `control-${READ_MODELS_PROCESSOR}`;
const REBUILD_REQUESTED = 'ProjectionRebuildRequested';
const REBUILT = 'ProjectionRebuilt';
const REBUILD_FAILED = 'ProjectionRebuildFailed';
const RequestData = z.object({ requestId: z.string().min(1) });
const RebuiltData = RequestData.extend({ events: z.number().int().min(0), durationMs: z.number().int().min(0) });
const FailedData = RequestData.extend({ error: z.string() });

export class ReadModelsService {
  private running: RunningProcessor | undefined;
  private rebuilding: Promise<RebuildResult> | undefined;
  private readonly projection: ReadModelsProjection;
  /** The shared checkpoint as last read, for a process that does not run the projection. */
  private sharedPosition: bigint | undefined;

  constructor(
    private readonly events: EventStore,
    private currentStore: ReadStore,
    private readonly checkpoints: CheckpointStore,
    private readonly runner: ProcessorRunner,
    /** Makes an empty store to rebuild into (in memory), or undefined to rebuild in place (shared stores). */
    private readonly freshStore: (() => ReadStore) | undefined,
  ) {
    this.projection = new ReadModelsProjection(events, () => this.target ?? this.currentStore);
  }

  /** Where a rebuild writes while the current store keeps answering reads. */
  private target: ReadStore | undefined;

  get store(): ReadStore {
    return this.currentStore;
  }

  /** Whether this process runs the projection. */
  get runsProjection(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = this.runner.start({
      name: READ_MODELS_PROCESSOR,
      handle: (event) => this.handle(event),
      handleBatch: (events) => this.handleBatch(events),
      // An event that does not match its schema stops the read side loudly; anything else (the
      // read store unreachable) is retried, then resubscribed from the checkpoint.
      classify: (error) => (error instanceof InvalidStoredEventError ? 'fatal' : 'retry'),
    });
  }

  private async handle(event: RecordedEvent): Promise<void> {
    if (event.streamName !== REBUILD_CONTROL_STREAM) return this.projection.apply(event);
    if (event.type !== REBUILD_REQUESTED) return;
    const request = RequestData.safeParse(event.data);
    if (!request.success || (await this.answerOf(request.data.requestId)) !== undefined) return;
    // Not awaited: a rebuild stops this very processor, which waits for its handler to return.
    setImmediate(() => void this.rebuildAndAnswer(request.data.requestId));
  }

  /** Events ready together: the read models' documents written once each; control events in their turn. */
  private async handleBatch(events: readonly RecordedEvent[]): Promise<void> {
    let run: RecordedEvent[] = [];
    for (const event of events) {
      if (event.streamName !== REBUILD_CONTROL_STREAM) {
        run.push(event);
        continue;
      }
      if (run.length > 0) await this.projection.applyBatch(run);
      run = [];
      await this.handle(event);
    }
    if (run.length > 0) await this.projection.applyBatch(run);
  }

  private async rebuildAndAnswer(requestId: string): Promise<void> {
    let answer: { type: string; data: unknown };
    try {
      const result = await this.rebuild();
      answer = { type: REBUILT, data: { requestId, ...result } };
    } catch (error) {
      answer = { type: REBUILD_FAILED, data: { requestId, error: error instanceof Error ? error.message : String(error) } };
    }
    await this.events.append(REBUILD_CONTROL_STREAM, [{ id: randomUUID(), type: answer.type, data: answer.data, metadata: { causationId: requestId } }], {
      expectedRevision: ANY,
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = undefined;
    await this.runner.stop(READ_MODELS_PROCESSOR);
  }

  /** The position the read models have applied everything up to (here, or as last read from the shared checkpoint). */
  position(): bigint | undefined {
    return this.running ? this.running.status().checkpoint : this.sharedPosition;
  }

  /** The position as the shared checkpoint store has it now (a process that does not run the projection). */
  async currentPosition(): Promise<bigint | undefined> {
    if (this.running) return this.position();
    this.sharedPosition = await this.checkpoints.load(READ_MODELS_PROCESSOR);
    return this.sharedPosition;
  }

  status() {
    return this.running?.status();
  }

  /** Resolves once the read models have applied `position`; NotCaughtUpError after `timeoutMs`. */
  async waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    const reached = (checkpoint: bigint | undefined) => checkpoint !== undefined && checkpoint >= position;
    if (reached(this.position())) return;
    const running = this.running;
    if (!running) return this.pollFor(position, timeoutMs);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new NotCaughtUpError(position, this.position()));
      }, timeoutMs);
      const unsubscribe = running.onProgress(() => {
        if (!reached(this.position())) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  /** Follows the shared checkpoint (the projection runs in another process). */
  private async pollFor(position: bigint, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (let pollMs = 5; ; pollMs = Math.min(pollMs * 2, 50)) {
      const checkpoint = await this.currentPosition();
      if (checkpoint !== undefined && checkpoint >= position) return;
      if (performance.now() >= deadline) throw new NotCaughtUpError(position, checkpoint);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * Rebuilds every read model from the first event. Here, when this process runs the projection
   * (or nobody does: a rebuild tool): the live projection stops first, so live and rebuilt never run
   * at once, and starts again from where the rebuild ended; in memory the rebuild fills a new store
   * and swaps it in, so reads are answered throughout. Elsewhere it is asked of the process that
   * runs the projection, through the log, and waits up to `timeoutMs` for its answer.
   */
  async rebuild(options: { timeoutMs?: number; local?: boolean; progress?: RebuildProgress } = {}): Promise<RebuildResult> {
    if (!this.running && !options.local) return this.askForRebuild(options.timeoutMs ?? 120_000);
    this.rebuilding ??= this.rebuildOnce(options.progress).finally(() => (this.rebuilding = undefined));
    return this.rebuilding;
  }

  private async askForRebuild(timeoutMs: number): Promise<RebuildResult> {
    const requestId = randomUUID();
    await this.events.append(REBUILD_CONTROL_STREAM, [{ id: randomUUID(), type: REBUILD_REQUESTED, data: { requestId }, metadata: {} }], {
      expectedRevision: ANY,
    });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const answer = await this.answerOf(requestId);
      if (answer?.type === REBUILT) {
        const { events, durationMs } = RebuiltData.parse(answer.data);
        return { events, durationMs };
      }
      if (answer?.type === REBUILD_FAILED) throw new Error(`The rebuild failed: ${FailedData.parse(answer.data).error}`);
      if (performance.now() >= deadline) throw new RebuildNotAnsweredError(requestId);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The answer to a rebuild request in the control stream, if there is one yet. */
  private async answerOf(requestId: string): Promise<RecordedEvent | undefined> {
    const control = await this.events.readStream(REBUILD_CONTROL_STREAM);
    return control.find((e) => (e.type === REBUILT || e.type === REBUILD_FAILED) && (e.data as { requestId?: unknown }).requestId === requestId);
  }

  private async rebuildOnce(progress: RebuildProgress = {}): Promise<RebuildResult> {
    const started = performance.now();
    // The head as the rebuild starts gives the total; events appended meanwhile are read too.
    const head = (await this.events.headPosition()) ?? 0n;
    const wasRunning = this.running !== undefined;
    await this.stop();
    const target = this.freshStore ? this.freshStore() : this.currentStore;
    if (!this.freshStore) {
      // In place: forget the checkpoint before emptying the store, so that a crash meanwhile
      // restarts the projection from the first event instead of feeding an empty store from the middle.
      await this.checkpoints.reset(READ_MODELS_PROCESSOR);
      await target.dropAll();
      await target.ensureIndexes?.(READ_MODEL_INDEXES);
    }
    this.target = target;
    this.projection.reset();
    let count = 0;
    let last: bigint | undefined;
    const reporter = new ProgressReporter({
      label: 'Rebuild',
      head,
      sink: progress.sink ?? progressSink(new Logger('ReadModels')),
      ...(progress.logIntervalMs === undefined ? {} : { logIntervalMs: progress.logIntervalMs }),
      ...(progress.clock ? { clock: progress.clock } : {}),
    });
    try {
      for (;;) {
        const batch = await this.events.readAll({ ...(last === undefined ? {} : { after: last }), maxCount: 2000 });
        if (batch.length === 0) break;
        await this.projection.applyBatch(batch);
        last = batch[batch.length - 1]!.position;
        count += batch.length;
        reporter.advance(batch.length, last);
      }
    } finally {
      this.target = undefined;
    }
    reporter.finish();
    this.currentStore = target;
    await this.checkpoints.reset(READ_MODELS_PROCESSOR);
    if (last !== undefined) await this.checkpoints.store(READ_MODELS_PROCESSOR, last, undefined);
    if (wasRunning) this.start();
    return { events: count, durationMs: Math.round(performance.now() - started) };
  }
}
