/**
 * Orders across their streams. Assignment spans bins and the order without a cross-stream
 * transaction: an order opens an assignment round (one append), each bin assigns under an id
 * derived from the round (so a repeated round is recognised by the bin), and the order records
 * the results and closes the round (one append). A crash in between leaves the round open; running
 * it again (the fulfilment processor does) finishes it with the same ids, so nothing is doubled.
 * Handovers and cancellations are decided by the order first and then carried to the bins, again
 * under ids the bins recognise.
 */
import { createHash } from 'node:crypto';
import { binsForAssignment, settingsOf } from '@app/domain/account/account.decider';
import { assignmentResult } from '@app/domain/bin/bin.decider';
import { DomainError } from '@app/domain/shared/decider';
import { MAIN_LOCATION_ID, DEFAULT_BIN_ID, OrderLine } from '@app/domain/shared/ids';
import { binStream, orderStream } from '@app/domain/shared/streams';
import { openRound, orderLines, orderStatus, OrderState } from '@app/domain/order/order.decider';
import { AssignmentResult, OrderSource } from '@app/domain/order/order.events';
import { refuseIfShortAndNotAllowed, StockWarning, stockWarnings } from '@app/domain/order/backorder-policy';
import { crashPoint } from '@app/event-store';
import { BinAggregate, OrderAggregate } from '../aggregates';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';
import { InventoryService } from './inventory.service';

export interface PlaceOrderInput {
  readonly orderId: string;
  readonly customer?: string;
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
    .update(JSON.stringify({ customer: input.customer ?? null, lines: input.lines.map((l) => [l.sku, l.quantity]), source: input.source ?? null }))
    .digest('base64url');

export class OrdersService {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
    private readonly inventory: InventoryService,
  ) {}

  /**
   * SPEC step 1. `enforceStockPolicy`: refuse (422) a short order when the account does not allow
   * orders without inventory; off for the orders a PO opens in a vendor's account.
   */
  async placeOrder(
    accountId: string,
    input: PlaceOrderInput,
    context: CommandContext,
    options: { enforceStockPolicy: boolean } = { enforceStockPolicy: true },
  ): Promise<OrderAnswer> {
    const stream = orderStream(accountId, input.orderId);
    const requestHash = requestHashOf(input);
    const account = await this.accounts.get(accountId);
    const existing = await this.commands.load(OrderAggregate, stream, { context });
    if (existing.revision !== undefined) {
      // A retried request gets the order as it stands; another body under the same id is refused.
      OrderAggregate.decider.decide(this.placeCommand(accountId, input, requestHash, false, []), existing.state);
      return this.answer(existing.state, existing.position);
    }

    const skus = input.lines.map((line) => line.sku);
    const available = await this.inventory.availableInMainLocation(accountId, skus, input.orderId);
    const warnings = stockWarnings(input.lines, (sku) => available.get(sku)!);
    const settings = settingsOf(account);
    if (options.enforceStockPolicy) refuseIfShortAndNotAllowed(warnings, settings);

    await this.commands.handle(
      OrderAggregate,
      stream,
      this.placeCommand(accountId, input, requestHash, settings.orderApprovalRequired, warnings),
      context,
    );
    crashPoint('order:placed');
    await this.runAssignmentRound(accountId, input.orderId, context);
    return this.current(accountId, input.orderId, context);
  }

  async approveOrder(accountId: string, orderId: string, context: CommandContext): Promise<OrderAnswer> {
    await this.commands.handle(OrderAggregate, orderStream(accountId, orderId), { type: 'ApproveOrder' }, context);
    await this.runAssignmentRound(accountId, orderId, context);
    return this.current(accountId, orderId, context);
  }

  /** `POST …/assign`: a round for the pending quantity from free stock (and goods reserved for it). */
  async assignOrder(accountId: string, orderId: string, context: CommandContext, grnId?: string): Promise<OrderAnswer> {
    const stream = orderStream(accountId, orderId);
    // A round left open (by a crash) runs first: a new one opens only once it is closed.
    await this.runAssignmentRound(accountId, orderId, stepOf(context, 'open-round'));
    await this.commands.handle(
      OrderAggregate,
      stream,
      { type: 'RequestInventoryAssignment', ...(grnId === undefined ? {} : { grnId }) },
      context,
    );
    await this.runAssignmentRound(accountId, orderId, context);
    return this.current(accountId, orderId, context);
  }

