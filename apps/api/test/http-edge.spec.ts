/**
 * The HTTP edge (SPEC.md, Operations): a POST (or DELETE) whose body is optional accepts an empty
 * body with or without `Content-Type: application/json`; authentication and authorization come
 * before the body is parsed; every error the HTTP layer produces, Fastify's own included, is
 * problem+json; and the longest stream name is served.
 */
import { connect } from 'node:net';
import { ApiHarness, ADMIN_TOKEN } from './support/api-harness';

const JSON_TYPE = { 'content-type': 'application/json' };
const ID_64 = 'a'.repeat(64);

type Sender = (method: string, url: string, headers: Record<string, string>) => Promise<{ status: number; body: any; headers: Record<string, unknown> }>;

const expectProblem = (answer: { status: number; body: any; headers: Record<string, unknown> }, status: number, field?: string) => {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { status } });
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
  expect(answer.body).toEqual(
    expect.objectContaining({ type: expect.any(String), title: expect.any(String), detail: expect.any(String), errors: expect.any(Array) }),
  );
  if (field) expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
};

/** Writes raw bytes to the listening port and answers the status line, headers and body read back. */
const rawExchange = (baseUrl: string, bytes: string): Promise<{ status: number; contentType: string; body: any }> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      if (!status) return reject(new Error(`no answer: ${JSON.stringify(text)}`));
      resolve({ status, contentType: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '', body: JSON.parse(body) });
    });
  });

