/** Thin handlers: build the call and hand it to the service that owns the flow. */
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountsService } from '../services/accounts.service';
import { InventoryService } from '../services/inventory.service';
import { OrdersService } from '../services/orders.service';
import { PurchaseOrdersService } from '../services/purchase-orders.service';
import { FulfilmentService } from '../services/fulfilment.service';
import { FulfilmentProgress } from '../services/fulfilment-progress';
import { ClosingShortSteps } from '../services/closing-short.steps';
import { binStream, orderStream, purchaseOrderStream } from '@app/domain/shared/streams';
import { LINE_CHANGE_HANDLERS } from './line-change.handlers';
import { ALLOCATION_HANDLERS } from './allocation.handlers';
import { EXPECTED_DATES_HANDLERS } from './expected-dates.handlers';
import {
  BuyShortfallCommand,
  InwardHandoverCommand,
  OpenVendorOrderCommand,
  UnwindOrderCommand,
  AddBinCommand,
  AdjustStockCommand,
  ApproveOrderCommand,
  AssignOrderCommand,
  CancelOrderCommand,
  ChangeSettingsCommand,
  CreatePurchaseOrderCommand,
  HandOverAtBinsCommand,
  HandOverOrderCommand,
  InwardGoodsCommand,
  MapVendorCommand,
  OpenAccountCommand,
  PlaceOrderCommand,
  RotateApiKeyCommand,
  ReceiveGoodsCommand,
  UnmapVendorCommand,
  RankVendorsCommand,
  CloseOrderShortCommand,
  ClosePurchaseOrderCommand,
  CloseForEndedVendorOrderCommand,
  ClosePurchaseOrderOnRequestCommand,
  SourceAgainCommand,
} from './commands';

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: OpenAccountCommand) {
    return this.accounts.openAccount(c.input, c.context);
  }
}

@CommandHandler(RotateApiKeyCommand)
export class RotateApiKeyHandler implements ICommandHandler<RotateApiKeyCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: RotateApiKeyCommand) {
    return this.accounts.rotateApiKey(c.accountId, c.context);
  }
}

@CommandHandler(ChangeSettingsCommand)
export class ChangeSettingsHandler implements ICommandHandler<ChangeSettingsCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: ChangeSettingsCommand) {
    return this.accounts.changeSettings(c.accountId, c.changes, c.context);
  }
}

@CommandHandler(AddBinCommand)
export class AddBinHandler implements ICommandHandler<AddBinCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: AddBinCommand) {
    return this.accounts.addBin(c.accountId, c.locationId, c.binId, c.context);
  }
}

@CommandHandler(MapVendorCommand)
export class MapVendorHandler implements ICommandHandler<MapVendorCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: MapVendorCommand) {
    return this.accounts.mapVendor(c.accountId, c.sku, c.vendorAccountId, c.context);
  }
}

@CommandHandler(UnmapVendorCommand)
export class UnmapVendorHandler implements ICommandHandler<UnmapVendorCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: UnmapVendorCommand) {
    return this.accounts.unmapVendor(c.accountId, c.sku, c.context);
  }
}

/** The adjustment is the bin's; the answer waits until the allocation gave what it freed to waiting orders, and shows the stock then. */
@CommandHandler(AdjustStockCommand)
export class AdjustStockHandler implements ICommandHandler<AdjustStockCommand> {
  constructor(
    private readonly inventory: InventoryService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: AdjustStockCommand) {
    const adjusted = await this.inventory.adjustStock(c.accountId, c.input, c.context);
    if (adjusted.position === undefined || c.input.quantity <= 0) return adjusted;
    await this.progress.awaitAllocation(binStream(c.accountId, c.input.locationId, c.input.binId), adjusted.position, c.context);
    return { ...adjusted, stock: await this.inventory.stockIn(c.accountId, c.input.locationId, c.input.binId, c.input.sku, c.context) };
  }
}

@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: PlaceOrderCommand) {
    return this.orders.placeOrder(c.accountId, c.input, c.context);
  }
}

@CommandHandler(ApproveOrderCommand)
export class ApproveOrderHandler implements ICommandHandler<ApproveOrderCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: ApproveOrderCommand) {
    return this.orders.approveOrder(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(AssignOrderCommand)
export class AssignOrderHandler implements ICommandHandler<AssignOrderCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: AssignOrderCommand) {
    return this.orders.assignOrder(c.accountId, c.orderId, c.context);
  }
}

