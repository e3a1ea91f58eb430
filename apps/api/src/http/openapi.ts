/**
 * The OpenAPI 3.1 document served at /docs/openapi.json (and behind the reference at /docs),
 * generated from the zod schemas the controllers parse requests with (request-schemas.ts) and the
 * schemas of what they answer (response-schemas.ts), so neither can drift from the code unnoticed:
 * the API specs lint the served document and drive the flow through a client generated from it.
 *
 * Every operation is one entry of OPERATIONS; what all operations of a kind share (auth, errors,
 * the consistency and request-id headers) is added here, once.
 */
import { z, ZodObject, ZodType } from 'zod';
import {
  AccountsQuery,
  AddBinBody,
  ChangeLineBody,
  AdjustmentBody,
  BackordersQuery,
  CloseBody,
  ConsistentWithHeader,
  EmptyBody,
  GrnBody,
  HandoverBody,
  InventoryQuery,
  MapVendorBody,
  OpenAccountBody,
  OrdersQuery,
  PlaceOrderBody,
  PromiseBody,
  PurchaseOrdersQuery,
  RankVendorsBody,
  SettingsBody,
} from './request-schemas';
import { DeliveriesQuery, RegisterWebhookBody } from './webhook-request-schemas';
import * as Answers from './response-schemas';
import { Adjustment, ID_PATTERN, MAX_QUANTITY, SKU_PATTERN } from '@app/domain/shared/ids';
import { IdempotencyKey } from '@app/domain/idempotency/idempotency.events';
import { PENDING_REASONS } from '@app/domain/order/order.events';
import { PROCESSOR_NAMES } from '../controllers/admin.controller';

type Tag = 'Accounts' | 'Inventory' | 'Orders' | 'Purchase orders' | 'Reports' | 'Audit' | 'Webhooks' | 'Admin' | 'Operations';

const TAGS: Record<Tag, string> = {
  Accounts: 'Sellers and vendors: settings, bins, which vendor a SKU is bought from',
  Inventory: 'Stock per bin',
  Orders: 'B2B orders: placed, approved, assigned, handed over, cancelled',
  'Purchase orders': 'What a seller buys from its vendors for its backorders, and the goods received (GRNs)',
  Reports: 'Read models across orders',
  Audit: 'The event history of an order, a purchase order and a whole backorder flow',
  Webhooks: 'Signed HTTP callbacks to your receiver when orders and purchase orders change',
  Admin: 'Operator endpoints (admin token only)',
  Operations: 'Probes, metrics and this reference (no token)',
};

/** A body that is not JSON: its media type and schema. */
type Produces = Readonly<Record<string, { schema: object }>>;

interface Operation {
  readonly operationId: string;
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  readonly tag: Tag;
  readonly summary: string;
  readonly description?: string;
  /** Who may call it; by default the admin token or the API key of the account in the path. */
  readonly access?: 'admin' | 'public';
  /**
   * `command`: appends through the command path (answers `X-Event-Position`; 503 when its step did
   * not finish in time or the stream kept changing). `read`: answers from the read models (takes
   * `X-Consistent-With`; 503 when they do not catch up within 5 s).
   */
  readonly kind?: 'command' | 'read';
  readonly body?: ZodType;
  /** The body may be left out (SPEC: an empty body, with or without Content-Type). */
  readonly bodyOptional?: true;
  readonly example?: unknown;
  /** An example of the success body. */
  readonly answerExample?: unknown;
  readonly query?: ZodObject;
  readonly status: number;
  /** The success body: a response schema (published under its name), or other media types; none for 204. */
  readonly answer?: ZodType | Produces;
  /** Other statuses that answer the same body (a probe's 503). */
  readonly alsoAnswers?: readonly number[];
  /** Answers `Location` of what it created. */
  readonly location?: true;
  /** Problem statuses of its own, beyond those every operation of its kind has. */
  readonly errors?: readonly number[];
}

/** As events.controller.ts parses it. */
const ReplayQuery = z.object({ from: z.coerce.number().int().min(0).optional() }).strict();

const SKU = 'SKU-1';

