/**
 * The response bodies of the REST contract (SPEC.md), as zod schemas: what the controllers and the
 * read models answer today (accountView, orderDocument and purchaseOrderDocument without their `_`
 * fields, the command services' answers). The OpenAPI document's components are generated from
 * them, and the API specs check every answer of the flow against that document, so a field added
 * or dropped on one side and not the other fails a test.
 */
import { z } from 'zod';
import { AccountType, Id, Sku } from '@app/domain/shared/ids';
import { Settings } from '@app/domain/shared/settings';
import { IsoDate, ORDER_STATUSES, OrderPriority, PENDING_REASONS, VENDOR_SKIP_REASONS } from '@app/domain/order/order.events';
import { PURCHASE_ORDER_STATUSES } from '@app/domain/purchase-order/purchase-order.events';
import { WEBHOOK_EVENT_TYPES } from '@app/domain/webhook/webhook.events';
import { DELIVERY_STATUSES } from '@app/domain/webhook/delivery.events';

/** A global position of the log, or anything else bigint: a decimal string, never a JSON number. */
const Decimal = z.string().regex(/^(0|[1-9][0-9]*)$/);
/** Quantities in answers: whole numbers, never negative. */
const Count = z.int().min(0);
const Timestamp = z.iso.datetime({ offset: true });
const NextCursor = z.string().nullable().describe('Pass as `after` for the next page; null on the last page');

export const VendorMapping = z.object({ sku: Sku, vendorAccountId: Id });

/** One vendor of a SKU's list, its terms' defaults filled in. */
export const RankedVendor = z.object({
  vendorAccountId: Id,
  leadTimeDays: Count.describe('Days from the purchase to the expected delivery (default 7)'),
  minOrderQuantity: Count.describe('A PO line is at least this (default 1)'),
  packSize: Count.describe('A PO line is a multiple of this (default 1)'),
});

export const SkuVendors = z.object({
  sku: Sku,
  vendors: z.array(RankedVendor).describe('In preference order; empty when the SKU has no vendor'),
});

export const Account = z.object({
  accountId: Id,
  name: z.string(),
  type: AccountType,
  settings: Settings,
  locations: z.array(z.object({ locationId: Id, bins: z.array(z.object({ binId: Id })) })).describe('The main location first'),
  vendorMappings: z.array(VendorMapping.extend({ vendors: z.array(RankedVendor).describe('The SKU\'s vendors in preference order; vendorAccountId is the first') })),
});

export const OpenedAccount = Account.extend({
  apiKey: z.string().describe('The account\'s key, answered this once: only its SHA-256 is kept'),
});

export const AccountSettings = Settings;

export const BinAdded = z.object({ accountId: Id, locationId: Id, binId: Id });

const StockFigures = {
  onHand: Count,
  assigned: Count.describe('Held by orders, not yet handed over'),
  reserved: Count.describe('Inwarded for a backorder and kept for its order'),
  available: Count.describe('onHand - assigned - reserved'),
};

/** The answer of an adjustment: the bin's stock of the SKU after it. */
export const BinStock = z.object({ sku: Sku, locationId: Id, binId: Id, ...StockFigures });

export const InventoryRow = BinStock.extend({ accountId: Id });
export const Inventory = z.array(InventoryRow);

export const StockWarning = z.object({
  code: z.literal('INVENTORY_NOT_AVAILABLE'),
  sku: Sku,
  requested: Count,
  available: Count,
});

/** What a command on an order answers (place, approve, assign, cancel). */
export const OrderAnswer = z.object({
  orderId: Id,
  status: z.enum(ORDER_STATUSES),
  lines: z.array(z.object({ sku: Sku, quantity: Count, assigned: Count, pending: Count })),
  warnings: z.array(StockWarning).describe('One per line short of stock when the order was placed'),
});

