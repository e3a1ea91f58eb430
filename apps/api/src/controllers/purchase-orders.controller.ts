/** Purchase orders: manual GRNs and closing the open remainder (the read side answers GETs). */
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ClosePurchaseOrderCommand, ReceiveGoodsCommand } from '@app/application/commands/commands';
import { purchaseOrderView } from '@app/read-models/projections/views';
import { Flows } from '@app/application/services/flows';
import { purchaseOrderStream } from '@app/domain/shared/streams';
import { CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { Idempotency, IdempotencyScope } from '../http/idempotency';
import { CloseBody, GrnBody, PurchaseOrderPath } from '../http/request-schemas';
import { withEventPosition } from '../http/responses';
import { parseOrThrow } from '../http/validation';

@Controller('accounts/:accountId/purchase-orders')
export class PurchaseOrdersController {
  constructor(
    private readonly bus: CommandBus,
    private readonly flows: Flows,
  ) {}

  @Post(':purchaseOrderId/grns')
  @HttpCode(201)
  async receive(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Idempotency() idempotency: IdempotencyScope | undefined,
  ) {
    const { accountId, purchaseOrderId } = parseOrThrow(PurchaseOrderPath, params, 'path');
    const input = parseOrThrow(GrnBody, body);
    const context = httpCommandContext(principal, await this.flows.of(purchaseOrderStream(accountId, purchaseOrderId)));
    const { grn } = await withEventPosition(reply, context, () =>
      this.bus.execute(new ReceiveGoodsCommand(accountId, purchaseOrderId, { grnId: input.grnId ?? idempotency?.idFor('grn') ?? randomUUID(), lines: input.lines }, context)),
    );
    return grn;
  }

  /** The seller closes the PO's open remainder: its vendor order is closed short, the source order sourced again. */
  @Post(':purchaseOrderId/close')
  @HttpCode(200)
  async close(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, purchaseOrderId } = parseOrThrow(PurchaseOrderPath, params, 'path');
    const input = parseOrThrow(CloseBody, body ?? {});
    const context = httpCommandContext(principal, await this.flows.of(purchaseOrderStream(accountId, purchaseOrderId)));
    const reason = input.reason ?? `Closed by ${principal.kind === 'admin' ? 'the operator' : accountId}`;
    const closed = await withEventPosition(reply, context, () => this.bus.execute(new ClosePurchaseOrderCommand(accountId, purchaseOrderId, reason, context)));
    return purchaseOrderView(closed.state);
  }
}
