/** Stock adjustments in a bin (the read side answers GET …/inventory). */
import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AdjustStockCommand } from '@app/application/commands/commands';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { CurrentPrincipal, Principal } from '../http/auth';
import { httpCommandContext } from '../http/command-context';
import { Idempotency, IdempotencyScope } from '../http/idempotency';
import { AccountPath, AdjustmentBody } from '../http/request-schemas';
import { withEventPosition } from '../http/responses';
import { parseOrThrow } from '../http/validation';

@Controller('accounts/:accountId/inventory')
export class InventoryController {
  constructor(private readonly bus: CommandBus) {}

  @Post('adjustments')
  @HttpCode(201)
  async adjust(
    @Param() params: unknown,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Idempotency() idempotency: IdempotencyScope | undefined,
  ) {
    const { accountId } = parseOrThrow(AccountPath, params, 'path');
    const input = parseOrThrow(AdjustmentBody, body);
    const { stock } = await withEventPosition(reply, httpCommandContext(principal), (context) =>
      this.bus.execute(
        new AdjustStockCommand(
          accountId,
          {
            adjustmentId: input.adjustmentId ?? idempotency?.idFor('adj') ?? randomUUID(),
            sku: input.sku,
            quantity: input.quantity,
            locationId: input.locationId ?? MAIN_LOCATION_ID,
            binId: input.binId ?? DEFAULT_BIN_ID,
            ...(input.reason === undefined ? {} : { reason: input.reason }),
          },
          context,
        ),
      ),
    );
    return stock;
  }
}
