import { DomainError, fold } from '../src/shared/decider';
import { ID_PATTERN } from '../src/shared/ids';
import { parseStreamName } from '../src/shared/streams';
import {
  bodyIdFor,
  IDEMPOTENCY_WINDOW_MS,
  idempotencyDecider,
  idempotencyStream,
  requestFingerprint,
  useOfKey,
} from '../src/idempotency/idempotency.decider';
import { IdempotencyEvent, IdempotencyKey, RecordedAnswer } from '../src/idempotency/idempotency.events';
import { DeciderSpecification } from './decider-spec';

const given = DeciderSpecification.for(idempotencyDecider, IdempotencyEvent);

const T0 = '2024-05-01T10:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();
const ANSWER: RecordedAnswer = { status: 201, body: { orderId: 'o-1' }, headers: { 'x-event-position': '7' } };
const recorded = (use: number, fingerprint: string, recordedAt = T0, answer = ANSWER): IdempotencyEvent => ({
  type: 'IdempotentAnswerRecorded',
  data: { use, fingerprint, answer, recordedAt },
});
const stateOf = (events: IdempotencyEvent[]) => fold(idempotencyDecider, events);

describe('idempotency keys', () => {
  describe('useOfKey', () => {
    it('runs a key never used as its first use', () => {
      expect(useOfKey(stateOf([]), 'fp-1', T0)).toStrictEqual({ kind: 'fresh', use: 0 });
    });

    it('answers the recorded answer to the same request within 24 h', () => {
      expect(useOfKey(stateOf([recorded(0, 'fp-1')]), 'fp-1', later(IDEMPOTENCY_WINDOW_MS - 1))).toStrictEqual({ kind: 'replay', answer: ANSWER });
    });

    it('refuses another request under a key whose answer stands, naming the header', () => {
      let error: unknown;
      try {
        useOfKey(stateOf([recorded(0, 'fp-1')]), 'fp-2', later(60_000));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect({ kind: (error as DomainError).kind, code: (error as DomainError).code, field: (error as DomainError).field }).toStrictEqual({
        kind: 'conflict',
        code: 'IDEMPOTENCY_KEY_REUSED',
        field: 'Idempotency-Key',
      });
    });

    it('frees the key after 24 h: the next request, the same or another, is its next use', () => {
      const state = stateOf([recorded(0, 'fp-1')]);
      expect(useOfKey(state, 'fp-1', later(IDEMPOTENCY_WINDOW_MS))).toStrictEqual({ kind: 'fresh', use: 1 });
      expect(useOfKey(state, 'fp-2', later(IDEMPOTENCY_WINDOW_MS))).toStrictEqual({ kind: 'fresh', use: 1 });
      expect(useOfKey(stateOf([recorded(0, 'fp-1'), recorded(1, 'fp-2', later(IDEMPOTENCY_WINDOW_MS))]), 'fp-2', later(IDEMPOTENCY_WINDOW_MS + 5))).toStrictEqual({
        kind: 'replay',
        answer: ANSWER,
      });
    });
  });

  describe('RecordAnswer', () => {
    it('records the first answer of a use', () => {
      given([]).when({ type: 'RecordAnswer', use: 0, fingerprint: 'fp-1', answer: ANSWER, recordedAt: T0 }).then([recorded(0, 'fp-1')]);
    });

    it('keeps the first answer of a use: a concurrent request with the key records nothing', () => {
      given([recorded(0, 'fp-1')])
        .when({ type: 'RecordAnswer', use: 0, fingerprint: 'fp-1', answer: { ...ANSWER, body: { other: true } }, recordedAt: later(5) })
        .thenNothingHappened();
    });

    it('records the next use after the window', () => {
      const at = later(IDEMPOTENCY_WINDOW_MS);
      given([recorded(0, 'fp-1')]).when({ type: 'RecordAnswer', use: 1, fingerprint: 'fp-2', answer: ANSWER, recordedAt: at }).then([recorded(1, 'fp-2', at)]);
    });
  });

  describe('fingerprints, streams and ids', () => {
    const request = { method: 'POST', route: '/accounts/:accountId/orders', params: { accountId: 'S' }, body: { lines: [{ sku: 'A', quantity: 1 }], customer: 'c' } };

    it('is the same for the same request whatever the key order of its body, and differs for any other part', () => {
      const fp = requestFingerprint(request);
      expect(requestFingerprint({ ...request, body: { customer: 'c', lines: [{ quantity: 1, sku: 'A' }] } })).toBe(fp);
      expect(requestFingerprint({ ...request, body: { ...request.body, customer: 'd' } })).not.toBe(fp);
      expect(requestFingerprint({ ...request, params: { accountId: 'T' } })).not.toBe(fp);
      expect(requestFingerprint({ ...request, route: '/accounts/:accountId/inventory/adjustments' })).not.toBe(fp);
      expect(requestFingerprint({ ...request, body: undefined })).toBe(requestFingerprint({ ...request, body: null }));
    });

    it('names one stream per caller and key, which no business stream parser takes for its own', () => {
      const stream = idempotencyStream('account:S', 'key-1');
      expect(stream).toBe(idempotencyStream('account:S', 'key-1'));
      expect(stream).not.toBe(idempotencyStream('account:T', 'key-1'));
      expect(stream).not.toBe(idempotencyStream('account:S', 'key-2'));
      expect(stream).toMatch(/^idempotency-[A-Za-z0-9_-]+$/);
      expect(parseStreamName(stream)).toBeUndefined();
    });

    it('derives body ids valid as ids, one per use of the key and kind of id', () => {
      const stream = idempotencyStream('account:S', 'key-1');
      const ids = [bodyIdFor(stream, 0, 'order'), bodyIdFor(stream, 1, 'order'), bodyIdFor(stream, 0, 'adj')];
      for (const id of ids) expect(id).toMatch(ID_PATTERN);
      expect(new Set(ids).size).toBe(3);
      expect(bodyIdFor(stream, 0, 'order')).toBe(ids[0]);
    });

    it('takes keys of 1-255 printable ASCII characters only', () => {
      expect(IdempotencyKey.safeParse('a').success).toBe(true);
      expect(IdempotencyKey.safeParse(' ~!x'.repeat(63) + 'abc').success).toBe(true);
      expect(IdempotencyKey.safeParse('x'.repeat(256)).success).toBe(false);
      expect(IdempotencyKey.safeParse('').success).toBe(false);
      expect(IdempotencyKey.safeParse('é').success).toBe(false);
      expect(IdempotencyKey.safeParse('a\tb').success).toBe(false);
    });
  });
});
