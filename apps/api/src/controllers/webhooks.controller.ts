/**
 * Webhooks: an account registers receiver URLs for event types, lists and removes them, and reads
 * each one's deliveries. The URL is checked (http(s); no internal address unless
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true): a refused one is a 400 naming `url`.
 */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { WebhooksService } from '@app/application/webhooks/webhooks.service';
import { WebhookUrlRefused } from '@app/application/webhooks/url-policy';
import { CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { Idempotency, IdempotencyScope } from '../http/idempotency';
import { RequestValidationError } from '../http/problem';
import { AccountPath, EmptyBody } from '../http/request-schemas';
import { withEventPosition } from '../http/responses';
import { parseOrThrow } from '../http/validation';
import { DeliveriesQuery, RegisterWebhookBody, WebhookPath } from '../http/webhook-request-schemas';

@Controller('accounts/:accountId/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @HttpCode(201)
  async register(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Idempotency() idempotency: IdempotencyScope | undefined,
  ) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const input = parseOrThrow(RegisterWebhookBody, body);
    // With an Idempotency-Key, a retry whose answer was lost finds the same webhook, never a second one.
    const webhookId = input.webhookId ?? idempotency?.idFor('webhook') ?? randomUUID();
    try {
      const registered = await withEventPosition(reply, httpCommandContext(principal), (context) =>
        this.webhooks.register(accountId, { webhookId, url: input.url, events: input.events }, context),
      );
      void reply.header('Location', `/accounts/${accountId}/webhooks/${webhookId}`);
      return registered;
    } catch (error) {
      if (error instanceof WebhookUrlRefused) throw new RequestValidationError([{ field: 'url', message: error.message }]);
      throw error;
    }
  }

  @Get()
  async list(@Param() params: unknown) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    return { items: await this.webhooks.list(accountId) };
  }

  @Delete(':webhookId')
  @HttpCode(204)
  async remove(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, webhookId } = parseOrThrow(WebhookPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    await withEventPosition(reply, httpCommandContext(principal), (context) => this.webhooks.remove(accountId, webhookId, context));
  }

  @Get(':webhookId/deliveries')
  async deliveries(@Param() params: unknown, @Query() query: unknown) {
    const { accountId, webhookId } = parseOrThrow(WebhookPath, params, 'path');
    const page = parseOrThrow(DeliveriesQuery, query, 'query');
    return this.webhooks.deliveries(accountId, webhookId, page.after === undefined ? { limit: page.limit } : { limit: page.limit, after: page.after });
  }
}
