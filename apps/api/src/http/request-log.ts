/**
 * The request log and the request id, as Fastify hooks: every response carries `X-Request-Id` (the
 * caller's, when it sent a sane one; otherwise a new uuid), and every request writes one JSON line
 * when its response is sent (method, route pattern, status, milliseconds, request id, who called)
 * and one observation of the latency histogram.
 */
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig, JsonLogger, logLevels } from '@app/config';
import type { DestinationStream } from 'pino';
import { Metrics, UNMATCHED_ROUTE } from '../metrics/metrics';
import { actorOf, Principal } from './auth';

export const REQUEST_ID_HEADER = 'x-request-id';

/** A request id the caller may choose: up to 128 of letters, digits and `-_.:`. */
const SANE_REQUEST_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const requestIds = new WeakMap<FastifyRequest, string>();

/** The request's id: the caller's `X-Request-Id` when it is sane, otherwise one made for it (once). */
export const requestIdOf = (request: FastifyRequest): string => {
  let id = requestIds.get(request);
  if (id === undefined) {
    const given = request.headers[REQUEST_ID_HEADER];
    id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    requestIds.set(request, id);
  }
  return id;
};

/** The route pattern the request matched (`/accounts/:accountId/orders`), never its raw URL. */
const routeOf = (request: FastifyRequest): string => request.routeOptions.url ?? UNMATCHED_ROUTE;

export interface ApiLoggingOptions {
  /** Nest's levels (tests: `['error']`), or false for no log at all; default LOG_LEVEL. */
  readonly logger?: false | ('error' | 'warn' | 'log' | 'debug')[];
  /** Where the JSON lines go (default stdout): a spec collects them. */
  readonly logStream?: DestinationStream;
}

/** The api's logger: JSON lines at LOG_LEVEL (or the levels the caller asked for). */
export const apiLogger = (config: AppConfig, options: ApiLoggingOptions = {}): JsonLogger =>
  new JsonLogger({
    name: 'api',
    level: options.logger ?? logLevels(config.LOG_LEVEL),
    ...(options.logStream ? { stream: options.logStream } : {}),
  });

/** Installs the hooks on the application's Fastify instance; call it before any other hook. */
export const installRequestLogging = (app: NestFastifyApplication, logger: JsonLogger): void => {
  const metrics = app.get(Metrics);
  const log = logger.pino.child({ context: 'Http' });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header(REQUEST_ID_HEADER, requestIdOf(request));
  });
  // A reply sent before the onRequest hook above ran (by a hook installed before it) still carries one.
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    if (!reply.hasHeader(REQUEST_ID_HEADER)) void reply.header(REQUEST_ID_HEADER, requestIdOf(request));
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = routeOf(request);
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    metrics.observeRequest({ method: request.method, route, status }, ms / 1000);
    const principal = (request as FastifyRequest & { principal?: Principal }).principal;
    const fields = {
      requestId: requestIdOf(request),
      method: request.method,
      route,
      url: request.url,
      status,
      ms: Math.round(ms * 10) / 10,
      ...(principal ? { actor: actorOf(principal), ...(principal.kind === 'account' ? { account: principal.accountId } : {}) } : {}),
    };
    // A 5xx is worth a look (a 500 has its own error line with the stack); the rest is traffic.
    log[status >= 500 ? 'warn' : 'info'](fields, `${request.method} ${route} ${status}`);
  });
};
