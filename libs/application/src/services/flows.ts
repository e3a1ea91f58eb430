/**
 * The flow (correlation id) a stream belongs to: the one its first event was written under. An
 * order placed by a client starts its own flow (its stream name); everything a saga creates for it
 * (POs, the vendor's order, GRNs) carries that flow on, across accounts.
 */
import { EventStore } from '@app/event-store';

export class Flows {
  /** First events never change, so their flows are kept. */
  private readonly known = new Map<string, string>();

  constructor(private readonly store: EventStore) {}

  async of(streamName: string): Promise<string> {
    const cached = this.known.get(streamName);
    if (cached) return cached;
    const [first] = await this.store.readStream(streamName, { maxCount: 1 });
    const correlationId = first?.metadata['correlationId'];
    if (typeof correlationId !== 'string') return streamName;
    if (this.known.size > 100_000) this.known.clear();
    this.known.set(streamName, correlationId);
    return correlationId;
  }
}
