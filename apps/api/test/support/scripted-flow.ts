/**
 * A scripted run of the product through the API: accounts, bins, stock, orders of every status,
 * a purchase order with a partial GRN, a handover and a cancellation. Read-model specs use it.
 */
import { randomUUID } from 'node:crypto';
import { CommandBus } from '@nestjs/cqrs';
import { CreatePurchaseOrderCommand } from '@app/application/commands/commands';
import { ApiHarness } from './api-harness';

const expectStatus = (answer: { status: number; body: unknown }, status: number, what: string) => {
  if (answer.status !== status) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
};

export const runScriptedFlow = async (api: ApiHarness): Promise<void> => {
  await api.openAccount('seller', 'seller', { allowOrdersWithoutInventory: true });
  await api.openAccount('vendor', 'vendor', { isB2bNew: true, vendorPanelType: 2, orderApprovalRequired: true });
  expectStatus(await api.post('/accounts/seller/bins', { binId: 'b-2' }), 201, 'bin');
  expectStatus(await api.request('PUT', '/accounts/seller/products/SKU-A/vendor', { body: { vendorAccountId: 'vendor' } }), 200, 'map');
  await api.adjust('seller', 'SKU-A', 5);
  await api.adjust('seller', 'SKU-A', 2, 'b-2');
  await api.adjust('seller', 'SKU-B', 10);
  await api.adjust('vendor', 'SKU-A', 100);

  expectStatus(await api.post('/accounts/seller/orders', { orderId: 'ready', customer: 'Acme', lines: [{ sku: 'SKU-B', quantity: 4 }] }), 201, 'ready');
  expectStatus(
    await api.post('/accounts/seller/orders', { orderId: 'short', lines: [{ sku: 'SKU-A', quantity: 10 }, { sku: 'SKU-B', quantity: 1 }] }),
    201,
    'short',
  );
  expectStatus(await api.post('/accounts/seller/orders', { orderId: 'handed', lines: [{ sku: 'SKU-B', quantity: 3 }] }), 201, 'handed');
  expectStatus(await api.post('/accounts/seller/orders/handed/handover', { handoverId: 'h-1', lines: [{ sku: 'SKU-B', quantity: 1 }] }), 200, 'handover');
  expectStatus(await api.post('/accounts/seller/orders', { orderId: 'cancelled', lines: [{ sku: 'SKU-B', quantity: 1 }] }), 201, 'cancelled');
  expectStatus(await api.post('/accounts/seller/orders/cancelled/cancel'), 200, 'cancel');
  expectStatus(await api.post('/accounts/vendor/orders', { orderId: 'v-1', lines: [{ sku: 'SKU-A', quantity: 3 }] }), 201, 'vendor order');

  const id = randomUUID();
  await api.app.get(CommandBus).execute(
    new CreatePurchaseOrderCommand(
      'seller',
      { purchaseOrderId: 'po-1', vendorAccountId: 'vendor', sourceOrderId: 'short', lines: [{ sku: 'SKU-A', quantity: 3 }] },
      { commandId: id, correlationId: 'order-seller.short', causationId: id, actor: 'test', occurredAt: new Date().toISOString() },
    ),
  );
  expectStatus(await api.post('/accounts/seller/purchase-orders/po-1/grns', { grnId: 'grn-1', lines: [{ sku: 'SKU-A', quantity: 2 }] }), 201, 'grn');
  await api.settle();
};
