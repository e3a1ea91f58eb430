/** The request shapes of the webhook routes (docs/api.md, "Webhooks"), as zod schemas. */
import { z } from 'zod';
import { Id } from '@app/domain/shared/ids';
import { MAX_WEBHOOK_URL_LENGTH, WEBHOOK_EVENT_TYPES } from '@app/domain/webhook/webhook.events';

export const WebhookPath = z.object({ accountId: Id, webhookId: Id }).strict();

export const RegisterWebhookBody = z
  .object({
    webhookId: Id.optional(),
    url: z.string().min(1, { message: 'must not be empty' }).max(MAX_WEBHOOK_URL_LENGTH),
    events: z
      .array(z.enum(WEBHOOK_EVENT_TYPES, { message: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` }))
      .min(1, { message: 'must name at least one event type' })
      .max(WEBHOOK_EVENT_TYPES.length)
      .superRefine((events, ctx) => {
        events.forEach((type, index) => {
          if (events.indexOf(type) !== index) ctx.addIssue({ code: 'custom', path: [index], message: `repeats ${type}` });
        });
      }),
  })
  .strict();

export const DeliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    /** The `next` of the previous page. */
    after: z.string().regex(/^(0|[1-9][0-9]{0,9})$/, { message: 'must be the next of a previous page' }).optional(),
  })
  .strict();
