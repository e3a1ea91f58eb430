/**
 * An event log for the specs that span aggregates (the invariants, the fulfilment rules): every
 * event in it was decided by its aggregate's decider on the stream as it stood (or, where a spec
 * says so, written by hand to stand for a broken step), and every one parses through its schema,
 * so a log built here is one the product could have written.
 *
 *   const log = new TestLog();
 *   log.order('S', 'o-1', { type: 'PlaceOrder', ... });
 *   new FlowDriver(log).runRound('S', 'o-1');
 *   checkInvariants(log.snapshot());
 *
 * `FlowDriver` takes the fulfilment process manager's steps with the domain's pure rules
 * (libs/domain/src/fulfilment), as the application's FulfilmentService does, one step per method:
 * a spec breaks an invariant by leaving a step out or doing it wrong.
 */
import { AccountState, binsForAssignment, settingsOf, vendorChoicesOf } from '../src/account/account.decider';
import { AccountCommand, AccountEvent } from '../src/account/account.events';
import {
  AccountAggregate,
  Aggregate,
  BinAggregate,
  OrderAggregate,
  PurchaseOrderAggregate,
  StoredEvent,
} from '../src/aggregates';
import { assignmentResult, BinState, hasInwarded, heldFor } from '../src/bin/bin.decider';
import { BinCommand, BinEvent } from '../src/bin/bin.events';
import { BinDecision, givenBy, roundAsks, roundResults, surplusReserved } from '../src/fulfilment/assignment-round';
import { assignmentIdFor, endReleaseIdFor, surplusReleaseIdFor } from '../src/fulfilment/ids';
import { grnInward, handoverInwarding } from '../src/fulfilment/inwarding';
import { onOrderFrom } from '../src/fulfilment/on-order';
import { purchaseDecision } from '../src/fulfilment/purchasing';
import { purchaseOrderEnding, vendorOrderToEnd } from '../src/fulfilment/unwinding';
import { vendorOrderDecision } from '../src/fulfilment/vendor-orders';
import { checkInvariants, foldLog, LogSnapshot, Violation } from '../src/invariants/invariants';
import { isLatestRoundClosed, isOpen, openRound, OrderState } from '../src/order/order.decider';
import { OrderCommand, OrderEvent } from '../src/order/order.events';
import { PurchaseOrderState } from '../src/purchase-order/purchase-order.decider';
import { PurchaseOrderCommand, PurchaseOrderEvent } from '../src/purchase-order/purchase-order.events';
import { fold } from '../src/shared/decider';
import { currentVersion } from '../src/shared/event-versions';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID, OrderLine } from '../src/shared/ids';
import { SettingsPatch } from '../src/shared/settings';
import { accountStream, binStream, orderStream, purchaseOrderStream } from '../src/shared/streams';

export class TestLog {
  private readonly log: StoredEvent[] = [];
  private readonly byStream = new Map<string, { type: string; data: unknown }[]>();

  /** Appends events to a stream as stored events of today's schema version; each must parse. */
  append<S, C, E extends { type: string; data: unknown }>(aggregate: Aggregate<S, C, E>, streamName: string, events: readonly E[]): void {
    const stream = this.byStream.get(streamName) ?? [];
    for (const event of events) {
      expect(aggregate.eventSchema.parse(event)).toStrictEqual(event);
      const revision = BigInt(stream.length);
      this.log.push({
        id: `${streamName}@${revision}`,
        streamName,
        type: event.type,
        revision,
        data: structuredClone(event.data),
        metadata: { schemaVersion: currentVersion(event.type) },
      });
      stream.push(event);
    }
    this.byStream.set(streamName, stream);
  }

  /** Decides the command on the stream as it stands and appends what was decided. */
  decide<S, C, E extends { type: string; data: unknown }>(aggregate: Aggregate<S, C, E>, streamName: string, command: C): E[] {
    const events = aggregate.decider.decide(command, this.state(aggregate, streamName));
    this.append(aggregate, streamName, events);
    return events;
  }

  /** The stream folded with its aggregate's decider (a fresh state every call). */
  state<S, C, E extends { type: string; data: unknown }>(aggregate: Aggregate<S, C, E>, streamName: string): S {
    return fold(aggregate.decider, (this.byStream.get(streamName) ?? []) as E[]);
  }