  /**
   * Runs the order's open assignment round to its end, if it has one: each bin of the main
   * location (Default Bin first) assigns what it can under an id derived from the round, then the
   * order records the results and closes the round. Safe to run again at any point.
   */
  async runAssignmentRound(accountId: string, orderId: string, context: CommandContext): Promise<OrderState | undefined> {
    const stream = orderStream(accountId, orderId);
    const { state } = await this.commands.load(OrderAggregate, stream);
    const round = openRound(state);
    if (!round) return undefined;
    const account = await this.accounts.get(accountId);
    const bins = binsForAssignment(account, MAIN_LOCATION_ID);

    const results: AssignmentResult[] = [];
    for (const line of round.wanted) {
      let remaining = line.quantity;
      for (const binId of bins) {
        if (remaining <= 0) break;
        const assignmentId = `${orderId}:${round.round}:${line.sku}:${MAIN_LOCATION_ID}:${binId}`;
        const bin = await this.commands.handle(
          BinAggregate,
          binStream(accountId, MAIN_LOCATION_ID, binId),
          {
            type: 'AssignStock',
            assignmentId,
            orderId,
            sku: line.sku,
            quantity: remaining,
            ...(round.grnId === undefined ? {} : { grnId: round.grnId }),
          },
          stepOf(context, `assign/${assignmentId}`),
        );
        const decided = assignmentResult(bin.state, assignmentId);
        if (!decided) continue;
        remaining -= decided.quantity;
        const place = { sku: line.sku, locationId: MAIN_LOCATION_ID, binId };
        if (decided.fromReserved > 0) {
          results.push({
            assignmentId: `${assignmentId}:backorder`,
            ...place,
            quantity: decided.fromReserved,
            source: 'backorder',
            ...(decided.grnId === undefined ? {} : { grnId: decided.grnId }),
          });
        }
        if (decided.quantity > decided.fromReserved) {
          results.push({ assignmentId: `${assignmentId}:stock`, ...place, quantity: decided.quantity - decided.fromReserved, source: 'stock' });
        }
      }
    }
    crashPoint('order:round-assigned-in-bins');

    const completed = await this.commands.handle(
      OrderAggregate,
      stream,
      { type: 'CompleteInventoryAssignment', round: round.round, assignments: results },
      stepOf(context, `complete-round/${round.round}`),
    );
    if (orderStatus(completed.state) === 'CANCELLED') {
      // Cancelled while the bins assigned: what they assigned goes back to free stock.
      await this.releaseAtBins(accountId, orderId, stepOf(context, `release-round/${round.round}`));
    }
    return completed.state;
  }

  async handOverOrder(
    accountId: string,
    orderId: string,
    input: { handoverId: string; lines?: readonly OrderLine[] },
    context: CommandContext,
  ) {
    const stream = orderStream(accountId, orderId);
    const handled = await this.commands.handle(
      OrderAggregate,
      stream,
      { type: 'HandOverOrder', handoverId: input.handoverId, ...(input.lines ? { lines: input.lines } : {}) },
      context,
    );
    const handover = handled.state.handovers.get(input.handoverId);
    if (!handover) throw new Error(`Handover ${input.handoverId} is not on order ${orderId} after it was decided`);
    crashPoint('order:handed-over');
    await this.handOverAtBins(accountId, orderId, input.handoverId, handover.bins, context);
    return { handoverId: input.handoverId, lines: handover.lines, position: handled.position };
  }

  /** Carries a handover decided by the order to its bins: the units leave on hand there. */
  async handOverAtBins(
    accountId: string,
    orderId: string,
    handoverId: string,
    bins: readonly { sku: string; locationId: string; binId: string; quantity: number }[],
    context: CommandContext,
  ): Promise<void> {
    // One bin command per SKU and bin: the bin recognises it by (handover, order, SKU).
    const perBin = new Map<string, { sku: string; locationId: string; binId: string; quantity: number }>();
    for (const entry of bins) {
      const key = `${entry.locationId}.${entry.binId}.${entry.sku}`;
      const found = perBin.get(key);
      perBin.set(key, found ? { ...found, quantity: found.quantity + entry.quantity } : { ...entry });
    }
    for (const entry of perBin.values()) {
      await this.commands.handle(
        BinAggregate,
        binStream(accountId, entry.locationId, entry.binId),
        { type: 'HandOverStock', handoverId, orderId, sku: entry.sku, quantity: entry.quantity },
        stepOf(context, `handover/${entry.locationId}.${entry.binId}.${entry.sku}`),
      );
    }
  }

  async cancelOrder(accountId: string, orderId: string, context: CommandContext): Promise<OrderAnswer> {
    const handled = await this.commands.handle(
      OrderAggregate,
      orderStream(accountId, orderId),
      { type: 'CancelOrder', reservationBins: [{ locationId: MAIN_LOCATION_ID, binId: DEFAULT_BIN_ID }] },
      context,
    );
    crashPoint('order:cancelled');
    await this.releaseAtBins(accountId, orderId, context);
    return this.answer(handled.state, handled.position);
  }

  /** Frees everything the order holds in any bin of the account (assigned and reserved). */
  async releaseAtBins(accountId: string, orderId: string, context: CommandContext): Promise<void> {
    const account = await this.accounts.get(accountId);
    for (const locationId of account.locations.keys()) {
      for (const binId of binsForAssignment(account, locationId)) {
        await this.commands.handle(
          BinAggregate,
          binStream(accountId, locationId, binId),
          { type: 'ReleaseStock', releaseId: `${orderId}:cancel`, orderId },
          stepOf(context, `release/${locationId}.${binId}`),
        );
      }
    }
  }

  /** The order as it stands, as a command answers with it (recorded as seen by the command's request). */
  async current(accountId: string, orderId: string, context?: CommandContext): Promise<OrderAnswer> {
    const { state, revision, position } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId), context ? { context } : {});
    if (revision === undefined) throw new DomainError('not_found', 'ORDER_NOT_FOUND', `Order ${orderId} does not exist`);
    return this.answer(state, position);
  }

  private placeCommand(
    accountId: string,
    input: PlaceOrderInput,
    requestHash: string,
    approvalRequired: boolean,
    warnings: readonly StockWarning[],
  ) {
    return {
      type: 'PlaceOrder' as const,
      orderId: input.orderId,
      accountId,
      lines: input.lines,
      requestHash,
      approvalRequired,
      ...(input.customer === undefined ? {} : { customer: input.customer }),
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
