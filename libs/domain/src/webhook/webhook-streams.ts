/**
 * Stream names of webhooks, in the manner of shared/streams.ts: the category before the first "-",
 * ids joined with dots (ids never contain one).
 */
export const WEBHOOKS_STREAM_PREFIX = 'webhooks-';
export const DELIVERIES_STREAM_PREFIX = 'deliveries-';

/** An account's webhook registrations. */
export const webhooksStream = (accountId: string): string => `${WEBHOOKS_STREAM_PREFIX}${accountId}`;
/** The deliveries to one webhook, in the order they were scheduled. */
export const deliveriesStream = (accountId: string, webhookId: string): string => `${DELIVERIES_STREAM_PREFIX}${accountId}.${webhookId}`;

/** The account of a `webhooks-<accountId>` stream. */
export const accountOfWebhooksStream = (streamName: string): string | undefined =>
  streamName.startsWith(WEBHOOKS_STREAM_PREFIX) ? streamName.slice(WEBHOOKS_STREAM_PREFIX.length) : undefined;

/** The account and webhook of a `deliveries-<accountId>.<webhookId>` stream. */
export const parseDeliveriesStream = (streamName: string): { accountId: string; webhookId: string } | undefined => {
  if (!streamName.startsWith(DELIVERIES_STREAM_PREFIX)) return undefined;
  const ids = streamName.slice(DELIVERIES_STREAM_PREFIX.length).split('.');
  return ids.length === 2 ? { accountId: ids[0]!, webhookId: ids[1]! } : undefined;
};