export const Order = z.object({
  accountId: Id,
  orderId: Id,
  status: z.enum(ORDER_STATUSES),
  customer: z.string().optional(),
  priority: OrderPriority.describe('Who gets free stock first: 1–9, 1 first (5 when the order did not say)'),
  requiredBy: IsoDate.optional().describe('When the customer needs the goods'),
  source: z
    .object({ purchaseOrderId: Id, sellerAccountId: Id })
    .optional()
    .describe('A vendor order: the purchase order it fulfils'),
  lines: z.array(
    z.object({
      sku: Sku,
      quantity: Count,
      assigned: Count,
      pending: Count,
      handedOver: Count,
      closedShort: Count.describe('Quantity that will not come from purchase orders that were closed short'),
      eta: Timestamp.nullable().describe('The latest expectedAt of the open purchase orders that bring the pending quantity; null when nothing is pending or no open purchase order brings it'),
      late: z.boolean().describe('The eta\'s date (UTC) is after requiredBy; false without an eta or a requiredBy'),
    }),
  ),
  inventoryDetails: z
    .array(
      z.object({
        sku: Sku,
        locationId: Id,
        binId: Id,
        quantity: Count,
        source: z.enum(['stock', 'backorder']),
        grnId: Id.optional(),
      }),
    )
    .describe('What the order holds now, per bin and source'),
  purchaseOrders: z.array(z.object({ purchaseOrderId: Id, vendorAccountId: Id })),
  pendingReasons: z.array(z.object({ sku: Sku, reason: z.enum(PENDING_REASONS) })).describe('Why each line still pending waits'),
  passedOverVendors: z
    .array(z.object({ round: z.int().positive(), sku: Sku, vendorAccountId: Id, reason: z.enum(VENDOR_SKIP_REASONS) }))
    .describe('Vendors of the SKU\'s list the purchasing step passed over, per sourcing round, and why'),
});

export const OrderPage = z.object({ items: z.array(Order), next: NextCursor });

/** What `POST …/orders/{o}/promise` answers: the promise, and the PO's expectedAt once moved to it. */
export const DeliveryPromise = z.object({
  orderId: Id,
  promisedAt: Timestamp.describe('The promised delivery date, in UTC'),
  source: z.object({ purchaseOrderId: Id, sellerAccountId: Id }).describe('The purchase order the vendor order fulfils'),
  expectedAt: Timestamp.optional().describe('The purchase order\'s expectedAt now'),
});

export const Handover = z.object({
  handoverId: Id,
  lines: z.array(z.object({ sku: Sku, quantity: Count })).describe('What was handed over'),
});

export const Grn = z.object({
  grnId: Id,
  handoverId: Id.optional().describe('The handover it inwards, for an automatic GRN'),
  receivedAt: Timestamp,
  locationId: Id,
  binId: Id,
  lines: z.array(z.object({ sku: Sku, quantity: Count })),
});

export const PurchaseOrder = z.object({
  accountId: Id,
  purchaseOrderId: Id,
  status: z.enum(PURCHASE_ORDER_STATUSES),
  vendorAccountId: Id,
  vendorOrderId: Id.optional().describe('The order opened in the vendor\'s account'),
  vendorOrderError: z.string().optional().describe('Why no vendor order was opened'),
  sourceOrderId: Id,
  expectedAt: Timestamp.optional().describe('When the vendor is expected to deliver: creation plus its leadTimeDays'),
  lines: z.array(
    z.object({
      sku: Sku,
      quantity: Count,
      receivedQuantity: Count,
      closedQuantity: Count.describe('Will not come: closed with the PO'),
      roundingSurplus: Count.describe('Bought beyond the source order\'s need (minimum order quantity, pack size): free stock once received'),
    }),
  ),
  grns: z.array(Grn),
});

export const PurchaseOrderPage = z.object({ items: z.array(PurchaseOrder), next: NextCursor });

export const BackorderLine = z.object({
  orderId: Id,
  sku: Sku,
  quantity: Count,
  pending: Count,
  reason: z.enum(PENDING_REASONS).nullable().describe('As the purchasing step recorded it; null until it has run'),
  purchaseOrderIds: z.array(Id),
});

