/**
 * The steps of the allocation process manager (sagas/allocation.saga.ts): the one taker of free
 * stock in an account. It runs every assignment round, one account at a time and in log order, so
 * that whatever the interleaving of requests, the same events give the same allocation:
 *
 * - an order placed joins the account's queue (`allocation-<accountId>`) with its rank;
 * - a round of an order (placed, approved, requested, a GRN's goods reserved for it): the free
 *   stock of its SKUs is first given out by the allocation rule to every waiting order (this one
 *   among them), then its round takes its reserved goods and its share;
 * - stock that became free (an adjustment, a release, goods inwarded beyond their order's need): the
 *   free stock of the SKU is given out by the rule.
 *
 * Orders with nothing pending rest in the queue (not weighed again) until a round of theirs wakes them.
 *
 * Each allocation is recorded before anything is given (`FreeStockAllocated`, under an id derived
 * from the event that set it off), and each share is taken by a round that names it, so a replay
 * gives what was decided the first time, once.
 */
import { binsForAssignment } from '@app/domain/account/account.decider';
import { AllocationQueueAggregate, BinAggregate, OrderAggregate } from '@app/domain/aggregates';
import { allocationOf, queuedFor, rankOf } from '@app/domain/allocation/allocation.decider';
import { allocationStream, AllocationShare, FreeStockAllocation } from '@app/domain/allocation/allocation.events';
import { allocateFree, Candidate, enoughCandidates, freeStockNeed, rankQueue } from '@app/domain/allocation/allocation-rule';
import { assignmentResult, freeStockOf, heldFor } from '@app/domain/bin/bin.decider';
import { BinDecision, givenBy, roundAsks, roundResults, surplusReserved } from '@app/domain/fulfilment/assignment-round';
import { assignmentIdFor, roundEndReleaseIdFor, surplusReleaseIdFor } from '@app/domain/fulfilment/ids';
import { isOpen, openRound, orderLines, OrderState, waitingQuantity } from '@app/domain/order/order.decider';
import { DomainError } from '@app/domain/shared/decider';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { binStream, orderStream } from '@app/domain/shared/streams';
import { crashPoint } from '@app/event-store';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';
import { onOrderForOrder, reservedForOrder } from './fulfilment.service';

/** orderId → SKU → its share of an allocation (with the allocation's id). */
type SharesByOrder = Map<string, Map<string, AllocationShare & { allocationId: string }>>;

/** Codes of an order that ended since it was looked at: it takes no share. */
const ENDED = ['ORDER_CANCELLED', 'ORDER_CLOSED_SHORT', 'ORDER_REFUSED', 'ORDER_NOT_FOUND'];

