/**
 * Bearer-token auth (SPEC.md): the admin token may do everything; an account's API key may act
 * only under `/accounts/{itsOwnId}/…`. Missing or unknown token: 401; another account's path: 403.
 */
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AppConfig } from '@app/config';
import { APP_CONFIG } from '@app/event-store/nest/tokens';
import { AccountsService } from '@app/application/services/accounts.service';
import { AuthError } from './problem';

export type Principal = { readonly kind: 'admin' } | { readonly kind: 'account'; readonly accountId: string };

const ACCESS = Symbol('ACCESS');
type Access = 'public' | 'admin';

/** No token needed (health, docs). */
export const Public = () => SetMetadata(ACCESS, 'public' satisfies Access);
/** The admin token only. */
export const AdminOnly = () => SetMetadata(ACCESS, 'admin' satisfies Access);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The caller, as the guard recognised it. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new AuthError(401, 'Not authenticated');
  return principal;
});

export const actorOf = (principal: Principal): string =>
  principal.kind === 'admin' ? 'admin' : `account:${principal.accountId}`;

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly adminDigest: Buffer;

  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.adminDigest = digest(config.ADMIN_TOKEN);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new AuthError(401, 'Send "Authorization: Bearer <token>" with the admin token or an account API key');
    const token = match[1]!;

    if (timingSafeEqual(digest(token), this.adminDigest)) {
      request.principal = { kind: 'admin' };
      return true;
    }
    const accountId = await this.accounts.authenticate(token);
    if (!accountId) throw new AuthError(401, 'Unknown token');
    request.principal = { kind: 'account', accountId };
    if (access === 'admin') throw new AuthError(403, 'Only the admin token may do this');
    const pathAccount = (request.params as Record<string, string | undefined>)['accountId'];
    if (pathAccount === undefined || pathAccount !== accountId) {
      throw new AuthError(403, `This key acts only under /accounts/${accountId}/`);
    }
    return true;
  }
}
