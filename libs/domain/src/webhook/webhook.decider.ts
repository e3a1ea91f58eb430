/**
 * An account's webhook registrations as a decider. Registering the same id again with the same url
 * and events is a retry (nothing new, the first registration answered); with others, 409.
 * Removing is once: a removed webhook stays removed (its id is not reused).
 */
import { Decider, DomainError } from '../shared/decider';
import { MAX_WEBHOOKS_PER_ACCOUNT, WebhookCommand, WebhookEvent, WebhookEventType } from './webhook.events';

export type Webhook = {
  readonly webhookId: string;
  readonly url: string;
  readonly events: readonly WebhookEventType[];
  readonly secret: string;
  readonly registeredAt: string;
  readonly removed: boolean;
};

export type WebhooksState = {
  /** In the order registered. */
  readonly webhooks: ReadonlyMap<string, Webhook>;
};

const initialState = (): WebhooksState => ({ webhooks: new Map() });

/** The registrations that receive deliveries, in the order registered. */
export const activeWebhooks = (state: WebhooksState): Webhook[] => [...state.webhooks.values()].filter((webhook) => !webhook.removed);

export const webhookOf = (state: WebhooksState, webhookId: string): Webhook | undefined => state.webhooks.get(webhookId);

const sameEvents = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().every((type, i) => type === [...b].sort()[i]);

const decide = (command: WebhookCommand, state: WebhooksState): WebhookEvent[] => {
  switch (command.type) {
    case 'RegisterWebhook': {
      const existing = state.webhooks.get(command.webhookId);
      if (existing) {
        if (!existing.removed && existing.url === command.url && sameEvents(existing.events, command.events)) return [];
        throw new DomainError('conflict', 'WEBHOOK_EXISTS', `Webhook ${command.webhookId} exists with another url or events (or was removed)`, 'webhookId');
      }
      if (activeWebhooks(state).length >= MAX_WEBHOOKS_PER_ACCOUNT) {
        throw new DomainError('rule_violated', 'TOO_MANY_WEBHOOKS', `An account has at most ${MAX_WEBHOOKS_PER_ACCOUNT} webhooks: remove one first`);
      }
      const { webhookId, url, events, secret, registeredAt } = command;
      return [{ type: 'WebhookRegistered', data: { webhookId, url, events: [...new Set(events)], secret, registeredAt } }];
    }
    case 'RemoveWebhook': {
      const existing = state.webhooks.get(command.webhookId);
      if (!existing) throw new DomainError('not_found', 'WEBHOOK_NOT_FOUND', `No webhook ${command.webhookId}`, 'webhookId');
      if (existing.removed) return [];
      return [{ type: 'WebhookRemoved', data: { webhookId: command.webhookId } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`Unknown webhook command ${JSON.stringify(unknown)}`);
    }
  }
};

const evolve = (state: WebhooksState, event: WebhookEvent): WebhooksState => {
  switch (event.type) {
    case 'WebhookRegistered': {
      if (state.webhooks.has(event.data.webhookId)) return state;
      const webhooks = new Map(state.webhooks);
      webhooks.set(event.data.webhookId, { ...event.data, removed: false });
      return { webhooks };
    }
    case 'WebhookRemoved': {
      const existing = state.webhooks.get(event.data.webhookId);
      if (!existing || existing.removed) return state;
      const webhooks = new Map(state.webhooks);
      webhooks.set(existing.webhookId, { ...existing, removed: true });
      return { webhooks };
    }
    default: {
      const unknown: never = event;
      throw new Error(`Unknown webhook event ${JSON.stringify(unknown)}`);
    }
  }
};

export const webhookDecider: Decider<WebhooksState, WebhookCommand, WebhookEvent> = { initialState, evolve, decide };
