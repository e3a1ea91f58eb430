/** The GET endpoints: answered from the read models, read-your-writes with X-Consistent-With. */
import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@app/domain/shared/decider';
import { ReadModelQueries } from '@app/read-models/queries';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { awaitConsistency } from '../http/consistency';
import { AccountPath, BackordersQuery, InventoryQuery, OrderPath, OrdersQuery, PurchaseOrderPath, PurchaseOrdersQuery, SkuPath } from '../http/request-schemas';
import { parseOrThrow } from '../http/validation';
import { z } from 'zod';

const EmptyQuery = z.object({}).strict();

@Controller('accounts/:accountId')
export class QueriesController {
  constructor(
    private readonly queries: ReadModelQueries,
    private readonly readModels: ReadModelsService,
  ) {}

  @Get()
  async account(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    return (await this.queries.account(accountId)) ?? notFound('ACCOUNT_NOT_FOUND', `Account ${accountId} does not exist`);
  }

  @Get('inventory')
  async inventory(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const { sku } = parseOrThrow(InventoryQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    await this.requireAccount(accountId);
    return this.queries.inventory(accountId, sku);
  }

  @Get('orders')
  async orders(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const { status, search, limit, after } = parseOrThrow(OrdersQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    await this.requireAccount(accountId);
    return this.queries.orders(accountId, { limit, ...(status ? { status } : {}), ...(search ? { search } : {}), ...(after ? { after } : {}) });
  }

  @Get('orders/:orderId')
  async order(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    return (await this.queries.order(accountId, orderId)) ?? notFound('ORDER_NOT_FOUND', `Order ${orderId} does not exist`);
  }

  @Get('purchase-orders')
  async purchaseOrders(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const { status, vendorAccountId, sourceOrderId, limit, after } = parseOrThrow(PurchaseOrdersQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    await this.requireAccount(accountId);
    return this.queries.purchaseOrders(accountId, {
      limit,
      ...(status ? { status } : {}),
      ...(vendorAccountId ? { vendorAccountId } : {}),
      ...(sourceOrderId ? { sourceOrderId } : {}),
      ...(after ? { after } : {}),
    });
  }

  @Get('purchase-orders/:purchaseOrderId')
  async purchaseOrder(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId, purchaseOrderId } = parseOrThrow(PurchaseOrderPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    return (
      (await this.queries.purchaseOrder(accountId, purchaseOrderId)) ??
      notFound('PURCHASE_ORDER_NOT_FOUND', `Purchase order ${purchaseOrderId} does not exist`)
    );
  }

  @Get('reports/backorders')
  async backorders(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const { limit, after, sku, reason } = parseOrThrow(BackordersQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    await this.requireAccount(accountId);
    return this.queries.backorders(accountId, {
      limit,
      ...(after ? { after } : {}),
      ...(sku ? { sku } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  /** The SKU's allocation queue: the waiting orders in rank order (rank 1 first). */
  @Get('skus/:sku/allocation')
  async allocation(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest) {
    const { accountId, sku } = parseOrThrow(SkuPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    await this.requireAccount(accountId);
    return { sku, items: await this.queries.allocationQueue(accountId, sku) };
  }

  private async requireAccount(accountId: string): Promise<void> {
    if (!(await this.queries.account(accountId))) notFound('ACCOUNT_NOT_FOUND', `Account ${accountId} does not exist`);
  }
}

const notFound = (code: string, message: string): never => {
  throw new DomainError('not_found', code, message);
};
