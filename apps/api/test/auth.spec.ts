/**
 * Auth (SPEC.md, REST API): `Authorization: Bearer <token>`; the admin token may do everything; an
 * account's API key, returned once by `POST /accounts`, acts only under `/accounts/{itsOwnId}/…`.
 * Missing or unknown token: 401; another account's path: 403. Only the key's SHA-256 is stored.
 */
import { createHash } from 'node:crypto';
import { purchaseOrderIdFor } from '@app/domain/fulfilment/ids';
import { ADMIN_TOKEN, Answer, ApiHarness } from './support/api-harness';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Every command endpoint, with `{a}` for the account, and a body that would be accepted. */
const ENDPOINTS: [method: string, template: string, body: unknown][] = [
  ['PATCH', '/accounts/{a}/settings', { isB2bNew: true }],
  ['POST', '/accounts/{a}/bins', { binId: 'b-auth' }],
  ['PUT', '/accounts/{a}/products/SKU-1/vendor', { vendorAccountId: 'V' }],
  ['DELETE', '/accounts/{a}/products/SKU-1/vendor', undefined],
  ['POST', '/accounts/{a}/inventory/adjustments', { sku: 'SKU-1', quantity: 1 }],
  ['POST', '/accounts/{a}/orders', { orderId: 'o-auth', lines: [{ sku: 'SKU-1', quantity: 1 }] }],
  ['POST', '/accounts/{a}/orders/o1/approve', undefined],
  ['POST', '/accounts/{a}/orders/o1/assign', undefined],
  ['POST', '/accounts/{a}/orders/o1/handover', { lines: [{ sku: 'SKU-1', quantity: 1 }] }],
  // Before the cancellation, which closes the PO.
  ['POST', '/accounts/{a}/purchase-orders/{p}/grns', { lines: [{ sku: 'SKU-1', quantity: 1 }] }],
  ['POST', '/accounts/{a}/orders/o1/cancel', undefined],
];

