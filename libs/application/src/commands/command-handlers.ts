/** Thin handlers: build the call and hand it to the service that owns the flow. */
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountsService } from '../services/accounts.service';
import { InventoryService } from '../services/inventory.service';
import { OrdersService } from '../services/orders.service';
import { PurchaseOrdersService } from '../services/purchase-orders.service';
import { BackordersService } from '../services/backorders.service';
import {
  BuyShortfallCommand,
  CancelBackordersCommand,
  InwardHandoverCommand,
  OpenVendorOrderCommand,
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
  ReleaseAtBinsCommand,
  RunAssignmentRoundCommand,
  MapVendorCommand,
  OpenAccountCommand,
  PlaceOrderCommand,
  ReceiveGoodsCommand,
  UnmapVendorCommand,
} from './commands';

@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand> {
  constructor(private readonly accounts: AccountsService) {}
  execute(c: OpenAccountCommand) {
    return this.accounts.openAccount(c.input, c.context);
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

@CommandHandler(AdjustStockCommand)
export class AdjustStockHandler implements ICommandHandler<AdjustStockCommand> {
  constructor(private readonly inventory: InventoryService) {}
  execute(c: AdjustStockCommand) {
    return this.inventory.adjustStock(c.accountId, c.input, c.context);
  }
}

@CommandHandler(PlaceOrderCommand)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrderCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: PlaceOrderCommand) {
    return this.orders.placeOrder(c.accountId, c.input, c.context, { enforceStockPolicy: c.enforceStockPolicy });
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

@CommandHandler(HandOverOrderCommand)
export class HandOverOrderHandler implements ICommandHandler<HandOverOrderCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: HandOverOrderCommand) {
    return this.orders.handOverOrder(c.accountId, c.orderId, c.input, c.context);
  }
}

@CommandHandler(CancelOrderCommand)
export class CancelOrderHandler implements ICommandHandler<CancelOrderCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: CancelOrderCommand) {
    return this.orders.cancelOrder(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(ReceiveGoodsCommand)
export class ReceiveGoodsHandler implements ICommandHandler<ReceiveGoodsCommand> {
  constructor(private readonly purchaseOrders: PurchaseOrdersService) {}
  execute(c: ReceiveGoodsCommand) {
    return this.purchaseOrders.receiveGoods(c.accountId, c.purchaseOrderId, c.input, c.context);
  }
}

@CommandHandler(CreatePurchaseOrderCommand)
export class CreatePurchaseOrderHandler implements ICommandHandler<CreatePurchaseOrderCommand> {
  constructor(private readonly purchaseOrders: PurchaseOrdersService) {}
  execute(c: CreatePurchaseOrderCommand) {
    return this.purchaseOrders.createPurchaseOrder(c.sellerAccountId, c.input, c.context);
  }
}

@CommandHandler(RunAssignmentRoundCommand)
export class RunAssignmentRoundHandler implements ICommandHandler<RunAssignmentRoundCommand> {
  constructor(private readonly orders: OrdersService) {}
  async execute(c: RunAssignmentRoundCommand) {
    await this.orders.runAssignmentRound(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(HandOverAtBinsCommand)
export class HandOverAtBinsHandler implements ICommandHandler<HandOverAtBinsCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: HandOverAtBinsCommand) {
    return this.orders.handOverAtBins(c.accountId, c.orderId, c.handoverId, c.bins, c.context);
  }
}

@CommandHandler(ReleaseAtBinsCommand)
export class ReleaseAtBinsHandler implements ICommandHandler<ReleaseAtBinsCommand> {
  constructor(private readonly orders: OrdersService) {}
  execute(c: ReleaseAtBinsCommand) {
    return this.orders.releaseAtBins(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(InwardGoodsCommand)
export class InwardGoodsHandler implements ICommandHandler<InwardGoodsCommand> {
  constructor(private readonly purchaseOrders: PurchaseOrdersService) {}
  execute(c: InwardGoodsCommand) {
    return this.purchaseOrders.inwardGoods(c.accountId, c.purchaseOrderId, c.grn, c.context);
  }
}

@CommandHandler(BuyShortfallCommand)
export class BuyShortfallHandler implements ICommandHandler<BuyShortfallCommand> {
  constructor(private readonly backorders: BackordersService) {}
  execute(c: BuyShortfallCommand) {
    return this.backorders.buyShortfall(c.accountId, c.orderId, c.context);
  }
}

@CommandHandler(OpenVendorOrderCommand)
export class OpenVendorOrderHandler implements ICommandHandler<OpenVendorOrderCommand> {
  constructor(private readonly backorders: BackordersService) {}
  execute(c: OpenVendorOrderCommand) {
    return this.backorders.openVendorOrder(c.sellerAccountId, c.purchaseOrderId, c.context);
  }
}

@CommandHandler(InwardHandoverCommand)
export class InwardHandoverHandler implements ICommandHandler<InwardHandoverCommand> {
  constructor(private readonly backorders: BackordersService) {}
  execute(c: InwardHandoverCommand) {
    return this.backorders.inwardHandover(c.vendorAccountId, c.vendorOrderId, c.handoverId, c.context);
  }
}

@CommandHandler(CancelBackordersCommand)
export class CancelBackordersHandler implements ICommandHandler<CancelBackordersCommand> {
  constructor(private readonly backorders: BackordersService) {}
  execute(c: CancelBackordersCommand) {
    return this.backorders.cancelBackorders(c.accountId, c.orderId, c.context);
  }
}

export const COMMAND_HANDLERS = [
  BuyShortfallHandler,
  OpenVendorOrderHandler,
  InwardHandoverHandler,
  CancelBackordersHandler,
  RunAssignmentRoundHandler,
  HandOverAtBinsHandler,
  ReleaseAtBinsHandler,
  InwardGoodsHandler,
  OpenAccountHandler,
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
];
