/**
 * Checkpoints of production processors, in MongoDB beside their read models: one document per
 * processor, `{_id: processorName, position, updatedAt}`. The position is a decimal string (a
 * bigint can pass 2^53, where a JS number or a BSON double stops being exact), and a decimal string
 * of a bigint has one spelling only, so equality on it is equality of positions.
 */
import { Collection, Db, MongoServerError } from 'mongodb';
import { parsePosition, positionToString } from '../event-store.port';
import { CheckpointConflictError, CheckpointStore } from './checkpoint-store.port';

interface CheckpointDocument {
  _id: string;
  position: string;
  updatedAt: Date;
}

export interface MongoCheckpointStoreOptions {
  /** Collection of the checkpoints; `checkpoints` by default. */
  readonly collectionName?: string;
}

const DUPLICATE_KEY = 11000;

export class MongoCheckpointStore implements CheckpointStore {
  private readonly collection: Collection<CheckpointDocument>;

  constructor(db: Db, options: MongoCheckpointStoreOptions = {}) {
    this.collection = db.collection<CheckpointDocument>(options.collectionName ?? 'checkpoints');
  }

  async load(processorName: string): Promise<bigint | undefined> {
    const document = await this.collection.findOne({ _id: processorName }, { projection: { position: 1 } });
    if (!document) return undefined;
    try {
      return parsePosition(document.position);
    } catch {
      throw new Error(`Checkpoint of processor "${processorName}" holds no position: ${JSON.stringify(document.position)}`);
    }
  }

  async store(processorName: string, position: bigint, expected: bigint | undefined): Promise<void> {
    const updatedAt = new Date();
    if (expected === undefined) {
      // Insert-only: the _id's unique index refuses a second first checkpoint.
      try {
        await this.collection.insertOne({ _id: processorName, position: positionToString(position), updatedAt });
      } catch (error: unknown) {
        if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
          throw new CheckpointConflictError(processorName, expected);
        }
        throw error;
      }
      return;
    }
    const result = await this.collection.updateOne(
      { _id: processorName, position: positionToString(expected) },
      { $set: { position: positionToString(position), updatedAt } },
    );
    if (result.matchedCount !== 1) throw new CheckpointConflictError(processorName, expected);
  }

  async reset(processorName: string): Promise<void> {
    await this.collection.deleteOne({ _id: processorName });
  }
}
