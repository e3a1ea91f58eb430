/**
 * Errors as RFC 9457 problem details (`application/problem+json`): type, title, status, detail, and
 * `errors` listing each invalid field. One filter maps every error of the api to one.
 */
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from '@app/domain/shared/decider';
import { StepNotFinishedError, TooManyConflictsError } from '@app/application/command-path/command-path';
import { NotCaughtUpError } from '@app/read-models/read-models.service';

export interface FieldError {
  readonly field: string;
  readonly message: string;
  readonly code?: string;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly errors: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** The request itself is malformed: bad JSON types, ids, quantities, unknown fields. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  constructor(readonly errors: readonly FieldError[]) {
    super(`Invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly status: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const DOMAIN_STATUS: Record<DomainError['kind'], number> = { not_found: 404, conflict: 409, rule_violated: 422 };

/** The path parameter a "not found" is about, when the domain did not name a field. */
const NOT_FOUND_FIELDS: Record<string, string> = {
  ACCOUNT_NOT_FOUND: 'path.accountId',
  ORDER_NOT_FOUND: 'path.orderId',
  PURCHASE_ORDER_NOT_FOUND: 'path.purchaseOrderId',
};

const kebab = (code: string) => code.toLowerCase().replace(/_/g, '-');

export const problem = (status: number, code: string, detail: string, errors: readonly FieldError[] = [], extra: Record<string, unknown> = {}): Problem => ({
  type: `/problems/${kebab(code)}`,
  title: TITLES[status] ?? 'Error',
  status,
  detail,
  code,
  errors,
  ...extra,
});

const isFastifyError = (error: unknown): error is Error & { code: string; statusCode: number } =>
  error instanceof Error && error.name === 'FastifyError' && typeof (error as { statusCode?: unknown }).statusCode === 'number';

/** An error of the HTTP layer (Fastify's, or Nest's for it) by its status. */
const httpProblem = (status: number, message: string): Problem => {
  switch (status) {
    case 400:
      return problem(400, 'INVALID_JSON', message, [{ field: 'body', message }]);
    case 413:
      return problem(413, 'BODY_TOO_LARGE', `${message} (at most 1 MiB)`, [{ field: 'body', message: 'is larger than 1 MiB' }]);
    case 415:
      return problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send JSON with "Content-Type: application/json"', [
        { field: 'content-type', message: 'must be application/json' },
      ]);
    case 404:
      return problem(404, 'NOT_FOUND', message);
    default:
      return problem(status, `HTTP_${status}`, message);
  }
};

export const toProblem = (error: unknown): Problem => {
  if (error instanceof RequestValidationError) {
    return problem(400, 'INVALID_REQUEST', error.message, error.errors);
  }
  if (error instanceof DomainError) {
    const status = DOMAIN_STATUS[error.kind];
    const field = error.field ?? (error.kind === 'not_found' ? NOT_FOUND_FIELDS[error.code] : undefined);
    const errors = field ? [{ field, message: error.message, code: error.code }] : [];
    return problem(status, error.code, error.message, errors, error.details ? { details: error.details } : {});
  }
  if (error instanceof AuthError) {
    return problem(error.status, error.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', error.message);
  }
  if (error instanceof NotCaughtUpError) {
    return problem(503, 'NOT_CAUGHT_UP', `${error.message}; retry shortly`);
  }
  if (error instanceof StepNotFinishedError) {
    // The command is recorded and its steps still happen: the same request again answers its outcome.
    return problem(503, 'STEP_NOT_FINISHED', `${error.message}; send the same request again to learn its outcome`);
  }
  if (error instanceof TooManyConflictsError) {
    return problem(503, 'TOO_MANY_CONFLICTS', `${error.message}; retry the request`);
  }
  if (isFastifyError(error)) {
    // The router's own refusals (fastify-edge.ts hands them here): the URL, not the body.
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      return problem(414, 'URI_TOO_LONG', 'A part of the path is longer than any id or stream name', [{ field: 'path', message: 'is too long' }]);
    }
    if (error.code === 'FST_ERR_BAD_URL') {
      return problem(400, 'INVALID_URL', error.message, [{ field: 'path', message: 'is not a valid URL component' }]);
    }
    return httpProblem(error.statusCode, error.message);
  }
  if (error instanceof HttpException) {
    // Fastify refuses bodies before a controller sees them; Nest hands those on as HttpExceptions.
    return httpProblem(error.getStatus(), error.message);
  }
  return problem(500, 'INTERNAL_ERROR', 'The request failed unexpectedly; nothing more is said here. See the server log.');
};

export const sendProblem = (reply: FastifyReply, value: Problem): void => {
  if (value.status === 503) reply.header('Retry-After', '1');
  void reply.status(value.status).type('application/problem+json').send(value);
};

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const value = toProblem(error);
    if (value.status >= 500 && value.code === 'INTERNAL_ERROR') {
      // With its stack, and the request id its request line and response carry.
      const requestId = reply.getHeader('x-request-id');
      this.logger.error({ msg: error instanceof Error ? error.message : String(error), requestId, err: error });
    }
    sendProblem(reply, value);
  }
}
