/**
 * Events and commands of the deliveries to one webhook (`deliveries-<accountId>.<webhookId>`): a
 * delivery is scheduled by the outbox once per (webhook, log event, type), then each attempt is
 * recorded by the dispatcher: DeliveryAttempted (failed, another attempt at `nextAttemptAt`),
 * DeliveryDelivered (a 2xx answer) or DeliveryFailed (the attempts ran out, or the webhook was removed).
 */
import { z } from 'zod';
import { Id } from '../shared/ids';
import { WebhookEventType } from './webhook.events';

export const DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** An attempt's answer: the receiver's status code, or why there was none (a timeout, a refused connection). */
const AttemptOutcome = {
  statusCode: z.number().int().min(100).max(599).optional(),
  error: z.string().min(1).max(500).optional(),
};

export const DeliveryScheduled = z.object({
  type: z.literal('DeliveryScheduled'),
  data: z.object({
    deliveryId: Id,
    type: WebhookEventType,
    /** The stream of the log event it tells of: deliveries of one such stream go out in order. */
    sourceStream: z.string().min(1).max(300),
    sourceEventId: z.string().min(1).max(100),
    /** When the log event happened (its metadata's occurredAt). */
    occurredAt: z.string().datetime(),
    /** The account whose stream the event is in: the webhook's account. */
    accountId: Id,
    data: z.record(z.string(), z.unknown()),
  }),
});
export const DeliveryAttempted = z.object({
  type: z.literal('DeliveryAttempted'),
  data: z.object({
    deliveryId: Id,
    attempt: z.number().int().positive(),
    ...AttemptOutcome,
    nextAttemptAt: z.string().datetime(),
  }),
});
export const DeliveryDelivered = z.object({
  type: z.literal('DeliveryDelivered'),
  data: z.object({ deliveryId: Id, attempt: z.number().int().positive(), statusCode: z.number().int().min(200).max(299) }),
});
export const DeliveryFailed = z.object({
  type: z.literal('DeliveryFailed'),
  data: z.object({ deliveryId: Id, attempts: z.number().int().min(0), ...AttemptOutcome }),
});

export const DeliveryEvent = z.discriminatedUnion('type', [DeliveryScheduled, DeliveryAttempted, DeliveryDelivered, DeliveryFailed]);
export type DeliveryEvent = z.infer<typeof DeliveryEvent>;
export type ScheduledDelivery = z.infer<typeof DeliveryScheduled>['data'];

export type DeliveryCommand =
  | {
      /** The deliveries one log event causes for this webhook; those already scheduled are passed by. */
      readonly type: 'ScheduleDeliveries';
      readonly deliveries: readonly ScheduledDelivery[];
    }
  | {
      /** The outcome of attempt `attempt`; an attempt already recorded, or a settled delivery, changes nothing. */
      readonly type: 'RecordDeliveryAttempt';
      readonly deliveryId: string;
      readonly attempt: number;
      readonly statusCode?: number;
      readonly error?: string;
      /** Attempts in all; the last one that fails makes the delivery FAILED. */
      readonly maxAttempts: number;
      /** When to try again if this attempt failed and attempts are left. */
      readonly nextAttemptAt: string;
    }
  | {
      /** The webhook was removed: a delivery still pending will not be sent. */
      readonly type: 'AbandonDelivery';
      readonly deliveryId: string;
      readonly reason: string;
    };
