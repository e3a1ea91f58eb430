/**
 * The operator's view of accounts (admin token): every account, a page at a time, and a new API
 * key for an account that lost its own (the old key stops working at once).
 */
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RotateApiKeyCommand } from '@app/application/commands/commands';
import { ReadModelQueries } from '@app/read-models/queries';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { AdminOnly, CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { awaitConsistency } from '../http/consistency';
import { AccountPath, AccountsQuery, EmptyBody } from '../http/request-schemas';
import { withEventPosition } from '../http/responses';
import { parseOrThrow } from '../http/validation';

@Controller('admin/accounts')
@AdminOnly()
export class AdminAccountsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly queries: ReadModelQueries,
    private readonly readModels: ReadModelsService,
  ) {}

  /** `{items: [{accountId, name, type, openedAt}], next}`, by account id. */
  @Get()
  async list(@Query() query: unknown, @Req() request: FastifyRequest) {
    const { limit, after } = parseOrThrow(AccountsQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    return this.queries.accounts({ limit, ...(after === undefined ? {} : { after }) });
  }

  /** Answers the new key, once; only its hash is recorded. */
  @Post(':accountId/api-key')
  @HttpCode(200)
  async rotateApiKey(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    const { apiKey } = await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(new RotateApiKeyCommand(accountId, context)),
    );
    return { accountId, apiKey };
  }
}
