/**
 * Checkpoints kept in memory beside in-memory read models: both start empty at every start and
 * catch up from the log together (DESIGN.md), so they can never disagree.
 */
import { CheckpointConflictError, CheckpointStore } from '@app/event-store';

export class MemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, bigint>();

  async load(processorName: string): Promise<bigint | undefined> {
    return this.positions.get(processorName);
  }

  async store(processorName: string, position: bigint, expected: bigint | undefined): Promise<void> {
    if (this.positions.get(processorName) !== expected) throw new CheckpointConflictError(processorName, expected);
    this.positions.set(processorName, position);
  }

  async reset(processorName: string): Promise<void> {
    this.positions.delete(processorName);
  }
}
