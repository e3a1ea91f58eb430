/**
 * Webhook registrations and their deliveries as the HTTP edge asks for them: register (the URL
 * checked, the secret generated here, never in the domain), list, remove, and one webhook's
 * deliveries a page at a time, folded from its delivery stream in the log (so any api process
 * answers it, whoever runs the dispatcher).
 */
import { randomBytes } from 'node:crypto';
import { DeliveriesAggregate, WebhooksAggregate } from '@app/domain/aggregates';
import { DomainError } from '@app/domain/shared/decider';
import { Delivery, deliveriesOf } from '@app/domain/webhook/delivery.decider';
import { Webhook, webhookOf, WebhooksState } from '@app/domain/webhook/webhook.decider';
import { WebhookEventType } from '@app/domain/webhook/webhook.events';
import { deliveriesStream, webhooksStream } from '@app/domain/webhook/webhook-streams';
import { CommandContext } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from '../services/accounts.service';
import { checkWebhookUrl } from './url-policy';

/** A registration as clients see it (the secret only in the answer to the registration). */
export type WebhookView = { webhookId: string; url: string; events: WebhookEventType[]; registeredAt: string };
export type DeliveryView = { deliveryId: string; type: WebhookEventType; status: Delivery['status']; attempts: number; lastStatusCode?: number; lastError?: string; nextAttemptAt?: string };

export const webhookView = (webhook: Webhook): WebhookView => ({
  webhookId: webhook.webhookId,
  url: webhook.url,
  events: [...webhook.events],
  registeredAt: webhook.registeredAt,
});

const deliveryView = (delivery: Delivery): DeliveryView => ({
  deliveryId: delivery.deliveryId,
  type: delivery.type,
  status: delivery.status,
  attempts: delivery.attempts,
  ...(delivery.lastStatusCode === undefined ? {} : { lastStatusCode: delivery.lastStatusCode }),
  ...(delivery.lastError === undefined ? {} : { lastError: delivery.lastError }),
  ...(delivery.nextAttemptAt === undefined ? {} : { nextAttemptAt: delivery.nextAttemptAt }),
});

/** A secret to sign with: 32 random bytes, recognisable by its prefix. */
const newSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;

export class WebhooksService {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
    private readonly allowPrivateNetworks: boolean,
  ) {}

  async register(accountId: string, input: { webhookId: string; url: string; events: readonly WebhookEventType[] }, context: CommandContext) {
    await this.accounts.get(accountId);
    // Throws WebhookUrlRefused: the edge answers 400 naming `url`.
    await checkWebhookUrl(input.url, this.allowPrivateNetworks);
    const handled = await this.commands.handle(
      WebhooksAggregate,
      webhooksStream(accountId),
      { type: 'RegisterWebhook', webhookId: input.webhookId, url: input.url, events: input.events, secret: newSecret(), registeredAt: context.occurredAt },
      context,
    );
    // A retry of the same registration answers the first one, secret included (the same caller asks).
    const webhook = webhookOf(handled.state, input.webhookId)!;
    return { ...webhookView(webhook), secret: webhook.secret };
  }

  async list(accountId: string, context?: CommandContext): Promise<WebhookView[]> {
    await this.accounts.get(accountId);
    const { state } = await this.commands.load(WebhooksAggregate, webhooksStream(accountId), context ? { context } : {});
    return [...state.webhooks.values()].filter((webhook) => !webhook.removed).map(webhookView);
  }

  async remove(accountId: string, webhookId: string, context: CommandContext): Promise<void> {
    await this.accounts.get(accountId);
    await this.commands.handle(WebhooksAggregate, webhooksStream(accountId), { type: 'RemoveWebhook', webhookId }, context);
  }

  /** The webhook's registration (removed ones too: their deliveries stay listed), or 404. */
  private async webhook(accountId: string, webhookId: string, context?: CommandContext): Promise<WebhooksState> {
    const { state } = await this.commands.load(WebhooksAggregate, webhooksStream(accountId), context ? { context } : {});
    if (!webhookOf(state, webhookId)) throw new DomainError('not_found', 'WEBHOOK_NOT_FOUND', `No webhook ${webhookId}`, 'webhookId');
    return state;
  }

  /** Deliveries in the order they were scheduled; `after` is the `next` of the page before. */
  async deliveries(accountId: string, webhookId: string, page: { limit: number; after?: string }, context?: CommandContext) {
    await this.webhook(accountId, webhookId, context);
    const { state } = await this.commands.load(DeliveriesAggregate, deliveriesStream(accountId, webhookId), context ? { context } : {});
    const all = deliveriesOf(state);
    const start = page.after === undefined ? 0 : Number(page.after);
    const items = all.slice(start, start + page.limit).map(deliveryView);
    const end = start + items.length;
    return { items, next: end < all.length ? String(end) : null };
  }
}
