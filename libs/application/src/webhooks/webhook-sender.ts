/**
 * Sends one delivery attempt: a POST of the body with the webhook headers and signature, within a
 * timeout, following no redirect (a 3xx is an answer that is not 2xx). The answer's body is read
 * (up to 64 KiB) and dropped, so the connection is done with.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, isInternalAddress } from './url-policy';

export type AttemptResult = { readonly statusCode: number } | { readonly error: string };

/** `sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" with the secret>`: what receivers check (docs/api.md). */
export const webhookSignature = (secret: string, timestamp: string, body: string): string =>
  `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;

const MAX_ANSWER_BYTES = 64 * 1024;

export interface SendOptions {
  readonly url: string;
  readonly secret: string;
  readonly deliveryId: string;
  readonly body: string;
  readonly timeoutMs: number;
  readonly allowPrivateNetworks: boolean;
  /** Aborted when the dispatcher stops or loses its lease: the attempt is then not recorded. */
  readonly signal: AbortSignal;
  /** Seconds since the epoch, as the X-Webhook-Timestamp header. */
  readonly now: () => number;
}

export const sendDelivery = (options: SendOptions): Promise<AttemptResult> =>
  new Promise((resolve) => {
    const url = new URL(options.url);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!options.allowPrivateNetworks && isIP(host) && isInternalAddress(host)) {
      resolve({ error: `${host} is an internal address` });
      return;
    }
    const timestamp = String(Math.floor(options.now()));
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = AbortSignal.any([timeout, options.signal]);
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      {
        method: 'POST',
        agent: false,
        signal,
        ...(options.allowPrivateNetworks ? {} : { lookup: guardedLookup }),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(options.body),
          'user-agent': 'backorders-webhooks/1',
          'x-webhook-id': options.deliveryId,
          'x-webhook-timestamp': timestamp,
          'x-webhook-signature': webhookSignature(options.secret, timestamp, options.body),
        },
      },
      (response) => {
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        const done = () => resolve({ statusCode: response.statusCode ?? 0 });
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    request.on('error', (error) => {
      resolve({ error: timeout.aborted ? `no answer within ${options.timeoutMs} ms` : error.message || String(error) });
    });
    request.end(options.body);
  });
