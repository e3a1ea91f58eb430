import { BinAggregate, parseRecordedEvent } from '@app/domain/aggregates';
import { stockOf } from '@app/domain/bin/bin.decider';
import { DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '@app/domain/shared/ids';
import { binStream } from '@app/domain/shared/streams';
/**
 * The command endpoints as SPEC.md describes them, verified through their answers and the event
 * log. Every successful answer is also checked for `X-Event-Position` (a decimal string at or after
 * the last event the command wrote, and not after the head of the log).
 */
import { purchaseOrderIdFor } from '@app/domain/fulfilment/ids';
import { RecordedEvent } from '@app/event-store';
import { Answer, ApiHarness } from './support/api-harness';

type Sent<T = any> = Answer<T> & { written: RecordedEvent[] };

const DEFAULT_SETTINGS = {
  allowOrdersWithoutInventory: false,
  autoPoVendorLevel: false,
  autoGrnThroughBackOrder: false,
  orderApprovalRequired: false,
  isB2bNew: false,
  vendorPanelType: 1,
};

const data = (event: RecordedEvent) => event.data as Record<string, any>;

describe('command endpoints', () => {
  let api: ApiHarness;

  beforeEach(async () => {
    api = await ApiHarness.start();
  });
  afterEach(() => api.stop());

  const headPosition = async (): Promise<bigint> => {
    const events = await api.allEvents();
    return events.length === 0 ? -1n : events[events.length - 1]!.position;
  };

  /**
   * Sends a command; on success checks `X-Event-Position` against the events it wrote. Answers
   * with the events appended meanwhile.
   */
  const send = async <T = any>(method: string, url: string, body?: unknown, token?: string): Promise<Sent<T>> => {
    // What the sagas still had to do for earlier commands is done first: only this one writes now.
    await api.settle(50);
    const head = await headPosition();
    const answer = await api.request<T>(method, url, { ...(body === undefined ? {} : { body }), ...(token === undefined ? {} : { token }) });
    const all = await api.allEvents();
    const written = all.filter((e) => e.position > head);
    if (answer.status >= 200 && answer.status < 300) {
      const header = answer.headers['x-event-position'];
      expect({ url, header }).toEqual({ url, header: expect.stringMatching(/^(0|[1-9][0-9]*)$/) });
      const position = BigInt(header as string);
      const own = written.filter((e) => !String(e.metadata['actor']).startsWith('processor:'));
      const lastOwn = own.length === 0 ? undefined : own[own.length - 1]!.position;
      const logHead = all.length === 0 ? -1n : all[all.length - 1]!.position;
      expect({
        url,
        header,
        lastWritten: String(lastOwn),
        atOrAfterLastWritten: lastOwn === undefined || position >= lastOwn,
        notBeyondLog: position <= logHead,
      }).toMatchObject({ atOrAfterLastWritten: true, notBeyondLog: true });
    }
    return { ...answer, written };
  };
  const post = <T = any>(url: string, body?: unknown, token?: string) => send<T>('POST', url, body, token);

  const expectProblem = (answer: Sent, status: number, code?: string) => {
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { status, ...(code ? { code } : {}) } });
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.written).toEqual([]);
  };

  const openSeller = (accountId: string, settings: Record<string, unknown> = {}) => api.openAccount(accountId, 'seller', settings);
  const openVendor = (accountId: string, settings: Record<string, unknown> = {}) => api.openAccount(accountId, 'vendor', settings);

  /** The bin's figures for the SKU, folded from its stream (an adjustment to read them would be given out to waiting orders). */
  const stockAfter = async (accountId: string, sku: string, binId?: string) => {
    await api.settle(50);
    const events = (await api.allEvents()).filter((e) => e.streamName === binStream(accountId, MAIN_LOCATION_ID, binId ?? DEFAULT_BIN_ID));
    const { onHand, assigned, reserved, available } = stockOf(
      events.map((e) => parseRecordedEvent(BinAggregate, e)).reduce(BinAggregate.decider.evolve, BinAggregate.decider.initialState()),
      sku,
    );
    return { onHand, assigned, reserved, available };
  };

  const eventsOf = async (streamName: string) => (await api.allEvents()).filter((e) => e.streamName === streamName);

  // ---------------------------------------------------------------------------------------------

  describe('POST /accounts', () => {
    it('opens an account: 201, apiKey, the main location with its Default Bin, default settings overlaid by the given ones', async () => {
      const answer = await post('/accounts', { accountId: 'S', name: 'Shop', type: 'seller', settings: { allowOrdersWithoutInventory: true, vendorPanelType: 2 } });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        accountId: 'S',
        name: 'Shop',
        type: 'seller',
        settings: { ...DEFAULT_SETTINGS, allowOrdersWithoutInventory: true, vendorPanelType: 2 },
        locations: [{ locationId: 'main', bins: [{ binId: 'default' }] }],
      });
      expect(answer.body.apiKey).toMatch(/^S\.[A-Za-z0-9_-]+$/);
      expect(answer.headers['location']).toBe('/accounts/S');
      expect(answer.written.map((e) => [e.streamName, e.type])).toEqual([['account-S', 'AccountOpened']]);
      expect(data(answer.written[0]!)).toMatchObject({
        accountId: 'S',
        accountType: 'seller',
        settings: { ...DEFAULT_SETTINGS, allowOrdersWithoutInventory: true, vendorPanelType: 2 },
        locationId: 'main',
        binId: 'default',
      });
    });

    it('gives every setting its default when none are given', async () => {
      const answer = await post('/accounts', { accountId: 'V', name: 'Vendor', type: 'vendor' });
      expect(answer.status).toBe(201);
      expect(answer.body.settings).toEqual(DEFAULT_SETTINGS);
      expect(answer.body.type).toBe('vendor');
    });

    it('answers 409 for an existing id and writes nothing', async () => {
      await openSeller('S');
      const again = await post('/accounts', { accountId: 'S', name: 'Other', type: 'vendor' });
      expectProblem(again, 409);
      expect(again.body.apiKey).toBeUndefined();
    });

    it('generates an id when none is given, and its key works on it', async () => {
      const answer = await post('/accounts', { name: 'No id', type: 'seller' });
      expect(answer.status).toBe(201);
      const accountId: string = answer.body.accountId;
      expect(accountId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(answer.body.apiKey.startsWith(`${accountId}.`)).toBe(true);
      expect(answer.written.map((e) => e.streamName)).toEqual([`account-${accountId}`]);
      const other = await post('/accounts', { name: 'No id', type: 'seller' });
      expect(other.body.accountId).not.toBe(accountId);
      const own = await send('PATCH', `/accounts/${accountId}/settings`, { isB2bNew: true }, answer.body.apiKey);
      expect(own.status).toBe(200);
    });
  });

  describe('PATCH /accounts/{a}/settings', () => {
    it('answers the full settings and writes only the keys that change', async () => {
      await openSeller('S', { isB2bNew: true });
      const answer = await send('PATCH', '/accounts/S/settings', { orderApprovalRequired: true, isB2bNew: true, vendorPanelType: 1 });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ ...DEFAULT_SETTINGS, isB2bNew: true, orderApprovalRequired: true });
      expect(answer.written.map((e) => [e.streamName, e.type])).toEqual([['account-S', 'AccountSettingsChanged']]);
      expect(data(answer.written[0]!)).toEqual({ changes: { orderApprovalRequired: true } });
    });

    it('writes no event when nothing changes', async () => {
      await openSeller('S', { autoPoVendorLevel: true });
      const same = await send('PATCH', '/accounts/S/settings', { autoPoVendorLevel: true, vendorPanelType: 1 });
      expect(same.status).toBe(200);
      expect(same.body).toEqual({ ...DEFAULT_SETTINGS, autoPoVendorLevel: true });
      expect(same.written).toEqual([]);
      const empty = await send('PATCH', '/accounts/S/settings', {});
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ ...DEFAULT_SETTINGS, autoPoVendorLevel: true });
      expect(empty.written).toEqual([]);
    });

    it('keeps earlier changes when later ones change other keys', async () => {
      await openVendor('V');
      await send('PATCH', '/accounts/V/settings', { isB2bNew: true });
      const answer = await send('PATCH', '/accounts/V/settings', { vendorPanelType: 2 });
      expect(answer.body).toEqual({ ...DEFAULT_SETTINGS, isB2bNew: true, vendorPanelType: 2 });
    });
  });

  describe('POST /accounts/{a}/bins', () => {
    it('adds a bin to the main location by default (201)', async () => {
      await openSeller('S');
      const answer = await post('/accounts/S/bins', { binId: 'b1' });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ accountId: 'S', locationId: 'main', binId: 'b1' });
      expect(answer.written.map((e) => [e.streamName, e.type, data(e)])).toEqual([['account-S', 'BinAdded', { locationId: 'main', binId: 'b1' }]]);
      // The bin takes stock.
      const adjusted = await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: 2, binId: 'b1' });
      expect(adjusted.status).toBe(201);
      expect(adjusted.body).toMatchObject({ binId: 'b1', onHand: 2 });
    });

    it('answers 409 for a bin that exists (the Default Bin included)', async () => {
      await openSeller('S');
      await post('/accounts/S/bins', { binId: 'b1' });
      expectProblem(await post('/accounts/S/bins', { binId: 'b1' }), 409);
      expectProblem(await post('/accounts/S/bins', { binId: 'default', locationId: 'main' }), 409);
    });

    it('answers 404 for an unknown location', async () => {
      await openSeller('S');
      const answer = await post('/accounts/S/bins', { binId: 'b1', locationId: 'annex' });
      expectProblem(answer, 404);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain('locationId');
    });
  });

  describe('PUT and DELETE /accounts/{a}/products/{sku}/vendor', () => {
    it('maps a SKU to a vendor (200 with the mapping); the same mapping again writes nothing', async () => {
      await openSeller('S');
      await openVendor('V');
      const answer = await send('PUT', '/accounts/S/products/SKU.1/vendor', { vendorAccountId: 'V' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ sku: 'SKU.1', vendorAccountId: 'V' });
      expect(answer.written.map((e) => [e.streamName, e.type, data(e)])).toEqual([['account-S', 'VendorMapped', { sku: 'SKU.1', vendorAccountId: 'V' }]]);
      const again = await send('PUT', '/accounts/S/products/SKU.1/vendor', { vendorAccountId: 'V' });
      expect(again.status).toBe(200);
      expect(again.body).toEqual({ sku: 'SKU.1', vendorAccountId: 'V' });
      expect(again.written).toEqual([]);
    });

    it('moves a mapping to another vendor', async () => {
      await openSeller('S');
      await openVendor('V1');
      await openVendor('V2');
      await send('PUT', '/accounts/S/products/SKU/vendor', { vendorAccountId: 'V1' });
      const moved = await send('PUT', '/accounts/S/products/SKU/vendor', { vendorAccountId: 'V2' });
      expect(moved.status).toBe(200);
      expect(moved.written.map((e) => data(e))).toEqual([{ sku: 'SKU', vendorAccountId: 'V2' }]);
    });

    it.each<[string, string]>([
      ['does not exist', 'ghost'],
      ['is a seller', 'S2'],
      ['is the seller itself', 'S'],
    ])('answers 422 when the target %s, and writes nothing', async (_label, target) => {
      await openSeller('S');
      await openSeller('S2');
      const answer = await send('PUT', '/accounts/S/products/SKU/vendor', { vendorAccountId: target });
      expectProblem(answer, 422);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain('vendorAccountId');
    });

    it('answers 422 when a vendor maps a SKU to itself', async () => {
      await openVendor('V');
      expectProblem(await send('PUT', '/accounts/V/products/SKU/vendor', { vendorAccountId: 'V' }), 422);
    });

    it('removes a mapping (204), and removing it again is harmless', async () => {
      await openSeller('S');
      await openVendor('V');
      await send('PUT', '/accounts/S/products/SKU/vendor', { vendorAccountId: 'V' });
      const removed = await send('DELETE', '/accounts/S/products/SKU/vendor');
      expect(removed.status).toBe(204);
      expect(removed.body).toBeUndefined();
      expect(removed.written.map((e) => [e.type, data(e)])).toEqual([['VendorUnmapped', { sku: 'SKU' }]]);
      const again = await send('DELETE', '/accounts/S/products/SKU/vendor');
      expect(again.status).toBe(204);
      expect(again.written).toEqual([]);
      const never = await send('DELETE', '/accounts/S/products/NEVER-MAPPED/vendor');
      expect(never.status).toBe(204);
      expect(never.written).toEqual([]);
    });
  });

  describe('POST /accounts/{a}/inventory/adjustments', () => {
    it('answers 201 with the bin figures', async () => {
      await openSeller('S');
      const answer = await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: 7, reason: 'count' });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({ sku: 'SKU', locationId: 'main', binId: 'default', onHand: 7, assigned: 0, reserved: 0, available: 7 });
      expect(answer.written.map((e) => [e.streamName, e.type])).toEqual([['bin-S.main.default', 'StockAdjusted']]);
      expect(data(answer.written[0]!)).toMatchObject({ sku: 'SKU', quantity: 7, reason: 'count' });
      const less = await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: -3 });
      expect(less.body).toMatchObject({ onHand: 4, available: 4 });
    });

    it('answers 409 naming the figures when on hand would drop below assigned', async () => {
      await openSeller('S');
      await api.adjust('S', 'SKU', 5);
      const placed = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU', quantity: 4 }] });
      expect(placed.body.status).toBe('READY');
      const answer = await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: -2 });
      expectProblem(answer, 409);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain('quantity');
      expect(answer.body.detail).toMatch(/\b4\b/);
      expect(answer.body.detail).toMatch(/\b5\b/);
      expect(answer.body.details).toMatchObject({ sku: 'SKU', onHand: 5, assigned: 4 });
      // Down to exactly the assigned quantity is fine.
      const ok = await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: -1 });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ onHand: 4, assigned: 4, available: 0 });
    });

    it('answers 409 when on hand would go negative', async () => {
      await openSeller('S');
      expectProblem(await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: -1 }), 409);
    });

    it('applies a retried adjustmentId once', async () => {
      await openSeller('S');
      const first = await post('/accounts/S/inventory/adjustments', { adjustmentId: 'adj-1', sku: 'SKU', quantity: 5 });
      const retry = await post('/accounts/S/inventory/adjustments', { adjustmentId: 'adj-1', sku: 'SKU', quantity: 5 });
      expect(first.status).toBe(201);
      expect(retry.status).toBe(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.written).toEqual([]);
      const adjusted = (await eventsOf('bin-S.main.default')).filter((e) => e.type === 'StockAdjusted');
      expect(adjusted).toHaveLength(1);
      expect(await stockAfter('S', 'SKU')).toMatchObject({ onHand: 5 });
    });

    it('adjusts a named bin', async () => {
      await openSeller('S');
      await post('/accounts/S/bins', { binId: 'b1' });
      const answer = await post('/accounts/S/inventory/adjustments', { sku: 'SKU', quantity: 3, locationId: 'main', binId: 'b1' });
      expect(answer.body).toMatchObject({ locationId: 'main', binId: 'b1', onHand: 3 });
      expect(answer.written.map((e) => e.streamName)).toEqual(['bin-S.main.b1']);
    });
  });

  describe('POST /accounts/{a}/orders (SPEC step 1)', () => {
    it('with full stock: READY, everything assigned, no warnings', async () => {
      await openSeller('S');
      await api.adjust('S', 'A', 5);
      await api.adjust('S', 'B', 2);
      const answer = await post('/accounts/S/orders', { orderId: 'o1', customer: 'ACME', lines: [{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 1 }] });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        orderId: 'o1',
        status: 'READY',
        lines: [
          { sku: 'A', quantity: 5, assigned: 5, pending: 0 },
          { sku: 'B', quantity: 1, assigned: 1, pending: 0 },
        ],
        warnings: [],
      });
      expect(answer.headers['location']).toBe('/accounts/S/orders/o1');
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 5, assigned: 5, reserved: 0, available: 0 });
      expect(await stockAfter('S', 'B')).toEqual({ onHand: 2, assigned: 1, reserved: 0, available: 1 });
    });

    it('keeps priority and requiredBy on the order (priority 5 when not given); they are part of the request, so another value is a 409', async () => {
      await openSeller('S');
      await api.adjust('S', 'A', 5);
      await post('/accounts/S/orders', { orderId: 'p1', priority: 2, requiredBy: '2026-12-24', lines: [{ sku: 'A', quantity: 1 }] });
      await post('/accounts/S/orders', { orderId: 'p2', lines: [{ sku: 'A', quantity: 1 }] });
      await api.settle();
      expect((await api.request('GET', '/accounts/S/orders/p1')).body).toMatchObject({ priority: 2, requiredBy: '2026-12-24' });
      const plain = (await api.request('GET', '/accounts/S/orders/p2')).body;
      expect(plain.priority).toBe(5);
      expect(plain).not.toHaveProperty('requiredBy');
      expect((await post('/accounts/S/orders', { orderId: 'p1', priority: 2, requiredBy: '2026-12-24', lines: [{ sku: 'A', quantity: 1 }] })).status).toBe(201);
      const other = await post('/accounts/S/orders', { orderId: 'p1', priority: 3, requiredBy: '2026-12-24', lines: [{ sku: 'A', quantity: 1 }] });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('ORDER_EXISTS');
    });

    it('short and allowed: PENDING_INVENTORY, what is available assigned, the rest pending, one warning per short line', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await api.adjust('S', 'A', 3);
      await api.adjust('S', 'B', 10);
      const answer = await post('/accounts/S/orders', {
        orderId: 'o1',
        lines: [
          { sku: 'A', quantity: 5 },
          { sku: 'B', quantity: 4 },
          { sku: 'C', quantity: 2 },
        ],
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        orderId: 'o1',
        status: 'PENDING_INVENTORY',
        lines: [
          { sku: 'A', quantity: 5, assigned: 3, pending: 2 },
          { sku: 'B', quantity: 4, assigned: 4, pending: 0 },
          { sku: 'C', quantity: 2, assigned: 0, pending: 2 },
        ],
        warnings: [
          { code: 'INVENTORY_NOT_AVAILABLE', sku: 'A', requested: 5, available: 3 },
          { code: 'INVENTORY_NOT_AVAILABLE', sku: 'C', requested: 2, available: 0 },
        ],
      });
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 3, assigned: 3, reserved: 0, available: 0 });
    });

    it('counts stock held by other orders as unavailable', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await api.adjust('S', 'A', 4);
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      const second = await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'A', quantity: 3 }] });
      expect(second.body).toMatchObject({
        status: 'PENDING_INVENTORY',
        lines: [{ sku: 'A', quantity: 3, assigned: 1, pending: 2 }],
        warnings: [{ code: 'INVENTORY_NOT_AVAILABLE', sku: 'A', requested: 3, available: 1 }],
      });
    });

    it('short and not allowed: 422 naming the short line, nothing written', async () => {
      await openSeller('S');
      await api.adjust('S', 'A', 3);
      await api.adjust('S', 'B', 3);
      const answer = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 4 }] });
      expectProblem(answer, 422, 'INVENTORY_NOT_AVAILABLE');
      expect(answer.body.detail).toContain('A');
      expect(await stockAfter('S', 'B')).toEqual({ onHand: 3, assigned: 0, reserved: 0, available: 3 });
      // The id stays free.
      const later = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      expect(later.status).toBe(201);
    });

    it('assigns from the Default Bin first, then the other bins by id (plain string order)', async () => {
      await openSeller('S');
      for (const binId of ['b2', 'a1', 'Z9']) await post('/accounts/S/bins', { binId });
      await api.adjust('S', 'A', 4, 'b2');
      await api.adjust('S', 'A', 3, 'a1');
      await api.adjust('S', 'A', 1, 'Z9');
      await api.adjust('S', 'A', 2, 'default');
      const answer = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 8 }] });
      expect(answer.body).toMatchObject({ status: 'READY', lines: [{ sku: 'A', quantity: 8, assigned: 8, pending: 0 }] });
      const assigned = (await api.allEvents()).filter((e) => e.type === 'StockAssigned' && data(e)['orderId'] === 'o1');
      expect(assigned.map((e) => [e.streamName, data(e)['quantity']])).toEqual([
        ['bin-S.main.default', 2],
        ['bin-S.main.Z9', 1],
        ['bin-S.main.a1', 3],
        ['bin-S.main.b2', 2],
      ]);
      const recorded = (await eventsOf('order-S.o1')).filter((e) => e.type === 'InventoryAssigned');
      expect(recorded.map((e) => [data(e)['binId'], data(e)['quantity'], data(e)['source']])).toEqual([
        ['default', 2, 'stock'],
        ['Z9', 1, 'stock'],
        ['a1', 3, 'stock'],
        ['b2', 2, 'stock'],
      ]);
    });

    it('the same request again gets the same answer and writes nothing', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await api.adjust('S', 'A', 2);
      const body = { orderId: 'o1', customer: 'ACME', lines: [{ sku: 'A', quantity: 3 }] };
      const first = await post('/accounts/S/orders', body);
      const again = await post('/accounts/S/orders', body);
      expect(first.status).toBe(201);
      expect(again.status).toBe(first.status);
      expect(again.body).toEqual(first.body);
      expect(again.written).toEqual([]);
      expect(BigInt(again.headers['x-event-position'] as string)).toBeGreaterThanOrEqual(
        (await eventsOf('order-S.o1')).slice(-1)[0]!.position,
      );
    });

    it('the same id with another body is 409', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      for (const other of [
        { orderId: 'o1', lines: [{ sku: 'A', quantity: 4 }] },
        { orderId: 'o1', lines: [{ sku: 'B', quantity: 3 }] },
        { orderId: 'o1', customer: 'ACME', lines: [{ sku: 'A', quantity: 3 }] },
      ]) {
        expectProblem(await post('/accounts/S/orders', other), 409);
      }
    });

    it('generates an order id when none is given', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      const answer = await post('/accounts/S/orders', { lines: [{ sku: 'A', quantity: 1 }] });
      expect(answer.status).toBe(201);
      expect(answer.body.orderId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(answer.written.some((e) => e.streamName === `order-S.${answer.body.orderId}` && e.type === 'OrderPlaced')).toBe(true);
    });
  });

  describe('approval', () => {
    it('orderApprovalRequired: UNAPPROVED with nothing assigned; approve assigns; approving again is harmless', async () => {
      await openSeller('S', { orderApprovalRequired: true });
      await api.adjust('S', 'A', 5);
      const placed = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      expect(placed.status).toBe(201);
      expect(placed.body).toEqual({ orderId: 'o1', status: 'UNAPPROVED', lines: [{ sku: 'A', quantity: 3, assigned: 0, pending: 3 }], warnings: [] });
      expect(placed.written.filter((e) => e.type === 'StockAssigned' || e.type === 'InventoryAssigned')).toEqual([]);
      expect(await stockAfter('S', 'A')).toMatchObject({ assigned: 0, available: 5 });

      const approved = await post('/accounts/S/orders/o1/approve');
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ orderId: 'o1', status: 'READY', lines: [{ sku: 'A', quantity: 3, assigned: 3, pending: 0 }] });
      expect(approved.written.map((e) => e.type)).toEqual(expect.arrayContaining(['OrderApproved', 'StockAssigned', 'InventoryAssigned']));
      expect(await stockAfter('S', 'A')).toMatchObject({ assigned: 3, available: 2 });

      const again = await post('/accounts/S/orders/o1/approve');
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'READY', lines: [{ assigned: 3, pending: 0 }] });
      expect(again.written).toEqual([]);
    });

    it('approving an order that needs no approval is harmless', async () => {
      await openSeller('S');
      await api.adjust('S', 'A', 1);
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 1 }] });
      const answer = await post('/accounts/S/orders/o1/approve');
      expect(answer.status).toBe(200);
      expect(answer.body.status).toBe('READY');
      expect(answer.written).toEqual([]);
    });

    it('an UNAPPROVED order cannot be handed over or assigned (409)', async () => {
      await openSeller('S', { orderApprovalRequired: true });
      await api.adjust('S', 'A', 5);
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      expectProblem(await post('/accounts/S/orders/o1/handover', {}), 409);
      expectProblem(await post('/accounts/S/orders/o1/assign'), 409);
    });
  });

  describe('POST …/assign', () => {
    it('gives stock that arrives to the waiting order by itself (the allocation); assign then finds nothing more', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await api.adjust('S', 'A', 1);
      const placed = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 2 }] });
      expect(placed.body.lines).toEqual([
        { sku: 'A', quantity: 4, assigned: 1, pending: 3 },
        { sku: 'B', quantity: 2, assigned: 0, pending: 2 },
      ]);
      const adjusted = await post('/accounts/S/inventory/adjustments', { sku: 'A', quantity: 5 });
      expect(adjusted.status).toBe(201);
      // The answer comes once the allocation gave the new stock out: 3 to o1, 2 left free.
      expect(adjusted.body).toMatchObject({ onHand: 6, assigned: 4, available: 2 });
      expect(adjusted.written.filter((e) => e.type === 'StockAssigned').map((e) => data(e)['quantity'])).toEqual([3]);
      expect(adjusted.written.filter((e) => e.type === 'InventoryAssigned').map((e) => [data(e)['quantity'], data(e)['rule']])).toEqual([[3, 'FIFO']]);
      await api.settle(50);
      const order = await api.request('GET', '/accounts/S/orders/o1');
      expect(order.body).toMatchObject({
        status: 'PENDING_INVENTORY',
        lines: [
          { sku: 'A', quantity: 4, assigned: 4, pending: 0 },
          { sku: 'B', quantity: 2, assigned: 0, pending: 2 },
        ],
      });
      const again = await post('/accounts/S/orders/o1/assign');
      expect(again.status).toBe(200);
      expect(again.written.filter((e) => e.type === 'StockAssigned')).toEqual([]);

      await api.adjust('S', 'B', 2);
      await api.settle(50);
      const ready = await api.request('GET', '/accounts/S/orders/o1');
      expect(ready.body).toMatchObject({ status: 'READY', lines: [{ pending: 0 }, { pending: 0 }] });

      const nothingLeft = await post('/accounts/S/orders/o1/assign');
      expect(nothingLeft.status).toBe(200);
      expect(nothingLeft.written).toEqual([]);
    });

    it('assigns nothing when there is still no stock, and writes nothing that assigns', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 2 }] });
      const answer = await post('/accounts/S/orders/o1/assign');
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ status: 'PENDING_INVENTORY', lines: [{ assigned: 0, pending: 2 }] });
      expect(answer.written.filter((e) => e.type === 'StockAssigned' || e.type === 'InventoryAssigned')).toEqual([]);
    });
  });

  describe('POST …/handover', () => {
    const readyOrder = async () => {
      await openSeller('S');
      await api.adjust('S', 'A', 10);
      await api.adjust('S', 'B', 10);
      const placed = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 2 }] });
      expect(placed.body.status).toBe('READY');
    };

    it('hands over everything assigned by default: HANDED_OVER; on hand and assigned both drop', async () => {
      await readyOrder();
      const answer = await post('/accounts/S/orders/o1/handover', { handoverId: 'h1' });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ handoverId: 'h1', lines: [{ sku: 'A', quantity: 4 }, { sku: 'B', quantity: 2 }] });
      expect(answer.written.filter((e) => e.type === 'StockHandedOver').map((e) => [e.streamName, data(e)['sku'], data(e)['quantity']])).toEqual([
        ['bin-S.main.default', 'A', 4],
        ['bin-S.main.default', 'B', 2],
      ]);
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 6, assigned: 0, reserved: 0, available: 6 });
      expect(await stockAfter('S', 'B')).toEqual({ onHand: 8, assigned: 0, reserved: 0, available: 8 });
      const orderEvents = await eventsOf('order-S.o1');
      expect(orderEvents.filter((e) => e.type === 'OrderHandedOver')).toHaveLength(1);
      // Nothing is left to hand over.
      expectProblem(await post('/accounts/S/orders/o1/handover', {}), 409);
      // A handed-over order's status shows on the next command answer.
      const answerAfter = await post('/accounts/S/orders/o1/assign');
      expect(answerAfter.body.status).toBe('HANDED_OVER');
    });

    it('hands over named lines: PARTIALLY_HANDED_OVER, then HANDED_OVER', async () => {
      await readyOrder();
      const first = await post('/accounts/S/orders/o1/handover', { handoverId: 'h1', lines: [{ sku: 'A', quantity: 1 }] });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ handoverId: 'h1', lines: [{ sku: 'A', quantity: 1 }] });
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 9, assigned: 3, reserved: 0, available: 6 });
      expect((await post('/accounts/S/orders/o1/assign')).body.status).toBe('PARTIALLY_HANDED_OVER');

      const rest = await post('/accounts/S/orders/o1/handover', { handoverId: 'h2' });
      expect(rest.body).toEqual({ handoverId: 'h2', lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 2 }] });
      expect((await post('/accounts/S/orders/o1/assign')).body.status).toBe('HANDED_OVER');
    });

    it('answers 409 for more than assigned, and for nothing to hand over, writing nothing', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await api.adjust('S', 'A', 2);
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 5 }] });
      const tooMuch = await post('/accounts/S/orders/o1/handover', { lines: [{ sku: 'A', quantity: 3 }] });
      expectProblem(tooMuch, 409);
      expect(tooMuch.body.errors.map((e: { field: string }) => e.field)).toContain('lines[0].quantity');

      await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'A', quantity: 5 }] });
      expectProblem(await post('/accounts/S/orders/o2/handover', {}), 409);
      expectProblem(await post('/accounts/S/orders/o2/handover', { lines: [{ sku: 'A', quantity: 1 }] }), 409);
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 2, assigned: 2, reserved: 0, available: 0 });
    });

    it('hands over once for the same handoverId', async () => {
      await readyOrder();
      const first = await post('/accounts/S/orders/o1/handover', { handoverId: 'h1', lines: [{ sku: 'A', quantity: 2 }] });
      const again = await post('/accounts/S/orders/o1/handover', { handoverId: 'h1', lines: [{ sku: 'A', quantity: 2 }] });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(again.written).toEqual([]);
      const events = await api.allEvents();
      expect(events.filter((e) => e.type === 'OrderHandedOver')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'StockHandedOver')).toHaveLength(1);
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 8, assigned: 2, reserved: 0, available: 6 });
    });

    it('takes units from the bins they were assigned from', async () => {
      await openSeller('S');
      await post('/accounts/S/bins', { binId: 'b1' });
      await api.adjust('S', 'A', 1);
      await api.adjust('S', 'A', 5, 'b1');
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      const answer = await post('/accounts/S/orders/o1/handover', {});
      expect(answer.written.filter((e) => e.type === 'StockHandedOver').map((e) => [e.streamName, data(e)['quantity']])).toEqual([
        ['bin-S.main.default', 1],
        ['bin-S.main.b1', 2],
      ]);
      expect(await stockAfter('S', 'A', 'b1')).toEqual({ onHand: 3, assigned: 0, reserved: 0, available: 3 });
    });
  });

  describe('POST …/cancel', () => {
    it('releases assigned stock: another order can then take it', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await api.adjust('S', 'A', 3);
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      const blocked = await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'A', quantity: 3 }] });
      expect(blocked.body.status).toBe('PENDING_INVENTORY');

      const cancelled = await post('/accounts/S/orders/o1/cancel');
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ orderId: 'o1', status: 'CANCELLED' });
      expect(cancelled.written.filter((e) => e.type === 'StockReleased').map((e) => [e.streamName, data(e)['assigned']])).toEqual([
        ['bin-S.main.default', 3],
      ]);
      // The released units are free stock, and the allocation gives them to o2, which waited.
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 3, assigned: 3, reserved: 0, available: 0 });
      await api.settle(50);
      const taken = await api.request('GET', '/accounts/S/orders/o2');
      expect(taken.body).toMatchObject({ status: 'READY', lines: [{ assigned: 3, pending: 0 }] });
      const third = await post('/accounts/S/orders', { orderId: 'o3', lines: [{ sku: 'A', quantity: 1 }] });
      expect(third.body).toMatchObject({ status: 'PENDING_INVENTORY', lines: [{ assigned: 0 }] });
    });

    it('cancelling again is harmless', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      await post('/accounts/S/orders/o1/cancel');
      const again = await post('/accounts/S/orders/o1/cancel');
      expect(again.status).toBe(200);
      expect(again.body.status).toBe('CANCELLED');
      expect(again.written).toEqual([]);
    });

    it('a cancelled order cannot be approved, assigned or handed over (409)', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true });
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      await post('/accounts/S/orders/o1/cancel');
      expectProblem(await post('/accounts/S/orders/o1/approve'), 409);
      expectProblem(await post('/accounts/S/orders/o1/assign'), 409);
      expectProblem(await post('/accounts/S/orders/o1/handover', {}), 409);
    });

    it('answers 409 for a handed-over order', async () => {
      await openSeller('S');
      await api.adjust('S', 'A', 3);
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 3 }] });
      await post('/accounts/S/orders/o1/handover', {});
      expectProblem(await post('/accounts/S/orders/o1/cancel'), 409);
    });
  });

  describe('POST /accounts/{a}/purchase-orders/{p}/grns (manual GRN)', () => {
    // o1 waits for 5 of A, bought on a PO from V; the seller does not inward automatically, so it
    // receives by hand (V has not handed over: the seller got the goods by other means).
    const P1 = purchaseOrderIdFor('S', 'o1', 1, 'V');
    const grnPath = `/accounts/S/purchase-orders/${P1}/grns`;
    const backorder = async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
      await openVendor('V', { isB2bNew: true, vendorPanelType: 2 });
      await send('PUT', '/accounts/S/products/A/vendor', { vendorAccountId: 'V' });
      const placed = await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 5 }] });
      expect(placed.body).toMatchObject({ status: 'PENDING_INVENTORY', lines: [{ pending: 5 }] });
      await api.settle();
      expect((await eventsOf(`po-S.${P1}`)).map((e) => e.type)).toEqual(['PurchaseOrderCreated', 'VendorOrderLinked']);
    };

    it('inwards into the Default Bin, reserved for the source order, and assigns them to it (201)', async () => {
      await backorder();
      const answer = await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 3 }] });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ grnId: 'g1', lines: [{ sku: 'A', quantity: 3 }], locationId: 'main', binId: 'default' });
      expect(answer.body.receivedAt).toEqual(expect.any(String));

      const received = answer.written.filter((e) => e.type === 'GoodsReceived');
      expect(received.map((e) => e.streamName)).toEqual([`po-S.${P1}`]);
      const inwarded = answer.written.filter((e) => e.type === 'GoodsInwarded');
      expect(inwarded.map((e) => [e.streamName, data(e)])).toEqual([
        ['bin-S.main.default', { grnId: 'g1', purchaseOrderId: P1, sku: 'A', quantity: 3, reservedForOrderId: 'o1', reservedQuantity: 3 }],
      ]);
      const assigned = answer.written.filter((e) => e.type === 'StockAssigned');
      expect(assigned.map((e) => [e.streamName, data(e)])).toEqual([
        ['bin-S.main.default', expect.objectContaining({ orderId: 'o1', sku: 'A', quantity: 3, fromReserved: 3, grnId: 'g1' })],
      ]);
      const onOrder = answer.written.filter((e) => e.type === 'InventoryAssigned');
      expect(onOrder.map((e) => [e.streamName, data(e)])).toEqual([
        ['order-S.o1', expect.objectContaining({ sku: 'A', locationId: 'main', binId: 'default', quantity: 3, source: 'backorder', grnId: 'g1' })],
      ]);
      const order = await post('/accounts/S/orders/o1/assign');
      expect(order.body).toMatchObject({ status: 'PENDING_INVENTORY', lines: [{ sku: 'A', quantity: 5, assigned: 3, pending: 2 }] });
    });

    it('gives the goods to the source order first: an order placed after the GRN gets none of them', async () => {
      await backorder();
      await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 5 }] });
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 5, assigned: 5, reserved: 0, available: 0 });
      const other = await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'A', quantity: 2 }] });
      expect(other.body).toMatchObject({
        status: 'PENDING_INVENTORY',
        lines: [{ sku: 'A', quantity: 2, assigned: 0, pending: 2 }],
        warnings: [{ code: 'INVENTORY_NOT_AVAILABLE', sku: 'A', requested: 2, available: 0 }],
      });
      const o1 = await post('/accounts/S/orders/o1/assign');
      expect(o1.body).toMatchObject({ status: 'READY', lines: [{ assigned: 5, pending: 0 }] });
    });

    it('answers 409 above the open quantity, writing nothing', async () => {
      await backorder();
      await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 3 }] });
      const answer = await post(grnPath, { grnId: 'g2', lines: [{ sku: 'A', quantity: 3 }] });
      expectProblem(answer, 409);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain('lines[0].quantity');
      const rest = await post(grnPath, { grnId: 'g3', lines: [{ sku: 'A', quantity: 2 }] });
      expect(rest.status).toBe(201);
      expectProblem(await post(grnPath, { grnId: 'g4', lines: [{ sku: 'A', quantity: 1 }] }), 409);
    });

    it('answers with an X-Event-Position at or after the assignment the GRN led to', async () => {
      await backorder();
      const answer = await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 3 }] });
      const effects = (await api.allEvents()).filter(
        (e) => ['GoodsReceived', 'GoodsInwarded', 'StockAssigned', 'InventoryAssigned'].includes(e.type) && JSON.stringify(e.data).includes('"g1"'),
      );
      expect(effects.map((e) => e.type).sort()).toEqual(['GoodsInwarded', 'GoodsReceived', 'InventoryAssigned', 'StockAssigned']);
      const last = effects.reduce((max, e) => (e.position > max ? e.position : max), -1n);
      expect(BigInt(answer.headers['x-event-position'] as string) >= last).toBe(true);
    });

    it('cancelling the source order releases what it holds, and closes the PO', async () => {
      await backorder();
      await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 3 }] });
      const cancelled = await post('/accounts/S/orders/o1/cancel');
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', lines: [{ assigned: 0 }] });
      expect(cancelled.written.filter((e) => e.type === 'StockReleased').map((e) => [e.streamName, data(e)['assigned']])).toEqual([
        ['bin-S.main.default', 3],
      ]);
      expect(cancelled.written.filter((e) => e.type === 'PurchaseOrderClosed').map((e) => data(e))).toEqual([
        { reason: expect.any(String), lines: [{ sku: 'A', closedQuantity: 2 }] },
      ]);
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 3, assigned: 0, reserved: 0, available: 3 });
      const other = await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'A', quantity: 3 }] });
      expect(other.body).toMatchObject({ status: 'READY', warnings: [] });
    });

    it('cancels a PO with nothing received when its source order is cancelled: no GRN is taken on it any more', async () => {
      await backorder();
      const cancelled = await post('/accounts/S/orders/o1/cancel');
      expect(cancelled.written.filter((e) => e.type === 'PurchaseOrderCancelled').map((e) => e.streamName)).toEqual([`po-S.${P1}`]);
      expectProblem(await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 4 }] }), 409, 'PURCHASE_ORDER_CANCELLED');
      expect((await api.allEvents()).filter((e) => e.type === 'InventoryAssigned')).toEqual([]);
    });

    it('receives a GRN once for the same grnId', async () => {
      await backorder();
      const first = await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 2 }] });
      const again = await post(grnPath, { grnId: 'g1', lines: [{ sku: 'A', quantity: 2 }] });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      const events = await api.allEvents();
      expect(events.filter((e) => e.type === 'GoodsReceived')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'GoodsInwarded')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'StockAssigned')).toHaveLength(1);
      expect(await stockAfter('S', 'A')).toEqual({ onHand: 2, assigned: 2, reserved: 0, available: 0 });
    });
  });

  describe('event metadata', () => {
    it('every event carries correlationId, causationId, actor and occurredAt; an order\u2019s events share order-{a}.{o}', async () => {
      await openSeller('S', { allowOrdersWithoutInventory: true, orderApprovalRequired: true });
      await openVendor('V');
      await post('/accounts/S/bins', { binId: 'b1' });
      await send('PUT', '/accounts/S/products/A/vendor', { vendorAccountId: 'V' });
      await send('PATCH', '/accounts/S/settings', { isB2bNew: true });
      await api.adjust('S', 'A', 2);
      await api.adjust('S', 'A', 1, 'b1');
      await post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'A', quantity: 6 }] });
      await post('/accounts/S/orders/o1/approve');
      await api.adjust('S', 'A', 1);
      await send('PATCH', '/accounts/S/settings', { autoPoVendorLevel: true });
      await post('/accounts/S/orders/o1/assign');
      await api.settle();
      await post(`/accounts/S/purchase-orders/${purchaseOrderIdFor('S', 'o1', 2, 'V')}/grns`, { lines: [{ sku: 'A', quantity: 2 }] });
      await post('/accounts/S/orders/o1/handover', { lines: [{ sku: 'A', quantity: 2 }] });
      await post('/accounts/S/orders/o1/cancel');
      await post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: 'A', quantity: 1 }] });
      await post('/accounts/S/orders/o2/approve');
      await send('DELETE', '/accounts/S/products/A/vendor');

      const events = await api.allEvents();
      expect(events.length).toBeGreaterThan(20);
      for (const event of events) {
        expect({ stream: event.streamName, type: event.type, metadata: event.metadata }).toEqual({
          stream: event.streamName,
          type: event.type,
          metadata: expect.objectContaining({
            correlationId: expect.any(String),
            causationId: expect.any(String),
            actor: expect.any(String),
            occurredAt: expect.any(String),
          }),
        });
        expect(Number.isNaN(Date.parse(String(event.metadata['occurredAt'])))).toBe(false);
      }
      for (const orderId of ['o1', 'o2']) {
        const ofOrder = events.filter(
          (e) => e.streamName === `order-S.${orderId}` || (e.streamName.startsWith('bin-S.') && data(e)['orderId'] === orderId),
        );
        expect(ofOrder.length).toBeGreaterThan(1);
        expect(new Set(ofOrder.map((e) => `${e.streamName} ${e.type}: ${String(e.metadata['correlationId'])}`))).toEqual(
          new Set(ofOrder.map((e) => `${e.streamName} ${e.type}: order-S.${orderId}`)),
        );
      }
      // Commands sent with the admin token are recorded as the admin.
      expect(events.filter((e) => e.streamName === 'account-S').every((e) => e.metadata['actor'] === 'admin')).toBe(true);
    });
  });
});
