/**
 * The read side at run time: the read store, the projection feeding it through the processor
 * runner, read-your-writes waits, and rebuilds from the first event.
 */
import { InvalidStoredEventError } from '@app/domain/aggregates';
import { CheckpointStore, EventStore, ProcessorRunner, RunningProcessor } from '@app/event-store';
import { ReadModelsProjection, READ_MODELS_PROCESSOR } from './projections/read-models.projection';
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

export interface RebuildResult {
  readonly events: number;
  readonly durationMs: number;
}

export class ReadModelsService {
  private running: RunningProcessor | undefined;
  private rebuilding: Promise<RebuildResult> | undefined;
  private readonly projection: ReadModelsProjection;

  constructor(
    private readonly events: EventStore,
    private currentStore: ReadStore,
    private readonly checkpoints: CheckpointStore,
    private readonly runner: ProcessorRunner,
    /** Makes an empty store to rebuild into (in memory), or undefined to rebuild in place (MongoDB). */
    private readonly freshStore: (() => ReadStore) | undefined,
  ) {
    this.projection = new ReadModelsProjection(events, () => this.target ?? this.currentStore);
  }

  /** Where a rebuild writes while the current store keeps answering reads. */
  private target: ReadStore | undefined;

  get store(): ReadStore {
    return this.currentStore;
  }

  start(): void {
    if (this.running) return;
    this.running = this.runner.start({
      name: READ_MODELS_PROCESSOR,
      handle: (event) => this.projection.apply(event),
      // An event that does not match its schema stops the read side loudly; anything else (the
      // read store unreachable) is retried, then resubscribed from the checkpoint.
      classify: (error) => (error instanceof InvalidStoredEventError ? 'fatal' : 'retry'),
    });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = undefined;
    await this.runner.stop(READ_MODELS_PROCESSOR);
  }

  /** The position the read models have applied everything up to. */
  position(): bigint | undefined {
    return this.running?.status().checkpoint;
  }

  status() {
    return this.running?.status();
  }

  /** Resolves once the read models have applied `position`; NotCaughtUpError after `timeoutMs`. */
  async waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    const reached = () => {
      const checkpoint = this.position();
      return checkpoint !== undefined && checkpoint >= position;
    };
    if (reached()) return;
    const running = this.running;
    if (!running) throw new NotCaughtUpError(position, undefined);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new NotCaughtUpError(position, this.position()));
      }, timeoutMs);
      const unsubscribe = running.onProgress(() => {
        if (!reached()) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  /**
   * Rebuilds every read model from the first event. The live projection stops first, so live and
   * rebuilt never run at once; it starts again from where the rebuild ended. In memory the rebuild
   * fills a new store and swaps it in, so reads are answered throughout.
   */
  async rebuild(): Promise<RebuildResult> {
    this.rebuilding ??= this.rebuildOnce().finally(() => (this.rebuilding = undefined));
    return this.rebuilding;
  }

  private async rebuildOnce(): Promise<RebuildResult> {
    const started = performance.now();
    const wasRunning = this.running !== undefined;
    await this.stop();
    const target = this.freshStore ? this.freshStore() : this.currentStore;
    if (!this.freshStore) await target.dropAll();
    this.target = target;
    this.projection.reset();
    let count = 0;
    let last: bigint | undefined;
    try {
      for (;;) {
        const batch = await this.events.readAll({ ...(last === undefined ? {} : { after: last }), maxCount: 2000 });
        if (batch.length === 0) break;
        await this.projection.applyBatch(batch);
        last = batch[batch.length - 1]!.position;
        count += batch.length;
      }
    } finally {
      this.target = undefined;
    }
    this.currentStore = target;
    await this.checkpoints.reset(READ_MODELS_PROCESSOR);
    if (last !== undefined) await this.checkpoints.store(READ_MODELS_PROCESSOR, last, undefined);
    if (wasRunning) this.start();
    return { events: count, durationMs: Math.round(performance.now() - started) };
  }
}
