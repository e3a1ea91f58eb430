/**
 * `Idempotency-Key` on every POST (SPEC.md "Operations"), as one interceptor: within 24 h the same
 * key and request answer the first answer again (status, body, `X-Event-Position`, `Location`) and
 * write nothing; the same key with another request (method, path or body) is 409. Answers are kept
 * in the log by the IdempotencyService, so they outlive the process. Only successful answers are
 * kept: a refused request changed nothing, and the same request may succeed later.
 *
 * Controllers that take a body id (`orderId`, `adjustmentId`, `handoverId`, `grnId`) derive the id
 * of a request that gives none from the key (`@Idempotency()` → `idFor`), so a retry whose first
 * answer was lost (a crash between the write and the record) is still recognised by the domain.
 */
import { CallHandler, createParamDecorator, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { from, lastValueFrom, map, Observable } from 'rxjs';
import { AppConfig } from '@app/config';
import { IdempotencyService } from '@app/application/services/idempotency.service';
import { DomainError } from '@app/domain/shared/decider';
import { bodyIdFor, requestFingerprint } from '@app/domain/idempotency/idempotency.decider';
import { IdempotencyKey, RecordedAnswer } from '@app/domain/idempotency/idempotency.events';
import { APP_CONFIG } from '@app/event-store/nest/tokens';
import { actorOf, Principal } from './auth';
import { RequestValidationError } from './problem';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer sent again from the record. */
export const REPLAYED_HEADER = 'idempotent-replayed';
/** The headers that belong to an answer and are sent again with it. */
const ANSWER_HEADERS = ['x-event-position', 'location'] as const;
/**
 * Fields of an answer that hold a secret shown once (an account's `apiKey`, a webhook's `secret`):
 * the log never holds them in clear. They are sealed with a key derived from ADMIN_TOKEN, so a
 * replay can show them again; after ADMIN_TOKEN changes such an answer cannot be sent again.
 */
const SECRET_FIELDS = ['apiKey', 'secret'] as const;

/** One use of the request's key, for deriving the ids the request does not give. */
export class IdempotencyScope {
  constructor(
    private readonly stream: string,
    private readonly use: number,
  ) {}

  /** The id of `what` (`order`, `adj`, `handover`, `grn`) for this use of the key: a retry gets the same one. */
  idFor(what: string): string {
    return bodyIdFor(this.stream, this.use, what);
  }
}

type KeyedRequest = FastifyRequest & { principal?: Principal; idempotency?: IdempotencyScope };

/** The scope of the request's `Idempotency-Key`, or undefined when it sent none. */
export const Idempotency = createParamDecorator(
  (_: unknown, context: ExecutionContext): IdempotencyScope | undefined => context.switchToHttp().getRequest<KeyedRequest>().idempotency,
);

/** The key the request sends, parsed; undefined when it sends none. */
const keyOf = (request: FastifyRequest): string | undefined => {
  const header = request.headers[IDEMPOTENCY_HEADER];
  if (header === undefined) return undefined;
  const parsed = IdempotencyKey.safeParse(Array.isArray(header) ? header.join(', ') : header);
  if (!parsed.success) {
    throw new RequestValidationError([{ field: 'Idempotency-Key', message: parsed.error.issues[0]?.message ?? 'is invalid' }]);
  }
  return parsed.data;
};

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly sealingKey: Buffer;

  constructor(
    private readonly idempotency: IdempotencyService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.sealingKey = Buffer.from(hkdfSync('sha256', config.ADMIN_TOKEN, 'idempotency-answers', 'seal secrets of recorded answers', 32));
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<KeyedRequest>();
    if (request.method !== 'POST') return next.handle();
    const key = keyOf(request);
    if (key === undefined) return next.handle();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const status: number = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    const fingerprint = requestFingerprint({ method: request.method, route: request.routeOptions.url ?? request.url, params: request.params, body: request.body });
    const caller = request.principal ? actorOf(request.principal) : 'anonymous';

    const run = this.idempotency.run({ caller, key, fingerprint }, async (scope) => {
      request.idempotency = new IdempotencyScope(scope.stream, scope.use);
      const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      return this.answerOf(status, body, reply);
    });
    return from(run).pipe(
      map(({ answer, replayed }) => {
        for (const name of ANSWER_HEADERS) {
          const value = answer.headers[name];
          if (value === undefined) void reply.removeHeader(name);
          else void reply.header(name, value);
        }
        if (replayed) void reply.header(REPLAYED_HEADER, 'true');
        void reply.status(answer.status);
        return this.unseal(answer.body);
      }),
    );
  }

  private answerOf(status: number, body: unknown, reply: FastifyReply): RecordedAnswer {
    const headers: Record<string, string> = {};
    for (const name of ANSWER_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    // As it goes on the wire: what the log keeps is what a replay sends.
    const json: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
    return { status, headers, body: this.seal(json) };
  }

  private seal(body: unknown): unknown {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
    const sealed: Record<string, unknown> = { ...body };
    for (const field of SECRET_FIELDS) {
      const value = sealed[field];
      if (typeof value !== 'string') continue;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.sealingKey, iv);
      const text = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
      sealed[field] = { sealed: [iv, cipher.getAuthTag(), text].map((part) => part.toString('base64url')).join('.') };
    }
    return sealed;
  }

  private unseal(body: unknown): unknown {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
    const open: Record<string, unknown> = { ...body };
    for (const field of SECRET_FIELDS) {
      const value = open[field] as { sealed?: unknown } | undefined;
      if (typeof value?.sealed !== 'string') continue;
      try {
        const [iv, tag, text] = value.sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
        const decipher = createDecipheriv('aes-256-gcm', this.sealingKey, iv!);
        decipher.setAuthTag(tag!);
        open[field] = Buffer.concat([decipher.update(text!), decipher.final()]).toString('utf8');
      } catch {
        throw new DomainError(
          'conflict',
          'IDEMPOTENT_ANSWER_UNREADABLE',
          `The first answer to this Idempotency-Key held a secret (${field}) that can no longer be read: ADMIN_TOKEN changed since`,
          'Idempotency-Key',
        );
      }
    }
    return open;
  }
}
