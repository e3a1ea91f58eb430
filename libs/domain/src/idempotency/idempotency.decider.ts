/**
 * The rules of `Idempotency-Key` (SPEC.md "Operations"): within 24 h of its first answer, the same
 * key with the same request answers that answer and writes nothing; with another request it is a
 * conflict; after 24 h the key is free again (its next use). Keys are the caller's own: two callers
 * may use the same key. The time comes in from the caller; nothing here reads a clock.
 *
 * A request's body id (`orderId`, `adjustmentId`, `handoverId`, `grnId`), when the client gives
 * none, is derived from the key and its use (`bodyIdFor`): a retry names the same id, so the
 * domain's own duplicate check makes it write nothing even when its answer was never recorded.
 */
import { createHash } from 'node:crypto';
import { Decider, DomainError } from '../shared/decider';
import { derivedId } from '../shared/deterministic-id';
import { IdempotencyCommand, IdempotencyEvent, RecordedAnswer } from './idempotency.events';

/** How long the first answer to a key stands. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

export const IDEMPOTENCY_STREAM_PREFIX = 'idempotency-';

/**
 * The stream of one caller's key. The key is hashed: it is the client's text, of any printable
 * characters, and the stream name must be one of ids only.
 */
export const idempotencyStream = (caller: string, key: string): string =>
  `${IDEMPOTENCY_STREAM_PREFIX}${createHash('sha256').update(`${caller}\u0000${key}`, 'utf8').digest('base64url')}`;

/** What a request asks, as one request: the same text for the same method, route, path and body. */
export interface IdempotentRequest {
  readonly method: string;
  /** The route pattern, e.g. `/accounts/:accountId/orders`. */
  readonly route: string;
  readonly params: unknown;
  /** The parsed JSON body; no body and `null` are the same. */
  readonly body: unknown;
}

/** JSON with the keys of every object sorted: two bodies that differ only in key order are one. */
const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value === undefined ? null : value;
};

export const requestFingerprint = ({ method, route, params, body }: IdempotentRequest): string =>
  createHash('sha256')
    .update(JSON.stringify(canonical({ method: method.toUpperCase(), route, params: params ?? {}, body: body ?? null })), 'utf8')
    .digest('base64url');

type Recorded = Extract<IdempotencyEvent, { type: 'IdempotentAnswerRecorded' }>['data'];

export type IdempotencyState = {
  /** How many uses of the key have an answer. */
  readonly uses: number;
  /** The answer of the last of them. */
  readonly latest?: Recorded;
};

/** What a request with this key does now. */
export type KeyUse =
  /** The key's answer stands and is for this request: send it again, write nothing. */
  | { readonly kind: 'replay'; readonly answer: RecordedAnswer }
  /** The key is free: the request runs as this use of the key. */
  | { readonly kind: 'fresh'; readonly use: number };

const isLive = (recorded: Recorded, at: string): boolean => Date.parse(at) - Date.parse(recorded.recordedAt) < IDEMPOTENCY_WINDOW_MS;

/** Replay, or run as a fresh use; another request under a key whose answer stands is refused (409). */
export const useOfKey = (state: IdempotencyState, fingerprint: string, at: string): KeyUse => {
  const { latest } = state;
  if (latest === undefined || !isLive(latest, at)) return { kind: 'fresh', use: state.uses };
  if (latest.fingerprint === fingerprint) return { kind: 'replay', answer: latest.answer };
  throw new DomainError(
    'conflict',
    'IDEMPOTENCY_KEY_REUSED',
    'This Idempotency-Key was used within the last 24 h for another request (method, path or body); use a new key',
    'Idempotency-Key',
  );
};

/** The body id (`what`: `order`, `adj`, `handover`, `grn`) of a request that gives none, for this use of the key. */
export const bodyIdFor = (stream: string, use: number, what: string): string => derivedId(what, stream, String(use));

const initialState = (): IdempotencyState => ({ uses: 0 });

const decide = (command: IdempotencyCommand, state: IdempotencyState): IdempotencyEvent[] => {
  // This use has its answer already (a concurrent request with the key recorded first): the first one stands.
  if (command.use < state.uses) return [];
  if (command.use > state.uses) throw new Error(`Use ${command.use} of an idempotency key recorded before use ${state.uses}`);
  const { use, fingerprint, answer, recordedAt } = command;
  return [{ type: 'IdempotentAnswerRecorded', data: { use, fingerprint, answer, recordedAt } }];
};

const evolve = (_state: IdempotencyState, event: IdempotencyEvent): IdempotencyState => {
  switch (event.type) {
    case 'IdempotentAnswerRecorded':
      return { uses: event.data.use + 1, latest: event.data };
    default: {
      const unknown: never = event.type;
      throw new Error(`Unknown idempotency event ${JSON.stringify(unknown)}`);
    }
  }
};

export const idempotencyDecider: Decider<IdempotencyState, IdempotencyCommand, IdempotencyEvent> = { initialState, evolve, decide };