const OPERATIONS: readonly Operation[] = [
  { operationId: 'openAccount', method: 'post', path: '/accounts', tag: 'Accounts', summary: 'Open a seller or vendor account; answers its apiKey once', access: 'admin', kind: 'command', body: OpenAccountBody, example: { accountId: 'acme', name: 'Acme Retail', type: 'seller', settings: { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true } }, status: 201, answer: Answers.OpenedAccount, location: true, errors: [409] },
  { operationId: 'getAccount', method: 'get', path: '/accounts/{accountId}', tag: 'Accounts', summary: 'The account with settings, locations and bins, vendor mappings', kind: 'read', status: 200, answer: Answers.Account },
  { operationId: 'changeSettings', method: 'patch', path: '/accounts/{accountId}/settings', tag: 'Accounts', summary: 'Change any subset of the settings; answers all of them', kind: 'command', body: SettingsBody, bodyOptional: true, example: { autoPoVendorLevel: true }, status: 200, answer: Answers.AccountSettings },
  { operationId: 'addBin', method: 'post', path: '/accounts/{accountId}/bins', tag: 'Accounts', summary: 'Add a bin to a location (main by default)', kind: 'command', body: AddBinBody, example: { binId: 'shelf-a' }, status: 201, answer: Answers.BinAdded, errors: [409] },
  { operationId: 'mapVendor', method: 'put', path: '/accounts/{accountId}/products/{sku}/vendor', tag: 'Accounts', summary: 'Map a SKU to the vendor it is bought from', kind: 'command', body: MapVendorBody, example: { vendorAccountId: 'globex' }, status: 200, answer: Answers.VendorMapping, errors: [422] },
  { operationId: 'rankVendors', method: 'put', path: '/accounts/{accountId}/products/{sku}/vendors', tag: 'Accounts', summary: 'Replace the SKU\'s vendors: 1 to 10, in preference order, with lead time, minimum order quantity and pack size', description: 'The purchasing step buys from the first vendor of the list that is eligible (a vendor account with isB2bNew and vendorPanelType 2, not already in the backorder chain, not closed short on the line). A vendor listed twice is 400; an account that is not a vendor is 422.', kind: 'command', body: RankVendorsBody, example: { vendors: [{ vendorAccountId: 'globex', leadTimeDays: 3, packSize: 12 }, { vendorAccountId: 'initech' }] }, status: 200, answer: Answers.SkuVendors, errors: [422] },
  { operationId: 'getSkuVendors', method: 'get', path: '/accounts/{accountId}/products/{sku}/vendors', tag: 'Accounts', summary: 'The SKU\'s vendors in preference order (empty when it has none)', kind: 'read', status: 200, answer: Answers.SkuVendors },
  { operationId: 'unmapVendor', method: 'delete', path: '/accounts/{accountId}/products/{sku}/vendor', tag: 'Accounts', summary: 'Remove the SKU\'s vendor mapping (an unmapped SKU: 204, nothing written)', kind: 'command', status: 204 },
  { operationId: 'adjustStock', method: 'post', path: '/accounts/{accountId}/inventory/adjustments', tag: 'Inventory', summary: 'Add (positive) or remove (negative) stock in a bin (the Default Bin of main by default); stock added goes to the orders waiting for it (allocation rule) before the answer, which shows the bin then', kind: 'command', body: AdjustmentBody, example: { adjustmentId: 'count-2024-05', sku: SKU, quantity: 10, reason: 'Stock count' }, status: 201, answer: Answers.BinStock, errors: [409] },
  { operationId: 'getInventory', method: 'get', path: '/accounts/{accountId}/inventory', tag: 'Inventory', summary: 'Stock per bin: on hand, assigned, reserved, available', kind: 'read', query: InventoryQuery, status: 200, answer: Answers.Inventory },
  { operationId: 'placeOrder', method: 'post', path: '/accounts/{accountId}/orders', tag: 'Orders', summary: 'Place a B2B order; short lines get warnings, or 422 when the account does not allow orders without inventory', description: 'The same request again (same `orderId` and body) answers the same and writes nothing; the same `orderId` with another body is 409. Each SKU once per order.', kind: 'command', body: PlaceOrderBody, example: { orderId: 'o-1001', customer: 'Initech', lines: [{ sku: SKU, quantity: 3 }] }, status: 201, answer: Answers.OrderAnswer, location: true, errors: [409, 422] },
  { operationId: 'listOrders', method: 'get', path: '/accounts/{accountId}/orders', tag: 'Orders', summary: 'Orders in the order they were placed, a page at a time', kind: 'read', query: OrdersQuery, status: 200, answer: Answers.OrderPage },
  { operationId: 'getOrder', method: 'get', path: '/accounts/{accountId}/orders/{orderId}', tag: 'Orders', summary: 'One order with lines, inventory details, purchase orders and pending reasons', kind: 'read', status: 200, answer: Answers.Order },
  { operationId: 'approveOrder', method: 'post', path: '/accounts/{accountId}/orders/{orderId}/approve', tag: 'Orders', summary: 'Approve an UNAPPROVED order; it is then assigned (an order not waiting for approval: answered as it is)', kind: 'command', body: EmptyBody, bodyOptional: true, status: 200, answer: Answers.OrderAnswer, errors: [409] },
  { operationId: 'assignOrder', method: 'post', path: '/accounts/{accountId}/orders/{orderId}/assign', tag: 'Orders', summary: 'Assign pending quantity from free stock', kind: 'command', body: EmptyBody, bodyOptional: true, status: 200, answer: Answers.OrderAnswer, errors: [409] },
  { operationId: 'handOverOrder', method: 'post', path: '/accounts/{accountId}/orders/{orderId}/handover', tag: 'Orders', summary: 'Hand over assigned quantity (all of it when no lines are given)', description: 'The same `handoverId` again with the same lines writes nothing; with other lines it is 409.', kind: 'command', body: HandoverBody, bodyOptional: true, example: { handoverId: 'h-1', lines: [{ sku: SKU, quantity: 3 }] }, status: 200, answer: Answers.Handover, errors: [409] },
  { operationId: 'changeOrderLine', method: 'patch', path: '/accounts/{accountId}/orders/{orderId}/lines/{sku}', tag: 'Orders', summary: 'Change a line\'s quantity; answers the order after the change', description: 'A decrease gives up pending quantity first (its purchase orders, and their vendor orders, shrink by as much; one left with nothing open is cancelled, or closed if it received something), then reserved goods, then assigned units: all become free stock. Goods a vendor already handed over are still received; beyond the need they are free stock. An increase is pending, sourced like a new shortfall (free stock, then a new purchase order). `0` removes what is not handed over. 409 below what was handed over, on a cancelled, closed-short or fully handed-over order, or on a vendor order (it follows its purchase order); 404 for a SKU not on the order.', kind: 'command', body: ChangeLineBody, example: { quantity: 2 }, status: 200, answer: Answers.OrderAnswer, errors: [409] },
  { operationId: 'cancelOrder', method: 'post', path: '/accounts/{accountId}/orders/{orderId}/cancel', tag: 'Orders', summary: 'Cancel; releases assigned and reserved stock and ends its purchase orders', kind: 'command', body: EmptyBody, bodyOptional: true, status: 200, answer: Answers.OrderAnswer, errors: [409] },
  { operationId: 'closeOrderShort', method: 'post', path: '/accounts/{accountId}/orders/{orderId}/close-short', tag: 'Orders', summary: 'Close short: what has not been handed over will not be; assigned stock is released (CLOSED_SHORT, or CANCELLED when nothing was handed over)', description: 'A vendor order closed short closes its purchase order in the seller\'s account, and the seller\'s order is sourced again from the SKU\'s next vendor. 409 when the order is handed over in full or cancelled; an order already closed short is answered as it is.', kind: 'command', body: CloseBody, bodyOptional: true, example: { reason: 'Discontinued' }, status: 200, answer: Answers.OrderAnswer, errors: [409] },
  { operationId: 'promiseDelivery', method: 'post', path: '/accounts/{accountId}/orders/{orderId}/promise', tag: 'Orders', summary: 'The vendor promises a delivery date for a vendor order; its purchase order\'s expectedAt becomes that date', description: 'Only on a vendor order (one a purchase order opened) that is not cancelled, closed short or handed over in full (409 `NOT_A_VENDOR_ORDER`, `ORDER_CANCELLED`, `ORDER_CLOSED_SHORT`, `ORDER_HANDED_OVER`). The latest promise counts and stands over the vendor\'s own supply dates; the same date again writes nothing. Answered once the purchase order moved; the seller\'s order lines show the new `eta` right after, each change an `OrderLineEtaChanged`.', kind: 'command', body: PromiseBody, example: { promisedAt: '2024-06-03T12:00:00Z' }, status: 200, answer: Answers.DeliveryPromise, errors: [409] },
  { operationId: 'listPurchaseOrders', method: 'get', path: '/accounts/{accountId}/purchase-orders', tag: 'Purchase orders', summary: 'Purchase orders, a page at a time', kind: 'read', query: PurchaseOrdersQuery, status: 200, answer: Answers.PurchaseOrderPage },
  { operationId: 'getPurchaseOrder', method: 'get', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}', tag: 'Purchase orders', summary: 'One purchase order with lines, received quantities and GRNs', kind: 'read', status: 200, answer: Answers.PurchaseOrder },
  { operationId: 'receiveGoods', method: 'post', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}/grns', tag: 'Purchase orders', summary: 'Manual GRN: inward goods into the Default Bin; 409 above the open quantity', kind: 'command', body: GrnBody, example: { grnId: 'grn-1', lines: [{ sku: SKU, quantity: 3 }] }, status: 201, answer: Answers.Grn, errors: [409, 422] },
  { operationId: 'closePurchaseOrder', method: 'post', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}/close', tag: 'Purchase orders', summary: 'Close the open remainder (closedQuantity per line, status CLOSED); its vendor order is closed short and the source order is sourced again', description: 'Goods the vendor already handed over stay open to be received. 409 on a cancelled purchase order or one received in full; a closed one is answered as it is.', kind: 'command', body: CloseBody, bodyOptional: true, example: { reason: 'Vendor cannot deliver' }, status: 200, answer: Answers.PurchaseOrder, errors: [409] },
  { operationId: 'getBackorderReport', method: 'get', path: '/accounts/{accountId}/reports/backorders', tag: 'Reports', summary: `Pending quantity per order line with its reason (${PENDING_REASONS.join(', ')})`, kind: 'read', query: BackordersQuery, status: 200, answer: Answers.BackorderReport },
  {
    operationId: 'getAllocationQueue',
    method: 'get',
    path: '/accounts/{accountId}/skus/{sku}/allocation',
    tag: 'Inventory',
    summary: 'The SKU\'s allocation queue: the orders waiting for it, in rank order (rank 1 first)',
    description:
      'The waiting orders of the account for the SKU (open, approved, something pending on the line) ranked by the allocation rule: `priority` (1 first, 5 when not given), then `requiredBy` (earlier first; orders without one after those with one), then creation order. Orders awaiting approval are not listed. Free stock goes to the waiting orders in this order by itself: the allocation process manager gives each its share (after the goods pegged to it by its own PO), and each InventoryAssigned records the rule that chose it (PEGGED, PRIORITY, REQUIRED_BY, FIFO).',
    kind: 'read',
    status: 200,
    answer: Answers.AllocationQueue,
    answerExample: {
      sku: SKU,
      items: [
        { orderId: 'o-1003', pending: 2, priority: 1, requiredBy: null, rank: 1 },
        { orderId: 'o-1001', pending: 3, priority: 5, requiredBy: '2024-06-01', rank: 2 },
        { orderId: 'o-1002', pending: 1, priority: 5, requiredBy: null, rank: 3 },
      ],
    },
  },
  { operationId: 'listOrderEvents', method: 'get', path: '/accounts/{accountId}/orders/{orderId}/events', tag: 'Audit', summary: 'The order stream\'s events in order', status: 200, answer: Answers.StreamEvents },
  { operationId: 'listPurchaseOrderEvents', method: 'get', path: '/accounts/{accountId}/purchase-orders/{purchaseOrderId}/events', tag: 'Audit', summary: 'The PO stream\'s events in order', status: 200, answer: Answers.StreamEvents },
  { operationId: 'getOrderTrail', method: 'get', path: '/accounts/{accountId}/orders/{orderId}/trail', tag: 'Audit', summary: 'Every event of the order\'s backorder flow across accounts, in global order', kind: 'read', status: 200, answer: Answers.Trail },
  { operationId: 'registerWebhook', method: 'post', path: '/accounts/{accountId}/webhooks', tag: 'Webhooks', summary: 'Register a receiver URL for event types; answers the signing secret once', description: 'The URL must be http:// or https://; one whose host resolves to a loopback, private or link-local address is 400 (unless the service runs with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true). Redirects are not followed. At most 20 webhooks per account (422).', kind: 'command', body: RegisterWebhookBody, example: { url: 'https://erp.example.com/hooks/backorders', events: ['order.backordered', 'order.ready', 'purchase_order.received'] }, status: 201, answer: Answers.RegisteredWebhook, location: true, errors: [409, 422] },
  { operationId: 'listWebhooks', method: 'get', path: '/accounts/{accountId}/webhooks', tag: 'Webhooks', summary: 'The account\'s webhooks (without their secrets)', status: 200, answer: Answers.WebhookList },
  { operationId: 'removeWebhook', method: 'delete', path: '/accounts/{accountId}/webhooks/{webhookId}', tag: 'Webhooks', summary: 'Remove a webhook: it gets nothing more, and its pending deliveries are FAILED', kind: 'command', status: 204 },
  { operationId: 'listWebhookDeliveries', method: 'get', path: '/accounts/{accountId}/webhooks/{webhookId}/deliveries', tag: 'Webhooks', summary: 'The webhook\'s deliveries in the order they were scheduled: PENDING, DELIVERED or FAILED, with attempts', query: DeliveriesQuery, status: 200, answer: Answers.DeliveryPage },
  { operationId: 'replayStream', method: 'get', path: '/admin/streams/{stream}/events', tag: 'Admin', summary: 'Raw replay of one stream, as stored', access: 'admin', query: ReplayQuery, status: 200, answer: Answers.RecordedEvents },
  { operationId: 'rebuildProjections', method: 'post', path: '/admin/projections/rebuild', tag: 'Admin', summary: 'Rebuild every read model from the first event', access: 'admin', body: EmptyBody, bodyOptional: true, status: 200, answer: Answers.Rebuilt },
  { operationId: 'listProcessors', method: 'get', path: '/admin/processors', tag: 'Admin', summary: 'Each processor: its state, checkpoint and the events it parked (business conflicts)', access: 'admin', status: 200, answer: Answers.Processors },
  { operationId: 'retryParkedEvent', method: 'post', path: '/admin/processors/{name}/parked/{parkedId}/retry', tag: 'Admin', summary: 'Handle a parked event again: outcome resolved, parked (refused again) or pending (no answer within 10 s)', access: 'admin', body: EmptyBody, bodyOptional: true, status: 200, answer: Answers.ParkedRetry, errors: [404] },
  { operationId: 'listAccounts', method: 'get', path: '/admin/accounts', tag: 'Admin', summary: 'Every account by id, a page at a time', access: 'admin', kind: 'read', query: AccountsQuery, status: 200, answer: Answers.AccountPage },
  { operationId: 'rotateApiKey', method: 'post', path: '/admin/accounts/{accountId}/api-key', tag: 'Admin', summary: 'Issue a new API key for the account; the old key stops working', access: 'admin', kind: 'command', body: EmptyBody, bodyOptional: true, status: 200, answer: Answers.ApiKey },
  { operationId: 'getHealth', method: 'get', path: '/health', tag: 'Operations', summary: 'State of the stores and processors, projection lag (503 when degraded)', access: 'public', status: 200, answer: Answers.Health, alsoAnswers: [503] },
  { operationId: 'getLiveness', method: 'get', path: '/health/live', tag: 'Operations', summary: 'The process is up', access: 'public', status: 200, answer: Answers.Liveness },
  { operationId: 'getReadiness', method: 'get', path: '/health/ready', tag: 'Operations', summary: 'Stores reachable and processors running (or the worker\'s checkpoints fresh); 503 when not', access: 'public', status: 200, answer: Answers.Readiness, alsoAnswers: [503] },
  { operationId: 'getMetrics', method: 'get', path: '/metrics', tag: 'Operations', summary: 'Prometheus metrics: requests, events appended, processor positions and lag, parked conflicts', access: 'public', status: 200, answer: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } },
  { operationId: 'getDocs', method: 'get', path: '/docs', tag: 'Operations', summary: 'This reference, interactive (HTML); with `Accept: application/json`, this document', access: 'public', status: 200, answer: { 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: { $ref: '#/components/schemas/OpenApiDocument' } } } },
  { operationId: 'getOpenApiDocument', method: 'get', path: '/docs/openapi.json', tag: 'Operations', summary: 'This document (OpenAPI 3.1)', access: 'public', status: 200, answer: Answers.OpenApiDocument },
];

