/**
 * The commands of the write side, as `@nestjs/cqrs` commands. Controllers and processors send them
 * through the CommandBus; each handler is thin and calls the service that owns the flow.
 */
import { Command } from '@nestjs/cqrs';
import { AccountType, OrderLine } from '@app/domain/shared/ids';
import { SettingsPatch } from '@app/domain/shared/settings';
import { CommandContext } from '../command-path/command-context';
import type { AccountsService } from '../services/accounts.service';
import type { InventoryService } from '../services/inventory.service';
import type { OrderAnswer, PlaceOrderInput } from '../services/orders.service';
import type { PurchaseOrdersService } from '../services/purchase-orders.service';
import type { OrdersService } from '../services/orders.service';
import type { RankedVendor } from '@app/domain/account/account.events';

type Result<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export class OpenAccountCommand extends Command<Result<AccountsService['openAccount']>> {
  constructor(
    readonly input: { accountId: string; name: string; accountType: AccountType; settings: SettingsPatch },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class RotateApiKeyCommand extends Command<Result<AccountsService['rotateApiKey']>> {
  constructor(
    readonly accountId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ChangeSettingsCommand extends Command<Result<AccountsService['changeSettings']>> {
  constructor(
    readonly accountId: string,
    readonly changes: SettingsPatch,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class AddBinCommand extends Command<Result<AccountsService['addBin']>> {
  constructor(
    readonly accountId: string,
    readonly locationId: string,
    readonly binId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class MapVendorCommand extends Command<Result<AccountsService['mapVendor']>> {
  constructor(
    readonly accountId: string,
    readonly sku: string,
    readonly vendorAccountId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class UnmapVendorCommand extends Command<Result<AccountsService['unmapVendor']>> {
  constructor(
    readonly accountId: string,
    readonly sku: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class AdjustStockCommand extends Command<Result<InventoryService['adjustStock']>> {
  constructor(
    readonly accountId: string,
    readonly input: { adjustmentId: string; sku: string; quantity: number; locationId: string; binId: string; reason?: string },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class PlaceOrderCommand extends Command<OrderAnswer> {
  constructor(
    readonly accountId: string,
    readonly input: PlaceOrderInput,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ApproveOrderCommand extends Command<OrderAnswer> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class AssignOrderCommand extends Command<OrderAnswer> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class HandOverOrderCommand extends Command<Result<OrdersService['handOverOrder']>> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly input: { handoverId: string; lines?: readonly OrderLine[] },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class CancelOrderCommand extends Command<OrderAnswer> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ReceiveGoodsCommand extends Command<Result<PurchaseOrdersService['receiveGoods']>> {
  constructor(
    readonly accountId: string,
    readonly purchaseOrderId: string,
    readonly input: { grnId: string; lines: readonly OrderLine[] },
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class CreatePurchaseOrderCommand extends Command<Result<PurchaseOrdersService['createPurchaseOrder']>> {
  constructor(
    readonly sellerAccountId: string,
    readonly input: { purchaseOrderId: string; vendorAccountId: string; sourceOrderId: string; lines: readonly OrderLine[]; chain?: readonly string[] },
    readonly context: CommandContext,
  ) {
    super();
  }
}

// ---- the steps of the fulfilment process manager (each recognised when already taken) ---------

// ---- the steps of the allocation process manager (sagas/allocation.saga.ts) ----------------------

/** The order joins its account's allocation queue, ranked from where its OrderPlaced stands (`sequence`). */
export class QueueOrderForAllocationCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly sequence: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** An order that ended leaves the allocation queue. */
export class LeaveAllocationQueueCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Free stock of these SKUs goes to the account's waiting orders by the allocation rule. */
export class AllocateFreeStockCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly skus: readonly string[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The order's open round (allocation of free stock first): run by the allocation process manager. */
export class RunAssignmentRoundCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class BuyShortfallCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    /** The assignment round whose shortfall is bought. */
    readonly round: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class OpenVendorOrderCommand extends Command<void> {
  constructor(
    readonly sellerAccountId: string,
    readonly purchaseOrderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class HandOverAtBinsCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly handoverId: string,
    readonly bins: readonly { sku: string; locationId: string; binId: string; quantity: number }[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class InwardHandoverCommand extends Command<void> {
  constructor(
    readonly vendorAccountId: string,
    readonly vendorOrderId: string,
    readonly handoverId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class InwardGoodsCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly purchaseOrderId: string,
    readonly grnId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class UnwindOrderCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

// ---- ranked vendors, closing short and sourcing again --------------------------------------

export class RankVendorsCommand extends Command<Result<AccountsService['rankVendors']>> {
  constructor(
    readonly accountId: string,
    readonly sku: string,
    readonly vendors: readonly RankedVendor[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** `POST …/orders/{o}/close-short`: answered once the process manager released its stock and closed its PO. */
export class CloseOrderShortCommand extends Command<OrderAnswer> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** `POST …/purchase-orders/{p}/close`: answered once the process manager closed it. */
export class ClosePurchaseOrderCommand extends Command<Result<PurchaseOrdersService['requestClose']>> {
  constructor(
    readonly accountId: string,
    readonly purchaseOrderId: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Process manager: a vendor order ended, so the PO it was opened for closes short. */
export class CloseForEndedVendorOrderCommand extends Command<void> {
  constructor(
    readonly vendorAccountId: string,
    readonly vendorOrderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Process manager: the seller asked to close the PO. */
export class ClosePurchaseOrderOnRequestCommand extends Command<void> {
  constructor(
    readonly sellerAccountId: string,
    readonly purchaseOrderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Process manager: a PO closed short, so its source order sources the rest again. */
export class SourceAgainCommand extends Command<void> {
  constructor(
    readonly sellerAccountId: string,
    readonly purchaseOrderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** `PATCH …/orders/{o}/lines/{sku}`: the line's new quantity; answers the order once the process manager carried the change. */
export class ChangeOrderLineCommand extends Command<OrderAnswer> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly sku: string,
    readonly quantity: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Process manager: carries line change `change` of the order to its POs, their vendor orders and its reserved goods. */
export class CarryOutLineChangeCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly change: number,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Process manager: units an order gave back (InventoryReleased) become free stock in their bins. */
export class ReleaseAtBinsCommand extends Command<void> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    readonly releaseId: string,
    readonly sku: string,
    readonly bins: readonly { locationId: string; binId: string; quantity: number }[],
    readonly context: CommandContext,
  ) {
    super();
  }
}

// ---- expected dates ----------------------------------------------------------------------------

/** `POST …/orders/{o}/promise` on a vendor order: answers once the process manager moved its PO's expectedAt. */
export class PromiseDeliveryCommand extends Command<PromiseAnswer> {
  constructor(
    readonly accountId: string,
    readonly orderId: string,
    /** ISO 8601 in UTC. */
    readonly promisedAt: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export interface PromiseAnswer {
  readonly orderId: string;
  readonly promisedAt: string;
  readonly source: { readonly purchaseOrderId: string; readonly sellerAccountId: string };
  /** The PO's expectedAt once the process manager moved it. */
  readonly expectedAt?: string;
}

/** Process manager: a vendor order's promise or eta moved, so its PO's expectedAt follows. */
export class MoveExpectedAtForVendorOrderCommand extends Command<void> {
  constructor(
    readonly vendorAccountId: string,
    readonly vendorOrderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Process manager: a PO's expectedAt or what it still brings changed, so its source order records it. */
export class RecordPurchaseOrderProgressCommand extends Command<void> {
  constructor(
    readonly sellerAccountId: string,
    readonly purchaseOrderId: string,
    readonly context: CommandContext,
  ) {
    super();
  }
}
