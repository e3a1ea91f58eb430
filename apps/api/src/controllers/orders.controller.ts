/** Orders: placing, approving, assigning, handing over and cancelling. */
import { Body, Controller, HttpCode, Param, Patch, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import {
  ApproveOrderCommand,
  AssignOrderCommand,
  CancelOrderCommand,
  CloseOrderShortCommand,
  HandOverOrderCommand,
  PlaceOrderCommand,
  PromiseDeliveryCommand,
} from '@app/application/commands/commands';
import { ChangeOrderLineCommand } from '@app/application/commands/commands';
import { Flows } from '@app/application/services/flows';
import { OrderAnswer } from '@app/application/services/orders.service';
import { orderStream } from '@app/domain/shared/streams';
import { CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { Idempotency, IdempotencyScope } from '../http/idempotency';
import { AccountPath, CloseBody, EmptyBody, HandoverBody, OrderPath, PlaceOrderBody } from '../http/request-schemas';
import { ChangeLineBody, OrderLinePath, PromiseBody } from '../http/request-schemas';
import { withEventPosition } from '../http/responses';
import { parseOrThrow } from '../http/validation';

const orderView = ({ position: _position, ...answer }: OrderAnswer) => answer;

@Controller('accounts/:accountId/orders')
export class OrdersController {
  constructor(
    private readonly bus: CommandBus,
    private readonly flows: Flows,
  ) {}

  @Post()
  @HttpCode(201)
  async place(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Idempotency() idempotency: IdempotencyScope | undefined,
  ) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const input = parseOrThrow(PlaceOrderBody, body);
    const orderId = input.orderId ?? idempotency?.idFor('order') ?? randomUUID();
    // A client's order starts its own flow, named by its stream.
    const context = httpCommandContext(principal, orderStream(accountId, orderId));
    const answer = await withEventPosition(reply, context, () =>
      this.bus.execute(
        new PlaceOrderCommand(
          accountId,
          {
            orderId,
            lines: input.lines,
            ...(input.customer === undefined ? {} : { customer: input.customer }),
            ...(input.priority === undefined ? {} : { priority: input.priority }),
            ...(input.requiredBy === undefined ? {} : { requiredBy: input.requiredBy }),
          },
          context,
        ),
      ),
    );
    void reply.header('Location', `/accounts/${accountId}/orders/${orderId}`);
    return orderView(answer);
  }

  @Post(':orderId/approve')
  @HttpCode(200)
  async approve(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    const context = await this.context(principal, accountId, orderId);
    return orderView(await withEventPosition(reply, context, () => this.bus.execute(new ApproveOrderCommand(accountId, orderId, context))));
  }

  @Post(':orderId/assign')
  @HttpCode(200)
  async assign(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    const context = await this.context(principal, accountId, orderId);
    return orderView(await withEventPosition(reply, context, () => this.bus.execute(new AssignOrderCommand(accountId, orderId, context))));
  }

  @Post(':orderId/handover')
  @HttpCode(200)
  async handover(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Idempotency() idempotency: IdempotencyScope | undefined,
  ) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    const input = parseOrThrow(HandoverBody, body ?? {});
    const context = await this.context(principal, accountId, orderId);
    const handoverId = input.handoverId ?? idempotency?.idFor('handover') ?? randomUUID();
    const result = await withEventPosition(reply, context, () =>
      this.bus.execute(
        new HandOverOrderCommand(accountId, orderId, { handoverId, ...(input.lines ? { lines: input.lines } : {}) }, context),
      ),
    );
    return { handoverId: result.handoverId, lines: result.lines };
  }

  @Patch(':orderId/lines/:sku')
  @HttpCode(200)
  async changeLine(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, orderId, sku } = parseOrThrow(OrderLinePath, params, 'path');
    const { quantity } = parseOrThrow(ChangeLineBody, body);
    const context = await this.context(principal, accountId, orderId);
    return orderView(await withEventPosition(reply, context, () => this.bus.execute(new ChangeOrderLineCommand(accountId, orderId, sku, quantity, context))));
  }

  @Post(':orderId/cancel')
  @HttpCode(200)
  async cancel(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    const context = await this.context(principal, accountId, orderId);
    return orderView(await withEventPosition(reply, context, () => this.bus.execute(new CancelOrderCommand(accountId, orderId, context))));
  }

  /** What has not been handed over will not be (typically a vendor's order: its seller sources it again). */
  @Post(':orderId/close-short')
  @HttpCode(200)
  async closeShort(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    const input = parseOrThrow(CloseBody, body ?? {});
    const context = await this.context(principal, accountId, orderId);
    const reason = input.reason ?? `Closed short by ${principal.kind === 'admin' ? 'the operator' : accountId}`;
    return orderView(await withEventPosition(reply, context, () => this.bus.execute(new CloseOrderShortCommand(accountId, orderId, reason, context))));
  }

  /** A vendor promises when it delivers a vendor order: the PO it fulfils is expected then. */
  @Post(':orderId/promise')
  @HttpCode(200)
  async promise(@Param() params: unknown, @Body() body: unknown, @CurrentPrincipal() principal: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const { accountId, orderId } = parseOrThrow(OrderPath, params, 'path');
    const { promisedAt } = parseOrThrow(PromiseBody, body);
    const context = await this.context(principal, accountId, orderId);
    return withEventPosition(reply, context, () => this.bus.execute(new PromiseDeliveryCommand(accountId, orderId, promisedAt, context)));
  }

  /** Commands on an order carry on the flow the order belongs to (across accounts for vendor orders). */
  private async context(principal: Principal, accountId: string, orderId: string) {
    return httpCommandContext(principal, await this.flows.of(orderStream(accountId, orderId)));
  }
}
