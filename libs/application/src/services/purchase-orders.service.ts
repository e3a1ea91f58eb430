/**
 * Purchase orders: created for the pending quantity of a source order, and goods received on them
 * (GRNs). A GRN is decided by the PO first, then inwarded into the bin it names, reserved for the
 * PO's source order, and the source order assigns from it. Each step is recognised when repeated.
 */
import { DomainError } from '@app/domain/shared/decider';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID, OrderLine } from '@app/domain/shared/ids';
import { binStream, orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { orderStatus } from '@app/domain/order/order.decider';
import { crashPoint } from '@app/event-store';
import { OrderAggregate, PurchaseOrderAggregate, BinAggregate } from '../aggregates';
import { CommandContext, stepOf } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { OrdersService } from './orders.service';

export interface ReceivedGoods {
  readonly grnId: string;
  readonly handoverId?: string;
  readonly lines: readonly OrderLine[];
  readonly locationId: string;
  readonly binId: string;
}

export class PurchaseOrdersService {
  constructor(
    private readonly commands: CommandPath,
    private readonly orders: OrdersService,
  ) {}

  async createPurchaseOrder(
    sellerAccountId: string,
    input: { purchaseOrderId: string; vendorAccountId: string; sourceOrderId: string; lines: readonly OrderLine[]; chain?: readonly string[] },
    context: CommandContext,
  ) {
    return this.commands.handle(
      PurchaseOrderAggregate,
      purchaseOrderStream(sellerAccountId, input.purchaseOrderId),
      { type: 'CreatePurchaseOrder', sellerAccountId, ...input },
      context,
    );
  }

  /** A GRN on the PO (manual, or automatic on a vendor's handover), inwarded into the Default Bin. */
  async receiveGoods(
    sellerAccountId: string,
    purchaseOrderId: string,
    input: { grnId: string; handoverId?: string; lines: readonly OrderLine[] },
    context: CommandContext,
  ) {
    const received = await this.commands.handle(
      PurchaseOrderAggregate,
      purchaseOrderStream(sellerAccountId, purchaseOrderId),
      {
        type: 'ReceiveGoods',
        grnId: input.grnId,
        ...(input.handoverId === undefined ? {} : { handoverId: input.handoverId }),
        lines: input.lines,
        locationId: MAIN_LOCATION_ID,
        binId: DEFAULT_BIN_ID,
        receivedAt: context.occurredAt,
      },
      context,
    );
    const grn = received.state.grns.find((g) => g.grnId === input.grnId);
    if (!grn) throw new Error(`GRN ${input.grnId} is not on purchase order ${purchaseOrderId} after it was decided`);
    crashPoint('po:goods-received');
    await this.inwardGoods(sellerAccountId, purchaseOrderId, grn, context);
    return { grn, position: received.position };
  }

  /**
   * Puts a GRN's goods into its bin, reserved for the PO's source order, and has that order assign
   * from them. When the source order is cancelled the goods stay as free stock.
   */
  async inwardGoods(sellerAccountId: string, purchaseOrderId: string, grn: ReceivedGoods, context: CommandContext): Promise<void> {
    const { state: po } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(sellerAccountId, purchaseOrderId));
    const created = po.created;
    if (!created) throw new DomainError('not_found', 'PURCHASE_ORDER_NOT_FOUND', `Purchase order ${purchaseOrderId} does not exist`);
    const sourceOrderId = created.sourceOrderId;
    const source = await this.commands.load(OrderAggregate, orderStream(sellerAccountId, sourceOrderId));
    const reserve = source.revision !== undefined && orderStatus(source.state) !== 'CANCELLED';
    for (const line of grn.lines) {
      await this.commands.handle(
        BinAggregate,
        binStream(sellerAccountId, grn.locationId, grn.binId),
        {
          type: 'InwardGoods',
          grnId: grn.grnId,
          purchaseOrderId,
          sku: line.sku,
          quantity: line.quantity,
          ...(reserve ? { reservedForOrderId: sourceOrderId } : {}),
        },
        stepOf(context, `inward/${grn.grnId}/${line.sku}`),
      );
    }
    crashPoint('po:goods-inwarded');
    if (!reserve) return;
    const after = await this.commands.load(OrderAggregate, orderStream(sellerAccountId, sourceOrderId));
    if (orderStatus(after.state) === 'CANCELLED') {
      // Cancelled while the goods went in: they must not stay reserved for it.
      await this.orders.releaseAtBins(sellerAccountId, sourceOrderId, stepOf(context, `release/${grn.grnId}`));
      return;
    }
    await this.orders.assignOrder(sellerAccountId, sourceOrderId, stepOf(context, `assign/${grn.grnId}`), grn.grnId);
  }
}