export const BackorderReport = z.object({ items: z.array(BackorderLine), next: NextCursor });

export const AllocationQueueItem = z.object({
  orderId: Id,
  pending: Count.describe('What the order\'s line of this SKU still waits for (a vendor may be bringing part of it)'),
  priority: z.int().min(1).max(9).describe('1 first; 5 when the order was placed without one'),
  requiredBy: z.iso.date().nullable().describe('Earlier first among equal priorities; orders without one come after those with one'),
  rank: z.int().min(1).describe('1 stands first; then 2, …'),
});

export const AllocationQueue = z.object({
  sku: Sku,
  items: z.array(AllocationQueueItem).describe('Waiting orders (open, approved, something pending) in rank order'),
});

/** Every event the product appends carries these (DESIGN.md guarantee 5); events may carry more. */
const EventMetadata = z.looseObject({
  correlationId: z.string(),
  causationId: z.string(),
  actor: z.string().describe('`admin`, `account:<id>` or `processor:<name>`'),
  occurredAt: Timestamp,
  commandId: z.string().optional(),
  schemaVersion: z.int().min(1).optional(),
});

const EventFields = {
  eventId: z.string().describe('The event\'s id: the `causationId` of the events a processor wrote in reaction to it'),
  revision: Count.describe('Its place in its stream, from 0'),
  position: Decimal.describe('Its place in the whole log'),
  type: z.string(),
  data: z.unknown(),
};

/** An order's or a PO's event, in today's shape (upcast from the version it was written with). */
export const StreamEvent = z.object({ ...EventFields, metadata: EventMetadata });
export const StreamEvents = z.array(StreamEvent);

export const FlowEvent = StreamEvent.extend({ streamName: z.string() });

export const Trail = z.object({
  correlationId: z.string().describe('The flow: the stream of the order it started from'),
  events: z.array(FlowEvent),
});

/** A raw event of any stream (the processors' own streams included), as stored. */
export const RecordedEvent = z.object({ ...EventFields, streamName: z.string(), metadata: z.record(z.string(), z.unknown()) });
export const RecordedEvents = z.array(RecordedEvent);

export const Rebuilt = z.object({ events: Count, durationMs: z.number().min(0) });

const ParkedError = z.object({ name: z.string(), code: z.string().optional(), message: z.string() });

export const ParkedEvent = z.object({
  parkedId: Decimal,
  eventId: z.string(),
  streamName: z.string(),
  revision: Decimal,
  position: Decimal,
  type: z.string(),
  flow: z.string().nullable(),
  error: ParkedError,
  parkedAt: Timestamp,
  lastRetry: z.object({ requestId: z.string(), at: Timestamp, error: ParkedError }).optional(),
});

export const Processors = z.object({
  processors: z.array(
    z.object({
      name: z.string(),
      state: z.string().describe('starting, standby, running, retrying, stopped, failed; stale or not-running when no instance publishes it'),
      checkpoint: Decimal.nullable(),
      resubscriptions: Count,
      error: z.string().optional(),
      instances: z
        .array(
          z.object({
            name: z.string(),
            state: z.string(),
            checkpoint: Decimal.nullable(),
            error: z.string().optional(),
            resubscriptions: Count,
            instance: z.string(),
            heartbeatAt: Timestamp,
            stale: z.boolean(),
          }),
        )
        .optional()
        .describe('Where another process runs it: every instance on the shared status board'),
      parked: z.array(ParkedEvent),
    }),
  ),
});

export const ParkedRetry = z.object({
  processor: z.string(),
  parkedId: Decimal,
  requestId: z.string(),
  outcome: z.enum(['resolved', 'parked', 'pending']),
});

const StoreHealth = z.object({ kind: z.string(), status: z.enum(['up', 'down']), error: z.string().optional() });