const IDEMPOTENCY_KEY =
  'The same key and body within 24 h answer the first answer and write nothing; the same key with another body is 409. ' +
  'It applies where a body id (orderId, adjustmentId, handoverId, grnId) is not given; a retried request without either may be applied twice.';

const QUERY_DESCRIPTIONS: Record<string, string> = {
  limit: 'Items per page',
  after: 'The `next` of the previous page',
  status: 'Only in this status',
  sku: 'Only this SKU',
  reason: 'Only lines pending for this reason',
  vendorAccountId: 'Only bought from this vendor',
  sourceOrderId: 'Only bought for this order',
  from: 'The first revision to answer',
};

const PATH_PARAMETERS: Record<string, object> = {
  accountId: { type: 'string', pattern: ID_PATTERN.source },
  orderId: { type: 'string', pattern: ID_PATTERN.source },
  purchaseOrderId: { type: 'string', pattern: ID_PATTERN.source },
  sku: { type: 'string', pattern: SKU_PATTERN.source },
  stream: { type: 'string', minLength: 1, maxLength: 300, description: 'A stream name, e.g. `order-<accountId>.<orderId>`' },
  name: { type: 'string', enum: PROCESSOR_NAMES, description: 'A processor' },
  parkedId: { type: 'string', pattern: '^(0|[1-9][0-9]{0,19})$' },
  webhookId: { type: 'string', pattern: ID_PATTERN.source },
};

