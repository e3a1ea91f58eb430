/**
 * Events and folded states for the specs of the fulfilment rules: a seller S buying SKUs A and B
 * for its order o-1 from vendor V through PO po-1, whose vendor order is vo-1 in V's account.
 */
import { accountDecider, AccountState } from '../../src/account/account.decider';
import { orderDecider, OrderPlacedData, OrderState } from '../../src/order/order.decider';
import { AssignmentResult, OrderEvent } from '../../src/order/order.events';
import { purchaseOrderDecider, PurchaseOrderState } from '../../src/purchase-order/purchase-order.decider';
import { PurchaseOrderEvent } from '../../src/purchase-order/purchase-order.events';
import { fold } from '../../src/shared/decider';
import { OrderLine } from '../../src/shared/ids';
import { DEFAULT_SETTINGS, Settings } from '../../src/shared/settings';

export const RECEIVED_AT = '2024-05-01T10:00:00.000Z';

// ---- orders --------------------------------------------------------------------------------

export const orderPlaced = (overrides: Partial<OrderPlacedData> = {}): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId: 'o-1',
    accountId: 'S',
    lines: [
      { sku: 'A', quantity: 5 },
      { sku: 'B', quantity: 3 },
    ],
    requestHash: 'hash-1',
    awaitingApproval: false,
    ...overrides,
  },
});
export const approved: OrderEvent = { type: 'OrderApproved', data: {} };
export const roundRequested = (grnId?: string): OrderEvent => ({ type: 'InventoryAssignmentRequested', data: grnId === undefined ? {} : { grnId } });
export const roundCompleted = (round: number): OrderEvent => ({ type: 'InventoryAssignmentCompleted', data: { round } });
export const inventoryAssigned = (assignmentId: string, sku: string, quantity: number, binId = 'default'): OrderEvent => ({
  type: 'InventoryAssigned',
  data: { assignmentId, sku, locationId: 'main', binId, quantity, source: 'stock' },
});
export const orderHandedOver = (handoverId: string, lines: OrderLine[], binId = 'default'): OrderEvent => ({
  type: 'OrderHandedOver',
  data: { handoverId, lines, bins: lines.map(({ sku, quantity }) => ({ sku, locationId: 'main', binId, quantity })) },
});
export const orderCancelled: OrderEvent = { type: 'OrderCancelled', data: { bins: [] } };
export const orderClosedShort: OrderEvent = { type: 'OrderClosedShort', data: { reason: 'Purchase order closed' } };

export const orderOf = (events: readonly OrderEvent[]): OrderState => fold(orderDecider, events);

/** o-1 with A 2 assigned in round 1 (A waits for 3, B for 3). */
export const partlyAssigned: OrderEvent[] = [orderPlaced(), inventoryAssigned('r1-A', 'A', 2), roundCompleted(1)];

/** The vendor order vo-1 in V's account, opened for po-1 of S. */
export const vendorOrderPlaced = (lines: OrderLine[] = [{ sku: 'A', quantity: 3 }], overrides: Partial<OrderPlacedData> = {}): OrderEvent =>
  orderPlaced({
    orderId: 'vo-1',
    accountId: 'V',
    lines,
    source: { purchaseOrderId: 'po-1', sellerAccountId: 'S' },
    chain: ['S', 'V'],
    ...overrides,
  });

// ---- purchase orders -----------------------------------------------------------------------

export const poCreated = (lines: OrderLine[] = [{ sku: 'A', quantity: 3 }], chain?: string[]): PurchaseOrderEvent => ({
  type: 'PurchaseOrderCreated',
  data: {
    purchaseOrderId: 'po-1',
    sellerAccountId: 'S',
    vendorAccountId: 'V',
    sourceOrderId: 'o-1',
    lines,
    ...(chain === undefined ? {} : { chain }),
  },
});
export const vendorOrderLinked = (vendorOrderId = 'vo-1'): PurchaseOrderEvent => ({ type: 'VendorOrderLinked', data: { vendorOrderId } });
export const vendorOrderRefused = (reason = 'no panel'): PurchaseOrderEvent => ({ type: 'VendorOrderRefused', data: { reason } });
export const goodsReceived = (grnId: string, lines: OrderLine[], options: { handoverId?: string; binId?: string } = {}): PurchaseOrderEvent => ({
  type: 'GoodsReceived',
  data: {
    grnId,
    ...(options.handoverId === undefined ? {} : { handoverId: options.handoverId }),
    lines,
    locationId: 'main',
    binId: options.binId ?? 'default',
    receivedAt: RECEIVED_AT,
  },
});
export const poCancelled: PurchaseOrderEvent = { type: 'PurchaseOrderCancelled', data: { reason: 'Source order ended' } };
export const poClosed = (lines: { sku: string; closedQuantity: number }[]): PurchaseOrderEvent => ({
  type: 'PurchaseOrderClosed',
  data: { reason: 'Source order ended', lines },
});
export const manualGrnAwaited = (handoverId: string, lines: OrderLine[]): PurchaseOrderEvent => ({
  type: 'ManualGrnAwaited',
  data: { handoverId, lines },
});

export const poOf = (events: readonly PurchaseOrderEvent[]): PurchaseOrderState => fold(purchaseOrderDecider, events);

// ---- accounts ------------------------------------------------------------------------------

export const accountOf = (accountId: string, accountType: 'seller' | 'vendor', settings: Partial<Settings> = {}): AccountState =>
  fold(accountDecider, [
    {
      type: 'AccountOpened',
      data: {
        accountId,
        name: accountId,
        accountType,
        settings: { ...DEFAULT_SETTINGS, ...settings },
        apiKeyHash: 'c'.repeat(64),
        locationId: 'main',
        binId: 'default',
      },
    },
  ]);

/** A vendor that receives auto-created orders (new B2B flow, Advanced Vendor Panel). */
export const eligibleVendor = (accountId = 'V'): AccountState => accountOf(accountId, 'vendor', { isB2bNew: true, vendorPanelType: 2 });

// ---- assignments ---------------------------------------------------------------------------

export const stockResult = (assignmentId: string, sku: string, quantity: number, binId = 'default'): AssignmentResult => ({
  assignmentId,
  sku,
  locationId: 'main',
  binId,
  quantity,
  source: 'stock',
});