describe('auth', () => {
  let api: ApiHarness;
  let keys: Record<'S' | 'T' | 'V', string>;

  /**
   * A seller with stock and an order o1 holding 10 units and waiting for 5 more, bought on a PO
   * from V; the seller does not inward automatically, so the PO takes manual GRNs.
   */
  const prepareSeller = async (accountId: 'S' | 'T') => {
    const { apiKey } = await api.openAccount(accountId, 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true });
    await api.adjust(accountId, 'SKU-1', 10);
    await api.request('PUT', `/accounts/${accountId}/products/SKU-1/vendor`, { body: { vendorAccountId: 'V' } });
    const placed = await api.post(`/accounts/${accountId}/orders`, { orderId: 'o1', lines: [{ sku: 'SKU-1', quantity: 15 }] });
    expect(placed.status).toBe(201);
    await api.settle();
    return apiKey;
  };

  beforeAll(async () => {
    api = await ApiHarness.start();
    const vendor = await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
    keys = { S: await prepareSeller('S'), T: await prepareSeller('T'), V: vendor.apiKey };
  });
  afterAll(() => api.stop());

  const expectAuthProblem = async (status: 401 | 403, send: () => Promise<Answer>) => {
    // Whatever the sagas still had to do is done first: only this request may change the count.
    await api.settle(50);
    const before = await api.eventCount();
    const answer = await send();
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { status } });
    expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
    expect(answer.body).toEqual(
      expect.objectContaining({ type: expect.any(String), title: expect.any(String), detail: expect.any(String), errors: expect.any(Array) }),
    );
    expect(await api.eventCount()).toBe(before);
    return answer;
  };

  const url = (template: string, accountId: string) =>
    template.replace('{a}', accountId).replace('{p}', purchaseOrderIdFor(accountId, 'o1', 1, 'V'));

  describe('401', () => {
    it.each(ENDPOINTS)('%s %s without a token', async (method, template, body) => {
      await expectAuthProblem(401, () => api.request(method, url(template, 'S'), { body, token: null }));
    });

    it('POST /accounts without a token', async () => {
      await expectAuthProblem(401, () => api.request('POST', '/accounts', { body: { name: 'x', type: 'seller' }, token: null }));
    });

    it('is answered before the body is judged', async () => {
      await expectAuthProblem(401, () => api.request('POST', '/accounts/S/orders', { body: { lines: [] }, token: null }));
    });

    it.each<[string, string]>([
      ['Basic credentials', `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`],
      ['the bare admin token', ADMIN_TOKEN],
      ['"Bearer" alone', 'Bearer'],
      ['"Bearer" and a space', 'Bearer '],
      ['two tokens', `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}`],
      ['another scheme', `Token ${ADMIN_TOKEN}`],
      ['"Bearer:" with a colon', `Bearer:${ADMIN_TOKEN}`],
    ])('with a malformed header: %s', async (_label, authorization) => {
      await expectAuthProblem(401, () =>
        api.request('PATCH', '/accounts/S/settings', { body: { isB2bNew: true }, token: null, headers: { authorization } }),
      );
    });

    it.each<[string, () => string]>([
      ['an unknown token', () => 'not-a-token'],
      ['the admin token with a character more', () => `${ADMIN_TOKEN}x`],
      ['the admin token cut short', () => ADMIN_TOKEN.slice(0, -1)],
      ['a key of an account that does not exist', () => `ghost.${keys.S.split('.')[1]}`],
      ['a key of an account with a dot in the id', () => `S.x.${keys.S.split('.')[1]}`],
      ['the account part of an existing account and a wrong secret', () => 'S.wrong-secret'],
      ['an existing account with an empty secret', () => 'S.'],
      ['an existing account with another account\u2019s secret', () => `S.${keys.T.split('.')[1]}`],
      ['a key with its last character changed', () => keys.S.slice(0, -1) + (keys.S.endsWith('A') ? 'B' : 'A')],
      ['a key with a character more', () => `${keys.S}A`],
    ])('with %s', async (_label, token) => {
      await expectAuthProblem(401, () => api.request('PATCH', '/accounts/S/settings', { body: { isB2bNew: true }, token: token() }));
    });
  });

  describe('an account key', () => {
    it('is `<accountId>.<secret>` and acts on its own account, recorded as that account', async () => {
      expect(keys.S).toMatch(/^S\.[A-Za-z0-9_-]{16,}$/);
      const before = (await api.allEvents()).length;
      const settings = await api.request('PATCH', '/accounts/S/settings', { body: { isB2bNew: true }, token: keys.S });
      expect(settings.status).toBe(200);
      const bin = await api.request('POST', '/accounts/S/bins', { body: { binId: 'own-bin' }, token: keys.S });
      expect(bin.status).toBe(201);
      const adjusted = await api.request('POST', '/accounts/S/inventory/adjustments', { body: { sku: 'SKU-2', quantity: 4 }, token: keys.S });
      expect(adjusted.status).toBe(201);
      const mapped = await api.request('PUT', '/accounts/S/products/SKU-2/vendor', { body: { vendorAccountId: 'V' }, token: keys.S });
      expect(mapped.status).toBe(200);
      const unmapped = await api.request('DELETE', '/accounts/S/products/SKU-2/vendor', { token: keys.S });
      expect(unmapped.status).toBe(204);
      const placed = await api.request('POST', '/accounts/S/orders', { body: { orderId: 'own-1', lines: [{ sku: 'SKU-2', quantity: 2 }] }, token: keys.S });
      expect(placed.status).toBe(201);
      for (const action of ['approve', 'assign']) {
        expect((await api.request('POST', `/accounts/S/orders/own-1/${action}`, { token: keys.S })).status).toBe(200);
      }
      const handover = await api.request('POST', '/accounts/S/orders/own-1/handover', { body: { lines: [{ sku: 'SKU-2', quantity: 1 }] }, token: keys.S });
      expect(handover.status).toBe(200);
      expect((await api.request('POST', '/accounts/S/orders/own-1/cancel', { token: keys.S })).status).toBe(200);
      const grn = await api.request('POST', `/accounts/S/purchase-orders/${purchaseOrderIdFor('S', 'o1', 1, 'V')}/grns`, { body: { lines: [{ sku: 'SKU-1', quantity: 1 }] }, token: keys.S });
      expect(grn.status).toBe(201);

      const written = (await api.allEvents()).slice(before);
      expect(written.length).toBeGreaterThan(0);
      const direct = written.filter((e) => !String(e.metadata['actor']).startsWith('processor:'));
      expect(new Set(direct.map((e) => e.metadata['actor']))).toEqual(new Set(['account:S']));
    });

    it('works for a vendor account on its own account', async () => {
      const answer = await api.request('PATCH', '/accounts/V/settings', { body: { vendorPanelType: 2 }, token: keys.V });
      expect(answer.status).toBe(200);
      expect(answer.body.vendorPanelType).toBe(2);
    });

    it.each(ENDPOINTS)('%s %s on another account\u2019s path is 403', async (method, template, body) => {
      await expectAuthProblem(403, () => api.request(method, url(template, 'T'), { body, token: keys.S }));
    });

    it.each(ENDPOINTS)('%s %s of a seller with the vendor\u2019s key is 403', async (method, template, body) => {
      await expectAuthProblem(403, () => api.request(method, url(template, 'S'), { body, token: keys.V }));
    });

    it('on the path of an account that does not exist is 403', async () => {
      await expectAuthProblem(403, () => api.request('PATCH', '/accounts/ghost/settings', { body: { isB2bNew: true }, token: keys.S }));
    });

    it('may not open accounts (403)', async () => {
      await expectAuthProblem(403, () => api.request('POST', '/accounts', { body: { accountId: 'new-one', name: 'New', type: 'seller' }, token: keys.S }));
      await expectAuthProblem(403, () => api.request('POST', '/accounts', { body: { name: 'New', type: 'vendor' }, token: keys.V }));
    });
  });

  describe('the admin token', () => {
    it.each(ENDPOINTS)('may %s %s of any account', async (method, template, body) => {
      const answer = await api.request(method, url(template, 'T'), { body });
      expect({ succeeded: answer.status >= 200 && answer.status < 300, status: answer.status, body: answer.body }).toMatchObject({ succeeded: true });
    });

    it('may open accounts', async () => {
      const answer = await api.post('/accounts', { accountId: 'by-admin', name: 'By admin', type: 'vendor' });
      expect(answer.status).toBe(201);
    });
  });

  describe('public endpoints', () => {
    it.each(['/health', '/docs'])('GET %s needs no token', async (path) => {
      const answer = await api.request('GET', path, { token: null });
      expect(answer.status).toBe(200);
    });

    it.each(['/health', '/docs'])('GET %s ignores an unknown token', async (path) => {
      const answer = await api.request('GET', path, { token: 'not-a-token' });
      expect(answer.status).toBe(200);
    });
  });

  describe('the API key', () => {
    it('is answered once, on opening; only its SHA-256 is in the log, never the key or its secret', async () => {
      const opened = await api.post('/accounts', { accountId: 'K', name: 'Key holder', type: 'seller' });
      expect(opened.status).toBe(201);
      const apiKey: string = opened.body.apiKey;
      expect(apiKey).toMatch(/^K\.[A-Za-z0-9_-]{16,}$/);
      const secret = apiKey.slice('K.'.length);

      // It is never answered again.
      const later: Answer[] = [
        await api.post('/accounts', { accountId: 'K', name: 'Key holder', type: 'seller' }),
        await api.request('PATCH', '/accounts/K/settings', { body: { isB2bNew: true }, token: apiKey }),
        await api.request('POST', '/accounts/K/bins', { body: { binId: 'b1' }, token: apiKey }),
        await api.request('POST', '/accounts/K/inventory/adjustments', { body: { sku: 'X', quantity: 1 }, token: apiKey }),
        await api.request('POST', '/accounts/K/orders', { body: { lines: [{ sku: 'X', quantity: 1 }] }, token: apiKey }),
      ];
      expect(later[0]!.status).toBe(409);
      for (const answer of later) {
        expect(JSON.stringify(answer.body)).not.toContain(secret);
        expect(JSON.stringify(answer.headers)).not.toContain(secret);
        expect(answer.body).not.toHaveProperty('apiKey');
      }

      const events = await api.allEvents();
      for (const event of events) {
        const text = JSON.stringify({ ...event, position: String(event.position), revision: String(event.revision) });
        expect({ stream: event.streamName, type: event.type, hasKey: text.includes(apiKey), hasSecret: text.includes(secret) }).toEqual({
          stream: event.streamName,
          type: event.type,
          hasKey: false,
          hasSecret: false,
        });
        expect(text).not.toContain(ADMIN_TOKEN);
      }
      const accountOpened = events.filter((e) => e.streamName === 'account-K' && e.type === 'AccountOpened');
      expect(accountOpened).toHaveLength(1);
      expect((accountOpened[0]!.data as { apiKeyHash: string }).apiKeyHash).toBe(sha256(apiKey));
    });

    it('of a second opening attempt under the same id does not replace the first', async () => {
      const first = await api.post('/accounts', { accountId: 'K2', name: 'K2', type: 'vendor' });
      expect(first.status).toBe(201);
      const again = await api.post('/accounts', { accountId: 'K2', name: 'K2', type: 'vendor' });
      expect(again.status).toBe(409);
      const answer = await api.request('PATCH', '/accounts/K2/settings', { body: {}, token: first.body.apiKey });
      expect(answer.status).toBe(200);
    });
  });
});
