/**
 * Orders as clients command them. Each command appends to the one order it addresses; whatever
 * it sets off across streams (the bins assigning, a handover leaving the bins, a cancellation
 * releasing stock) is the fulfilment process manager's, its one owner. Where the answer needs that
 * step's outcome (the assigned quantities after placing, approving or assigning), the command
 * waits for the process manager to close the round it opened.
 */
import { createHash } from 'node:crypto';
import { settingsOf } from '@app/domain/account/account.decider';
import { OrderAggregate } from '@app/domain/aggregates';
import { DomainError } from '@app/domain/shared/decider';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID, OrderLine } from '@app/domain/shared/ids';
import { orderStream } from '@app/domain/shared/streams';
import { isRefused, orderLines, orderStatus, OrderState } from '@app/domain/order/order.decider';
import { OrderSource } from '@app/domain/order/order.events';
import { refuseIfShortAndNotAllowed, StockWarning, stockWarnings } from '@app/domain/order/backorder-policy';
import { crashPoint } from '@app/event-store';
import { CommandContext } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';
import { InventoryService } from './inventory.service';

export interface PlaceOrderInput {
  readonly orderId: string;
  readonly customer?: string;
  readonly priority?: number;
  readonly requiredBy?: string;
  readonly lines: readonly OrderLine[];
  readonly source?: OrderSource;
  readonly chain?: readonly string[];
}

export type { StockWarning };

export interface OrderAnswer {
  readonly orderId: string;
  readonly status: string;
  readonly lines: { sku: string; quantity: number; assigned: number; pending: number }[];
  readonly warnings: StockWarning[];
  /** Position of the last event of the order stream. */
  readonly position: bigint | undefined;
}

/** Fingerprint of what a client asked for: the same request again is recognised by it. */
export const requestHashOf = (input: PlaceOrderInput): string =>
  createHash('sha256')
    .update(
      JSON.stringify({
        customer: input.customer ?? null,
        lines: input.lines.map((l) => [l.sku, l.quantity]),
        source: input.source ?? null,
        // Only when given, so that the fingerprints of orders placed before these fields stay the same.
        ...(input.priority === undefined ? {} : { priority: input.priority }),
        ...(input.requiredBy === undefined ? {} : { requiredBy: input.requiredBy }),
      }),
    )
    .digest('base64url');

/** How long a request waits for the process manager's step before it answers 503 (the step still happens). */
export const STEP_WAIT_MS = 10_000;

/** The 422 of an order refused for stock, as the estimate or its first round found it. */
const refusedForStock = (shortages: readonly { sku: string; requested: number; available: number }[]): DomainError =>
  new DomainError(
    'rule_violated',
    'INVENTORY_NOT_AVAILABLE',
    `Not enough stock for ${shortages.map((w) => `${w.sku} (requested ${w.requested}, available ${w.available})`).join(', ')}, and the account does not allow orders without inventory`,
    'lines',
    { warnings: shortages.map((w) => ({ code: 'INVENTORY_NOT_AVAILABLE', ...w })) },
  );

