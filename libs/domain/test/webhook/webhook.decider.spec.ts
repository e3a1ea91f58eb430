import { DeciderSpecification } from '../decider-spec';
import { fold } from '../../src/shared/decider';
import { activeWebhooks, webhookDecider } from '../../src/webhook/webhook.decider';
import { MAX_WEBHOOKS_PER_ACCOUNT, WebhookEvent } from '../../src/webhook/webhook.events';

const given = DeciderSpecification.for(webhookDecider, WebhookEvent);
const AT = '2024-05-01T10:00:00.000Z';
const SECRET = 'whsec_0123456789abcdef0123';
const registered = (webhookId: string, url = 'https://erp.example.com/hooks', events: ('order.ready' | 'order.backordered')[] = ['order.ready']): WebhookEvent => ({
  type: 'WebhookRegistered',
  data: { webhookId, url, events, secret: SECRET, registeredAt: AT },
});
const register = (webhookId: string, url = 'https://erp.example.com/hooks', events: ('order.ready' | 'order.backordered')[] = ['order.ready']) => ({
  type: 'RegisterWebhook' as const,
  webhookId,
  url,
  events,
  secret: SECRET,
  registeredAt: AT,
});

describe('webhook registrations', () => {
  it('registers a webhook with its url, events and secret', () => {
    given([]).when(register('w1')).then([registered('w1')]);
  });

  it('keeps each event type once', () => {
    given([]).when(register('w1', undefined, ['order.ready', 'order.ready'])).then([registered('w1')]);
  });

  it('takes the same registration again as a retry: nothing new', () => {
    given([registered('w1')]).when(register('w1')).thenNothingHappened();
    given([registered('w1', undefined, ['order.ready', 'order.backordered'])]).when(register('w1', undefined, ['order.backordered', 'order.ready'])).thenNothingHappened();
  });

  it('refuses the same id with another url or events, and a removed id', () => {
    given([registered('w1')]).when(register('w1', 'https://other.example.com/')).thenThrows({ kind: 'conflict', code: 'WEBHOOK_EXISTS' });
    given([registered('w1')]).when(register('w1', undefined, ['order.backordered'])).thenThrows({ kind: 'conflict', code: 'WEBHOOK_EXISTS' });
    given([registered('w1'), { type: 'WebhookRemoved', data: { webhookId: 'w1' } }]).when(register('w1')).thenThrows({ kind: 'conflict', code: 'WEBHOOK_EXISTS' });
  });

  it(`keeps at most ${MAX_WEBHOOKS_PER_ACCOUNT} active webhooks per account; a removed one makes room`, () => {
    const full = Array.from({ length: MAX_WEBHOOKS_PER_ACCOUNT }, (_, i) => registered(`w${i}`));
    given(full).when(register('extra')).thenThrows({ kind: 'rule_violated', code: 'TOO_MANY_WEBHOOKS' });
    given([...full, { type: 'WebhookRemoved', data: { webhookId: 'w0' } }]).when(register('extra')).then([registered('extra')]);
  });

  it('removes a webhook once; an unknown one is not found', () => {
    given([registered('w1')]).when({ type: 'RemoveWebhook', webhookId: 'w1' }).then([{ type: 'WebhookRemoved', data: { webhookId: 'w1' } }]);
    given([registered('w1'), { type: 'WebhookRemoved', data: { webhookId: 'w1' } }]).when({ type: 'RemoveWebhook', webhookId: 'w1' }).thenNothingHappened();
    given([]).when({ type: 'RemoveWebhook', webhookId: 'w9' }).thenThrows({ kind: 'not_found', code: 'WEBHOOK_NOT_FOUND', field: 'webhookId' });
  });

  it('lists the active webhooks in the order registered', () => {
    const state = fold(webhookDecider, [registered('b'), registered('a'), registered('c'), { type: 'WebhookRemoved', data: { webhookId: 'b' } }]);
    expect(activeWebhooks(state).map((w) => w.webhookId)).toEqual(['a', 'c']);
  });
});