  has(streamName: string): boolean {
    return (this.byStream.get(streamName)?.length ?? 0) > 0;
  }

  // ---- per aggregate ---------------------------------------------------------------------

  account(accountId: string, command: AccountCommand): AccountEvent[] {
    return this.decide(AccountAggregate, accountStream(accountId), command);
  }
  order(accountId: string, orderId: string, command: OrderCommand): OrderEvent[] {
    return this.decide(OrderAggregate, orderStream(accountId, orderId), command);
  }
  bin(accountId: string, binId: string, command: BinCommand): BinEvent[] {
    return this.decide(BinAggregate, binStream(accountId, MAIN_LOCATION_ID, binId), command);
  }
  purchaseOrder(accountId: string, purchaseOrderId: string, command: PurchaseOrderCommand): PurchaseOrderEvent[] {
    return this.decide(PurchaseOrderAggregate, purchaseOrderStream(accountId, purchaseOrderId), command);
  }

  accountState(accountId: string): AccountState {
    return this.state(AccountAggregate, accountStream(accountId));
  }
  orderState(accountId: string, orderId: string): OrderState {
    return this.state(OrderAggregate, orderStream(accountId, orderId));
  }
  binState(accountId: string, binId: string = DEFAULT_BIN_ID): BinState {
    return this.state(BinAggregate, binStream(accountId, MAIN_LOCATION_ID, binId));
  }
  purchaseOrderState(accountId: string, purchaseOrderId: string): PurchaseOrderState {
    return this.state(PurchaseOrderAggregate, purchaseOrderStream(accountId, purchaseOrderId));
  }

  // ---- reading the whole log -------------------------------------------------------------

  stored(): StoredEvent[] {
    return [...this.log];
  }
  snapshot(): LogSnapshot {
    return foldLog(this.log);
  }
  violations(): Violation[] {
    return checkInvariants(this.snapshot());
  }
  /** The distinct invariant numbers violated, in order. */
  brokenInvariants(): number[] {
    return [...new Set(this.violations().map((v) => v.invariant))];
  }
}

const HASH = 'b'.repeat(64);

/**
 * The fulfilment process manager's steps, taken with the domain's rules. Each method is one step,
 * taken on the streams as they stand in the log.
 */
export class FlowDriver {
  constructor(readonly log: TestLog) {}

  // ---- set-up ----------------------------------------------------------------------------

  openSeller(accountId: string, settings: SettingsPatch = {}): this {
    this.log.account(accountId, { type: 'OpenAccount', accountId, name: accountId, accountType: 'seller', settings, apiKeyHash: HASH });
    return this;
  }

  openVendor(accountId: string, settings: SettingsPatch = { isB2bNew: true, vendorPanelType: 2 }): this {
    this.log.account(accountId, { type: 'OpenAccount', accountId, name: accountId, accountType: 'vendor', settings, apiKeyHash: HASH });
    return this;
  }

  mapVendor(accountId: string, sku: string, vendorAccountId: string): this {
    this.log.account(accountId, { type: 'MapVendor', sku, vendorAccountId, vendor: { accountId: vendorAccountId, accountType: 'vendor' } });
    return this;
  }

  stock(accountId: string, sku: string, quantity: number, binId: string = DEFAULT_BIN_ID): this {
    this.log.bin(accountId, binId, { type: 'AdjustStock', adjustmentId: `adj-${accountId}-${sku}-${binId}-${quantity}`, sku, quantity });
    return this;
  }

  // ---- an order's life -------------------------------------------------------------------

  /** Places an order (opening round 1 unless it awaits approval); does not run the round. */
  place(
    accountId: string,
    orderId: string,
    lines: OrderLine[],
    options: Partial<Extract<OrderCommand, { type: 'PlaceOrder' }>> = {},
  ): OrderEvent[] {
    return this.log.order(accountId, orderId, {
      type: 'PlaceOrder',
      orderId,
      accountId,
      lines,
      requestHash: `hash-${orderId}`,
      approvalRequired: settingsOf(this.log.accountState(accountId)).orderApprovalRequired,
      ...options,
    });
  }

