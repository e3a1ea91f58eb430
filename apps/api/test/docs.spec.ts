/**
 * The API reference: /docs (Swagger UI, served from this process) and /docs/openapi.json (the
 * OpenAPI document): what it describes, that it describes every route the app has, and that what
 * it says the server accepts is what the server accepts.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { ApiHarness } from './support/api-harness';

type Document = {
  paths: Record<string, Record<string, any>>;
  components: Record<string, Record<string, any>>;
};

const operationsOf = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

describe('GET /docs', () => {
  let api: ApiHarness;
  let document: Document;
  beforeAll(async () => {
    api = await ApiHarness.start();
    document = (await api.request('GET', '/docs/openapi.json', { token: null })).body;
  });
  afterAll(() => api.stop());

  /** The JSON Schema of a request body or a parameter as the document has it. */
  const bodySchema = (path: string, method: string) => document.paths[path]![method].requestBody.content['application/json'].schema;

  it('serves the OpenAPI 3.1 document without a token, also at /docs with Accept: application/json', async () => {
    const served = await api.request('GET', '/docs/openapi.json', { token: null });
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toMatch(/^application\/json/);
    expect(served.body.openapi).toBe('3.1.0');
    expect(served.body.servers).toEqual([expect.objectContaining({ url: '/' })]);
    const asJson = await api.request('GET', '/docs', { token: null, headers: { accept: 'application/json' } });
    expect(asJson.status).toBe(200);
    expect(asJson.body).toEqual(served.body);
  });

  it('answers an interactive reference at /docs: Swagger UI from swagger-ui-dist, served here, reading /docs/openapi.json', async () => {
    const page = await api.request('GET', '/docs', { token: null, headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const sources = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url!);
    expect(sources).toEqual(expect.arrayContaining(['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/swagger-initializer.js']));
    // Nothing is fetched from another host.
    expect(sources.filter((url) => !url.startsWith('/docs/'))).toEqual([]);
    for (const url of sources) {
      const asset = await api.request('GET', url, { token: null });
      expect([url, asset.status]).toEqual([url, 200]);
    }
    const bundle = await api.request('GET', '/docs/swagger-ui-bundle.js', { token: null });
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(String(bundle.body)).toContain('SwaggerUIBundle');
    const initializer = await api.request('GET', '/docs/swagger-initializer.js', { token: null });
    expect(initializer.body).toContain('url: "/docs/openapi.json"');
    expect(initializer.body).toContain('validatorUrl: null');
    const unknown = await api.request('GET', '/docs/package.json', { token: null });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('describes every path of the REST contract', () => {
    const operations = operationsOf(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /accounts',
        'GET /accounts/{accountId}',
        'PATCH /accounts/{accountId}/settings',
        'POST /accounts/{accountId}/bins',
        'PUT /accounts/{accountId}/products/{sku}/vendor',
        'DELETE /accounts/{accountId}/products/{sku}/vendor',
        'POST /accounts/{accountId}/inventory/adjustments',
        'GET /accounts/{accountId}/inventory',
        'POST /accounts/{accountId}/orders',
        'GET /accounts/{accountId}/orders',
        'GET /accounts/{accountId}/orders/{orderId}',
        'POST /accounts/{accountId}/orders/{orderId}/approve',
        'POST /accounts/{accountId}/orders/{orderId}/assign',
        'POST /accounts/{accountId}/orders/{orderId}/handover',
        'POST /accounts/{accountId}/orders/{orderId}/cancel',
        'GET /accounts/{accountId}/purchase-orders',
        'GET /accounts/{accountId}/purchase-orders/{purchaseOrderId}',
        'POST /accounts/{accountId}/purchase-orders/{purchaseOrderId}/grns',
        'GET /accounts/{accountId}/reports/backorders',
        'GET /accounts/{accountId}/orders/{orderId}/events',
        'GET /accounts/{accountId}/purchase-orders/{purchaseOrderId}/events',
        'GET /accounts/{accountId}/orders/{orderId}/trail',
        'GET /admin/streams/{stream}/events',
        'POST /admin/projections/rebuild',
        'GET /admin/processors',
        'POST /admin/processors/{name}/parked/{parkedId}/retry',
        'GET /admin/accounts',
        'POST /admin/accounts/{accountId}/api-key',
        'GET /health',
        'GET /health/live',
        'GET /health/ready',
        'GET /metrics',
        'GET /docs',
        'GET /docs/openapi.json',
      ]),
    );
  });

  it('describes every route the app serves (the reference\'s own files aside)', () => {
    const routes: string[] = [];
    for (const module of api.app.get(ModulesContainer).values()) {
      for (const { metatype } of module.controllers.values()) {
        if (!metatype) continue;
        const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
        const prototype = (metatype as { prototype: Record<string, object> }).prototype;
        for (const key of Object.getOwnPropertyNames(prototype)) {
          const handler = prototype[key]!;
          const method = typeof handler === 'function' ? (Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) : undefined;
          if (method === undefined) continue;
          const path = ['', base, String(Reflect.getMetadata(PATH_METADATA, handler))]
            .join('/')
            .replace(/\/+/g, '/')
            .replace(/(.)\/$/, '$1')
            .replace(/:(\w+)/g, '{$1}');
          routes.push(`${RequestMethod[method]} ${path}`);
        }
      }
    }
    const documented = operationsOf(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    // The reference's own files, and the operator console (a page and its files, not API routes).
    const assets = ['GET /docs/{asset}', 'GET /docs/swagger-initializer.js', 'GET /console', 'GET /console/*'];
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((route) => !documented.includes(route) && !assets.includes(route))).toEqual([]);
  });

  it('gives every operation an operationId, a tag, typed answers and problem details', () => {
    const operations = operationsOf(document);
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining(['placeOrder', 'getOrder', 'listOrders', 'approveOrder', 'handOverOrder', 'receiveGoods']));
    const declared = ((document as unknown as { tags: { name: string; description: string }[] }).tags ?? []).map((tag) => tag.name);
    expect(operations.flatMap(({ operation }) => operation.tags).filter((tag) => !declared.includes(tag))).toEqual([]);
    for (const { path, method, operation } of operations) {
      const where = `${method.toUpperCase()} ${path}`;
      expect([where, operation.tags?.length]).toEqual([where, 1]);
      const [success, answer] = Object.entries(operation.responses as Record<string, any>).find(([status]) => /^2/.test(status))!;
      if (success !== '204') expect([where, Object.keys(answer.content ?? {}).length > 0]).toEqual([where, true]);
      // A probe's 503 answers its own body (what is down); every other error is a problem.
      const problems = Object.entries(operation.responses as Record<string, { $ref?: string }>).filter(
        ([status, response]) => /^[45]/.test(status) && !(path.startsWith('/health') && status === '503' && response.$ref === undefined),
      );
      for (const [status, response] of problems) expect([where, status, response.$ref]).toEqual([where, status, `#/components/responses/Problem${status}`]);
      if (operation.security === undefined) expect([where, problems.map(([status]) => status)]).toEqual([where, expect.arrayContaining(['400', '401', '403'])]);
      expect(operation.responses.default.$ref).toBe('#/components/responses/UnexpectedProblem');
    }
    for (const response of Object.values(document.components.responses!)) {
      expect(response.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    }
    expect(document.paths['/accounts/{accountId}/orders/{orderId}']!.get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Order',
    });
  });

  it('documents the headers: X-Event-Position on commands, X-Consistent-With on reads, X-Request-Id everywhere, Idempotency-Key on every POST', () => {
    const parameterNames = (operation: any) =>
      (operation.parameters as any[]).map((p) => (p.$ref ? document.components.parameters![p.$ref.split('/').pop()].name : p.name));
    for (const { path, method, operation } of operationsOf(document)) {
      const where = `${method.toUpperCase()} ${path}`;
      const names = parameterNames(operation);
      expect([where, names.includes('X-Request-Id')]).toEqual([where, true]);
      expect([where, names.includes('Idempotency-Key')]).toEqual([where, method === 'post']);
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        const headers = response.$ref ? document.components.responses![response.$ref.split('/').pop()].headers : response.headers;
        expect([where, status, Object.keys(headers)]).toEqual([where, status, expect.arrayContaining(['X-Request-Id'])]);
      }
    }
    const { paths } = document;
    expect(Object.keys(paths['/accounts/{accountId}/orders']!.post.responses['201'].headers)).toEqual(['X-Request-Id', 'X-Event-Position', 'Location', 'Idempotent-Replayed']);
    expect(parameterNames(paths['/accounts/{accountId}/orders/{orderId}']!.get)).toContain('X-Consistent-With');
    expect(document.components.parameters!.IdempotencyKey.description).toBe(
      'The same key and body within 24 h answer the first answer and write nothing; the same key with another body is 409. ' +
        'It applies where a body id (orderId, adjustmentId, handoverId, grnId) is not given; a retried request without either may be applied twice.',
    );
  });

  it('takes request bodies from the schemas the controllers parse with, each with an example', () => {
    const order = bodySchema('/accounts/{accountId}/orders', 'post');
    expect(order.required).toEqual(['lines']);
    expect(order.additionalProperties).toBe(false);
    expect(order.properties.lines.items.properties.quantity).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(order.properties.orderId.pattern).toBe('^[A-Za-z0-9_-]{1,64}$');
    const settings = bodySchema('/accounts/{accountId}/settings', 'patch');
    expect(Object.keys(settings.properties).sort()).toEqual([
      'allowOrdersWithoutInventory',
      'autoGrnThroughBackOrder',
      'autoPoVendorLevel',
      'isB2bNew',
      'orderApprovalRequired',
      'vendorPanelType',
    ]);
    for (const { path, method, operation } of operationsOf(document)) {
      const content = operation.requestBody?.content['application/json'];
      if (content && content.schema.properties && Object.keys(content.schema.properties).length > 0) {
        expect([method, path, content.example === undefined]).toEqual([method, path, false]);
      }
    }
  });

  it('marks the optional bodies optional: handover, approve, assign, cancel, close-short, close, settings, and the admin commands that take none', () => {
    const optional = operationsOf(document)
      .filter(({ operation }) => operation.requestBody && !operation.requestBody.required)
      .map(({ operation }) => operation.operationId)
      .sort();
    expect(optional).toEqual([
      'approveOrder',
      'assignOrder',
      'cancelOrder',
      'changeSettings',
      'closeOrderShort',
      'closePurchaseOrder',
      'handOverOrder',
      'rebuildProjections',
      'retryParkedEvent',
      'rotateApiKey',
    ]);
    expect(document.paths['/accounts/{accountId}/orders']!.post.requestBody.required).toBe(true);
  });

  it('types query parameters: limit an integer of 1..500 (and the server holds to it)', async () => {
    const parameter = (path: string, name: string) =>
      (document.paths[path]!.get.parameters as any[]).find((p) => p.name === name && p.in === 'query');
    const limit = parameter('/accounts/{accountId}/orders', 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
    expect(limit.required).toBe(false);
    expect(parameter('/accounts/{accountId}/orders', 'after').schema).toMatchObject({ type: 'string' });
    expect(parameter('/accounts/{accountId}/reports/backorders', 'limit').schema).toMatchObject({ type: 'integer', maximum: 500 });
    expect(parameter('/admin/streams/{stream}/events', 'from').schema).toMatchObject({ type: 'integer', minimum: 0 });

    await api.openAccount('Q', 'seller');
    await api.settle();
    const list = (query: string) => api.request('GET', `/accounts/Q/orders?${query}`);
    expect((await list(`limit=${limit.schema.maximum}`)).status).toBe(200);
    expect((await list(`limit=${limit.schema.minimum}`)).status).toBe(200);
    for (const bad of [`limit=${limit.schema.maximum + 1}`, `limit=${limit.schema.minimum - 1}`, 'limit=abc', 'limit=1.5']) {
      const refused = await list(bad);
      expect([bad, refused.status, refused.body.errors]).toEqual([bad, 400, [expect.objectContaining({ field: 'query.limit' })]]);
    }
  });

  it('documents exactly the quantities the server accepts: the documented bounds pass, one beyond is refused and writes nothing', async () => {
    const line = bodySchema('/accounts/{accountId}/orders', 'post').properties.lines.items.properties.quantity;
    const adjustment = bodySchema('/accounts/{accountId}/inventory/adjustments', 'post').properties.quantity;
    expect(line).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(adjustment).toMatchObject({ type: 'integer', minimum: -line.maximum, maximum: line.maximum, not: { const: 0 } });

    await api.openAccount('B', 'seller', { allowOrdersWithoutInventory: true });
    const refused = async (url: string, body: unknown, field: string) => {
      await api.settle();
      const before = await api.eventCount();
      const answer = await api.post(url, body);
      expect([JSON.stringify(body), answer.status, answer.body.errors]).toEqual([JSON.stringify(body), 400, [expect.objectContaining({ field })]]);
      expect(await api.eventCount()).toBe(before);
    };
    const order = (quantity: number) => ({ lines: [{ sku: 'SKU', quantity }] });
    expect((await api.post('/accounts/B/orders', order(line.maximum))).status).toBe(201);
    expect((await api.post('/accounts/B/orders', order(line.exclusiveMinimum + 1))).status).toBe(201);
    await refused('/accounts/B/orders', order(line.maximum + 1), 'lines[0].quantity');
    await refused('/accounts/B/orders', order(line.exclusiveMinimum), 'lines[0].quantity');
    await refused('/accounts/B/orders', order(1.5), 'lines[0].quantity');

    const adjust = (quantity: number) => ({ sku: 'OTHER', quantity });
    expect((await api.post('/accounts/B/inventory/adjustments', adjust(adjustment.maximum))).status).toBe(201);
    expect((await api.post('/accounts/B/inventory/adjustments', adjust(adjustment.minimum))).status).toBe(201);
    await refused('/accounts/B/inventory/adjustments', adjust(adjustment.maximum + 1), 'quantity');
    await refused('/accounts/B/inventory/adjustments', adjust(adjustment.minimum - 1), 'quantity');
    await refused('/accounts/B/inventory/adjustments', adjust(adjustment.not.const), 'quantity');
  });
});
