/**
 * Reading the log for auditors: a stream's events in today's shape or raw, a flow's events across
 * streams, verification that a stream is whole (revisions contiguous from 0, every payload valid
 * against its schema after upcasting), and the product's invariants checked over the whole log.
 */
import { allocationStream } from '@app/domain/allocation/allocation.events';
import { LogFolder, checkInvariants, snapshotTotals, Violation } from '@app/domain/invariants/invariants';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { accountStream, binStream, orderStream, parseStreamName, purchaseOrderStream } from '@app/domain/shared/streams';
import { EventStore, positionToString, RecordedEvent } from '@app/event-store';
import { PARKED_STREAM_PREFIX } from '@app/event-store/processors/parked-events';
import * as registry from '@app/domain/aggregates';
import { Aggregate, parseRecordedEvent } from '@app/domain/aggregates';
import { IDEMPOTENCY_STREAM_PREFIX, idempotencyStream } from '@app/domain/idempotency/idempotency.decider';
import { deliveriesStream, webhooksStream } from '@app/domain/webhook/webhook-streams';

export interface EventView {
  /** The event's id: what the `causationId` of the events it caused names. */
  readonly eventId: string;
  readonly streamName: string;
  readonly revision: number;
  readonly position: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** An aggregate as the registry (`libs/domain/src/aggregates.ts`) exports it. */
type RegisteredAggregate = Pick<Aggregate<unknown, unknown, { type: string; data: unknown }>, 'category' | 'eventSchema'>;

const isRegisteredAggregate = (value: unknown): value is RegisteredAggregate =>
  typeof value === 'object' && value !== null && typeof (value as { category?: unknown }).category === 'string' && 'eventSchema' in value;

/** A kind of stream of the product: the aggregate it holds, its name's pattern and an example. */
export interface StreamKind {
  readonly aggregate: RegisteredAggregate;
  readonly pattern: string;
  readonly example: string;
}

/**
 * How each category's streams are named: by the very functions that name them on the command path
 * (with placeholders for the pattern), so what the audit tool documents cannot drift from the log.
 */
const NAMING: Readonly<Record<string, Omit<StreamKind, 'aggregate'>>> = {
  account: { pattern: accountStream('<accountId>'), example: accountStream('S') },
  order: { pattern: orderStream('<accountId>', '<orderId>'), example: orderStream('S', 'o1') },
  po: { pattern: purchaseOrderStream('<sellerAccountId>', '<purchaseOrderId>'), example: purchaseOrderStream('S', 'po1') },
  bin: { pattern: binStream('<accountId>', '<locationId>', '<binId>'), example: binStream('S', MAIN_LOCATION_ID, DEFAULT_BIN_ID) },
  idempotency: { pattern: `${IDEMPOTENCY_STREAM_PREFIX}<sha256 of caller and key, base64url>`, example: idempotencyStream('S', 'key-1') },
  webhooks: { pattern: webhooksStream('<accountId>'), example: webhooksStream('S') },
  deliveries: { pattern: deliveriesStream('<accountId>', '<webhookId>'), example: deliveriesStream('S', 'wh1') },
  allocation: { pattern: allocationStream('<accountId>'), example: allocationStream('S') },
};

/** One kind per aggregate of the registry (one the naming above misses still shows, as `<category>-…`). */
export const STREAM_KINDS: readonly StreamKind[] = (Object.values(registry) as unknown[])
  .filter(isRegisteredAggregate)
  .map((aggregate) => ({ aggregate, ...(NAMING[aggregate.category] ?? { pattern: `${aggregate.category}-…`, example: `${aggregate.category}-…` }) }));

const AGGREGATES = new Map(STREAM_KINDS.map((kind) => [kind.aggregate.category, kind.aggregate]));

export interface StreamVerification {
  readonly streamName: string;
  readonly events: number;
  readonly ok: boolean;
  readonly problems: readonly { readonly revision: number; readonly problem: string }[];
}

export class AuditService {
  constructor(private readonly store: EventStore) {}

