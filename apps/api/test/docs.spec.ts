import { ApiHarness } from './support/api-harness';

describe('GET /docs', () => {
  let api: ApiHarness;
  beforeAll(async () => (api = await ApiHarness.start()));
  afterAll(() => api.stop());

  it('describes every path of the REST contract, without a token', async () => {
    const docs = await api.request('GET', '/docs', { token: null });
    expect(docs.status).toBe(200);
    expect(docs.body.openapi).toBe('3.1.0');
    const operations = Object.entries(docs.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
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
        'GET /health',
        'GET /docs',
      ]),
    );
  });

  it('takes request bodies from the schemas the controllers parse with', async () => {
    const docs = await api.request('GET', '/docs', { token: null });
    const order = docs.body.paths['/accounts/{accountId}/orders'].post.requestBody.content['application/json'].schema;
    expect(order.required).toEqual(['lines']);
    expect(order.additionalProperties).toBe(false);
    expect(order.properties.lines.items.properties.quantity).toMatchObject({ type: 'integer', exclusiveMinimum: 0 });
    expect(order.properties.orderId.pattern).toBe('^[A-Za-z0-9_-]{1,64}$');
    const settings = docs.body.paths['/accounts/{accountId}/settings'].patch.requestBody.content['application/json'].schema;
    expect(Object.keys(settings.properties).sort()).toEqual([
      'allowOrdersWithoutInventory',
      'autoGrnThroughBackOrder',
      'autoPoVendorLevel',
      'isB2bNew',
      'orderApprovalRequired',
      'vendorPanelType',
    ]);
  });
});
