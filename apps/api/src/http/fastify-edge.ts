/**
 * The api's Fastify edge, beneath Nest: the caller is authenticated before its body is read; an
 * empty JSON body is no body; and whatever Fastify itself refuses (a path part too long, a bad
 * URL, malformed HTTP) is answered as problem+json like everything else. Bodies Fastify refuses
 * while parsing (413, 415, bad JSON) reach the ProblemFilter through Nest's error handler.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { AccountsService } from '@app/application/services/accounts.service';
import { Authenticator } from './auth';
import { problem, sendProblem, toProblem } from './problem';
import { REQUEST_ID_HEADER, requestIdOf } from './request-log';

/**
 * The longest path parameter served (Fastify's default is 100): a stream name for
 * `/admin/streams/{stream}/events` is up to 198 characters (`bin-` and three 64-character ids),
 * and may come percent-encoded. Longer: 414.
 */
export const MAX_PARAM_LENGTH = 1024;

/** What Fastify writes itself when a request cannot even be read as HTTP (before any route). */
const clientErrorHandler = (error: Error & { code?: string }, socket: Socket): void => {
  // A connection reset: nobody is there to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'The request line and headers are too large']
        : [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP'];
  const body = JSON.stringify(problem(status, code, detail));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
};

/** Options for the FastifyAdapter. */
export const FASTIFY_EDGE_OPTIONS = {
  routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  // The router's refusals (FST_ERR_MAX_PARAM_LENGTH, FST_ERR_BAD_URL) come here, not to the error handler.
  // Refused by the router, before any hook: the request id is set here, as the hooks set it for the rest.
  frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    void reply.header(REQUEST_ID_HEADER, requestIdOf(request));
    sendProblem(reply, toProblem(error));
  },
  clientErrorHandler,
} satisfies FastifyServerOptions;

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that an empty one is
 * no body: clients that send `Content-Type: application/json` on every request may then POST
 * without one. Whether a route needs a body is for the route to say (400 naming `body`).
 */
const acceptEmptyJson = (fastify: FastifyInstance): void => {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) return done(null, undefined);
    parse(request, body as string, done);
  });
};

/** Wires the edge into the app (before `init`): the JSON parser and the authentication hook. */
export const installFastifyEdge = (app: NestFastifyApplication, adminToken: string): void => {
  const fastify = app.getHttpAdapter().getInstance();
  acceptEmptyJson(fastify);
  const authenticator = new Authenticator(adminToken, app.get(AccountsService));
  // onRequest runs before the body is read: 401/403 whatever the body.
  fastify.addHook('onRequest', (request) => authenticator.check(request));
};