  /** Places an order and takes every step that follows: its round, then its purchase decision. */
  placeAndRun(accountId: string, orderId: string, lines: OrderLine[], options: Partial<Extract<OrderCommand, { type: 'PlaceOrder' }>> = {}): this {
    this.place(accountId, orderId, lines, options);
    this.runRoundAndBuy(accountId, orderId);
    return this;
  }

  runRoundAndBuy(accountId: string, orderId: string): this {
    const round = this.runRound(accountId, orderId);
    if (round !== undefined) this.buyShortfall(accountId, orderId, round);
    return this;
  }

  /**
   * Runs the order's open round, as the process manager does: each line asks the main location's
   * bins (Default Bin first) for its pending quantity less what open POs bring, then the order
   * records what they gave; reserved goods it no longer needs are released. Returns the round run.
   */
  runRound(accountId: string, orderId: string, options: { dropResults?: boolean } = {}): number | undefined {
    const order = this.log.orderState(accountId, orderId);
    const round = openRound(order);
    if (round === undefined) return undefined;
    const bins = binsForAssignment(this.log.accountState(accountId), MAIN_LOCATION_ID);
    const onOrder = this.onOrderOf(accountId, order);
    const decisions: BinDecision[] = [];
    for (const ask of roundAsks(order, onOrder)) {
      let remaining = ask.quantity;
      for (const binId of bins) {
        if (remaining <= 0) break;
        const assignmentId = assignmentIdFor(orderId, round.round, ask.sku, MAIN_LOCATION_ID, binId);
        this.log.bin(accountId, binId, {
          type: 'AssignStock',
          assignmentId,
          orderId,
          sku: ask.sku,
          quantity: remaining,
          ...(round.grnId === undefined ? {} : { grnId: round.grnId }),
        });
        const decision = assignmentResult(this.log.binState(accountId, binId), assignmentId)!;
        decisions.push({ assignmentId, sku: ask.sku, locationId: MAIN_LOCATION_ID, binId, decision });
        remaining -= givenBy(decision);
      }
    }
    this.log.order(accountId, orderId, {
      type: 'CompleteInventoryAssignment',
      round: round.round,
      assignments: options.dropResults ? [] : roundResults(decisions),
    });
    const completed = this.log.orderState(accountId, orderId);
    if (isOpen(completed)) {
      const reserved = this.reservedFor(accountId, completed);
      for (const surplus of surplusReserved(completed, onOrder, reserved)) {
        let left = surplus.quantity;
        for (const binId of bins) {
          if (left <= 0) break;
          const events = this.log.bin(accountId, binId, {
            type: 'ReleaseReserved',
            releaseId: surplusReleaseIdFor(orderId, round.round),
            orderId,
            sku: surplus.sku,
            quantity: left,
          });
          for (const event of events) if (event.type === 'StockReleased') left -= event.data.reserved;
        }
      }
    }
    return round.round;
  }

  /** The purchase decision for round `round`, recorded on the order, then the POs it bought created. Returns their ids. */
  buyShortfall(accountId: string, orderId: string, round: number): string[] {
    let order = this.log.orderState(accountId, orderId);
    if (!isLatestRoundClosed(order, round) || !isOpen(order)) return [];
    const account = this.log.accountState(accountId);
    const reserved = this.reservedFor(accountId, order);
    const decision = purchaseDecision(order, round, {
      settings: settingsOf(account),
      vendorsOf: (sku) => vendorChoicesOf(account, sku),
      onOrder: this.onOrderOf(accountId, order),
      reserved: (sku) => reserved.get(sku) ?? 0,
    });
    if (decision === undefined) return [];
    this.log.order(accountId, orderId, { type: 'RecordPurchaseDecision', round, purchaseOrders: decision.purchaseOrders, reasons: decision.reasons });
    order = this.log.orderState(accountId, orderId);
    const linked = order.purchaseOrders.filter((po) => po.round === round);
    for (const po of linked) {
      this.log.purchaseOrder(accountId, po.purchaseOrderId, {
        type: 'CreatePurchaseOrder',
        purchaseOrderId: po.purchaseOrderId,
        sellerAccountId: accountId,
        vendorAccountId: po.vendorAccountId,
        sourceOrderId: orderId,
        lines: po.lines,
        chain: order.placed!.chain ?? [accountId],
      });
    }
    return linked.map((po) => po.purchaseOrderId);
  }

