/**
 * Audit endpoints: a stream's events (in today's shape), the trail of a backorder flow across
 * accounts (from the trail index), and the admin's raw replay of any stream.
 */
import { Controller, Get, Param, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AuditService } from '@app/application/services/audit.service';
import { Flows } from '@app/application/services/flows';
import { DomainError } from '@app/domain/shared/decider';
import { orderStream, parseStreamName, purchaseOrderStream } from '@app/domain/shared/streams';
import { ReadModelQueries } from '@app/read-models/queries';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { AdminOnly, CurrentPrincipal, Principal } from '../http/auth';
import { awaitConsistency } from '../http/consistency';
import { OrderPath, PurchaseOrderPath } from '../http/request-schemas';
import { parseOrThrow } from '../http/validation';

const EmptyQuery = z.object({}).strict();
const StreamPath = z.object({ stream: z.string().min(1).max(300) }).strict();
const ReplayQuery = z.object({ from: z.coerce.number().int().min(0).optional() }).strict();

const notFound = (code: string, field: string, message: string): never => {
  throw new DomainError('not_found', code, message, field);
};

@Controller()
export class EventsController {
  constructor(
    private readonly audit: AuditService,
    private readonly flows: Flows,
    private readonly queries: ReadModelQueries,
    private readonly readModels: ReadModelsService,
  ) {}

  @Get('accounts/:accountId/orders/:orderId/events')
  async orderEvents(@Param() params: unknown, @Query() query: unknown) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    const events = await this.audit.stream(orderStream(accountId, orderId));
    if (events.length === 0) notFound('ORDER_NOT_FOUND', 'path.orderId', `Order ${orderId} does not exist`);
    return events.map(({ streamName: _streamName, ...event }) => event);
  }

  @Get('accounts/:accountId/purchase-orders/:purchaseOrderId/events')
  async purchaseOrderEvents(@Param() params: unknown, @Query() query: unknown) {
    const { accountId, purchaseOrderId } = parseOrThrow(PurchaseOrderPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    const events = await this.audit.stream(purchaseOrderStream(accountId, purchaseOrderId));
    if (events.length === 0) notFound('PURCHASE_ORDER_NOT_FOUND', 'path.purchaseOrderId', `Purchase order ${purchaseOrderId} does not exist`);
    return events.map(({ streamName: _streamName, ...event }) => event);
  }

  /**
   * Every event of the order's backorder flow, in global order. The account the flow started in
   * (and the admin) sees all of it, across accounts; an account whose order is part of another's
   * flow (a vendor's order for a PO) sees its own streams and the PO it fulfils.
   */
  @Get('accounts/:accountId/orders/:orderId/trail')
  async trail(@Param() params: unknown, @Query() query: unknown, @Req() request: FastifyRequest, @CurrentPrincipal() principal: Principal) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    parseOrThrow(EmptyQuery, query, 'query');
    await awaitConsistency(request, this.readModels);
    const stream = orderStream(accountId, orderId);
    const [placed] = await this.audit.stream(stream, { raw: true });
    if (!placed) return notFound('ORDER_NOT_FOUND', 'path.orderId', `Order ${orderId} does not exist`);
    const correlationId = await this.flows.of(stream);
    const refs = await this.queries.trail(correlationId);

    const origin = parseStreamName(correlationId);
    const seesWholeFlow = principal.kind === 'admin' || origin?.accountId === accountId;
    const source = (placed.data as { source?: { purchaseOrderId: string; sellerAccountId: string } }).source;
    const sourcePo = source ? purchaseOrderStream(source.sellerAccountId, source.purchaseOrderId) : undefined;
    const visible = seesWholeFlow
      ? refs
      : refs.filter((ref) => parseStreamName(ref.streamName)?.accountId === accountId || ref.streamName === sourcePo);
    return { correlationId, events: await this.audit.events(visible) };
  }

  @Get('admin/streams/:stream/events')
  @AdminOnly()
  async replay(@Param() params: unknown, @Query() query: unknown) {
    const { stream } = parseOrThrow(StreamPath, params, 'path');
    const { from } = parseOrThrow(ReplayQuery, query, 'query');
    return this.audit.stream(stream, { raw: true, ...(from === undefined ? {} : { fromRevision: BigInt(from) }) });
  }
}
