/**
 * Assignment spans a bin stream and an order stream without a cross-stream transaction. A crash
 * between the two appends (kill -9 at a fault-injection point) must leave a log the restarted
 * service finishes, with nothing doubled and nothing lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '@app/event-store';
import { ChildApi, readLog, waitForLog } from './support/child-api';

const ofType = (events: RecordedEvent[], streamName: string, type: string) =>
  events.filter((e) => e.streamName === streamName && e.type === type);
const quantity = (events: RecordedEvent[]) => events.reduce((sum, e) => sum + (e.data as { quantity: number }).quantity, 0);

describe('recovery from a crash between the bin and the order', () => {
  let dir: string;
  let path: string;
  let running: ChildApi | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recovery-'));
    path = join(dir, 'events.sqlite');
  });
  afterEach(async () => {
    await running?.kill();
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const setUp = async (api: ChildApi) => {
    expect(await api.request('POST', '/accounts', { accountId: 'seller', name: 'S', type: 'seller', settings: { allowOrdersWithoutInventory: true } })).toMatchObject({ status: 201 });
    expect(await api.request('POST', '/accounts/seller/bins', { binId: 'b-2' })).toMatchObject({ status: 201 });
    expect(await api.request('POST', '/accounts/seller/inventory/adjustments', { sku: 'SKU', quantity: 3 })).toMatchObject({ status: 201 });
    expect(await api.request('POST', '/accounts/seller/inventory/adjustments', { sku: 'SKU', quantity: 4, binId: 'b-2' })).toMatchObject({ status: 201 });
  };

  it('finishes an assignment round after a kill -9 between the bins assigning and the order recording it', async () => {
    running = await ChildApi.start(path, { FAULT_CRASH_AT: 'order:round-assigned-in-bins' });
    await setUp(running);
    const placing = await running.request('POST', '/accounts/seller/orders', { orderId: 'o-1', lines: [{ sku: 'SKU', quantity: 5 }] });
    expect(placing).toHaveProperty('failed');
    expect(await running.exited).toMatchObject({ signal: 'SIGKILL' });

    // What the crash left: both bins assigned, the order knows nothing of it.
    const left = await readLog(path);
    expect(quantity(ofType(left, 'bin-seller.main.default', 'StockAssigned'))).toBe(3);
    expect(quantity(ofType(left, 'bin-seller.main.b-2', 'StockAssigned'))).toBe(2);
    expect(ofType(left, 'order-seller.o-1', 'InventoryAssigned')).toHaveLength(0);

    running = await ChildApi.start(path);
    const done = await waitForLog(path, (events) => ofType(events, 'order-seller.o-1', 'InventoryAssignmentCompleted').length === 1);
    expect(ofType(done, 'bin-seller.main.default', 'StockAssigned')).toHaveLength(1);
    expect(ofType(done, 'bin-seller.main.b-2', 'StockAssigned')).toHaveLength(1);
    const recorded = ofType(done, 'order-seller.o-1', 'InventoryAssigned');
    expect(recorded.map((e) => [(e.data as { binId: string }).binId, (e.data as { quantity: number }).quantity])).toEqual([
      ['default', 3],
      ['b-2', 2],
    ]);

    // The same request again answers the finished order and writes nothing.
    const before = (await readLog(path)).length;
    const again = await running.request('POST', '/accounts/seller/orders', { orderId: 'o-1', lines: [{ sku: 'SKU', quantity: 5 }] });
    expect(again).toMatchObject({ status: 201, body: { status: 'READY', lines: [{ sku: 'SKU', quantity: 5, assigned: 5, pending: 0 }] } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await readLog(path)).length).toBe(before);
  });

  it('finishes a round after a kill -9 right after the order was placed', async () => {
    running = await ChildApi.start(path, { FAULT_CRASH_AT: 'order:placed' });
    await setUp(running);
    expect(await running.request('POST', '/accounts/seller/orders', { orderId: 'o-2', lines: [{ sku: 'SKU', quantity: 2 }] })).toHaveProperty('failed');
    await running.exited;
    expect(ofType(await readLog(path), 'bin-seller.main.default', 'StockAssigned')).toHaveLength(0);

    running = await ChildApi.start(path);
    const done = await waitForLog(path, (events) => ofType(events, 'order-seller.o-2', 'InventoryAssignmentCompleted').length === 1);
    expect(quantity(ofType(done, 'order-seller.o-2', 'InventoryAssigned'))).toBe(2);
    expect(quantity(ofType(done, 'bin-seller.main.default', 'StockAssigned'))).toBe(2);
  });

  it('carries a handover to the bins after a kill -9 between the order and the bins', async () => {
    running = await ChildApi.start(path);
    await setUp(running);
    expect(await running.request('POST', '/accounts/seller/orders', { orderId: 'o-3', lines: [{ sku: 'SKU', quantity: 4 }] })).toMatchObject({ status: 201 });
    await running.kill();

    running = await ChildApi.start(path, { FAULT_CRASH_AT: 'order:handed-over' });
    expect(await running.request('POST', '/accounts/seller/orders/o-3/handover', { handoverId: 'h-1' })).toHaveProperty('failed');
    await running.exited;
    expect(ofType(await readLog(path), 'bin-seller.main.default', 'StockHandedOver')).toHaveLength(0);

    running = await ChildApi.start(path);
    const done = await waitForLog(
      path,
      (events) => ofType(events, 'bin-seller.main.default', 'StockHandedOver').length + ofType(events, 'bin-seller.main.b-2', 'StockHandedOver').length === 2,
    );
    expect(quantity(ofType(done, 'bin-seller.main.default', 'StockHandedOver'))).toBe(3);
    expect(quantity(ofType(done, 'bin-seller.main.b-2', 'StockHandedOver'))).toBe(1);
    const stock = await running.request('POST', '/accounts/seller/inventory/adjustments', { sku: 'SKU', quantity: 1 });
    expect(stock).toMatchObject({ status: 201, body: { onHand: 1, assigned: 0 } });
  });
});
