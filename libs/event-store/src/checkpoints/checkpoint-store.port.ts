/**
 * Where each processor (saga or projection) keeps the position of the last event it finished.
 * Writes are compare-and-set, so two instances of one processor cannot both move it.
 */
export interface CheckpointStore {
  /** The stored position, or undefined when the processor has never finished an event. */
  load(processorName: string): Promise<bigint | undefined>;
  /**
   * Moves the checkpoint to `position` if it still stands at `expected` (undefined: never stored).
   * Throws {@link CheckpointConflictError} otherwise.
   */
  store(processorName: string, position: bigint, expected: bigint | undefined): Promise<void>;
  /** Forgets the checkpoint, so the processor starts again from the first event (rebuilds). */
  reset(processorName: string): Promise<void>;
}

export class CheckpointConflictError extends Error {
  override readonly name = 'CheckpointConflictError';
  constructor(
    readonly processorName: string,
    readonly expected: bigint | undefined,
  ) {
    super(
      `Checkpoint of processor "${processorName}" no longer stands at ${expected === undefined ? 'its start' : expected.toString()}: another instance moved it`,
    );
  }
}