export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  eventStore: StoreHealth.extend({ headPosition: Decimal.optional() }),
  readStore: StoreHealth,
  projectionLag: z.object({
    max: Decimal.describe('Positions the read models run behind the head of the log'),
    processors: z.array(
      z.object({
        name: z.string(),
        state: z.string(),
        checkpoint: Decimal.nullable(),
        lag: Decimal.optional(),
        error: z.string().optional(),
        resubscriptions: Count,
        parked: Count.nullable(),
        instance: z.string().optional(),
        heartbeatAt: Timestamp.optional(),
      }),
    ),
  }),
});

export const Liveness = z.object({ status: z.literal('ok') });

export const Readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    eventStore: z.enum(['up', 'down']),
    readStore: z.enum(['up', 'down']),
    processors: z.record(z.string(), z.string()).describe('Each processor\'s state, by name'),
  }),
  reasons: z.array(z.string()).optional().describe('Why it is not ready'),
});

export const AccountSummary = z.object({ accountId: Id, name: z.string(), type: AccountType, openedAt: Timestamp.optional() });
export const AccountPage = z.object({ items: z.array(AccountSummary), next: NextCursor });

export const ApiKey = z.object({ accountId: Id, apiKey: z.string().describe('The new key, answered this once; the old one stops working') });

export const OpenApiDocument = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) });

/** RFC 9457 problem details, as problem.ts builds them; extensions (e.g. `details`) may follow. */
export const Problem = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string(),
  code: z.string().describe('Stable and machine-readable, e.g. INVALID_REQUEST, ORDER_NOT_FOUND, INVENTORY_NOT_AVAILABLE'),
  errors: z.array(z.object({ field: z.string(), message: z.string(), code: z.string().optional() })).describe('Each invalid field'),
});

/** A webhook registration (docs/api.md, "Webhooks"). */
export const Webhook = z.object({
  webhookId: Id,
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  registeredAt: Timestamp,
});
export const RegisteredWebhook = Webhook.extend({
  secret: z.string().describe('Signs every delivery (X-Webhook-Signature); shown in this answer only'),
});
export const WebhookList = z.object({ items: z.array(Webhook) });
export const WebhookDelivery = z.object({
  deliveryId: Id.describe('Stable across attempts: the X-Webhook-Id header; receivers dedupe by it'),
  type: z.enum(WEBHOOK_EVENT_TYPES),
  status: z.enum(DELIVERY_STATUSES),
  attempts: Count,
  lastStatusCode: z.int().optional().describe("The receiver's status code at the last attempt that got an answer"),
  lastError: z.string().optional().describe('Why the last attempt got no answer (a timeout, a refused connection), or why it was abandoned'),
  nextAttemptAt: Timestamp.optional().describe('While PENDING after a failed attempt: when the next one is due'),
});
export const DeliveryPage = z.object({ items: z.array(WebhookDelivery), next: NextCursor });

/** The named schemas of the document's components, by the name they are published under. */
export const RESPONSE_SCHEMAS = {
  Account,
  OpenedAccount,
  AccountSettings,
  BinAdded,
  VendorMapping,
  RankedVendor,
  SkuVendors,
  BinStock,
  Inventory,
  InventoryRow,
  StockWarning,
  OrderAnswer,
  Order,
  OrderPage,
  DeliveryPromise,
  Handover,
  Grn,
  PurchaseOrder,
  PurchaseOrderPage,
  BackorderLine,
  BackorderReport,
  AllocationQueueItem,
  AllocationQueue,
  StreamEvent,
  StreamEvents,
  FlowEvent,
  Trail,
  RecordedEvent,
  RecordedEvents,
  Rebuilt,
  ParkedEvent,
  Processors,
  ParkedRetry,
  Health,
  Liveness,
  Readiness,
  AccountSummary,
  AccountPage,
  ApiKey,
  Webhook,
  RegisteredWebhook,
  WebhookList,
  WebhookDelivery,
  DeliveryPage,
  OpenApiDocument,
  Problem,
} as const;
