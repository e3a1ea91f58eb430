import { DeciderSpecification } from '../decider-spec';
import { fold } from '../../src/shared/decider';
import { deliveriesOf, deliveryDecider, MAX_RETRY_DELAY_MS, MIN_DELIVERY_ATTEMPTS, retryDelayMs } from '../../src/webhook/delivery.decider';
import { DeliveryEvent, ScheduledDelivery } from '../../src/webhook/delivery.events';

const given = DeciderSpecification.for(deliveryDecider, DeliveryEvent);
const AT = '2024-05-01T10:00:00.000Z';
const NEXT = '2024-05-01T10:00:01.000Z';
const delivery = (deliveryId: string): ScheduledDelivery => ({
  deliveryId,
  type: 'order.ready',
  sourceStream: 'order-S.o1',
  sourceEventId: `event-${deliveryId}`,
  occurredAt: AT,
  accountId: 'S',
  data: { orderId: 'o1', status: 'READY' },
});
const scheduled = (deliveryId: string): DeliveryEvent => ({ type: 'DeliveryScheduled', data: delivery(deliveryId) });
const attempted = (deliveryId: string, attempt: number): DeliveryEvent => ({ type: 'DeliveryAttempted', data: { deliveryId, attempt, statusCode: 500, nextAttemptAt: NEXT } });
const attempt = (deliveryId: string, n: number, outcome: { statusCode?: number; error?: string }, maxAttempts = 5) => ({
  type: 'RecordDeliveryAttempt' as const,
  deliveryId,
  attempt: n,
  ...outcome,
  maxAttempts,
  nextAttemptAt: NEXT,
});

describe('deliveries to a webhook', () => {
  it('schedules each delivery once, whatever the repeats', () => {
    given([scheduled('d1')]).when({ type: 'ScheduleDeliveries', deliveries: [delivery('d1'), delivery('d2'), delivery('d2')] }).then([scheduled('d2')]);
  });

  it('records a 2xx as delivered', () => {
    given([scheduled('d1')]).when(attempt('d1', 1, { statusCode: 204 })).then([{ type: 'DeliveryDelivered', data: { deliveryId: 'd1', attempt: 1, statusCode: 204 } }]);
  });

  it('records a failed attempt with when the next one is due, a non-2xx or no answer alike', () => {
    given([scheduled('d1')]).when(attempt('d1', 1, { statusCode: 302 })).then([attempted('d1', 1)].map((e) => ({ ...e, data: { ...e.data, statusCode: 302 } })) as DeliveryEvent[]);
    given([scheduled('d1'), attempted('d1', 1)])
      .when(attempt('d1', 2, { error: 'no answer within 100 ms' }))
      .then([{ type: 'DeliveryAttempted', data: { deliveryId: 'd1', attempt: 2, error: 'no answer within 100 ms', nextAttemptAt: NEXT } }]);
  });

  it('fails the delivery when the last attempt fails', () => {
    const four = [scheduled('d1'), ...[1, 2, 3, 4].map((n) => attempted('d1', n))];
    given(four).when(attempt('d1', 5, { statusCode: 500 })).then([{ type: 'DeliveryFailed', data: { deliveryId: 'd1', attempts: 5, statusCode: 500 } }]);
  });

  it(`never fails before ${MIN_DELIVERY_ATTEMPTS} attempts, whatever it is asked`, () => {
    given([scheduled('d1'), attempted('d1', 1)]).when(attempt('d1', 2, { statusCode: 500 }, 2)).then([attempted('d1', 2)]);
  });

  it('records an attempt once: a repeated or settled one changes nothing', () => {
    given([scheduled('d1'), attempted('d1', 1)]).when(attempt('d1', 1, { statusCode: 500 })).thenNothingHappened();
    given([scheduled('d1'), { type: 'DeliveryDelivered', data: { deliveryId: 'd1', attempt: 1, statusCode: 200 } }]).when(attempt('d1', 2, { statusCode: 200 })).thenNothingHappened();
    given([]).when(attempt('d9', 1, { statusCode: 200 })).thenThrows({ kind: 'not_found', code: 'DELIVERY_NOT_FOUND' });
  });

  it('abandons a pending delivery of a removed webhook as FAILED', () => {
    given([scheduled('d1'), attempted('d1', 1)])
      .when({ type: 'AbandonDelivery', deliveryId: 'd1', reason: 'The webhook was removed' })
      .then([{ type: 'DeliveryFailed', data: { deliveryId: 'd1', attempts: 1, error: 'The webhook was removed' } }]);
  });

  it('lists deliveries in the order scheduled with status, attempts and the last status code', () => {
    const state = fold(deliveryDecider, [
      scheduled('d1'),
      scheduled('d2'),
      attempted('d1', 1),
      { type: 'DeliveryDelivered', data: { deliveryId: 'd1', attempt: 2, statusCode: 200 } },
      attempted('d2', 1),
      attempted('d2', 1),
    ]);
    expect(deliveriesOf(state)).toEqual([
      { deliveryId: 'd1', type: 'order.ready', sourceStream: 'order-S.o1', status: 'DELIVERED', attempts: 2, lastStatusCode: 200 },
      { deliveryId: 'd2', type: 'order.ready', sourceStream: 'order-S.o1', status: 'PENDING', attempts: 1, lastStatusCode: 500, nextAttemptAt: NEXT },
    ]);
  });

  it('waits exponentially longer with jitter, capped at an hour', () => {
    expect(retryDelayMs(1, 1000, 0.5)).toBe(1000);
    expect(retryDelayMs(2, 1000, 0.5)).toBe(2000);
    expect(retryDelayMs(3, 1000, 0.5)).toBe(4000);
    expect(retryDelayMs(3, 1000, 0)).toBe(2000);
    expect(retryDelayMs(3, 1000, 0.999)).toBeLessThan(6000);
    expect(retryDelayMs(60, 1000, 0.5)).toBe(MAX_RETRY_DELAY_MS);
  });
});