  /** The PO opens its vendor order (and that order's round and purchase decision run), or records why not. */
  openVendorOrder(sellerAccountId: string, purchaseOrderId: string, options: { link?: boolean } = {}): string | undefined {
    const po = this.log.purchaseOrderState(sellerAccountId, purchaseOrderId);
    const vendorId = po.created!.vendorAccountId;
    const vendor = this.log.has(accountStream(vendorId)) ? this.log.accountState(vendorId) : undefined;
    const decision = vendorOrderDecision(po, vendor);
    if (decision.kind === 'none') return undefined;
    if (decision.kind === 'refuse') {
      this.log.purchaseOrder(sellerAccountId, purchaseOrderId, { type: 'RefuseVendorOrder', reason: decision.reason });
      for (const sku of decision.skus) {
        this.log.order(sellerAccountId, po.created!.sourceOrderId, { type: 'RecordPendingReason', sku, reason: 'VENDOR_NOT_ELIGIBLE' });
      }
      return undefined;
    }
    this.placeAndRun(decision.vendorAccountId, decision.vendorOrderId, [...decision.lines], {
      source: decision.source,
      chain: decision.chain,
      approvalRequired: false,
    });
    if (options.link !== false) this.log.purchaseOrder(sellerAccountId, purchaseOrderId, { type: 'LinkVendorOrder', vendorOrderId: decision.vendorOrderId });
    return decision.vendorOrderId;
  }

  /** A handover decided by the order, carried to its bins (unless `toBins` is false). */
  handOver(accountId: string, orderId: string, handoverId: string, options: { lines?: OrderLine[]; toBins?: boolean } = {}): this {
    const [event] = this.log.order(accountId, orderId, { type: 'HandOverOrder', handoverId, ...(options.lines ? { lines: options.lines } : {}) });
    if (options.toBins === false || event?.type !== 'OrderHandedOver') return this;
    for (const entry of event.data.bins) {
      this.log.bin(accountId, entry.binId, { type: 'HandOverStock', handoverId, orderId, sku: entry.sku, quantity: entry.quantity });
    }
    return this;
  }

  /** A vendor order's handover becomes a GRN on the seller's PO, or waits for a manual GRN. Returns the GRN id. */
  inwardHandover(vendorAccountId: string, vendorOrderId: string, handoverId: string): string | undefined {
    const vendorOrder = this.log.orderState(vendorAccountId, vendorOrderId);
    const source = vendorOrder.placed!.source!;
    const po = this.log.purchaseOrderState(source.sellerAccountId, source.purchaseOrderId);
    const inwarding = handoverInwarding(vendorOrder, handoverId, this.log.accountState(source.sellerAccountId), po);
    if (inwarding.kind === 'grn') {
      this.log.purchaseOrder(source.sellerAccountId, source.purchaseOrderId, {
        type: 'ReceiveGoods',
        grnId: inwarding.grnId,
        handoverId,
        lines: [...inwarding.lines],
        locationId: MAIN_LOCATION_ID,
        binId: DEFAULT_BIN_ID,
        receivedAt: '2024-05-01T10:00:00.000Z',
        upToOpen: true,
      });
      return inwarding.grnId;
    }
    if (inwarding.kind === 'manual') {
      this.log.purchaseOrder(source.sellerAccountId, source.purchaseOrderId, { type: 'AwaitManualGrn', handoverId, lines: [...inwarding.lines] });
    }
    return undefined;
  }

  /** A seller's own GRN on the PO (a manual one). */
  receiveManually(sellerAccountId: string, purchaseOrderId: string, grnId: string, lines: OrderLine[]): this {
    this.log.purchaseOrder(sellerAccountId, purchaseOrderId, {
      type: 'ReceiveGoods',
      grnId,
      lines,
      locationId: MAIN_LOCATION_ID,
      binId: DEFAULT_BIN_ID,
      receivedAt: '2024-05-02T10:00:00.000Z',
    });
    return this;
  }