const PROBLEMS: Record<number, string> = {
  400: 'The request is malformed (`errors` names each bad field); nothing was written',
  401: 'No token, or an unknown one',
  403: 'This token may not do this: an account key acts only under its own account',
  404: 'Not found',
  409: 'Conflicts with what is there (or an `Idempotency-Key` reused with another body)',
  413: 'The body is larger than 1 MiB',
  415: 'The body is not `application/json`',
  422: 'A rule of the domain refuses it (`code` says which); nothing was written',
  503: 'Not done in time: read models not caught up (GET), or a step not finished (commands: the same request again answers its outcome). See `Retry-After`',
};

const WITH_ID = /\{(accountId|orderId|purchaseOrderId|parkedId)\}/;

/** The problem statuses an operation can answer: its own and those of every operation of its kind. */
const problemStatuses = (op: Operation): number[] => {
  const statuses = new Set(op.errors ?? []);
  if (op.access !== 'public') [400, 401, 403].forEach((s) => statuses.add(s));
  if (WITH_ID.test(op.path)) statuses.add(404);
  if (op.method === 'post') statuses.add(409);
  if (op.body) [413, 415].forEach((s) => statuses.add(s));
  if (op.kind) statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
};

const ref = (kind: 'schemas' | 'parameters' | 'headers' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

type JsonSchema = Record<string, unknown>;
type OverrideContext = { zodSchema: unknown; jsonSchema: JsonSchema };

/** What zod cannot say of a refinement: an adjustment is a non-zero whole number within ±MAX_QUANTITY. */
const describeRefinements = ({ zodSchema, jsonSchema }: OverrideContext) => {
  if (zodSchema === Adjustment) {
    Object.assign(jsonSchema, {
      minimum: -MAX_QUANTITY,
      maximum: MAX_QUANTITY,
      not: { const: 0 },
      description: 'Non-zero: positive adds stock, negative removes it',
    });
  }
};

/**
 * Responses as a client should read them: fields may be added, so objects stay open
 * (no `additionalProperties: false`); no safe-integer bounds or date-time regex as noise.
 */
const openForClients = ({ jsonSchema }: OverrideContext) => {
  if (jsonSchema['additionalProperties'] === false) delete jsonSchema['additionalProperties'];
  if (jsonSchema['maximum'] === Number.MAX_SAFE_INTEGER) delete jsonSchema['maximum'];
  if (jsonSchema['minimum'] === Number.MIN_SAFE_INTEGER) delete jsonSchema['minimum'];
  if (jsonSchema['format'] === 'date-time') delete jsonSchema['pattern'];
};

const withoutDialect = ({ $schema: _schema, $id: _id, ...schema }: JsonSchema): JsonSchema => schema;

/** Commands that take no body take nothing, `null` or `{}`: documented as the empty object, and optional. */
const EMPTY_BODY: JsonSchema = { type: 'object', additionalProperties: false, description: 'Nothing: send no body, or `{}`' };

const requestSchema = (schema: ZodType): JsonSchema =>
  schema === EmptyBody
    ? EMPTY_BODY
    : withoutDialect(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', override: describeRefinements }) as JsonSchema);

const responseSchemas = (): { names: Map<ZodType, string>; schemas: Record<string, JsonSchema> } => {
  const registry = z.registry<{ id: string }>();
  const names = new Map<ZodType, string>();
  for (const [name, schema] of Object.entries(Answers.RESPONSE_SCHEMAS)) {
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const converted = z.toJSONSchema(registry, { io: 'output', uri: (id) => `#/components/schemas/${id}`, override: openForClients });
  const schemas = Object.fromEntries(Object.entries(converted.schemas).map(([name, schema]) => [name, withoutDialect(schema as JsonSchema)]));
  return { names, schemas };
};

const queryParameters = (query: ZodObject | undefined) => {
  if (!query) return [];
  const schema = requestSchema(query) as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(schema.properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    ...(QUERY_DESCRIPTIONS[name] ? { description: QUERY_DESCRIPTIONS[name] } : {}),
    schema: property,
  }));
};

export const buildOpenApiDocument = () => {
  const { names, schemas } = responseSchemas();
  const successContent = (answer: ZodType | Produces) => {
    if (!(answer instanceof ZodType)) return answer;
    const name = names.get(answer);
    if (!name) throw new Error('An answer of OPERATIONS is not in RESPONSE_SCHEMAS');
    return { 'application/json': { schema: ref('schemas', name) } };
  };

  const withExample = (content: Record<string, Record<string, unknown>>, example: unknown) =>
    example === undefined ? content : Object.fromEntries(Object.entries(content).map(([type, media]) => [type, { ...media, example }]));

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: PATH_PARAMETERS[name!] })),
      ...queryParameters(op.query),
      ...(op.kind === 'read' ? [ref('parameters', 'ConsistentWith')] : []),
      ...(op.method === 'post' ? [ref('parameters', 'IdempotencyKey')] : []),
      ref('parameters', 'RequestId'),
    ];
    const successHeaders = {
      'X-Request-Id': ref('headers', 'RequestId'),
      ...(op.kind === 'command' ? { 'X-Event-Position': ref('headers', 'EventPosition') } : {}),
      ...(op.location ? { Location: ref('headers', 'Location') } : {}),
      ...(op.method === 'post' ? { 'Idempotent-Replayed': ref('headers', 'IdempotentReplayed') } : {}),
    };
    const success = {
      description: op.answer ? op.summary : 'Done; nothing to answer',
      headers: successHeaders,
      ...(op.answer ? { content: withExample(successContent(op.answer), op.answerExample) } : {}),
    };
    const responses: Record<string, unknown> = { [String(op.status)]: success };
    for (const status of op.alsoAnswers ?? []) {
      responses[String(status)] = { ...success, description: 'Not ready or degraded: the same body says what is down', headers: { 'X-Request-Id': ref('headers', 'RequestId') } };
    }
    for (const status of problemStatuses(op)) responses[String(status)] = ref('responses', `Problem${status}`);
    responses['default'] = ref('responses', 'UnexpectedProblem');

    const access =
      op.access === 'admin' ? 'Admin token only.' : op.access === 'public' ? 'No token needed.' : 'The admin token, or the API key of the account in the path.';
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      description: [op.description, access].filter(Boolean).join('\n\n'),
      ...(op.access === 'public' ? { security: [] } : {}),
      parameters,
      ...(op.body
        ? {
            requestBody: {
              required: !op.bodyOptional,
              content: { 'application/json': { schema: requestSchema(op.body), ...(op.example === undefined ? {} : { example: op.example }) } },
            },
          }
        : {}),
      responses,
    };
  }

  const problemResponse = (description: string, retryAfter: boolean) => ({
    description,
    headers: { 'X-Request-Id': ref('headers', 'RequestId'), ...(retryAfter ? { 'Retry-After': ref('headers', 'RetryAfter') } : {}) },
    content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
  });
  const used = new Set(OPERATIONS.flatMap(problemStatuses));

  return {
    openapi: '3.1.0',
    info: {
      title: 'Backorder fulfilment through vendors',
      version: '0.1.0',
      description:
        'Orders short of stock are bought from the SKU\'s vendor, inwarded on handover and assigned to the waiting order.\n\n' +
        'Every command answers `X-Event-Position`; send it back as `X-Consistent-With` on a GET to read your own writes. ' +
        'Errors are RFC 9457 problem details. Answers may gain fields: ignore the ones you do not know.',
      license: { name: 'Proprietary (package.json: UNLICENSED)', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'The host that serves this document' }],
    security: [{ bearer: [] }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The admin token (ADMIN_TOKEN) or an account API key' } },
      parameters: {
        ConsistentWith: {
          name: 'X-Consistent-With',
          in: 'header',
          required: false,
          description: 'Answer once the read models have applied this position (an `X-Event-Position`); 503 after 5 s',
          schema: requestSchema(ConsistentWithHeader),
        },
        IdempotencyKey: { name: 'Idempotency-Key', in: 'header', required: false, description: IDEMPOTENCY_KEY, schema: requestSchema(IdempotencyKey) },
        RequestId: {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'Names the request in the logs and is answered back; one of 1-128 characters from A-Z, a-z, 0-9, `_.:-` is taken, any other is replaced by a new id',
          schema: { type: 'string' },
        },
      },
      headers: {
        RequestId: { description: 'The request\'s id: the one it was sent with, or a new one', schema: { type: 'string' } },
        EventPosition: { description: 'The global position of the command\'s last event (absent when it wrote nothing)', schema: { type: 'string', pattern: '^(0|[1-9][0-9]*)$' } },
        Location: { description: 'Where what was created is read', schema: { type: 'string' } },
        IdempotentReplayed: { description: '`true` when this is the recorded answer to an earlier request with the same `Idempotency-Key`', schema: { type: 'string', enum: ['true'] } },
        RetryAfter: { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
      },
      responses: {
        ...Object.fromEntries(
          Object.entries(PROBLEMS)
            .filter(([status]) => used.has(Number(status)))
            .map(([status, description]) => [`Problem${status}`, problemResponse(description, status === '503')]),
        ),
        UnexpectedProblem: problemResponse('Failed unexpectedly (500); see the server log', false),
      },
      schemas,
    },
  };
};

/** Path and method of every documented operation, for the specs that hold the routes to the document. */
export const documentedOperations = (): string[] => OPERATIONS.map((op) => `${op.method.toUpperCase()} ${op.path}`);
