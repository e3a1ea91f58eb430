/**
 * Parked events: events a processor's handler refused for a business reason (the domain rejected
 * the command it tried), recorded so the processor can go on with everything else and somebody can
 * look at them and ask for them to be tried again.
 *
 * Everything lives in the log, in one stream per processor, `parked-<processor name>`:
 *   - `EventParked`          the runner parked an event (appended by the runner);
 *   - `ParkedRetryRequested` somebody asks for a parked event to be handled again (anyone may
 *                            append it, from any process: the running processor reads its stream);
 *   - `ParkedEventResolved`  the retry was handled: the event is no longer parked;
 *   - `ParkedRetryFailed`    the retry was refused again: the event stays parked.
 * Folding that stream gives the parked events and the answer to each request, so the helpers here
 * work wherever the processor runs. Bigints travel as decimal strings, as everywhere in JSON.
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ANY, EventStore, EventToAppend, RecordedEvent } from '../event-store.port';

export const PARKED_STREAM_PREFIX = 'parked-';
export const EVENT_PARKED = 'EventParked';
export const PARKED_RETRY_REQUESTED = 'ParkedRetryRequested';
export const PARKED_EVENT_RESOLVED = 'ParkedEventResolved';
export const PARKED_RETRY_FAILED = 'ParkedRetryFailed';

/** The stream where the runner records what processor `processorName` parked. */
export const parkedStreamOf = (processorName: string): string => `${PARKED_STREAM_PREFIX}${processorName}`;

const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/);

export const ParkedErrorSchema = z.object({
  name: z.string(),
  code: z.string().optional(),
  message: z.string(),
});
export type ParkedError = z.infer<typeof ParkedErrorSchema>;

export const EventParkedDataSchema = z.object({
  /** The parked event's position: unique in the log, so it names the parked entry. */
  parkedId: decimal,
  eventId: z.string(),
  streamName: z.string(),
  revision: decimal,
  position: decimal,
  type: z.string(),
  flow: z.string().nullable(),
  error: ParkedErrorSchema,
});
export type EventParkedData = z.infer<typeof EventParkedDataSchema>;

export const ParkedRetryRequestedDataSchema = z.object({ parkedId: decimal, requestId: z.string().min(1) });
export const ParkedEventResolvedDataSchema = ParkedRetryRequestedDataSchema;
export const ParkedRetryFailedDataSchema = ParkedRetryRequestedDataSchema.extend({ error: ParkedErrorSchema });

/** One unresolved parked event, as `listParked` answers it. */
export interface ParkedEvent extends EventParkedData {
  /** When it was parked (ISO 8601): the time the store recorded the EventParked. */
  readonly parkedAt: string;
  /** The last retry that was refused, if any. */
  readonly lastRetry?: { readonly requestId: string; readonly at: string; readonly error: ParkedError };
}

export type ParkedRetryOutcome = 'resolved' | 'parked';

/** A parked stream folded: what is parked now, and the answer to every request answered so far. */
export interface ParkedFold {
  /** Unresolved entries by parkedId, in the order they were parked. */
  readonly parked: Map<string, ParkedEvent>;
  readonly outcomes: Map<string, ParkedRetryOutcome>;
}

/**
 * Folds the records of a parked stream, in revision order. A record that does not match its schema
 * is passed over: anyone may append a request, and a malformed one must not hide the others.
 */
export const foldParked = (records: readonly RecordedEvent[], fold?: ParkedFold): ParkedFold => {
  const parked = fold?.parked ?? new Map<string, ParkedEvent>();
  const outcomes = fold?.outcomes ?? new Map<string, ParkedRetryOutcome>();
  for (const record of records) {
    switch (record.type) {
      case EVENT_PARKED: {
        const data = EventParkedDataSchema.safeParse(record.data);
        if (data.success) parked.set(data.data.parkedId, { ...data.data, parkedAt: record.recordedAt.toISOString() });
        break;
      }
      case PARKED_EVENT_RESOLVED: {
        const data = ParkedEventResolvedDataSchema.safeParse(record.data);
        if (!data.success) break;
        parked.delete(data.data.parkedId);
        outcomes.set(data.data.requestId, 'resolved');
        break;
      }
      case PARKED_RETRY_FAILED: {
        const data = ParkedRetryFailedDataSchema.safeParse(record.data);
        if (!data.success) break;
        outcomes.set(data.data.requestId, 'parked');
        const entry = parked.get(data.data.parkedId);
        if (entry) {
          const lastRetry = { requestId: data.data.requestId, at: record.recordedAt.toISOString(), error: data.data.error };
          parked.set(data.data.parkedId, { ...entry, lastRetry });
        }
        break;
      }
      default:
        break;
    }
  }
  return { parked, outcomes };
};

/** The events processor `processorName` has parked and that are not resolved, in the order parked. */
export const listParked = async (store: EventStore, processorName: string): Promise<ParkedEvent[]> => {
  const { parked } = foldParked(await store.readStream(parkedStreamOf(processorName)));
  return [...parked.values()];
};

/**
 * Asks the processor (wherever it runs) to handle parked event `parkedId` again. Undefined when
 * that event is not parked (unknown, or resolved already); otherwise the id to await the answer by.
 */