export class OrdersService {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
    private readonly inventory: InventoryService,
  ) {}

  /**
   * SPEC step 1 for a client's order: the stock estimate, the 422 when the account does not allow
   * short orders, the order appended, and the answer once its first round has assigned what there
   * is. The estimate can be beaten by a racing order: the round then refuses the order after all,
   * and the answer is the same 422.
   */
  async placeOrder(accountId: string, input: PlaceOrderInput, context: CommandContext): Promise<OrderAnswer> {
    const stream = orderStream(accountId, input.orderId);
    const existing = await this.commands.load(OrderAggregate, stream, { context });
    if (existing.revision === undefined) {
      const account = await this.accounts.get(accountId);
      const available = await this.inventory.availableInMainLocation(accountId, input.lines.map((line) => line.sku), input.orderId);
      const warnings = stockWarnings(input.lines, (sku) => available.get(sku)!);
      const settings = settingsOf(account);
      refuseIfShortAndNotAllowed(warnings, settings);
      await this.place(accountId, input, context, {
        enforceStockPolicy: !settings.allowOrdersWithoutInventory,
        approvalRequired: settings.orderApprovalRequired,
        warnings,
      });
      crashPoint('order:placed');
    } else {
      // A retried request gets the order as it stands; another body under the same id is refused.
      OrderAggregate.decider.decide({ type: 'PlaceOrder', ...this.placeCommand(accountId, input, false, []) }, existing.state);
    }
    const placed = await this.commands.waitFor(
      OrderAggregate,
      stream,
      (state) => state.placementRound === undefined || state.roundsOpened > state.placementRound || state.openRound === undefined,
      { what: 'The first assignment round of the order', timeoutMs: STEP_WAIT_MS, context },
    );
    if (isRefused(placed.state)) throw refusedForStock(placed.state.refusal!.shortages);
    return this.answer(placed.state, placed.position);
  }

  /**
   * Appends a new order (or recognises the same one again), without waiting: the process manager
   * places vendor orders with it, and must not wait for its own next step.
   */
  async place(
    accountId: string,
    input: PlaceOrderInput,
    context: CommandContext,
    options: { enforceStockPolicy: boolean; approvalRequired?: boolean; warnings?: readonly StockWarning[] },
  ): Promise<OrderState> {
    const approvalRequired = options.approvalRequired ?? settingsOf(await this.accounts.get(accountId)).orderApprovalRequired;
    const handled = await this.commands.handle(
      OrderAggregate,
      orderStream(accountId, input.orderId),
      {
        type: 'PlaceOrder',
        ...this.placeCommand(accountId, input, approvalRequired, options.warnings ?? []),
        ...(options.enforceStockPolicy ? { refuseIfShort: true } : {}),
      },
      context,
    );
    return handled.state;
  }

  async approveOrder(accountId: string, orderId: string, context: CommandContext): Promise<OrderAnswer> {
    const handled = await this.commands.handle(OrderAggregate, orderStream(accountId, orderId), { type: 'ApproveOrder' }, context);
    return this.afterRound(accountId, orderId, handled.state, context);
  }

  /**
   * `POST …/assign`: a round for the pending quantity from free stock (and goods reserved for it).
   * A round already open is waited for first: it may have asked the bins before the stock came.
   */
  async assignOrder(accountId: string, orderId: string, context: CommandContext): Promise<OrderAnswer> {
    const stream = orderStream(accountId, orderId);
    for (let attempt = 1; ; attempt++) {
      const handled = await this.commands.handle(OrderAggregate, stream, { type: 'RequestInventoryAssignment' }, context);
      const waited = await this.afterRound(accountId, orderId, handled.state, context);
      if (handled.events.length > 0 || handled.state.openRound === undefined || attempt === 2) return waited;
    }
  }

  /** Waits for the round open in `state` (if any) to close, and answers the order then. */
  private async afterRound(accountId: string, orderId: string, state: OrderState, context: CommandContext): Promise<OrderAnswer> {
    const round = state.openRound?.round;
    if (round === undefined) return this.current(accountId, orderId, context);
    const closed = await this.commands.waitFor(
      OrderAggregate,
      orderStream(accountId, orderId),
      (now) => now.openRound?.round !== round,
      { what: `Assignment round ${round} of the order`, timeoutMs: STEP_WAIT_MS, context },
    );
    return this.answer(closed.state, closed.position);
  }

  /** The order decides the handover (what leaves which bin); the process manager carries it to the bins. */
  async handOverOrder(accountId: string, orderId: string, input: { handoverId: string; lines?: readonly OrderLine[] }, context: CommandContext) {
    const handled = await this.commands.handle(
      OrderAggregate,
      orderStream(accountId, orderId),
      { type: 'HandOverOrder', handoverId: input.handoverId, ...(input.lines ? { lines: input.lines } : {}) },
      context,
    );
    const handover = handled.state.handovers.get(input.handoverId);
    if (!handover) throw new Error(`Handover ${input.handoverId} is not on order ${orderId} after it was decided`);
    crashPoint('order:handed-over');
    return { handoverId: input.handoverId, lines: handover.lines, position: handled.position };
  }

  /** The order is cancelled; the process manager releases its stock and ends its POs. */
  async cancelOrder(accountId: string, orderId: string, context: CommandContext): Promise<OrderAnswer> {
    const handled = await this.commands.handle(
      OrderAggregate,
      orderStream(accountId, orderId),
      { type: 'CancelOrder', reservationBins: [{ locationId: MAIN_LOCATION_ID, binId: DEFAULT_BIN_ID }] },
      context,
    );
    crashPoint('order:cancelled');
    return this.answer(handled.state, handled.position);
  }

  /** What has not been handed over will not be: the process manager releases its stock and closes its PO. */
  async closeOrderShort(accountId: string, orderId: string, reason: string, context: CommandContext): Promise<OrderAnswer> {
    const handled = await this.commands.handle(OrderAggregate, orderStream(accountId, orderId), { type: 'CloseOrderShort', reason }, context);
    return this.answer(handled.state, handled.position);
  }

  /** The order as it stands, as a command answers with it (recorded as seen by the command's request). */
  async current(accountId: string, orderId: string, context?: CommandContext): Promise<OrderAnswer> {
    const { state, revision, position } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId), context ? { context } : {});
    if (revision === undefined || isRefused(state)) throw new DomainError('not_found', 'ORDER_NOT_FOUND', `Order ${orderId} does not exist`);
    return this.answer(state, position);
  }

  private placeCommand(accountId: string, input: PlaceOrderInput, approvalRequired: boolean, warnings: readonly StockWarning[]) {
    return {
      orderId: input.orderId,
      accountId,
      lines: input.lines,
      requestHash: requestHashOf(input),
      approvalRequired,
      ...(input.customer === undefined ? {} : { customer: input.customer }),
      ...(input.priority === undefined ? {} : { priority: input.priority }),
      ...(input.requiredBy === undefined ? {} : { requiredBy: input.requiredBy }),
      ...(input.source === undefined ? {} : { source: input.source }),
      ...(input.chain === undefined ? {} : { chain: input.chain }),
      ...(warnings.length === 0 ? {} : { warnings: warnings.map(({ sku, requested, available }) => ({ sku, requested, available })) }),
    };
  }

  private answer(state: OrderState, position: bigint | undefined): OrderAnswer {
    const placed = state.placed!;
    return {
      orderId: placed.orderId,
      status: orderStatus(state),
      lines: orderLines(state).map(({ sku, quantity, assigned, pending }) => ({ sku, quantity, assigned, pending })),
      warnings: (placed.warnings ?? []).map((w) => ({ code: 'INVENTORY_NOT_AVAILABLE' as const, ...w })),
      position,
    };
  }
}