  /** The event as stored, data untouched. */
  static raw(event: RecordedEvent): EventView {
    return {
      eventId: event.id,
      streamName: event.streamName,
      revision: Number(event.revision),
      position: positionToString(event.position),
      type: event.type,
      data: event.data,
      metadata: event.metadata,
    };
  }

  /** The event in today's shape: upcast from the version it was written with, and parsed. */
  static current(event: RecordedEvent): EventView {
    // The category is the part before the first "-" (idempotency streams are named by a hash, not by ids).
    const aggregate = AGGREGATES.get(event.streamName.slice(0, Math.max(0, event.streamName.indexOf('-'))));
    return { ...AuditService.raw(event), data: aggregate ? parseRecordedEvent(aggregate, event).data : event.data };
  }

  async stream(streamName: string, options: { fromRevision?: bigint; raw?: boolean } = {}): Promise<EventView[]> {
    const events = await this.store.readStream(streamName, options.fromRevision === undefined ? {} : { fromRevision: options.fromRevision });
    return events.map(options.raw ? AuditService.raw : AuditService.current);
  }

  /** The events at these places, in the order given (a flow's trail from the index). */
  async events(refs: readonly { streamName: string; revision: number }[]): Promise<EventView[]> {
    const views: EventView[] = [];
    for (const ref of refs) {
      const [event] = await this.store.readStream(ref.streamName, { fromRevision: BigInt(ref.revision), maxCount: 1 });
      if (event) views.push(AuditService.current(event));
    }
    return views;
  }

  /** A flow's events by scanning the whole log (the audit tool's way, without the index). */
  async *scanFlow(correlationId: string): AsyncGenerator<EventView> {
    let after: bigint | undefined;
    for (;;) {
      const batch = await this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
      if (batch.length === 0) return;
      for (const event of batch) if (event.metadata['correlationId'] === correlationId) yield AuditService.current(event);
      after = batch[batch.length - 1]!.position;
    }
  }

  async verify(streamName: string): Promise<StreamVerification> {
    const events = await this.store.readStream(streamName);
    const problems: { revision: number; problem: string }[] = [];
    events.forEach((event, index) => {
      if (event.revision !== BigInt(index)) {
        problems.push({ revision: Number(event.revision), problem: `revision ${event.revision} where ${index} was expected` });
      }
      try {
        AuditService.current(event);
      } catch (error) {
        problems.push({ revision: Number(event.revision), problem: error instanceof Error ? error.message : String(error) });
      }
    });
    // `parked-<processor>`: the processors' own record of the events they parked; the other
    // registered aggregates (allocation queues, webhooks, idempotency) are named by their category.
    const category = streamName.slice(0, Math.max(0, streamName.indexOf('-')));
    if (!parseStreamName(streamName) && !streamName.startsWith(PARKED_STREAM_PREFIX) && !AGGREGATES.has(category)) {
      problems.push({ revision: -1, problem: `"${streamName}" is not a stream name of this product` });
    }
    return { streamName, events: events.length, ok: problems.length === 0, problems };
  }

  /** The product's invariants over the whole log as it stands (meaningful once the log is quiet). */
  async invariants(): Promise<{ violations: Violation[]; events: number; totals: ReturnType<typeof snapshotTotals> }> {
    const folder = new LogFolder();
    let after: bigint | undefined;
    let events = 0;
    for (;;) {
      const batch = await this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
      if (batch.length === 0) break;
      for (const event of batch) folder.add(event);
      events += batch.length;
      after = batch[batch.length - 1]!.position;
    }
    const snapshot = folder.snapshot();
    return { violations: checkInvariants(snapshot), events, totals: snapshotTotals(snapshot) };
  }

  /** Every stream of the log, in the order they were first written. */
  async streams(): Promise<string[]> {
    const seen = new Set<string>();
    let after: bigint | undefined;
    for (;;) {
      const batch = await this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
      if (batch.length === 0) return [...seen];
      for (const event of batch) seen.add(event.streamName);
      after = batch[batch.length - 1]!.position;
    }
  }
}