/** The handover is the order's; the answer waits until the process manager carried it to the bins (and to the PO). */
@CommandHandler(HandOverOrderCommand)
export class HandOverOrderHandler implements ICommandHandler<HandOverOrderCommand> {
  constructor(
    private readonly orders: OrdersService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: HandOverOrderCommand) {
    const handed = await this.orders.handOverOrder(c.accountId, c.orderId, c.input, c.context);
    if (handed.position !== undefined) await this.progress.awaitSteps(orderStream(c.accountId, c.orderId), handed.position, c.context);
    return handed;
  }
}

/** The cancellation is the order's; the answer waits until the process manager released its stock. */
@CommandHandler(CancelOrderCommand)
export class CancelOrderHandler implements ICommandHandler<CancelOrderCommand> {
  constructor(
    private readonly orders: OrdersService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: CancelOrderCommand) {
    const answer = await this.orders.cancelOrder(c.accountId, c.orderId, c.context);
    if (answer.position !== undefined) await this.progress.awaitSteps(orderStream(c.accountId, c.orderId), answer.position, c.context);
    return answer;
  }
}

/** A manual GRN is the PO's; the answer waits until the process manager inwarded it and the order took it. */
@CommandHandler(ReceiveGoodsCommand)
export class ReceiveGoodsHandler implements ICommandHandler<ReceiveGoodsCommand> {
  constructor(
    private readonly purchaseOrders: PurchaseOrdersService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: ReceiveGoodsCommand) {
    const received = await this.purchaseOrders.receiveGoods(c.accountId, c.purchaseOrderId, c.input, c.context);
    if (received.position !== undefined) {
      await this.progress.awaitSteps(purchaseOrderStream(c.accountId, c.purchaseOrderId), received.position, c.context, { andAllocation: true });
    }
    return received;
  }
}

@CommandHandler(CreatePurchaseOrderCommand)
export class CreatePurchaseOrderHandler implements ICommandHandler<CreatePurchaseOrderCommand> {
  constructor(private readonly purchaseOrders: PurchaseOrdersService) {}
  execute(c: CreatePurchaseOrderCommand) {
    return this.purchaseOrders.createPurchaseOrder(c.sellerAccountId, c.input, c.context);
  }
}

@CommandHandler(BuyShortfallCommand)
export class BuyShortfallHandler implements ICommandHandler<BuyShortfallCommand> {
  constructor(private readonly fulfilment: FulfilmentService) {}
  execute(c: BuyShortfallCommand) {
    return this.fulfilment.buyShortfall(c.accountId, c.orderId, c.round, c.context);
  }
}

@CommandHandler(OpenVendorOrderCommand)
export class OpenVendorOrderHandler implements ICommandHandler<OpenVendorOrderCommand> {
  constructor(private readonly fulfilment: FulfilmentService) {}
  execute(c: OpenVendorOrderCommand) {
    return this.fulfilment.openVendorOrder(c.sellerAccountId, c.purchaseOrderId, c.context);
  }
}

@CommandHandler(HandOverAtBinsCommand)
export class HandOverAtBinsHandler implements ICommandHandler<HandOverAtBinsCommand> {
  constructor(private readonly fulfilment: FulfilmentService) {}
  execute(c: HandOverAtBinsCommand) {
    return this.fulfilment.handOverAtBins(c.accountId, c.orderId, c.handoverId, c.bins, c.context);
  }
}

@CommandHandler(InwardHandoverCommand)
export class InwardHandoverHandler implements ICommandHandler<InwardHandoverCommand> {
  constructor(private readonly fulfilment: FulfilmentService) {}
  execute(c: InwardHandoverCommand) {
    return this.fulfilment.inwardHandover(c.vendorAccountId, c.vendorOrderId, c.handoverId, c.context);
  }
}

@CommandHandler(InwardGoodsCommand)
export class InwardGoodsHandler implements ICommandHandler<InwardGoodsCommand> {
  constructor(private readonly fulfilment: FulfilmentService) {}
  execute(c: InwardGoodsCommand) {
    return this.fulfilment.inwardGoods(c.accountId, c.purchaseOrderId, c.grnId, c.context);
  }
}

