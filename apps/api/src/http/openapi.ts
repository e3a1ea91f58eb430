/**
 * The OpenAPI description served at /docs, generated from the same zod schemas the controllers
 * parse requests with, so the two cannot drift apart.
 */
import { z, ZodType } from 'zod';
import {
  AddBinBody,
  AdjustmentBody,
  GrnBody,
  HandoverBody,
  MapVendorBody,
  OpenAccountBody,
  PlaceOrderBody,
  SettingsBody,
} from './request-schemas';
import { ID_PATTERN, SKU_PATTERN } from '@app/domain/shared/ids';
import { ORDER_STATUSES, PENDING_REASONS } from '@app/domain/order/order.events';
import { PURCHASE_ORDER_STATUSES } from '@app/domain/purchase-order/purchase-order.events';

type Operation = {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  body?: ZodType;
  status: number;
  admin?: boolean;
  public?: boolean;
  query?: Record<string, string>;
  errors?: number[];
};

const jsonSchema = (schema: ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

const OPERATIONS: Operation[] = [
  { method: 'post', path: '/accounts', summary: 'Open a seller or vendor account; answers its apiKey once', body: OpenAccountBody, status: 201, admin: true, errors: [400, 409] },
  { method: 'get', path: '/accounts/{accountId}', summary: 'The account with settings, locations and bins, vendor mappings', status: 200, errors: [404] },
  { method: 'patch', path: '/accounts/{accountId}/settings', summary: 'Change any subset of the settings', body: SettingsBody, status: 200, errors: [400, 404] },
  { method: 'post', path: '/accounts/{accountId}/bins', summary: 'Add a bin to a location (main by default)', body: AddBinBody, status: 201, errors: [400, 404, 409] },
  { method: 'put', path: '/accounts/{accountId}/products/{sku}/vendor', summary: 'Map a SKU to the vendor it is bought from', body: MapVendorBody, status: 200, errors: [400, 404, 422] },
  { method: 'delete', path: '/accounts/{accountId}/products/{sku}/vendor', summary: 'Remove the SKU\'s vendor mapping', status: 204, errors: [400, 404] },
  { method: 'post', path: '/accounts/{accountId}/inventory/adjustments', summary: 'Add or remove stock in a bin', body: AdjustmentBody, status: 201, errors: [400, 404, 409] },
  { method: 'get', path: '/accounts/{accountId}/inventory', summary: 'Stock per bin: on hand, assigned, reserved, available', status: 200, query: { sku: 'Only this SKU' } },
  { method: 'post', path: '/accounts/{accountId}/orders', summary: 'Place a B2B order; short lines get warnings, or 422 when not allowed', body: PlaceOrderBody, status: 201, errors: [400, 404, 409, 422] },
  { method: 'get', path: '/accounts/{accountId}/orders', summary: 'Orders, newest last, paginated', status: 200, query: { status: `One of ${ORDER_STATUSES.join(', ')}`, limit: '1-500', after: 'The `next` of the previous page' } },
  { method: 'get', path: '/accounts/{accountId}/orders/{orderId}', summary: 'One order with lines, inventory details, purchase orders and pending reasons', status: 200, errors: [404] },
  { method: 'post', path: '/accounts/{accountId}/orders/{orderId}/approve', summary: 'Approve an UNAPPROVED order; it is then assigned', status: 200, errors: [404, 409] },
  { method: 'post', path: '/accounts/{accountId}/orders/{orderId}/assign', summary: 'Assign pending quantity from free stock', status: 200, errors: [404, 409] },
  { method: 'post', path: '/accounts/{accountId}/orders/{orderId}/handover', summary: 'Hand over assigned quantity (all of it by default)', body: HandoverBody, status: 200, errors: [400, 404, 409] },
  { method: 'post', path: '/accounts/{accountId}/orders/{orderId}/cancel', summary: 'Cancel; releases assigned and reserved stock', status: 200, errors: [404, 409] },
  { method: 'get', path: '/accounts/{accountId}/purchase-orders', summary: 'Purchase orders, paginated', status: 200, query: { status: `One of ${PURCHASE_ORDER_STATUSES.join(', ')}`, vendorAccountId: 'Only this vendor', sourceOrderId: 'Only for this order' } },
  { method: 'get', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}', summary: 'One purchase order with lines, received quantities and GRNs', status: 200, errors: [404] },
  { method: 'post', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}/grns', summary: 'Manual GRN: inward goods into the Default Bin', body: GrnBody, status: 201, errors: [400, 404, 409, 422] },
  { method: 'get', path: '/accounts/{accountId}/reports/backorders', summary: `Pending quantity per order line with its reason (${PENDING_REASONS.join(', ')})`, status: 200 },
  { method: 'get', path: '/accounts/{accountId}/orders/{orderId}/events', summary: 'The order stream\'s events in order', status: 200, errors: [404] },
  { method: 'get', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}/events', summary: 'The PO stream\'s events in order', status: 200, errors: [404] },
  { method: 'get', path: '/accounts/{accountId}/orders/{orderId}/trail', summary: 'Every event of the order\'s backorder flow across accounts, in global order', status: 200, errors: [404] },
  { method: 'get', path: '/admin/streams/{stream}/events', summary: 'Raw replay of one stream', status: 200, admin: true, query: { from: 'First revision' } },
  { method: 'post', path: '/admin/projections/rebuild', summary: 'Rebuild every read model from the first event', status: 200, admin: true },
  { method: 'get', path: '/admin/processors', summary: 'Each processor: its state, checkpoint and the events it parked (business conflicts)', status: 200, admin: true },
  {
    method: 'post',
    path: '/admin/processors/{name}/parked/{parkedId}/retry',
    summary: 'Handle a parked event again: answers outcome resolved, parked (refused again) or pending (no answer within 10 s)',
    status: 200,
    admin: true,
    errors: [400, 404],
  },
  { method: 'get', path: '/health', summary: 'State of the stores and projection lag', status: 200, public: true },
  { method: 'get', path: '/docs', summary: 'This description', status: 200, public: true },
];

