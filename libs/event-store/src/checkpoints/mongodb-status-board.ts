/** The processors' published state in MongoDB, beside their checkpoints: one document per processor and instance. */
import { Collection, Db } from 'mongodb';
import { ProcessorStatusBoard, PublishedStatus } from '../processors/status-board';

type StatusDocument = PublishedStatus & { _id: string };

export class MongoStatusBoard implements ProcessorStatusBoard {
  private readonly collection: Collection<StatusDocument>;

  constructor(db: Db, options: { readonly collectionName?: string } = {}) {
    this.collection = db.collection<StatusDocument>(options.collectionName ?? 'processor_status');
  }

  async publish(status: PublishedStatus): Promise<void> {
    await this.collection.replaceOne({ _id: `${status.name}:${status.instance}` }, { ...status }, { upsert: true });
  }

  async read(): Promise<PublishedStatus[]> {
    const documents = await this.collection.find({}).sort({ name: 1, instance: 1 }).toArray();
    return documents.map(({ _id: _ignored, ...status }) => status);
  }

  async remove(name: string, instance: string): Promise<void> {
    await this.collection.deleteOne({ _id: `${name}:${instance}` });
  }
}