@CommandHandler(UnwindOrderCommand)
export class UnwindOrderHandler implements ICommandHandler<UnwindOrderCommand> {
  constructor(private readonly fulfilment: FulfilmentService) {}
  execute(c: UnwindOrderCommand) {
    return this.fulfilment.unwindOrder(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(RankVendorsCommand)
export class RankVendorsHandler implements ICommandHandler<RankVendorsCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: RankVendorsCommand) {
    return this.accounts.rankVendors(c.accountId, c.sku, c.vendors, c.context);
  }
}

/** Closing short is the order's; the answer waits until the process manager released its stock and closed its PO. */
@CommandHandler(CloseOrderShortCommand)
export class CloseOrderShortHandler implements ICommandHandler<CloseOrderShortCommand> {
  constructor(
    private readonly orders: OrdersService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: CloseOrderShortCommand) {
    const closed = await this.orders.closeOrderShort(c.accountId, c.orderId, c.reason, c.context);
    if (closed.position === undefined) return closed;
    await this.progress.awaitSteps(orderStream(c.accountId, c.orderId), closed.position, c.context);
    return this.orders.current(c.accountId, c.orderId, c.context);
  }
}

/** The close request is the PO's; the answer waits until the process manager ended its vendor order and closed it. */
@CommandHandler(ClosePurchaseOrderCommand)
export class ClosePurchaseOrderHandler implements ICommandHandler<ClosePurchaseOrderCommand> {
  constructor(
    private readonly purchaseOrders: PurchaseOrdersService,
    private readonly progress: FulfilmentProgress,
  ) {}
  async execute(c: ClosePurchaseOrderCommand) {
    const requested = await this.purchaseOrders.requestClose(c.accountId, c.purchaseOrderId, c.reason, c.context);
    if (requested.position === undefined) return requested;
    await this.progress.awaitSteps(purchaseOrderStream(c.accountId, c.purchaseOrderId), requested.position, c.context);
    return this.purchaseOrders.current(c.accountId, c.purchaseOrderId, c.context);
  }
}

@CommandHandler(CloseForEndedVendorOrderCommand)
export class CloseForEndedVendorOrderHandler implements ICommandHandler<CloseForEndedVendorOrderCommand> {
  constructor(private readonly steps: ClosingShortSteps) {}
  execute(c: CloseForEndedVendorOrderCommand) {
    return this.steps.closeForEndedVendorOrder(c.vendorAccountId, c.vendorOrderId, c.context);
  }
}

@CommandHandler(ClosePurchaseOrderOnRequestCommand)
export class ClosePurchaseOrderOnRequestHandler implements ICommandHandler<ClosePurchaseOrderOnRequestCommand> {
  constructor(private readonly steps: ClosingShortSteps) {}
  execute(c: ClosePurchaseOrderOnRequestCommand) {
    return this.steps.closeOnRequest(c.sellerAccountId, c.purchaseOrderId, c.context);
  }
}

@CommandHandler(SourceAgainCommand)
export class SourceAgainHandler implements ICommandHandler<SourceAgainCommand> {
  constructor(private readonly steps: ClosingShortSteps) {}
  execute(c: SourceAgainCommand) {
    return this.steps.sourceAgain(c.sellerAccountId, c.purchaseOrderId, c.context);
  }
}

export const COMMAND_HANDLERS = [
  RankVendorsHandler,
  CloseOrderShortHandler,
  ClosePurchaseOrderHandler,
  CloseForEndedVendorOrderHandler,
  ClosePurchaseOrderOnRequestHandler,
  SourceAgainHandler,
  ...ALLOCATION_HANDLERS,
  BuyShortfallHandler,
  OpenVendorOrderHandler,
  HandOverAtBinsHandler,
  InwardHandoverHandler,
  InwardGoodsHandler,
  UnwindOrderHandler,
  OpenAccountHandler,
  RotateApiKeyHandler,
  ChangeSettingsHandler,
  AddBinHandler,
  MapVendorHandler,
  UnmapVendorHandler,
  AdjustStockHandler,
  PlaceOrderHandler,
  ApproveOrderHandler,
  AssignOrderHandler,
  HandOverOrderHandler,
  CancelOrderHandler,
  ReceiveGoodsHandler,
  CreatePurchaseOrderHandler,
  ...LINE_CHANGE_HANDLERS,
  ...EXPECTED_DATES_HANDLERS,
];