export class AllocationSteps {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
  ) {}

  /** The order joins the account's queue, ranked by what it was placed with and where (`sequence`). */
  async queueOrder(accountId: string, orderId: string, sequence: string, context: CommandContext): Promise<void> {
    const { state: order } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId));
    if (!order.placed) return;
    const { priority, requiredBy } = order.placed;
    await this.commands.handle(
      AllocationQueueAggregate,
      allocationStream(accountId),
      {
        type: 'QueueOrder',
        orderId,
        skus: order.placed.lines.map((line) => line.sku),
        sequence,
        flow: context.correlationId,
        ...(priority === undefined ? {} : { priority }),
        ...(requiredBy === undefined ? {} : { requiredBy }),
      },
      stepOf(context, 'queue'),
    );
  }

  /** An order that ended waits for nothing more. */
  async leaveQueue(accountId: string, orderId: string, context: CommandContext): Promise<void> {
    await this.commands.handle(AllocationQueueAggregate, allocationStream(accountId), { type: 'RemoveFromQueue', orderId }, stepOf(context, 'leave-queue'));
  }

  /**
   * A round of the order: the free stock of its waiting SKUs goes out by the rule (its own share
   * included), then its round (if still open) takes its reserved goods and nothing more.
   */
  async runRound(accountId: string, orderId: string, context: CommandContext): Promise<void> {
    const { state: order } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId));
    if (!order.placed) return;
    const waiting = order.lines.filter((line) => waitingQuantity(order, line.sku) > 0).map((line) => line.sku);
    // It waits again (a line increased, a PO closed short, goods reserved for it): weighed again.
    if (waiting.length > 0) {
      await this.commands.handle(AllocationQueueAggregate, allocationStream(accountId), { type: 'WakeOrder', orderId }, stepOf(context, 'wake'));
    }
    await this.allocateFreeStock(accountId, waiting, context);
    const { state: now } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId));
    if (openRound(now)) await this.runOpenRound(accountId, orderId, new Map(), context);
  }

  /** The free stock of each SKU goes to the waiting orders by the allocation rule; each takes its share in a round. */
  async allocateFreeStock(accountId: string, skus: readonly string[], context: CommandContext): Promise<void> {
    const shares: SharesByOrder = new Map();
    for (const sku of new Set(skus)) {
      const allocation = await this.allocation(accountId, sku, context);
      for (const share of allocation?.shares ?? []) {
        const forOrder = shares.get(share.orderId) ?? new Map();
        forOrder.set(sku, { ...share, allocationId: allocation!.allocationId });
        shares.set(share.orderId, forOrder);
      }
    }
    crashPoint('allocation:recorded');
    if (shares.size === 0) return;
    const { state: queue } = await this.commands.load(AllocationQueueAggregate, allocationStream(accountId));
    for (const [orderId, bySku] of shares) {
      // Each order's share is a step of its own flow.
      const flow = rankOf(queue, orderId)?.flow ?? context.correlationId;
      await this.giveShares(accountId, orderId, bySku, { ...context, correlationId: flow });
    }
  }

  /**
   * The allocation of the SKU's free stock this step decides: the one recorded under its id (a
   * replay), or decided now from the queue in rank order and recorded; undefined when nothing is given.
   */
  private async allocation(accountId: string, sku: string, context: CommandContext): Promise<FreeStockAllocation | undefined> {
    const allocationId = `${context.causationId}:${sku}`;
    const stream = allocationStream(accountId);
    const { state: queue } = await this.commands.load(AllocationQueueAggregate, stream);
    const recorded = allocationOf(queue, allocationId);
    if (recorded) return recorded;

    const account = await this.accounts.get(accountId);
    let free = 0;
    for (const binId of binsForAssignment(account, MAIN_LOCATION_ID)) {
      free += freeStockOf((await this.commands.load(BinAggregate, binStream(accountId, MAIN_LOCATION_ID, binId))).state, sku);
    }
    if (free <= 0) return undefined;
    const candidates: Candidate[] = [];
    for (const entry of rankQueue(queuedFor(queue, sku))) {
      if (enoughCandidates(free, candidates)) break;
      const need = await this.needOf(accountId, entry.orderId, sku);
      if (need > 0) candidates.push({ ...entry, need });
    }
    const shares = allocateFree(free, candidates);
    if (shares.length === 0) return undefined;
    const allocation: FreeStockAllocation = {
      allocationId,
      sku,
      free,
      candidates: candidates.map(({ orderId, need }) => ({ orderId, need })),
      shares: shares.map(({ orderId, quantity, rule }) => ({ orderId, quantity, rule })),
    };
    const handled = await this.commands.handle(AllocationQueueAggregate, stream, { type: 'RecordAllocation', allocation }, stepOf(context, `allocate/${sku}`));
    return allocationOf(handled.state, allocationId);
  }

  /**
   * What the order needs of the SKU from free stock: its pending quantity less what its POs bring
   * and the goods reserved for it (none for an order that ended or awaits approval).
   */
  private async needOf(accountId: string, orderId: string, sku: string): Promise<number> {
    const { state: order } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId));
    // Nothing pending: its POs and bins need not be read.
    if (waitingQuantity(order, sku) <= 0) return 0;
    const onOrder = await onOrderForOrder(this.commands, accountId, order);
    return freeStockNeed(order, sku, onOrder, (await reservedForOrder(this.commands, this.accounts, accountId, order)).get(sku) ?? 0);
  }

  /** The order takes its shares: in the round open now, or one opened for them; once per allocation. */
  private async giveShares(accountId: string, orderId: string, bySku: Map<string, AllocationShare & { allocationId: string }>, context: CommandContext) {
    const stream = orderStream(accountId, orderId);
    for (const share of bySku.values()) {
      try {
        await this.commands.handle(OrderAggregate, stream, { type: 'RequestInventoryAssignment', allocationId: share.allocationId }, stepOf(context, `share/${share.allocationId}/${orderId}`));
      } catch (error) {
        if (error instanceof DomainError && ENDED.includes(error.code)) return;
        throw error;
      }
    }
    const { state: order } = await this.commands.load(OrderAggregate, stream);
    const round = openRound(order);
    // Taken already (a replay): the round that took the shares is closed.
    const taking = new Map([...bySku].filter(([, share]) => round?.allocations?.includes(share.allocationId)));
    if (taking.size > 0) await this.runOpenRound(accountId, orderId, taking, context);
  }

  /**
   * Runs the order's open round: each line asks the bins of the main location (Default Bin first)
   * for its pending quantity less what open POs bring, under ids derived from the round; a bin gives
   * the goods reserved for the order first, then free stock up to the order's share; the order
   * records what they gave and closes the round. Reserved goods it no longer needs go back to free
   * stock; what a round gave an order that ended meanwhile is released again.
   */
  private async runOpenRound(
    accountId: string,
    orderId: string,
    shares: ReadonlyMap<string, AllocationShare>,
    context: CommandContext,
  ): Promise<void> {
    const stream = orderStream(accountId, orderId);
    const { state: order } = await this.commands.load(OrderAggregate, stream);
    const round = openRound(order);
    if (!round) return;
    const account = await this.accounts.get(accountId);
    const bins = binsForAssignment(account, MAIN_LOCATION_ID);
    const onOrder = await onOrderForOrder(this.commands, accountId, order);

    const decisions: BinDecision[] = [];
    const rules = new Map<string, AllocationShare['rule']>();
    for (const ask of roundAsks(order, onOrder)) {
      let remaining = ask.quantity;
      let stockLeft = shares.get(ask.sku)?.quantity ?? 0;
      for (const binId of bins) {
        if (remaining <= 0) break;
        const assignmentId = assignmentIdFor(orderId, round.round, ask.sku, MAIN_LOCATION_ID, binId);
        const binName = binStream(accountId, MAIN_LOCATION_ID, binId);
        const before = (await this.commands.load(BinAggregate, binName)).state;
        const reservedHere = heldFor(before, ask.sku, orderId).reserved;
        // A bin with nothing for the order is not asked (an append saved); one asked records its answer.
        if (!assignmentResult(before, assignmentId) && reservedHere + Math.min(stockLeft, freeStockOf(before, ask.sku)) <= 0) continue;
        const bin = await this.commands.handle(
          BinAggregate,
          binName,
          {
            type: 'AssignStock',
            assignmentId,
            orderId,
            sku: ask.sku,
            quantity: remaining,
            stockLimit: stockLeft,
            ...(round.grnId === undefined ? {} : { grnId: round.grnId }),
          },
          stepOf(context, `assign/${assignmentId}`),
        );
        const decision = assignmentResult(bin.state, assignmentId);
        if (!decision) throw new Error(`Bin ${binId} recorded no decision for assignment ${assignmentId}`);
        decisions.push({ assignmentId, sku: ask.sku, locationId: MAIN_LOCATION_ID, binId, decision });
        remaining -= givenBy(decision);
        if ('given' in decision) stockLeft -= decision.given.quantity - decision.given.fromReserved;
      }
      const share = shares.get(ask.sku);
      if (share) rules.set(ask.sku, share.rule);
    }
    crashPoint('order:round-assigned-in-bins');

    const assignments = roundResults(decisions).map((result) => ({
      ...result,
      rule: result.source === 'backorder' ? ('PEGGED' as const) : (rules.get(result.sku) ?? 'FIFO'),
    }));
    const completed = await this.commands.handle(
      OrderAggregate,
      stream,
      { type: 'CompleteInventoryAssignment', round: round.round, assignments },
      stepOf(context, `complete-round/${round.round}`),
    );
    if (!isOpen(completed.state)) {
      // It ended while the round ran: what the bins gave it goes back (its end may have released them before).
      for (const binId of new Set(decisions.map((d) => d.binId))) {
        await this.commands.handle(
          BinAggregate,
          binStream(accountId, MAIN_LOCATION_ID, binId),
          { type: 'ReleaseStock', releaseId: roundEndReleaseIdFor(orderId, round.round), orderId },
          stepOf(context, `release-after-round/${round.round}/${binId}`),
        );
      }
      return;
    }
    await this.releaseSurplusReserved(accountId, completed.state, bins, round.round, context);
    // Nothing pending after its round: it rests in the queue (not weighed) until a round of its own wakes it.
    if (orderLines(completed.state).every((line) => line.pending === 0)) {
      await this.commands.handle(AllocationQueueAggregate, allocationStream(accountId), { type: 'RestOrders', orderIds: [orderId] }, stepOf(context, `rest/${round.round}`));
    }
  }

  /**
   * Reserved goods beyond what the order still waits for from them become free stock. The goods of
   * a GRN are inwarded by the fulfilment steps while this round runs: what is reserved is read
   * first, what POs bring after it, so goods inwarded in between count as on order, never as surplus
   * (pegged goods are never freed for another order).
   */
  private async releaseSurplusReserved(accountId: string, order: OrderState, bins: readonly string[], round: number, context: CommandContext): Promise<void> {
    const orderId = order.placed!.orderId;
    const reserved = await reservedForOrder(this.commands, this.accounts, accountId, order);
    const onOrder = await onOrderForOrder(this.commands, accountId, order);
    for (const surplus of surplusReserved(order, onOrder, reserved)) {
      let left = surplus.quantity;
      for (const binId of bins) {
        if (left <= 0) break;
        const released = await this.commands.handle(
          BinAggregate,
          binStream(accountId, MAIN_LOCATION_ID, binId),
          { type: 'ReleaseReserved', releaseId: surplusReleaseIdFor(orderId, round), orderId, sku: surplus.sku, quantity: left },
          stepOf(context, `release-surplus/${binId}/${surplus.sku}`),
        );
        for (const event of released.events) if (event.type === 'StockReleased') left -= event.data.reserved;
      }
    }
  }
}
