/**
 * Bad input of every kind (SPEC.md, REST API): a 4xx `application/problem+json` with `type`,
 * `title`, `status`, `detail` and `errors` naming each bad field, and nothing written to the log.
 */
import { purchaseOrderIdFor } from '@app/domain/fulfilment/ids';
import { Answer, ApiHarness } from './support/api-harness';

type Field = string | RegExp;
type Status = number | '4xx';

const ID_65 = 'a'.repeat(65);
const ID_64 = 'a'.repeat(64);
const SKU_65 = 'S'.repeat(65);
/** The PO the purchasing step buys for o1's shortfall. */
const P1 = purchaseOrderIdFor('S', 'o1', 1, 'V');

describe('bad input', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await ApiHarness.start();
    // S allows orders without inventory; T (a strict seller) does not; V is a vendor.
    await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true });
    await api.openAccount('T', 'seller');
    await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
    await api.adjust('S', 'SKU-1', 10);
    // o1 waits for 5 more, bought on P1 from V; S does not inward automatically: manual GRNs.
    await api.request('PATCH', '/accounts/S/settings', { body: { autoPoVendorLevel: true } });
    await api.request('PUT', '/accounts/S/products/SKU-1/vendor', { body: { vendorAccountId: 'V' } });
    const placed = await api.post('/accounts/S/orders', { orderId: 'o1', lines: [{ sku: 'SKU-1', quantity: 15 }] });
    expect(placed.status).toBe(201);
    await api.settle();
  });
  afterAll(() => api.stop());

  /** Sends, then checks the problem document and that the log did not grow. */
  const expectRefused = async (send: () => Promise<Answer>, status: Status, fields: readonly Field[]) => {
    // Whatever the sagas still had to do is done first: only this request may change the count.
    await api.settle(50);
    const before = await api.eventCount();
    const answer = await send();
    const summary = { status: answer.status, body: answer.body };
    if (status === '4xx') {
      expect(summary.status).toBeGreaterThanOrEqual(400);
      expect(summary.status).toBeLessThan(500);
    } else {
      expect(summary).toMatchObject({ status });
    }
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.body).toEqual(
      expect.objectContaining({
        type: expect.any(String),
        title: expect.any(String),
        status: answer.status,
        detail: expect.any(String),
        errors: expect.any(Array),
      }),
    );
    const named: string[] = answer.body.errors.map((e: { field: string }) => e.field);
    for (const field of fields) {
      const matcher = typeof field === 'string' ? field : expect.stringMatching(field);
      expect({ named, detail: answer.body.detail }).toEqual({ named: expect.arrayContaining([matcher]), detail: answer.body.detail });
    }
    expect(await api.eventCount()).toBe(before);
    return answer;
  };

  const send = (method: string, url: string, body: unknown) => () =>
    api.request(method, url, body === undefined ? {} : { body });

  describe('POST /accounts', () => {
    const ok = { name: 'Shop', type: 'seller' };
    it.each<[string, unknown, Field[]]>([
      ['a JSON array', [], ['body']],
      ['a JSON string', 'shop', ['body']],
      ['a JSON number', 5, ['body']],
      ['null', null, ['body']],
      ['name as a number', { ...ok, name: 5 }, ['name']],
      ['name blank', { ...ok, name: '   ' }, ['name']],
      ['name over 200 characters', { ...ok, name: 'n'.repeat(201) }, ['name']],
      ['name missing', { type: 'seller' }, ['name']],
      ['type unknown', { ...ok, type: 'warehouse' }, ['type']],
      ['type missing', { name: 'Shop' }, ['type']],
      ['an unknown field', { ...ok, warehouse: true }, ['warehouse']],
      ['accountId with a dot', { ...ok, accountId: 'a.b' }, ['accountId']],
      ['accountId with a space', { ...ok, accountId: 'a b' }, ['accountId']],
      ['accountId of 65 characters', { ...ok, accountId: ID_65 }, ['accountId']],
      ['accountId empty', { ...ok, accountId: '' }, ['accountId']],
      ['accountId as a number', { ...ok, accountId: 5 }, ['accountId']],
      ['settings as a string', { ...ok, settings: 'all' }, ['settings']],
      ['settings with an unknown key', { ...ok, settings: { autoEverything: true } }, ['settings.autoEverything']],
      ['settings with a string boolean', { ...ok, settings: { isB2bNew: 'true' } }, ['settings.isB2bNew']],
      ['settings with a fractional panel type', { ...ok, settings: { vendorPanelType: 1.5 } }, ['settings.vendorPanelType']],
      ['settings with a string panel type', { ...ok, settings: { vendorPanelType: '2' } }, ['settings.vendorPanelType']],
      ['several bad fields at once', { name: '', type: 'x', extra: 1 }, ['name', 'type', 'extra']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('POST', '/accounts', body), 400, fields);
    });
  });

  describe('PATCH /accounts/{a}/settings', () => {
    it.each<[string, unknown, Field[]]>([
      ['an unknown key', { autoEverything: true }, ['autoEverything']],
      ['an unknown key beside a valid change', { orderApprovalRequired: true, autoEverything: true }, ['autoEverything']],
      ['a string boolean', { allowOrdersWithoutInventory: 'true' }, ['allowOrdersWithoutInventory']],
      ['a number for a boolean', { orderApprovalRequired: 1 }, ['orderApprovalRequired']],
      ['null for a boolean', { isB2bNew: null }, ['isB2bNew']],
      ['a fractional panel type', { vendorPanelType: 2.5 }, ['vendorPanelType']],
      ['a string panel type', { vendorPanelType: '2' }, ['vendorPanelType']],
      ['a negative panel type', { vendorPanelType: -1 }, ['vendorPanelType']],
      ['a huge panel type', { vendorPanelType: 1e12 }, ['vendorPanelType']],
      ['a JSON array', [{ isB2bNew: true }], ['body']],
      ['a JSON string', 'isB2bNew', ['body']],
      ['two bad keys', { autoPoVendorLevel: 'yes', autoGrnThroughBackOrder: 0 }, ['autoPoVendorLevel', 'autoGrnThroughBackOrder']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('PATCH', '/accounts/S/settings', body), 400, fields);
    });
  });

  describe('POST /accounts/{a}/bins', () => {
    it.each<[string, unknown, Field[]]>([
      ['binId missing', {}, ['binId']],
      ['binId with a dot', { binId: 'a.b' }, ['binId']],
      ['binId with a space', { binId: 'a b' }, ['binId']],
      ['binId of 65 characters', { binId: ID_65 }, ['binId']],
      ['binId empty', { binId: '' }, ['binId']],
      ['binId as a number', { binId: 7 }, ['binId']],
      ['locationId with a dot', { binId: 'b1', locationId: 'main.x' }, ['locationId']],
      ['an unknown field', { binId: 'b1', shelf: 3 }, ['shelf']],
      ['a JSON array', ['b1'], ['body']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('POST', '/accounts/S/bins', body), 400, fields);
    });
  });

  describe('PUT /accounts/{a}/products/{sku}/vendor', () => {
    it.each<[string, unknown, Field[]]>([
      ['vendorAccountId missing', {}, ['vendorAccountId']],
      ['vendorAccountId with a dot', { vendorAccountId: 'V.x' }, ['vendorAccountId']],
      ['vendorAccountId with a space', { vendorAccountId: 'V x' }, ['vendorAccountId']],
      ['vendorAccountId of 65 characters', { vendorAccountId: ID_65 }, ['vendorAccountId']],
      ['vendorAccountId empty', { vendorAccountId: '' }, ['vendorAccountId']],
      ['vendorAccountId as a number', { vendorAccountId: 1 }, ['vendorAccountId']],
      ['an unknown field', { vendorAccountId: 'V', priority: 1 }, ['priority']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('PUT', '/accounts/S/products/SKU-1/vendor', body), 400, fields);
    });
  });

  describe('POST /accounts/{a}/inventory/adjustments', () => {
    const ok = { sku: 'SKU-1', quantity: 1 };
    it.each<[string, unknown, Field[]]>([
      ['a zero quantity', { ...ok, quantity: 0 }, ['quantity']],
      ['a fractional quantity', { ...ok, quantity: 1.5 }, ['quantity']],
      ['a negative fractional quantity', { ...ok, quantity: -0.5 }, ['quantity']],
      ['a string quantity', { ...ok, quantity: '5' }, ['quantity']],
      ['a boolean quantity', { ...ok, quantity: true }, ['quantity']],
      ['a null quantity', { ...ok, quantity: null }, ['quantity']],
      ['a quantity above 1e9', { ...ok, quantity: 1_000_000_001 }, ['quantity']],
      ['a huge quantity', { ...ok, quantity: 1e15 }, ['quantity']],
      ['a quantity below -1e9', { ...ok, quantity: -1_000_000_001 }, ['quantity']],
      ['quantity missing', { sku: 'SKU-1' }, ['quantity']],
      ['sku missing', { quantity: 1 }, ['sku']],
      ['a SKU with a space', { ...ok, sku: 'SKU 1' }, ['sku']],
      ['a SKU with a slash', { ...ok, sku: 'SKU/1' }, ['sku']],
      ['a SKU with a non-ASCII letter', { ...ok, sku: 'SKÜ' }, ['sku']],
      ['a SKU of 65 characters', { ...ok, sku: SKU_65 }, ['sku']],
      ['an empty SKU', { ...ok, sku: '' }, ['sku']],
      ['a SKU as a number', { ...ok, sku: 12 }, ['sku']],
      ['binId with a dot', { ...ok, binId: 'a.b' }, ['binId']],
      ['locationId with a space', { ...ok, locationId: 'main 2' }, ['locationId']],
      ['adjustmentId of 65 characters', { ...ok, adjustmentId: ID_65 }, ['adjustmentId']],
      ['adjustmentId empty', { ...ok, adjustmentId: '' }, ['adjustmentId']],
      ['reason as a number', { ...ok, reason: 5 }, ['reason']],
      ['an unknown field', { ...ok, note: 'x' }, ['note']],
      ['several bad fields at once', { sku: 'a b', quantity: 0, note: 'x' }, ['sku', 'quantity', 'note']],
      ['a JSON array', [ok], ['body']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('POST', '/accounts/S/inventory/adjustments', body), 400, fields);
    });
  });

  describe('POST /accounts/{a}/orders', () => {
    const line = { sku: 'SKU-1', quantity: 1 };
    it.each<[string, unknown, Field[]]>([
      ['lines missing', {}, ['lines']],
      ['empty lines', { lines: [] }, ['lines']],
      ['lines as an object', { lines: line }, ['lines']],
      ['lines as a string', { lines: 'SKU-1' }, ['lines']],
      ['more than 500 lines', { lines: Array.from({ length: 501 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })) }, ['lines']],
      ['a zero quantity', { lines: [{ ...line, quantity: 0 }] }, ['lines[0].quantity']],
      ['a negative quantity', { lines: [{ ...line, quantity: -1 }] }, ['lines[0].quantity']],
      ['a fractional quantity', { lines: [{ ...line, quantity: 1.5 }] }, ['lines[0].quantity']],
      ['a string quantity', { lines: [{ ...line, quantity: '1' }] }, ['lines[0].quantity']],
      ['a quantity above 1e9', { lines: [{ ...line, quantity: 1_000_000_001 }] }, ['lines[0].quantity']],
      ['a huge quantity', { lines: [{ ...line, quantity: 1e15 }] }, ['lines[0].quantity']],
      ['quantity missing', { lines: [{ sku: 'SKU-1' }] }, ['lines[0].quantity']],
      ['a bad second line only', { lines: [line, { sku: 'SKU-2', quantity: 0 }] }, ['lines[1].quantity']],
      ['a SKU with a space', { lines: [{ ...line, sku: 'SKU 1' }] }, ['lines[0].sku']],
      ['a SKU with a hash', { lines: [{ ...line, sku: 'SKU#1' }] }, ['lines[0].sku']],
      ['an empty SKU', { lines: [{ ...line, sku: '' }] }, ['lines[0].sku']],
      ['a SKU of 65 characters', { lines: [{ ...line, sku: SKU_65 }] }, ['lines[0].sku']],
      ['sku missing', { lines: [{ quantity: 1 }] }, ['lines[0].sku']],
      ['a line as a string', { lines: ['SKU-1'] }, ['lines[0]']],
      ['an unknown field on a line', { lines: [{ ...line, price: 10 }] }, ['lines[0].price']],
      ['an unknown field', { lines: [line], rush: true }, ['rush']],
      ['priority as a word', { lines: [line], priority: 'high' }, ['priority']],
      ['priority 0', { lines: [line], priority: 0 }, ['priority']],
      ['priority 10', { lines: [line], priority: 10 }, ['priority']],
      ['a fractional priority', { lines: [line], priority: 1.5 }, ['priority']],
      ['requiredBy a date that does not exist', { lines: [line], requiredBy: '2026-02-30' }, ['requiredBy']],
      ['requiredBy a timestamp', { lines: [line], requiredBy: '2026-12-24T10:00:00Z' }, ['requiredBy']],
      ['requiredBy as a number', { lines: [line], requiredBy: 20261224 }, ['requiredBy']],
      ['customer as a number', { lines: [line], customer: 42 }, ['customer']],
      ['orderId with a dot', { orderId: 'o.1', lines: [line] }, ['orderId']],
      ['orderId with a space', { orderId: 'o 1', lines: [line] }, ['orderId']],
      ['orderId of 65 characters', { orderId: ID_65, lines: [line] }, ['orderId']],
      ['orderId empty', { orderId: '', lines: [line] }, ['orderId']],
      ['orderId as a number', { orderId: 1, lines: [line] }, ['orderId']],
      ['a JSON array', [line], ['body']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('POST', '/accounts/S/orders', body), 400, fields);
    });

    it.each<[string, string, unknown]>([
      ['in stock, orders without inventory allowed', 'S', { orderId: 'dup-1', lines: [line, { sku: 'SKU-2', quantity: 1 }, line] }],
      ['short, orders without inventory allowed', 'S', { orderId: 'dup-2', lines: [{ sku: 'SKU-9', quantity: 1 }, { sku: 'SKU-9', quantity: 2 }] }],
      ['short, orders without inventory not allowed', 'T', { orderId: 'dup-3', lines: [{ sku: 'SKU-9', quantity: 1 }, { sku: 'SKU-9', quantity: 2 }] }],
    ])('refuses a repeated SKU in the lines (%s) naming the repeated line', async (_label, account, body) => {
      const repeated = (body as { lines: unknown[] }).lines.length - 1;
      const answer = await expectRefused(send('POST', `/accounts/${account}/orders`, body), '4xx', [`lines[${repeated}].sku`]);
      expect(answer.body.code).not.toBe('INVENTORY_NOT_AVAILABLE');
    });
  });

  describe('order actions', () => {
    it.each<[string, string, unknown, Field[]]>([
      ['approve with an unknown field', 'approve', { now: true }, ['now']],
      ['approve with a JSON array', 'approve', [], ['body']],
      ['approve with a JSON string', 'approve', 'yes', ['body']],
      ['assign with an unknown field', 'assign', { sku: 'SKU-1' }, ['sku']],
      ['assign with a JSON array', 'assign', [], ['body']],
      ['cancel with an unknown field', 'cancel', { reason: 'x' }, ['reason']],
      ['cancel with a JSON number', 'cancel', 1, ['body']],
      ['handover with handoverId with a dot', 'handover', { handoverId: 'h.1' }, ['handoverId']],
      ['handover with handoverId with a space', 'handover', { handoverId: 'h 1' }, ['handoverId']],
      ['handover with handoverId of 65 characters', 'handover', { handoverId: ID_65 }, ['handoverId']],
      ['handover with handoverId empty', 'handover', { handoverId: '' }, ['handoverId']],
      ['handover with empty lines', 'handover', { lines: [] }, ['lines']],
      ['handover with lines as an object', 'handover', { lines: { sku: 'SKU-1', quantity: 1 } }, ['lines']],
      ['handover with a zero quantity', 'handover', { lines: [{ sku: 'SKU-1', quantity: 0 }] }, ['lines[0].quantity']],
      ['handover with a negative quantity', 'handover', { lines: [{ sku: 'SKU-1', quantity: -1 }] }, ['lines[0].quantity']],
      ['handover with a fractional quantity', 'handover', { lines: [{ sku: 'SKU-1', quantity: 0.5 }] }, ['lines[0].quantity']],
      ['handover with a string quantity', 'handover', { lines: [{ sku: 'SKU-1', quantity: '1' }] }, ['lines[0].quantity']],
      ['handover with a huge quantity', 'handover', { lines: [{ sku: 'SKU-1', quantity: 1e15 }] }, ['lines[0].quantity']],
      ['handover with a bad SKU', 'handover', { lines: [{ sku: 'SKU 1', quantity: 1 }] }, ['lines[0].sku']],
      ['handover with an unknown field on a line', 'handover', { lines: [{ sku: 'SKU-1', quantity: 1, bin: 'default' }] }, ['lines[0].bin']],
      ['handover with an unknown field', 'handover', { carrier: 'x' }, ['carrier']],
      ['handover with a JSON array', 'handover', [], ['body']],
    ])('refuses %s', async (_label, action, body, fields) => {
      await expectRefused(send('POST', `/accounts/S/orders/o1/${action}`, body), 400, fields);
    });

    it('refuses a repeated SKU in handover lines naming the repeated line', async () => {
      const body = { lines: [{ sku: 'SKU-1', quantity: 1 }, { sku: 'SKU-1', quantity: 1 }] };
      await expectRefused(send('POST', '/accounts/S/orders/o1/handover', body), '4xx', ['lines[1].sku']);
    });

    it('refuses a handover line whose SKU is not on the order (422)', async () => {
      await expectRefused(send('POST', '/accounts/S/orders/o1/handover', { lines: [{ sku: 'SKU-2', quantity: 1 }] }), 422, ['lines[0].sku']);
    });
  });

  describe('POST /accounts/{a}/purchase-orders/{p}/grns', () => {
    const line = { sku: 'SKU-1', quantity: 1 };
    it.each<[string, unknown, Field[]]>([
      ['lines missing', {}, ['lines']],
      ['empty lines', { lines: [] }, ['lines']],
      ['a zero quantity', { lines: [{ ...line, quantity: 0 }] }, ['lines[0].quantity']],
      ['a negative quantity', { lines: [{ ...line, quantity: -2 }] }, ['lines[0].quantity']],
      ['a fractional quantity', { lines: [{ ...line, quantity: 2.5 }] }, ['lines[0].quantity']],
      ['a string quantity', { lines: [{ ...line, quantity: '2' }] }, ['lines[0].quantity']],
      ['a huge quantity', { lines: [{ ...line, quantity: 1e15 }] }, ['lines[0].quantity']],
      ['a bad SKU', { lines: [{ ...line, sku: 'SKU 1' }] }, ['lines[0].sku']],
      ['grnId with a dot', { grnId: 'g.1', lines: [line] }, ['grnId']],
      ['grnId of 65 characters', { grnId: ID_65, lines: [line] }, ['grnId']],
      ['grnId empty', { grnId: '', lines: [line] }, ['grnId']],
      ['an unknown field', { lines: [line], binId: 'default' }, ['binId']],
      ['an unknown field on a line', { lines: [{ ...line, lot: 'L1' }] }, ['lines[0].lot']],
      ['a JSON array', [line], ['body']],
    ])('refuses %s', async (_label, body, fields) => {
      await expectRefused(send('POST', `/accounts/S/purchase-orders/${P1}/grns`, body), 400, fields);
    });

    it('refuses a repeated SKU naming the repeated line', async () => {
      await expectRefused(send('POST', `/accounts/S/purchase-orders/${P1}/grns`, { lines: [line, line] }), '4xx', ['lines[1].sku']);
    });

    it('refuses a SKU that is not on the purchase order (422)', async () => {
      await expectRefused(send('POST', `/accounts/S/purchase-orders/${P1}/grns`, { lines: [{ sku: 'SKU-2', quantity: 1 }] }), 422, ['lines[0].sku']);
    });
  });

  describe('ids in paths', () => {
    const badIds: [string, string][] = [
      ['a dot', 'S.x'],
      ['a space', 'S%20x'],
      ['65 characters', ID_65],
      ['a non-ASCII letter', 'S%C3%BC'],
    ];
    /** Command endpoints with `{a}` for the account, `{o}` for an order and `{p}` for a purchase order. */
    const endpoints: [string, string, unknown][] = [
      ['PATCH', '/accounts/{a}/settings', { isB2bNew: true }],
      ['POST', '/accounts/{a}/bins', { binId: 'b9' }],
      ['PUT', '/accounts/{a}/products/SKU-1/vendor', { vendorAccountId: 'V' }],
      ['DELETE', '/accounts/{a}/products/SKU-1/vendor', undefined],
      ['POST', '/accounts/{a}/inventory/adjustments', { sku: 'SKU-1', quantity: 1 }],
      ['POST', '/accounts/{a}/orders', { lines: [{ sku: 'SKU-1', quantity: 1 }] }],
      ['POST', '/accounts/{a}/orders/{o}/approve', undefined],
      ['POST', '/accounts/{a}/orders/{o}/assign', undefined],
      ['POST', '/accounts/{a}/orders/{o}/handover', {}],
      ['POST', '/accounts/{a}/orders/{o}/cancel', undefined],
      ['POST', '/accounts/{a}/purchase-orders/{p}/grns', { lines: [{ sku: 'SKU-1', quantity: 1 }] }],
    ];
    const fill = (template: string, ids: { a?: string; o?: string; p?: string }) =>
      template.replace('{a}', ids.a ?? 'S').replace('{o}', ids.o ?? 'o1').replace('{p}', ids.p ?? P1);

    const cases: [string, string, string, string, unknown, string][] = [];
    for (const [method, template, body] of endpoints) {
      for (const [label, id] of badIds) {
        cases.push([method, template, `accountId with ${label}`, fill(template, { a: id }), body, 'path.accountId']);
        if (template.includes('{o}')) cases.push([method, template, `orderId with ${label}`, fill(template, { o: id }), body, 'path.orderId']);
        if (template.includes('{p}')) cases.push([method, template, `purchaseOrderId with ${label}`, fill(template, { p: id }), body, 'path.purchaseOrderId']);
      }
    }
    it.each(cases)('%s %s refuses %s', async (method, _template, _label, url, body, field) => {
      await expectRefused(send(method, url, body), 400, [field]);
    });

    it.each<[string, string, unknown]>([
      ['PATCH', '/accounts//settings', { isB2bNew: true }],
      ['POST', '/accounts//bins', { binId: 'b9' }],
      ['POST', '/accounts//inventory/adjustments', { sku: 'SKU-1', quantity: 1 }],
      ['POST', '/accounts//orders', { lines: [{ sku: 'SKU-1', quantity: 1 }] }],
      ['POST', '/accounts/S/orders//approve', undefined],
      ['POST', '/accounts/S/orders//cancel', undefined],
      ['POST', '/accounts/S/purchase-orders//grns', { lines: [{ sku: 'SKU-1', quantity: 1 }] }],
    ])('%s %s (an empty id) is refused with a problem', async (method, url, body) => {
      await expectRefused(send(method, url, body), '4xx', []);
    });

    it.each<[string, string]>([
      ['a space', 'SKU%201'],
      ['a slash', 'SKU%2F1'],
      ['a non-ASCII letter', 'SK%C3%9C'],
      ['a hash', 'SKU%231'],
      ['65 characters', SKU_65],
    ])('the SKU in the vendor mapping path with %s is refused', async (_label, sku) => {
      await expectRefused(send('PUT', `/accounts/S/products/${sku}/vendor`, { vendorAccountId: 'V' }), 400, ['path.sku']);
      await expectRefused(send('DELETE', `/accounts/S/products/${sku}/vendor`, undefined), 400, ['path.sku']);
    });

    it('accepts ids of exactly 64 characters (the limit)', async () => {
      const answer = await api.post('/accounts/S/bins', { binId: ID_64 });
      expect(answer.status).toBe(201);
    });
  });

  describe('things that do not exist (404)', () => {
    const line = { sku: 'SKU-1', quantity: 1 };
    it.each<[string, string, string, unknown, Field]>([
      ['an unknown account: settings', 'PATCH', '/accounts/ghost/settings', { isB2bNew: true }, /accountId$/],
      ['an unknown account: settings with no change', 'PATCH', '/accounts/ghost/settings', {}, /accountId$/],
      ['an unknown account: bins', 'POST', '/accounts/ghost/bins', { binId: 'b1' }, /accountId$/],
      ['an unknown account: vendor mapping', 'PUT', '/accounts/ghost/products/SKU-1/vendor', { vendorAccountId: 'V' }, /accountId$/],
      ['an unknown account: vendor unmapping', 'DELETE', '/accounts/ghost/products/SKU-1/vendor', undefined, /accountId$/],
      ['an unknown account: adjustments', 'POST', '/accounts/ghost/inventory/adjustments', line, /accountId$/],
      ['an unknown account: orders', 'POST', '/accounts/ghost/orders', { lines: [line] }, /accountId$/],
      ['an unknown account: grns', 'POST', `/accounts/ghost/purchase-orders/${P1}/grns`, { lines: [line] }, /(accountId|purchaseOrderId)$/],
      ['an unknown location for a bin', 'POST', '/accounts/S/bins', { binId: 'b1', locationId: 'annex' }, 'locationId'],
      ['an unknown location for an adjustment', 'POST', '/accounts/S/inventory/adjustments', { ...line, locationId: 'annex' }, 'locationId'],
      ['an unknown bin for an adjustment', 'POST', '/accounts/S/inventory/adjustments', { ...line, binId: 'nowhere' }, 'binId'],
      ['an unknown order: approve', 'POST', '/accounts/S/orders/ghost/approve', undefined, /orderId$/],
      ['an unknown order: assign', 'POST', '/accounts/S/orders/ghost/assign', undefined, /orderId$/],
      ['an unknown order: handover', 'POST', '/accounts/S/orders/ghost/handover', {}, /orderId$/],
      ['an unknown order: handover with lines', 'POST', '/accounts/S/orders/ghost/handover', { lines: [line] }, /orderId$/],
      ['an unknown order: cancel', 'POST', '/accounts/S/orders/ghost/cancel', undefined, /orderId$/],
      ['an order of an unknown account', 'POST', '/accounts/ghost/orders/o1/approve', undefined, /(accountId|orderId)$/],
      ['an unknown purchase order', 'POST', '/accounts/S/purchase-orders/ghost/grns', { lines: [line] }, /purchaseOrderId$/],
    ])('%s', async (_label, method, url, body, field) => {
      await expectRefused(send(method, url, body), 404, [field]);
    });
  });

  describe('bodies that are not JSON objects the api can read', () => {
    const targets: [string, string][] = [
      ['POST', '/accounts'],
      ['PATCH', '/accounts/S/settings'],
      ['POST', '/accounts/S/bins'],
      ['PUT', '/accounts/S/products/SKU-1/vendor'],
      ['POST', '/accounts/S/inventory/adjustments'],
      ['POST', '/accounts/S/orders'],
      ['POST', '/accounts/S/orders/o1/approve'],
      ['POST', '/accounts/S/orders/o1/handover'],
      ['POST', '/accounts/S/orders/o1/cancel'],
      ['POST', `/accounts/S/purchase-orders/${P1}/grns`],
    ];

    it.each(targets)('%s %s: invalid JSON is 400', async (method, url) => {
      await expectRefused(() => api.request(method, url, { rawBody: '{"lines": [', headers: { 'content-type': 'application/json' } }), 400, ['body']);
      await expectRefused(() => api.request(method, url, { rawBody: "{'sku': 'x'}", headers: { 'content-type': 'application/json' } }), 400, ['body']);
    });

    it.each(targets)('%s %s: a body over 1 MiB is 413', async (method, url) => {
      const big = JSON.stringify({ lines: [{ sku: 'SKU-1', quantity: 1 }], customer: 'x'.repeat(1024 * 1024) });
      await expectRefused(() => api.request(method, url, { rawBody: big, headers: { 'content-type': 'application/json' } }), 413, ['body']);
    });

    it.each<[string, string, string]>([
      ['text/plain', '/accounts/S/inventory/adjustments', '{"sku":"SKU-1","quantity":1}'],
      ['text/plain', '/accounts', '{"name":"n","type":"seller"}'],
      ['application/xml', '/accounts/S/orders', '<order/>'],
      ['application/x-www-form-urlencoded', '/accounts/S/inventory/adjustments', 'sku=SKU-1&quantity=1'],
      ['application/x-www-form-urlencoded', '/accounts/S/bins', 'binId=from-a-form'],
      ['text/plain', '/accounts/S/orders/o1/cancel', ''],
      ['multipart/form-data; boundary=x', '/accounts/S/bins', '--x\r\nContent-Disposition: form-data; name="binId"\r\n\r\nb1\r\n--x--'],
    ])('a %s body to POST %s is 415', async (type, url, raw) => {
      await expectRefused(() => api.request('POST', url, { rawBody: raw, headers: { 'content-type': type } }), 415, ['content-type']);
    });

    it('still accepts application/json with a charset', async () => {
      const answer = await api.request('POST', '/accounts/S/inventory/adjustments', {
        rawBody: JSON.stringify({ sku: 'SKU-7', quantity: 1 }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(answer.status).toBe(201);
    });
  });
});
