/**
 * Purchase orders: created for the pending quantity of a source order, and goods received on them
 * (GRNs). A GRN is decided by the PO alone; putting its goods into the bin, reserved for the source
 * order, and assigning them is the fulfilment process manager's next step.
 */
import { PurchaseOrderAggregate } from '@app/domain/aggregates';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID, OrderLine } from '@app/domain/shared/ids';
import { purchaseOrderStream } from '@app/domain/shared/streams';
import { DomainError } from '@app/domain/shared/decider';
import { crashPoint } from '@app/event-store';
import { CommandContext } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';

export class PurchaseOrdersService {
  constructor(private readonly commands: CommandPath) {}

  async createPurchaseOrder(
    sellerAccountId: string,
    input: {
      purchaseOrderId: string;
      vendorAccountId: string;
      sourceOrderId: string;
      lines: readonly OrderLine[];
      chain?: readonly string[];
      expectedAt?: string;
      rounding?: readonly { sku: string; surplus: number }[];
    },
    context: CommandContext,
  ) {
    return this.commands.handle(
      PurchaseOrderAggregate,
      purchaseOrderStream(sellerAccountId, input.purchaseOrderId),
      { type: 'CreatePurchaseOrder', sellerAccountId, ...input },
      context,
    );
  }

  /**
   * A GRN on the PO (manual, or automatic on a vendor's handover: then `upToOpen`, receiving no
   * more than is still open), into the Default Bin of the main location.
   */
  async receiveGoods(
    sellerAccountId: string,
    purchaseOrderId: string,
    input: { grnId: string; handoverId?: string; lines: readonly OrderLine[]; upToOpen?: boolean },
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
        ...(input.upToOpen ? { upToOpen: true } : {}),
      },
      context,
    );
    crashPoint('po:goods-received');
    return { grn: received.state.grns.find((g) => g.grnId === input.grnId), position: received.position };
  }

  /** The seller's close request; the process manager ends the vendor order and closes the PO. */
  async requestClose(sellerAccountId: string, purchaseOrderId: string, reason: string, context: CommandContext) {
    const handled = await this.commands.handle(
      PurchaseOrderAggregate,
      purchaseOrderStream(sellerAccountId, purchaseOrderId),
      { type: 'RequestPurchaseOrderClose', reason },
      context,
    );
    return { state: handled.state, position: handled.position };
  }

  /** The PO as it stands (404 when it does not exist). */
  async current(sellerAccountId: string, purchaseOrderId: string, context?: CommandContext) {
    const { state, position } = await this.commands.load(PurchaseOrderAggregate, purchaseOrderStream(sellerAccountId, purchaseOrderId), context ? { context } : {});
    if (!state.created) throw new DomainError('not_found', 'PURCHASE_ORDER_NOT_FOUND', `Purchase order ${purchaseOrderId} does not exist`);
    return { state, position };
  }
}
