/** Accounts: opening (admin), settings, bins and SKU → vendor mappings (a ranked list per SKU). */
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import {
  AddBinCommand,
  ChangeSettingsCommand,
  MapVendorCommand,
  OpenAccountCommand,
  RankVendorsCommand,
  UnmapVendorCommand,
} from '@app/application/commands/commands';
import { accountView, skuVendorsView } from '@app/read-models/projections/views';
import { ReadModelQueries } from '@app/read-models/queries';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { DomainError } from '@app/domain/shared/decider';
import { awaitConsistency } from '../http/consistency';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { AdminOnly, CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { AccountPath, AddBinBody, EmptyBody, MapVendorBody, OpenAccountBody, RankVendorsBody, SettingsBody, SkuPath } from '../http/request-schemas';
import { withEventPosition } from '../http/responses';
import { Idempotency, IdempotencyScope } from '../http/idempotency';
import { parseOrThrow } from '../http/validation';

@Controller('accounts')
export class AccountsController {
  constructor(
    private readonly bus: CommandBus,
    private readonly queries: ReadModelQueries,
    private readonly readModels: ReadModelsService,
  ) {}

  @Post()
  @AdminOnly()
  @HttpCode(201)
  async open(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Idempotency() idempotency: IdempotencyScope | undefined,
  ) {
    const input = parseOrThrow(OpenAccountBody, body);
    // With an Idempotency-Key, a retry whose answer was lost finds the account opened (409), never a second one.
    const accountId = input.accountId ?? idempotency?.idFor('account') ?? randomUUID();
    const opened = await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(
        new OpenAccountCommand(
          { accountId, name: input.name, accountType: input.type, settings: input.settings ?? {} },
          context,
        ),
      ),
    );
    void reply.header('Location', `/accounts/${accountId}`);
    return { ...accountView(opened.state), apiKey: opened.apiKey };
  }

  @Patch(':accountId/settings')
  async changeSettings(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const changes = parseOrThrow(SettingsBody, body ?? {});
    const result = await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(new ChangeSettingsCommand(accountId, changes, context)),
    );
    return { ...result.state.settings };
  }

  @Post(':accountId/bins')
  @HttpCode(201)
  async addBin(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const input = parseOrThrow(AddBinBody, body);
    const locationId = input.locationId ?? MAIN_LOCATION_ID;
    await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(new AddBinCommand(accountId, locationId, input.binId, context)),
    );
    return { accountId, locationId, binId: input.binId };
  }

  @Put(':accountId/products/:sku/vendor')
  async mapVendor(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { accountId, sku } = parseOrThrow(SkuPath, params, 'path');
    const { vendorAccountId } = parseOrThrow(MapVendorBody, body);
    await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(new MapVendorCommand(accountId, sku, vendorAccountId, context)),
    );
    return { sku, vendorAccountId };
  }

  /** Replaces the SKU's ranked vendor list (`PUT …/vendor` is the shorthand for a list of one). */
  @Put(':accountId/products/:sku/vendors')
  async rankVendors(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { accountId, sku } = parseOrThrow(SkuPath, params, 'path');
    const { vendors } = parseOrThrow(RankVendorsBody, body);
    const ranked = await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(new RankVendorsCommand(accountId, sku, vendors, context)),
    );
    return skuVendorsView(accountView(ranked.state), sku);
  }

  @Get(':accountId/products/:sku/vendors')
  async skuVendors(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId, sku } = parseOrThrow(SkuPath, params, 'path');
    parseOrThrow(z.object({}).strict(), query, 'query');
    await awaitConsistency(request, this.readModels);
    const account = await this.queries.account(accountId);
    if (!account) throw new DomainError('not_found', 'ACCOUNT_NOT_FOUND', `Account ${accountId} does not exist`);
    return skuVendorsView(account, sku);
  }

  @Delete(':accountId/products/:sku/vendor')
  @HttpCode(204)
  async unmapVendor(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { accountId, sku } = parseOrThrow(SkuPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    await withEventPosition(reply, httpCommandContext(principal), (context) => this.bus.execute(new UnmapVendorCommand(accountId, sku, context)));
  }
}