const PATH_PARAMETERS: Record<string, object> = {
  accountId: { type: 'string', pattern: ID_PATTERN.source },
  orderId: { type: 'string', pattern: ID_PATTERN.source },
  purchaseOrderId: { type: 'string', pattern: ID_PATTERN.source },
  sku: { type: 'string', pattern: SKU_PATTERN.source },
  stream: { type: 'string' },
  name: { type: 'string', description: 'A processor: read-models or fulfilment' },
  parkedId: { type: 'string', pattern: '^[0-9]+$' },
};

export const buildOpenApiDocument = () => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: PATH_PARAMETERS[name!] })),
      ...Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } })),
      { name: 'X-Consistent-With', in: 'header', required: false, description: 'For GETs: answer once read models have caught up to this position (503 after 5 s)', schema: { type: 'string', pattern: '^[0-9]+$' } },
    ];
    const responses: Record<string, unknown> = {
      [String(op.status)]: {
        description: op.method === 'get' ? 'OK' : 'Done; `X-Event-Position` names the position of its last event',
        headers: op.method === 'get' ? {} : { 'X-Event-Position': { schema: { type: 'string', pattern: '^[0-9]+$' } } },
      },
    };
    for (const status of [...(op.public ? [] : [401, 403]), ...(op.errors ?? [])]) {
      responses[String(status)] = { description: 'Problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.public ? { security: [] } : {}),
      ...(op.admin ? { description: 'Admin token only.' } : {}),
      parameters: op.method === 'get' ? parameters : parameters.filter((p) => p.name !== 'X-Consistent-With'),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backorder fulfilment through vendors',
      version: '0.1.0',
      description: 'Orders short of stock are bought from the SKU\'s vendor, inwarded on handover and assigned to the waiting order.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (ADMIN_TOKEN) or an account API key' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'errors'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } } },
          },
        },
      },
    },
  };
};
