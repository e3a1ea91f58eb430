/**
 * The steps of the fulfilment process manager: every step that spans streams, taken by this one
 * owner only, fed from the log (sagas/fulfilment.saga.ts) one flow at a time. Each step gathers
 * the facts (the streams it drives, as they stand), asks the domain's pure rules what to do
 * (libs/domain/src/fulfilment), and carries it out through the command path. Every decision is
 * recorded where it is taken, "nothing given" included, and every id is derived from its cause,
 * so a step taken again (a replay after a crash) converges on what it did the first time.
 *
 * - the shortfall a round leaves: POs bought and linked, or the reasons recorded (step 2);
 * - a PO: the matching order in the vendor's account, or why not (step 3);
 * - a handover: the units leave the bins; a vendor order's handover becomes a GRN (steps 4, 5);
 * - a GRN: the goods go into their bin, reserved for the source order, which asks for a round (step 6);
 *
 * Assignment rounds are not among them: the allocation process manager runs every round of an
 * account (services/allocation.steps.ts), so that free stock goes by one rule, decided by one writer.
 * - an order that ended: its stock released, its POs and their vendor orders ended.
 */
import { binsForAssignment } from '@app/domain/account/account.decider';
import { BinAggregate, OrderAggregate, PurchaseOrderAggregate } from '@app/domain/aggregates';
import { hasInwarded, heldFor } from '@app/domain/bin/bin.decider';
import { endReleaseIdFor } from '@app/domain/fulfilment/ids';
import { grnInward, handoverInwarding } from '@app/domain/fulfilment/inwarding';
import { onOrderFrom } from '@app/domain/fulfilment/on-order';
import { purchaseDecision } from '@app/domain/fulfilment/purchasing';
import { purchaseOrderEnding, vendorOrderToEnd } from '@app/domain/fulfilment/unwinding';
import { vendorOrderDecision } from '@app/domain/fulfilment/vendor-orders';
import { settingsOf, vendorChoicesOf, vendorStandingOf } from '@app/domain/account/account.decider';
import { DomainError } from '@app/domain/shared/decider';
import { MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { binStream, orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { isLatestRoundClosed, isOpen, OrderState } from '@app/domain/order/order.decider';
import { PurchaseOrderState } from '@app/domain/purchase-order/purchase-order.decider';
import { crashPoint } from '@app/event-store';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { AccountsService } from './accounts.service';
import { OrdersService } from './orders.service';
import { PurchaseOrdersService } from './purchase-orders.service';

export class FulfilmentService {
  constructor(
    private readonly commands: CommandPath,
    private readonly accounts: AccountsService,
    private readonly orders: OrdersService,
    private readonly purchaseOrders: PurchaseOrdersService,
  ) {}

  /**
   * The shortfall left by round `round`, decided once (and only if no later round opened since:
   * that one decides): the POs are recorded on the order first, then created, so a cancellation
   * of the order always finds them.
   */
  async buyShortfall(accountId: string, orderId: string, round: number, context: CommandContext): Promise<void> {
    const stream = orderStream(accountId, orderId);
    let { state: order } = await this.commands.load(OrderAggregate, stream);
    if (!isLatestRoundClosed(order, round) || !isOpen(order)) return;
    if (!order.purchaseOrders.some((po) => po.round === round)) {
      const account = await this.accounts.get(accountId);
      const onOrder = await this.onOrderOf(accountId, order);
      const reserved = await this.reservedFor(accountId, order);
      const standings = new Map<string, ReturnType<typeof vendorStandingOf>>();
      for (const vendorAccountId of new Set(order.lines.flatMap((line) => vendorChoicesOf(account, line.sku).map((v) => v.vendorAccountId)))) {
        standings.set(vendorAccountId, vendorStandingOf(await this.accounts.find(vendorAccountId)));
      }
      const decision = purchaseDecision(order, round, {
        settings: settingsOf(account),
        vendorsOf: (sku) => vendorChoicesOf(account, sku),
        standingOf: (vendorAccountId) => standings.get(vendorAccountId) ?? 'NOT_A_VENDOR',
        onOrder,
        reserved: (sku) => reserved.get(sku) ?? 0,
        // The time of the event that set this step off: a replay decides the same expectedAt.
        decidedAt: context.occurredAt,
      });
      if (!decision) return;
      const handled = await this.commands.handle(
        OrderAggregate,
        stream,
        {
          type: 'RecordPurchaseDecision',
          round,
          purchaseOrders: decision.purchaseOrders,
          reasons: decision.reasons,
          ...(decision.passedOver ? { passedOver: decision.passedOver } : {}),
        },
        stepOf(context, `purchase-decision/${round}`),
      );
      order = handled.state;
    }
    crashPoint('backorder:po-linked');
    // Ended meanwhile: its end (later in this flow) cancels what exists; nothing more is created.
    if (!isOpen(order)) return;
    const chain = order.placed!.chain ?? [accountId];
    for (const linked of order.purchaseOrders.filter((po) => po.round === round)) {
      await this.purchaseOrders.createPurchaseOrder(
        accountId,
        {
          purchaseOrderId: linked.purchaseOrderId,
          vendorAccountId: linked.vendorAccountId,
          sourceOrderId: orderId,
          lines: linked.lines,
          chain,
          ...(linked.expectedAt === undefined ? {} : { expectedAt: linked.expectedAt }),
          ...(linked.rounding === undefined ? {} : { rounding: linked.rounding }),
        },
        stepOf(context, `create-po/${linked.purchaseOrderId}`),
      );
      crashPoint('backorder:po-created');
    }
  }

  /** The PO opens the matching order in the vendor's account (or records why it cannot). */
  async openVendorOrder(sellerAccountId: string, purchaseOrderId: string, context: CommandContext): Promise<void> {
    const poStream = purchaseOrderStream(sellerAccountId, purchaseOrderId);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
    if (!po.created) return;
    const decision = vendorOrderDecision(po, await this.accounts.find(po.created.vendorAccountId));
    if (decision.kind === 'none') return;
    if (decision.kind === 'refuse') {
      await this.commands.handle(PurchaseOrderAggregate, poStream, { type: 'RefuseVendorOrder', reason: decision.reason }, stepOf(context, 'refuse'));
      const sourceStream = orderStream(sellerAccountId, po.created.sourceOrderId);
      for (const sku of decision.skus) {
        await this.commands.handle(
          OrderAggregate,
          sourceStream,
          { type: 'RecordPendingReason', sku, reason: 'VENDOR_NOT_ELIGIBLE' },
          stepOf(context, `reason/${sku}`),
        );
      }
      return;
    }
    await this.orders.place(
      decision.vendorAccountId,
      { orderId: decision.vendorOrderId, lines: decision.lines, source: decision.source, chain: decision.chain },
      stepOf(context, 'vendor-order'),
      // The vendor's order is an ordinary order, but it is never refused for stock: it waits.
      { enforceStockPolicy: false },
    );
    crashPoint('backorder:vendor-order-placed');
    try {
      await this.commands.handle(PurchaseOrderAggregate, poStream, { type: 'LinkVendorOrder', vendorOrderId: decision.vendorOrderId }, stepOf(context, 'link'));
    } catch (error) {
      if (!(error instanceof DomainError && ['PURCHASE_ORDER_CANCELLED', 'PURCHASE_ORDER_CLOSED'].includes(error.code))) throw error;
      // The PO ended while the vendor's order was opened: it must not stay open.
      await this.commands.handle(
        OrderAggregate,
        orderStream(decision.vendorAccountId, decision.vendorOrderId),
        { type: 'EndOrder', reason: `Purchase order ${purchaseOrderId} of ${sellerAccountId} ended` },
        stepOf(context, 'end-vendor-order'),
      );
    }
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

  /** A vendor order's handover becomes a GRN on the seller's PO, or waits for the seller's manual GRN. */
  async inwardHandover(vendorAccountId: string, vendorOrderId: string, handoverId: string, context: CommandContext): Promise<void> {
    const { state: vendorOrder } = await this.commands.load(OrderAggregate, orderStream(vendorAccountId, vendorOrderId));
    const source = vendorOrder.placed?.source;
    if (!source) return;
    const poStream = purchaseOrderStream(source.sellerAccountId, source.purchaseOrderId);
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
    const inwarding = handoverInwarding(vendorOrder, handoverId, await this.accounts.find(source.sellerAccountId), po);
    if (inwarding.kind === 'grn') {
      await this.purchaseOrders.receiveGoods(
        source.sellerAccountId,
        source.purchaseOrderId,
        { grnId: inwarding.grnId, handoverId, lines: inwarding.lines, upToOpen: true },
        stepOf(context, 'grn'),
      );
    } else if (inwarding.kind === 'manual') {
      await this.commands.handle(PurchaseOrderAggregate, poStream, { type: 'AwaitManualGrn', handoverId, lines: inwarding.lines }, stepOf(context, 'manual-grn'));
    }
  }

  /**
   * A GRN's goods go into its bin, reserved for the PO's source order as far as that order still
   * waits for them (the rest is free stock), and the order assigns them in a round of its own.
   */
  async inwardGoods(sellerAccountId: string, purchaseOrderId: string, grnId: string, context: CommandContext): Promise<void> {
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(sellerAccountId, purchaseOrderId));
    const grn = po.grns.find((g) => g.grnId === grnId);
    if (!po.created || !grn) return;
    const sourceStream = orderStream(sellerAccountId, po.created.sourceOrderId);
    const source = await this.commands.load(OrderAggregate, sourceStream);
    const order = source.revision === undefined ? undefined : source.state;
    // This GRN's own goods are what is being inwarded: they are not still to come.
    const onOrder = order ? await this.onOrderOf(sellerAccountId, order, grnId) : () => 0;
    const reserved = order ? await this.reservedFor(sellerAccountId, order) : new Map<string, number>();
    const lines = grnInward(grn, order, onOrder, (sku) => reserved.get(sku) ?? 0);
    for (const line of lines) {
      await this.commands.handle(
        BinAggregate,
        binStream(sellerAccountId, grn.locationId, grn.binId),
        {
          type: 'InwardGoods',
          grnId,
          purchaseOrderId,
          sku: line.sku,
          quantity: line.quantity,
          ...(line.reserved > 0 ? { reservedForOrderId: po.created.sourceOrderId, reservedQuantity: line.reserved } : {}),
        },
        stepOf(context, `inward/${grnId}/${line.sku}`),
      );
    }
    crashPoint('po:goods-inwarded');
    // Whatever is reserved for the order now (this GRN's goods, inwarded now or before a crash) is
    // assigned by a round of its own, which the allocation process manager runs.
    if (!order || [...(await this.reservedFor(sellerAccountId, order)).values()].every((held) => held <= 0)) return;
    try {
      await this.commands.handle(OrderAggregate, sourceStream, { type: 'RequestInventoryAssignment', grnId }, stepOf(context, `assign/${grnId}`));
    } catch (error) {
      // Ended since it was read: its end, later in this flow, releases what was reserved for it.
      if (!(error instanceof DomainError && ['ORDER_CANCELLED', 'ORDER_CLOSED_SHORT', 'ORDER_NOT_FOUND'].includes(error.code))) throw error;
    }
  }

  /**
   * An order that ended gets nothing more: everything it holds in any bin is released, and each of
   * its POs ends, its vendor order first (so no handover slips in between), then the PO itself,
   * cancelled or closed with what is on its way still open to be received.
   */
  async unwindOrder(accountId: string, orderId: string, context: CommandContext): Promise<void> {
    const account = await this.accounts.get(accountId);
    for (const locationId of account.locations.keys()) {
      for (const binId of binsForAssignment(account, locationId)) {
        await this.commands.handle(
          BinAggregate,
          binStream(accountId, locationId, binId),
          { type: 'ReleaseStock', releaseId: endReleaseIdFor(orderId), orderId },
          stepOf(context, `release/${locationId}.${binId}`),
        );
      }
    }
    const { state: order } = await this.commands.load(OrderAggregate, orderStream(accountId, orderId));
    const reason = `Source order ${orderId} of ${accountId} ended`;
    for (const linked of order.purchaseOrders) {
      const poStream = purchaseOrderStream(accountId, linked.purchaseOrderId);
      const { state: po } = await this.commands.load(PurchaseOrderAggregate, poStream);
      if (!po.created) continue;
      const vendorStream = po.vendorOrderId === undefined ? undefined : orderStream(po.created.vendorAccountId, po.vendorOrderId);
      let vendorOrder = vendorStream ? (await this.commands.load(OrderAggregate, vendorStream)).state : undefined;
      if (vendorStream && vendorOrderToEnd(vendorOrder)) {
        vendorOrder = (
          await this.commands.handle(OrderAggregate, vendorStream, { type: 'EndOrder', reason }, stepOf(context, `end-vendor-order/${po.vendorOrderId}`))
        ).state;
      }
      const ending = purchaseOrderEnding(po, vendorOrder);
      if (ending) {
        await this.commands.handle(
          PurchaseOrderAggregate,
          poStream,
          { type: 'EndPurchaseOrder', reason, keepOpen: ending.keepOpen },
          stepOf(context, `end-po/${linked.purchaseOrderId}`),
        );
      }
    }
  }

  private onOrderOf(accountId: string, order: OrderState, exceptGrn?: string): Promise<(sku: string) => number> {
    return onOrderForOrder(this.commands, accountId, order, exceptGrn);
  }

  private reservedFor(accountId: string, order: OrderState): Promise<Map<string, number>> {
    return reservedForOrder(this.commands, this.accounts, accountId, order);
  }
}

/** Goods reserved for the order in the bins of its main location, per SKU. */
export const reservedForOrder = async (commands: CommandPath, accounts: AccountsService, accountId: string, order: OrderState): Promise<Map<string, number>> => {
  const account = await accounts.get(accountId);
  const orderId = order.placed!.orderId;
  const reserved = new Map<string, number>();
  for (const binId of binsForAssignment(account, MAIN_LOCATION_ID)) {
    const { state: bin } = await commands.load(BinAggregate, binStream(accountId, MAIN_LOCATION_ID, binId));
    for (const line of order.lines) {
      const held = heldFor(bin, line.sku, orderId).reserved;
      if (held > 0) reserved.set(line.sku, (reserved.get(line.sku) ?? 0) + held);
    }
  }
  return reserved;
};

/**
 * What the order's POs will still bring, per SKU: open quantity, and goods received whose inward
 * into their bin is still to come (`exceptGrn`: the GRN being inwarded now is not). A PO decided
 * and linked but not created yet brings what it was linked with (less its rounding surplus).
 */
export const onOrderForOrder = async (commands: CommandPath, accountId: string, order: OrderState, exceptGrn?: string): Promise<(sku: string) => number> => {
  const purchaseOrders: PurchaseOrderState[] = [];
  const notCreated = new Map<string, number>();
  for (const linked of order.purchaseOrders) {
    const { state } = await commands.load(PurchaseOrderAggregate, purchaseOrderStream(accountId, linked.purchaseOrderId));
    if (state.created) {
      purchaseOrders.push(state);
      continue;
    }
    for (const line of linked.lines) {
      const surplus = linked.rounding?.find((r) => r.sku === line.sku)?.surplus ?? 0;
      notCreated.set(line.sku, (notCreated.get(line.sku) ?? 0) + Math.max(0, line.quantity - surplus));
    }
  }
  const inwarded = new Set<string>();
  for (const po of purchaseOrders) {
    for (const grn of po.grns) {
      const { state: bin } = await commands.load(BinAggregate, binStream(accountId, grn.locationId, grn.binId));
      for (const line of grn.lines) {
        if (grn.grnId === exceptGrn || hasInwarded(bin, grn.grnId, line.sku)) inwarded.add(`${grn.grnId}\u0000${line.sku}`);
      }
    }
  }
  const created = onOrderFrom(purchaseOrders, (grn, sku) => inwarded.has(`${grn.grnId}\u0000${sku}`));
  return (sku) => created(sku) + (notCreated.get(sku) ?? 0);
};