export const requestParkedRetry = async (
  store: EventStore,
  processorName: string,
  parkedId: string,
): Promise<{ requestId: string } | undefined> => {
  const stream = parkedStreamOf(processorName);
  const entry = foldParked(await store.readStream(stream)).parked.get(parkedId);
  if (!entry) return undefined;
  const requestId = randomUUID();
  await store.append(
    stream,
    [
      {
        id: requestId,
        type: PARKED_RETRY_REQUESTED,
        data: { parkedId, requestId },
        metadata: {
          correlationId: entry.flow ?? entry.streamName,
          causationId: entry.eventId,
          actor: 'operator',
          occurredAt: new Date().toISOString(),
          commandId: `retry-parked/${processorName}/${requestId}`,
          schemaVersion: 1,
        },
      },
    ],
    { expectedRevision: ANY },
  );
  return { requestId };
};

export const PARKED_RETRY_POLL_MS = 20;

/**
 * Waits for the answer to retry request `requestId`: 'resolved' (handled), 'parked' (refused
 * again), or 'pending' when none came within `timeoutMs` (the processor may be down or busy; the
 * request stays in the log and is answered when it gets to it).
 */
export const awaitParkedRetry = async (
  store: EventStore,
  processorName: string,
  requestId: string,
  timeoutMs: number,
): Promise<ParkedRetryOutcome | 'pending'> => {
  const stream = parkedStreamOf(processorName);
  const deadline = performance.now() + timeoutMs;
  const fold: ParkedFold = { parked: new Map(), outcomes: new Map() };
  let fromRevision = 0n;
  for (;;) {
    // Only what was appended since the last read: the fold goes on from where it stood.
    const records = await store.readStream(stream, { fromRevision });
    if (records.length > 0) fromRevision = records[records.length - 1]!.revision + 1n;
    const outcome = foldParked(records, fold).outcomes.get(requestId);
    if (outcome) return outcome;
    const left = deadline - performance.now();
    if (left <= 0) return 'pending';
    await new Promise((resolve) => setTimeout(resolve, Math.min(PARKED_RETRY_POLL_MS, left)));
  }
};

/** The parts of a failure that are recorded: its name, its code when it has a string one, its message. */
export const describeError = (error: unknown): ParkedError => {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message };
  }
  return { name: 'Error', message: String(error) };
};

/** An event's flow: its correlation id, when it carries a string one. */
export const flowOf = (event: RecordedEvent): string | null => {
  const correlationId = event.metadata['correlationId'];
  return typeof correlationId === 'string' ? correlationId : null;
};

/** Fixed namespace of the runner's name-based ids (a random UUID, chosen once). */
const PARKED_ID_NAMESPACE = Buffer.from('6f1c2b0e9d4a4e57a3b8c1d2e5f60718', 'hex');

/**
 * A name-based UUID (version 5, SHA-1, RFC 9562): the same name always gives the same id, so an
 * append repeated after a crash is recognised by the store as the one that was already made.
 */
export const nameBasedUuid = (name: string): string => {
  const hash = createHash('sha1').update(PARKED_ID_NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/** The record the runner appends when processor `processorName` parks `event`. */
export const eventParkedRecord = (processorName: string, event: RecordedEvent, error: unknown): EventToAppend => {
  const flow = flowOf(event);
  const data: EventParkedData = {
    parkedId: event.position.toString(10),
    eventId: event.id,
    streamName: event.streamName,
    revision: event.revision.toString(10),
    position: event.position.toString(10),
    type: event.type,
    flow,
    error: describeError(error),
  };
  return {
    id: nameBasedUuid(`park/${processorName}/${event.id}`),
    type: EVENT_PARKED,
    data,
    metadata: {
      correlationId: flow ?? event.streamName,
      causationId: event.id,
      actor: `processor:${processorName}`,
      occurredAt: new Date().toISOString(),
      commandId: `park/${processorName}/${event.id}`,
      schemaVersion: 1,
    },
  };
};

/** The record answering retry request `request` (a ParkedRetryRequested): resolved, or refused with `error`. */
export const parkedRetryOutcomeRecord = (
  processorName: string,
  request: RecordedEvent,
  answer: { readonly parkedId: string; readonly requestId: string; readonly error?: ParkedError },
): EventToAppend => ({
  // One answer per request, even when the request is seen again after a crash.
  id: nameBasedUuid(`parked-retry/${processorName}/${answer.requestId}`),
  type: answer.error ? PARKED_RETRY_FAILED : PARKED_EVENT_RESOLVED,
  data: answer.error
    ? { parkedId: answer.parkedId, requestId: answer.requestId, error: answer.error }
    : { parkedId: answer.parkedId, requestId: answer.requestId },
  metadata: {
    correlationId: typeof request.metadata['correlationId'] === 'string' ? request.metadata['correlationId'] : request.streamName,
    causationId: request.id,
    actor: `processor:${processorName}`,
    occurredAt: new Date().toISOString(),
    commandId: `parked-retry/${processorName}/${answer.requestId}`,
    schemaVersion: 1,
  },
});
