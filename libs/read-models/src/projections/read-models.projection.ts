/**
 * The read-model projection: every event of the log, one at a time, into the documents of the read
 * models (accounts, stock per bin and SKU, orders, purchase orders). Each document derives from one
 * stream and keeps the revision of that stream it last applied; an event at or below it changes
 * nothing, so a replayed or duplicated event is applied at most once.
 *
 * The projection folds each stream's events with the domain's `evolve` (kept in a bounded cache,
 * refolded from the log on a miss) and writes the view the domain's selectors give.
 */
import { AccountAggregate, Aggregate, BinAggregate, OrderAggregate, parseRecordedEvent, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { accountExists } from '@app/domain/account/account.decider';
import { BinEvent } from '@app/domain/bin/bin.events';
import { binStateForReading } from '@app/domain/bin/bin.decider';
import { parseStreamName, STREAM_PREFIXES } from '@app/domain/shared/streams';
import { EventStore, GenerationalCache, RecordedEvent } from '@app/event-store';
import { Document, ReadStore, synchronousAccessOf } from '../store/read-store.port';
import { accountDocument, orderDocument, purchaseOrderDocument, sequenceOf, stockDocument } from './views';

export const COLLECTIONS = {
  accounts: 'accounts',
  stock: 'stock',
  orders: 'orders',
  purchaseOrders: 'purchase_orders',
  /** Every event of every flow, by correlation id: the index the trail endpoint reads. */
  trail: 'trail',
} as const;

/** The one processor that feeds every read model; its checkpoint is the read side's position. */
export const READ_MODELS_PROCESSOR = 'read-models';

/**
 * The trail index: the events of one flow, in global order. Kept small, since every event of the
 * log has an entry: the flow's streams once each, and one number per event,
 * `revision * TRAIL_STREAMS + index of its stream` (8 bytes; a string per event took ~170).
 */
export type TrailDocument = {
  readonly _id: string;
  /** Position (decimal) of the last event indexed. */
  readonly last: string;
  /** The streams of the flow, in the order their first event came. */
  readonly streams: readonly string[];
  /** One entry per event, in global order (see {@link trailEntry}). */
  readonly entries: readonly number[];
};

/** How many streams one flow's trail can name; revisions up to 2^53 / this stay exact. */
export const TRAIL_STREAMS = 65_536;

export const trailEntry = (streamIndex: number, revision: bigint): number => Number(revision) * TRAIL_STREAMS + streamIndex;

export const trailRef = (document: TrailDocument, entry: number): { streamName: string; revision: number } => ({
  streamName: document.streams[entry % TRAIL_STREAMS]!,
  revision: Math.floor(entry / TRAIL_STREAMS),
});

/**
 * A document an applied batch changes, built once when the batch is written. Its origin is what it
 * keeps of its stream's first event: the position (`_sequence`, orders and POs sort by it) or the
 * time (`_openedAt`, accounts).
 */
interface Touched {
  readonly collection: string;
  readonly build: (origin: string) => Document & { _revision: number };
  /** The origin, when the batch holds the stream's first event. */
  readonly origin?: string | undefined;
  /** Finds the origin otherwise: in the stored document, or in the log. */
  readonly originOf?: () => Promise<string>;
}

/** The time of an event: when its command happened (metadata `occurredAt`), else when it was stored. */
const occurredAtOf = (event: RecordedEvent): string => {
  const occurredAt = event.metadata['occurredAt'];
  return typeof occurredAt === 'string' ? occurredAt : event.recordedAt.toISOString();
};

interface Folded {
  state: unknown;
  revision: bigint;
}

export class ReadModelsProjection {
  private readonly folds: GenerationalCache<string, Folded>;
  private readonly sharedNames = new Map<string, string>();

  constructor(
    private readonly events: EventStore,
    /** A function, not a store: a rebuild projects into a new store while the old one serves reads. */
    private readonly target: () => ReadStore,
    options: { readonly cacheSize?: number } = {},
  ) {
    this.folds = new GenerationalCache(options.cacheSize ?? 10_000);
  }

  /** Applies one event to the read models; applying it again changes nothing. */
  async apply(event: RecordedEvent): Promise<void> {
    await this.applyBatch([event]);
  }

  /**
   * Applies events in log order. Each document they touch is built and written once, from the
   * state after the last of them (a rebuild applies thousands at a time); applying any of them
   * again changes nothing.
   */
  async applyBatch(events: readonly RecordedEvent[]): Promise<void> {
    const touched = new Map<string, Touched>();
    const flows = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      const correlationId = event.metadata['correlationId'];
      if (typeof correlationId === 'string' && correlationId.startsWith(STREAM_PREFIXES.order)) {
        const flow = flows.get(correlationId);
        if (flow) flow.push(event);
        else flows.set(correlationId, [event]);
      }
      await this.touch(event, touched);
    }
    for (const [correlationId, refs] of flows) await this.indexTrail(correlationId, refs);
    for (const document of touched.values()) {
      const origin = document.origin ?? (document.originOf ? await document.originOf() : undefined);
      await this.write(document.collection, document.build(origin ?? ''));
    }
  }

  /** Folds the event into its stream's state and notes which document it changes. */
  private async touch(event: RecordedEvent, touched: Map<string, Touched>): Promise<void> {
    const stream = parseStreamName(event.streamName);
    if (!stream) return;
    const revision = Number(event.revision);
    const note = (collection: string, id: string, entry: Omit<Touched, 'collection'>) => {
      const key = `${collection}\u0000${id}`;
      const earlier = touched.get(key);
      touched.set(key, { collection, ...entry, origin: entry.origin ?? earlier?.origin });
    };
    switch (stream.category) {
      case 'account': {
        const state = await this.fold(AccountAggregate, event);
        if (accountExists(state)) {
          note(COLLECTIONS.accounts, stream.accountId, {
            build: (openedAt) => accountDocument(state, revision, openedAt),
            ...(event.revision === 0n ? { origin: occurredAtOf(event) } : {}),
            originOf: () => this.originOf(COLLECTIONS.accounts, stream.accountId, '_openedAt', event, occurredAtOf),
          });
        }
        return;
      }
      case 'bin': {
        const state = await this.fold(BinAggregate, event, binStateForReading);
        const sku = (event.data as BinEvent['data']).sku;
        note(COLLECTIONS.stock, `${event.streamName}.${sku}`, { build: () => stockDocument(state, stream, sku, revision) });
        return;
      }
      case 'order': {
        const state = await this.fold(OrderAggregate, event);
        const id = `${stream.accountId}.${stream.orderId}`;
        note(COLLECTIONS.orders, id, {
          build: (sequence) => orderDocument(state, revision, sequence),
          ...(event.revision === 0n ? { origin: sequenceOf(event.position) } : {}),
          originOf: () => this.originOf(COLLECTIONS.orders, id, '_sequence', event, (first) => sequenceOf(first.position)),
        });
        return;
      }
      case 'po': {
        const state = await this.fold(PurchaseOrderAggregate, event);
        const id = `${stream.accountId}.${stream.purchaseOrderId}`;
        note(COLLECTIONS.purchaseOrders, id, {
          build: (sequence) => purchaseOrderDocument(state, revision, sequence),
          ...(event.revision === 0n ? { origin: sequenceOf(event.position) } : {}),
          originOf: () => this.originOf(COLLECTIONS.purchaseOrders, id, '_sequence', event, (first) => sequenceOf(first.position)),
        });
        return;
      }
    }
  }

  /**
   * Indexes events under their flow: one document per flow, listing where each of its events is.
   * Only order flows are indexed (the trail is an order's); events at or before the last one
   * indexed change nothing.
   */
  private async indexTrail(correlationId: string, events: readonly RecordedEvent[]): Promise<void> {
    const collection = this.target().collection<TrailDocument>(COLLECTIONS.trail);
    const stored = await collection.findOne({ _id: correlationId });
    const last = stored === undefined ? -1n : BigInt(stored.last);
    const fresh = events.filter((event) => event.position > last);
    if (fresh.length === 0) return;
    const streams = [...(stored?.streams ?? [])];
    const entries = [...(stored?.entries ?? [])];
    for (const event of fresh) {
      let index = streams.indexOf(event.streamName);
      if (index < 0) {
        if (streams.length >= TRAIL_STREAMS) throw new Error(`The flow ${correlationId} has more than ${TRAIL_STREAMS} streams`);
        index = streams.push(this.shared(event.streamName)) - 1;
      }
      entries.push(trailEntry(index, event.revision));
    }
    const document: TrailDocument = { _id: correlationId, last: fresh[fresh.length - 1]!.position.toString(), streams, entries };
    await collection.replaceOne(stored ? { _id: correlationId, last: stored.last } : { _id: correlationId }, document, { upsert: !stored });
  }

  /**
   * One copy of the name of a stream many flows touch (bins, accounts), instead of one per flow.
   * Order and PO streams belong to one flow each: they are kept as they come.
   */
  private shared(streamName: string): string {
    if (!streamName.startsWith('bin-') && !streamName.startsWith('account-')) return streamName;
    let name = this.sharedNames.get(streamName);
    if (name === undefined) {
      name = streamName;
      this.sharedNames.set(name, name);
    }
    return name;
  }

  /** Forgets the folded states (a rebuild starts from nothing). */
  reset(): void {
    this.folds.clear();
  }

  /** Writes the document if it is newer than the one stored: a compare-and-set on `_revision`. */
  private async write(collectionName: string, document: Document & { _revision: number }): Promise<void> {
    const collection = this.target().collection(collectionName);
    const direct = synchronousAccessOf(collection);
    if (direct) {
      // The same compare-and-set, without awaiting: nothing else writes between the read and the put.
      const storedRevision = direct.peek(document._id)?.['_revision'];
      if (typeof storedRevision !== 'number' || storedRevision < document._revision) direct.put(document);
      return;
    }
    const stored = await collection.findOne({ _id: document._id });
    const storedRevision = stored?.['_revision'];
    if (typeof storedRevision === 'number' && storedRevision >= document._revision) return;
    const guard = stored ? { _id: document._id, _revision: storedRevision } : { _id: document._id };
    await collection.replaceOne(guard, document, { upsert: !stored });
  }

  /** The document's origin (see {@link Touched}) as stored in `field`, or taken from its stream's first event. */
  private async originOf(
    collectionName: string,
    id: string,
    field: string,
    event: RecordedEvent,
    fromFirst: (first: RecordedEvent) => string,
  ): Promise<string> {
    const stored = await this.target().collection(collectionName).findOne({ _id: id });
    const origin = stored?.[field];
    if (typeof origin === 'string') return origin;
    // The document is gone (a rebuild into an empty store starts at revision 0, so only a store
    // emptied under a running projection gets here), or was written before it kept this field:
    // the stream's first event names it.
    const [first] = await this.events.readStream(event.streamName, { maxCount: 1 });
    return fromFirst(first ?? event);
  }

  /** The stream's state with this event folded in, from the cache or refolded from the log. */
  private async fold<State, Command, Event extends { type: string; data: unknown }>(
    aggregate: Aggregate<State, Command, Event>,
    event: RecordedEvent,
    /** The state folding starts from, when the read side needs less than the deciding one. */
    initialState: () => State = aggregate.decider.initialState,
  ): Promise<State> {
    let folded = this.folds.get(event.streamName);
    if (folded && event.revision <= folded.revision) {
      // Already folded (a replay): the state as it stands is what the documents were built from.
      return folded.state as State;
    }
    if (!folded || folded.revision !== event.revision - 1n) {
      let state = initialState();
      const earlier = event.revision === 0n ? [] : await this.events.readStream(event.streamName, { maxCount: Number(event.revision) });
      for (const recorded of earlier) state = aggregate.decider.evolve(state, parseRecordedEvent(aggregate, recorded));
      folded = { state, revision: event.revision - 1n };
    }
    folded.state = aggregate.decider.evolve(folded.state as State, parseRecordedEvent(aggregate, event));
    folded.revision = event.revision;
    this.folds.set(event.streamName, folded);
    return folded.state as State;
  }
}
