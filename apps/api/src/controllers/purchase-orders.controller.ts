/** Purchase orders: manual GRNs (the read side answers GETs). */
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ReceiveGoodsCommand } from '@app/application/commands/commands';
import { Flows } from '@app/application/services/flows';
import { purchaseOrderStream } from '@app/domain/shared/streams';
import { CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { Idempotency, IdempotencyScope } from '../http/idempotency';
import { GrnBody, PurchaseOrderPath } from '../http/request-schemas';
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
}