  /** A GRN's goods go into their bin, reserved for the source order as far as it waits for them, and that order assigns them. */
  inwardGoods(sellerAccountId: string, purchaseOrderId: string, grnId: string, options: { assign?: boolean } = {}): this {
    const po = this.log.purchaseOrderState(sellerAccountId, purchaseOrderId);
    const grn = po.grns.find((g) => g.grnId === grnId)!;
    const sourceOrderId = po.created!.sourceOrderId;
    const order = this.log.orderState(sellerAccountId, sourceOrderId);
    const onOrder = this.onOrderOf(sellerAccountId, order, grnId);
    const reserved = this.reservedFor(sellerAccountId, order);
    const lines = grnInward(grn, order, onOrder, (sku) => reserved.get(sku) ?? 0);
    for (const line of lines) {
      this.log.bin(sellerAccountId, grn.binId, {
        type: 'InwardGoods',
        grnId,
        purchaseOrderId,
        sku: line.sku,
        quantity: line.quantity,
        ...(line.reserved > 0 ? { reservedForOrderId: sourceOrderId, reservedQuantity: line.reserved } : {}),
      });
    }
    if (options.assign === false || !lines.some((line) => line.reserved > 0)) return this;
    this.log.order(sellerAccountId, sourceOrderId, { type: 'RequestInventoryAssignment', grnId });
    this.runRoundAndBuy(sellerAccountId, sourceOrderId);
    return this;
  }

  /** An order that ended: everything it holds released, its POs ended (their vendor orders first). */
  unwind(accountId: string, orderId: string, options: { releaseBins?: boolean; endVendorOrders?: boolean; endPurchaseOrders?: boolean } = {}): this {
    const account = this.log.accountState(accountId);
    for (const binId of options.releaseBins === false ? [] : binsForAssignment(account, MAIN_LOCATION_ID)) {
      this.log.bin(accountId, binId, { type: 'ReleaseStock', releaseId: endReleaseIdFor(orderId), orderId });
    }
    const order = this.log.orderState(accountId, orderId);
    const reason = `Source order ${orderId} of ${accountId} ended`;
    for (const linked of order.purchaseOrders) {
      const po = this.log.purchaseOrderState(accountId, linked.purchaseOrderId);
      if (!po.created) continue;
      let vendorOrder = po.vendorOrderId === undefined ? undefined : this.log.orderState(po.created.vendorAccountId, po.vendorOrderId);
      if (options.endVendorOrders !== false && vendorOrderToEnd(vendorOrder)) {
        this.log.order(po.created.vendorAccountId, po.vendorOrderId!, { type: 'EndOrder', reason });
        this.unwind(po.created.vendorAccountId, po.vendorOrderId!, options);
        vendorOrder = this.log.orderState(po.created.vendorAccountId, po.vendorOrderId!);
      }
      if (options.endPurchaseOrders === false) continue;
      const ending = purchaseOrderEnding(po, vendorOrder);
      if (ending) this.log.purchaseOrder(accountId, linked.purchaseOrderId, { type: 'EndPurchaseOrder', reason, keepOpen: [...ending.keepOpen] });
    }
    return this;
  }

  // ---- facts -----------------------------------------------------------------------------

  /** What the order's POs will still bring; `exceptGrn` counts as inwarded (it is being inwarded now). */
  onOrderOf(accountId: string, order: OrderState, exceptGrn?: string): (sku: string) => number {
    const purchaseOrders = order.purchaseOrders
      .map((linked) => this.log.purchaseOrderState(accountId, linked.purchaseOrderId))
      .filter((po) => po.created !== undefined);
    return onOrderFrom(purchaseOrders, (grn, sku) => grn.grnId === exceptGrn || hasInwarded(this.log.binState(accountId, grn.binId), grn.grnId, sku));
  }

  /** Goods reserved for the order in its main location's bins, per SKU. */
  reservedFor(accountId: string, order: OrderState): Map<string, number> {
    const reserved = new Map<string, number>();
    for (const binId of binsForAssignment(this.log.accountState(accountId), MAIN_LOCATION_ID)) {
      const bin = this.log.binState(accountId, binId);
      for (const line of order.lines) {
        const held = heldFor(bin, line.sku, order.placed!.orderId).reserved;
        if (held > 0) reserved.set(line.sku, (reserved.get(line.sku) ?? 0) + held);
      }
    }
    return reserved;
  }
}
