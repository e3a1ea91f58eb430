/**
 * Bearer-token auth (SPEC.md): the admin token may do everything; an account's API key may act
 * only under `/accounts/{itsOwnId}/…`. Missing or unknown token: 401; another account's path or an
 * admin route: 403.
 *
 * Checked in a Fastify `onRequest` hook (fastify-edge.ts), before the body is read or parsed, so a
 * caller who may not send the request hears 401/403 whatever its body. Each route's access is in
 * its Fastify route config (`config.access`), put there by `@Public()` / `@AdminOnly()`; the Nest
 * guard only makes sure the hook let the request through.
 */
import { CanActivate, ExecutionContext, Injectable, createParamDecorator } from '@nestjs/common';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AccountsService } from '@app/application/services/accounts.service';
import { AuthError } from './problem';

export type Principal = { readonly kind: 'admin' } | { readonly kind: 'account'; readonly accountId: string };

/** `account` (undecorated routes): the admin token, or the key of the account the path names. */
export type Access = 'public' | 'admin' | 'account';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, as the onRequest hook recognised it (unset on public routes). */
    principal?: Principal;
  }
}

/**
 * Sets the route config's `access` of a handler, or of every handler of a class that has none of
 * its own (class decorators run after those of the methods, so a method's own access wins).
 */
const withAccess =
  (access: Access) =>
  (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const handlers: unknown[] = descriptor
      ? [descriptor.value]
      : Object.getOwnPropertyNames((target as { prototype: object }).prototype)
          .filter((name) => name !== 'constructor')
          .map((name) => Object.getOwnPropertyDescriptor((target as { prototype: object }).prototype, name)?.value);
    for (const handler of handlers) {
      if (typeof handler !== 'function') continue;
      const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<string, unknown>;
      if (!descriptor && config['access'] !== undefined) continue;
      Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, access }, handler);
    }
  };

/** No token needed (health, docs, metrics). */
export const Public = () => withAccess('public');
/** The admin token only. */
export const AdminOnly = () => withAccess('admin');

/** The access of the route a request matched; undefined when it matched none (a 404). */
export const accessOf = (request: FastifyRequest): Access | undefined => {
  if (request.is404) return undefined;
  const access = (request.routeOptions.config as { access?: Access }).access;
  return access ?? 'account';
};

/** The caller, as the onRequest hook recognised it. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<FastifyRequest>().principal;
  if (!principal) throw new AuthError(401, 'Not authenticated');
  return principal;
});

export const actorOf = (principal: Principal): string =>
  principal.kind === 'admin' ? 'admin' : `account:${principal.accountId}`;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The one place the rule is written: who a token is, and whether it may reach a route. */
export class Authenticator {
  private readonly adminDigest: Buffer;

  constructor(
    adminToken: string,
    private readonly accounts: AccountsService,
  ) {
    this.adminDigest = digest(adminToken);
  }

  /**
   * The caller of a request to a route of this access (not public), whose path names
   * `pathAccountId` (if any); AuthError 401 or 403 when it may not.
   */
  async authorize(access: Exclude<Access, 'public'>, authorization: string | undefined, pathAccountId: string | undefined): Promise<Principal> {
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (!match) throw new AuthError(401, 'Send "Authorization: Bearer <token>" with the admin token or an account API key');
    const token = match[1]!;
    if (timingSafeEqual(digest(token), this.adminDigest)) return { kind: 'admin' };

    const accountId = await this.accounts.authenticate(token);
    if (!accountId) throw new AuthError(401, 'Unknown token');
    if (access === 'admin') throw new AuthError(403, 'Only the admin token may do this');
    if (pathAccountId === undefined || pathAccountId !== accountId) {
      throw new AuthError(403, `This key acts only under /accounts/${accountId}/`);
    }
    return { kind: 'account', accountId };
  }

  /** The onRequest hook: sets `request.principal`, or throws AuthError. Public and unknown routes pass. */
  async check(request: FastifyRequest): Promise<void> {
    const access = accessOf(request);
    if (access === undefined || access === 'public') return;
    const pathAccountId = (request.params as Record<string, string | undefined> | undefined)?.['accountId'];
    request.principal = await this.authorize(access, request.headers.authorization, pathAccountId);
  }
}

/**
 * Fails closed: a route handler runs only for a caller the onRequest hook recognised (or on a
 * public route), even if the hook was not installed.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (accessOf(request) === 'public' || request.principal) return true;
    throw new AuthError(401, 'Not authenticated');
  }
}