describe('the HTTP edge', () => {
  let api: ApiHarness;
  let baseUrl: string;
  let keyS: string;
  let orders = 0;

  beforeAll(async () => {
    api = await ApiHarness.start();
    baseUrl = await api.listen();
    // S asks for approval and has stock for every order below; V is S's vendor.
    keyS = (await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, orderApprovalRequired: true })).apiKey;
    await api.openAccount('T', 'seller');
    await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
    await api.adjust('S', 'SKU-1', 1000);
    await api.settle();
  });
  afterAll(() => api.stop());

  const inject: Sender = (method, url, headers) => api.request(method, url, { headers });
  const overFetch: Sender = async (method, url, headers) => {
    const response = await fetch(`${baseUrl}${url}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: Object.fromEntries(response.headers) };
  };

  const placeOrder = async () => {
    const orderId = `o${++orders}`;
    const placed = await api.post('/accounts/S/orders', { orderId, lines: [{ sku: 'SKU-1', quantity: 2 }] });
    expect(placed.body).toMatchObject({ status: 'UNAPPROVED' });
    return orderId;
  };

  describe.each<[string, Sender, Record<string, string>]>([
    ['inject, with Content-Type: application/json', inject, JSON_TYPE],
    ['inject, with no Content-Type', inject, {}],
    ['a real port (fetch), with Content-Type: application/json', overFetch, JSON_TYPE],
    ['a real port (fetch), with Content-Type: application/json; charset=utf-8', overFetch, { 'content-type': 'application/json; charset=utf-8' }],
  ])('bodiless requests over %s and no body', (_label, send, headers) => {
    it('approve, assign, handover and cancel an order', async () => {
      const handedOver = await placeOrder();
      expect(await send('POST', `/accounts/S/orders/${handedOver}/approve`, headers)).toMatchObject({ status: 200, body: { status: 'READY' } });
      expect(await send('POST', `/accounts/S/orders/${handedOver}/assign`, headers)).toMatchObject({ status: 200 });
      expect(await send('POST', `/accounts/S/orders/${handedOver}/handover`, headers)).toMatchObject({
        status: 200,
        body: { lines: [{ sku: 'SKU-1', quantity: 2 }] },
      });
      const cancelled = await placeOrder();
      expect(await send('POST', `/accounts/S/orders/${cancelled}/cancel`, headers)).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    });

    it('DELETE a vendor mapping, and PATCH settings with no change', async () => {
      expect((await api.request('PUT', '/accounts/S/products/SKU-1/vendor', { body: { vendorAccountId: 'V' } })).status).toBe(200);
      expect((await send('DELETE', '/accounts/S/products/SKU-1/vendor', headers)).status).toBe(204);
      expect(await send('PATCH', '/accounts/S/settings', headers)).toMatchObject({ status: 200, body: { orderApprovalRequired: true } });
    });

    it('rebuild the read models, reissue an API key, and reach a parked event to retry', async () => {
      expect(await send('POST', '/admin/projections/rebuild', headers)).toMatchObject({ status: 200, body: { events: expect.any(Number) } });
      expect(await send('POST', '/admin/accounts/T/api-key', headers)).toMatchObject({ status: 200, body: { accountId: 'T' } });
      // Nothing is parked: the route was reached, and answered that.
      const retry = await send('POST', '/admin/processors/read-models/parked/1/retry', headers);
      expectProblem(retry, 404, 'parkedId');
      expect(retry.body.code).toBe('PARKED_EVENT_NOT_FOUND');
    });
  });

  describe('a route whose body is required, sent none', () => {
    it.each<[string, string]>([
      ['POST', '/accounts'],
      ['POST', '/accounts/S/bins'],
      ['PUT', '/accounts/S/products/SKU-1/vendor'],
      ['POST', '/accounts/S/inventory/adjustments'],
      ['POST', '/accounts/S/orders'],
      ['POST', '/accounts/S/purchase-orders/p1/grns'],
    ])('%s %s answers 400 naming body, with Content-Type: application/json', async (method, url) => {
      const before = await api.eventCount();
      expectProblem(await api.request(method, url, { headers: JSON_TYPE }), 400, 'body');
      expectProblem(await overFetch(method, url, JSON_TYPE), 400, 'body');
      expect(await api.eventCount()).toBe(before);
    });
  });

  describe('authentication and authorization come before the body is parsed', () => {
    const bad: [string, { rawBody: string; headers: Record<string, string> }][] = [
      ['malformed JSON', { rawBody: '{"lines": [', headers: JSON_TYPE }],
      ['a body over 1 MiB', { rawBody: JSON.stringify({ customer: 'x'.repeat(1024 * 1024 + 10) }), headers: JSON_TYPE }],
      ['a text/plain body', { rawBody: 'hello', headers: { 'content-type': 'text/plain' } }],
      ['a body without a Content-Type', { rawBody: '{}', headers: {} }],
    ];

    it.each(bad)('no token and %s: 401', async (_label, options) => {
      expectProblem(await api.request('POST', '/accounts/S/orders', { ...options, token: null }), 401);
      expectProblem(await api.request('POST', '/admin/projections/rebuild', { ...options, token: null }), 401);
      expectProblem(await api.request('POST', '/accounts/S/orders', { ...options, token: 'S.not-the-secret' }), 401);
    });

    it.each(bad)('an account key and %s on an admin route or another account: 403', async (_label, options) => {
      expectProblem(await api.request('POST', '/admin/projections/rebuild', { ...options, token: keyS }), 403);
      expectProblem(await api.request('POST', '/accounts', { ...options, token: keyS }), 403);
      expectProblem(await api.request('POST', '/admin/accounts/S/api-key', { ...options, token: keyS }), 403);
      expectProblem(await api.request('POST', '/accounts/T/orders', { ...options, token: keyS }), 403);
    });

    it('the account key on its own account, with malformed JSON: the body is judged (400)', async () => {
      expectProblem(await api.request('POST', '/accounts/S/orders', { rawBody: '{"lines": [', headers: JSON_TYPE, token: keyS }), 400, 'body');
    });

    it('over a real port too', async () => {
      const response = await fetch(`${baseUrl}/admin/projections/rebuild`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keyS}`, ...JSON_TYPE },
        body: '{"broken',
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('public routes', () => {
    it.each(['/health', '/health/live', '/metrics', '/docs'])('GET %s needs no token, and ignores a bad one', async (path) => {
      expect((await api.request('GET', path, { token: null })).status).toBe(200);
      expect((await api.request('GET', path, { token: 'not-a-token' })).status).toBe(200);
    });
  });

  describe("Fastify's own errors are problem+json", () => {
    it('an unknown route: 404, with or without a token', async () => {
      expectProblem(await api.request('GET', '/nowhere'), 404);
      expectProblem(await api.request('GET', '/nowhere', { token: null }), 404);
      expectProblem(await api.request('DELETE', '/accounts/S', { token: null }), 404);
    });

    it('a path parameter longer than any id or stream name: 414 naming the path', async () => {
      expectProblem(await api.request('GET', `/admin/streams/${'s'.repeat(1025)}/events`), 414, 'path');
      expectProblem(await api.request('GET', `/accounts/${'a'.repeat(1025)}/orders`, { token: null }), 414, 'path');
      // Refused by the router before any hook, it still carries its request id (the caller's, when sane).
      const refused = await api.request('GET', `/admin/streams/${'s'.repeat(1025)}/events`, { headers: { 'x-request-id': 'trace-414' } });
      expect(refused.headers['x-request-id']).toBe('trace-414');
    });

    it('a path with a broken percent-encoding: 400 naming the path', async () => {
      expectProblem(await api.request('GET', '/accounts/%E0%A4%A/orders'), 400, 'path');
    });

    it('413, 415 and malformed JSON', async () => {
      expectProblem(await api.request('POST', '/accounts/S/orders', { rawBody: 'x'.repeat(1024 * 1024 + 1), headers: JSON_TYPE }), 413, 'body');
      expectProblem(await api.request('POST', '/accounts/S/orders', { rawBody: '<order/>', headers: { 'content-type': 'application/xml' } }), 415, 'content-type');
      expectProblem(await api.request('POST', '/admin/projections/rebuild', { rawBody: '{', headers: JSON_TYPE }), 400, 'body');
      expectProblem(await api.request('POST', '/admin/projections/rebuild', { rawBody: '{"__proto__": {"x": 1}}', headers: JSON_TYPE }), 400, 'body');
    });

    it('a request that is not HTTP: 400', async () => {
      const answer = await rawExchange(baseUrl, 'NOT HTTP AT ALL\r\n\r\n');
      expect(answer).toMatchObject({ status: 400, contentType: expect.stringMatching(/^application\/problem\+json/), body: { status: 400, errors: [] } });
    });

    it('headers too large: 431', async () => {
      const answer = await rawExchange(baseUrl, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
      expect(answer).toMatchObject({ status: 431, contentType: expect.stringMatching(/^application\/problem\+json/), body: { status: 431 } });
    });
  });

  describe('stream names in /admin/streams/{stream}/events', () => {
    it('serves a 64 + 64 character order stream', async () => {
      await api.openAccount(ID_64, 'seller', { allowOrdersWithoutInventory: true });
      const orderId = 'o'.repeat(64);
      expect((await api.post(`/accounts/${ID_64}/orders`, { orderId, lines: [{ sku: 'SKU-1', quantity: 1 }] })).status).toBe(201);
      const answer = await api.request('GET', `/admin/streams/order-${ID_64}.${orderId}/events`);
      expect(answer.status).toBe(200);
      expect(answer.body[0]).toMatchObject({ type: 'OrderPlaced', streamName: `order-${ID_64}.${orderId}` });
    });

    it('serves the longest stream name there is (a bin: three ids of 64), and refuses one longer than any', async () => {
      const longest = `bin-${ID_64}.${'l'.repeat(64)}.${'b'.repeat(64)}`;
      expect(longest).toHaveLength(198);
      expect(await api.request('GET', `/admin/streams/${longest}/events`)).toMatchObject({ status: 200, body: [] });
      expectProblem(await api.request('GET', `/admin/streams/${'s'.repeat(301)}/events`), 400, 'path.stream');
    });
  });
});
