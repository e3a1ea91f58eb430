/**
 * The request shapes of the REST contract (SPEC.md), as zod schemas. The controllers parse with
 * them and /docs is generated from them.
 */
import { z } from 'zod';
import { AccountType, Adjustment, Id, MAX_QUANTITY, OrderLine, Sku } from '@app/domain/shared/ids';
import { SettingsPatch } from '@app/domain/shared/settings';
import { MAX_LEAD_TIME_DAYS, MAX_RANKED_VENDORS, MAX_ROUNDING } from '@app/domain/account/account.events';
import { IsoDate, ORDER_STATUSES, OrderPriority, OrderStatus, PENDING_REASONS } from '@app/domain/order/order.events';
import { BACKORDER_CURSOR } from '@app/read-models/queries';
import { PURCHASE_ORDER_STATUSES } from '@app/domain/purchase-order/purchase-order.events';

export const AccountPath = z.object({ accountId: Id }).strict();
export const OrderPath = z.object({ accountId: Id, orderId: Id }).strict();
export const PurchaseOrderPath = z.object({ accountId: Id, purchaseOrderId: Id }).strict();
export const SkuPath = z.object({ accountId: Id, sku: Sku }).strict();
export const OrderLinePath = z.object({ accountId: Id, orderId: Id, sku: Sku }).strict();

/** Lines of an order, handover or GRN: each SKU once, no field beyond sku and quantity. */
const Lines = z
  .array(OrderLine.strict())
  .min(1, { message: 'must have at least one line' })
  .max(500, { message: 'must have at most 500 lines' })
  .superRefine((lines, ctx) => {
    const seen = new Set<string>();
    lines.forEach((line, index) => {
      if (seen.has(line.sku)) ctx.addIssue({ code: 'custom', path: [index, 'sku'], message: `repeats SKU ${line.sku}: give each SKU once` });
      seen.add(line.sku);
    });
  });

export const OpenAccountBody = z
  .object({
    accountId: Id.optional(),
    name: z.string().trim().min(1, { message: 'must not be empty' }).max(200),
    type: AccountType,
    settings: SettingsPatch.optional(),
  })
  .strict();

export const SettingsBody = SettingsPatch;

export const AddBinBody = z.object({ binId: Id, locationId: Id.optional() }).strict();

export const MapVendorBody = z.object({ vendorAccountId: Id }).strict();

/** A SKU's vendors in preference order: 1 to 10, each account once (a repeat is a 400 naming it). */
export const RankVendorsBody = z
  .object({
    vendors: z
      .array(
        z
          .object({
            vendorAccountId: Id,
            leadTimeDays: z.number().int({ message: 'must be a whole number' }).min(0, { message: 'must not be negative' }).max(MAX_LEAD_TIME_DAYS).optional(),
            minOrderQuantity: z.number().int({ message: 'must be a whole number' }).positive({ message: 'must be positive' }).max(MAX_ROUNDING).optional(),
            packSize: z.number().int({ message: 'must be a whole number' }).positive({ message: 'must be positive' }).max(MAX_ROUNDING).optional(),
          })
          .strict(),
      )
      .min(1, { message: 'must list at least one vendor' })
      .max(MAX_RANKED_VENDORS, { message: `must list at most ${MAX_RANKED_VENDORS} vendors` })
      .superRefine((vendors, ctx) => {
        const seen = new Set<string>();
        vendors.forEach((vendor, index) => {
          if (seen.has(vendor.vendorAccountId)) {
            ctx.addIssue({ code: 'custom', path: [index, 'vendorAccountId'], message: `repeats vendor ${vendor.vendorAccountId}: list each vendor once` });
          }
          seen.add(vendor.vendorAccountId);
        });
      }),
  })
  .strict();

/** `close-short` and a PO's `close`: an optional reason (the body may be left out). */
export const CloseBody = z.object({ reason: z.string().trim().min(1, { message: 'must not be empty' }).max(500).optional() }).strict();

export const AdjustmentBody = z
  .object({
    /** Optional: a client that retries sends the same id and the adjustment is made once. */
    adjustmentId: Id.optional(),
    sku: Sku,
    quantity: Adjustment,
    locationId: Id.optional(),
    binId: Id.optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();

export const PlaceOrderBody = z
  .object({
    orderId: Id.optional(),
    customer: z.string().max(200).optional(),
    priority: OrderPriority.optional().describe('Who gets free stock first: 1–9, 1 first; 5 when not given'),
    requiredBy: IsoDate.optional().describe('When the customer needs the goods, YYYY-MM-DD: earlier first among equal priorities; a line whose eta is after it is late'),
    lines: Lines,
  })
  .strict();

export const HandoverBody = z
  .object({
    handoverId: Id.optional(),
    lines: Lines.optional(),
  })
  .strict();

export const GrnBody = z
  .object({
    grnId: Id.optional(),
    lines: Lines,
  })
  .strict();

/** `PATCH …/orders/{o}/lines/{sku}`: the line's new quantity; 0 removes what is not handed over. */
export const ChangeLineBody = z
  .object({
    quantity: z
      .number({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(0, { message: 'must not be negative' })
      .max(MAX_QUANTITY, { message: `must be at most ${MAX_QUANTITY}` }),
  })
  .strict();

/**
 * `POST …/orders/{o}/promise`: when the vendor delivers. An ISO 8601 time with its offset
 * (`2024-06-01T12:00:00+02:00`, `…Z`) or a date (`2024-06-01`: that day at 00:00 UTC); kept in UTC.
 */
export const PromiseBody = z
  .object({
    promisedAt: z
      .union([z.iso.datetime({ offset: true }), z.iso.date()], { message: 'must be an ISO 8601 date (YYYY-MM-DD) or date-time with a time zone' })
      .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value).toISOString())
      .describe('When the vendor will deliver: an ISO 8601 date-time with a time zone, or a date (that day at 00:00 UTC)'),
  })
  .strict();

/** Bodies of commands that take none: nothing, or an empty object. */
export const EmptyBody = z.union([z.undefined(), z.null(), z.object({}).strict()]);

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `next` of the previous page. */
  after: z.string().regex(/^[0-9]{20}$/, { message: 'must be the `next` of a previous page' }).optional(),
};

export const OrdersQuery = z
  .object({
    status: z
      .string()
      .superRefine((value, ctx) => {
        const unknown = value.split(',').filter((part) => !(ORDER_STATUSES as readonly string[]).includes(part));
        if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `unknown status ${unknown.map((part) => JSON.stringify(part)).join(', ')}: one of ${ORDER_STATUSES.join(', ')}, or several separated by commas` });
      })
      .transform((value) => [...new Set(value.split(','))] as OrderStatus[])
      .optional()
      .describe('One status, or several separated by commas (PARTIALLY_HANDED_OVER,HANDED_OVER)'),
    search: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe("An order id, a purchase order id (a vendor order's), a SKU on a line, or the customer's name or one word of it; case does not matter"),
    ...PageQuery,
  })
  .strict();

export const PurchaseOrdersQuery = z
  .object({
    status: z.enum(PURCHASE_ORDER_STATUSES).optional(),
    vendorAccountId: Id.optional(),
    sourceOrderId: Id.optional(),
    ...PageQuery,
  })
  .strict();

/** Pages of up to 500 items, 100 unless asked. */
const PageLimit = z.coerce.number().int().min(1).max(500).default(100);

export const AccountsQuery = z
  .object({ limit: PageLimit, /** The `next` of the previous page: an account id. */ after: Id.optional() })
  .strict();

export const BackordersQuery = z
  .object({
    sku: Sku.optional(),
    reason: z.enum(PENDING_REASONS, { message: `must be one of ${PENDING_REASONS.join(', ')}` }).optional(),
    limit: PageLimit,
    after: z.string().regex(BACKORDER_CURSOR, { message: 'must be the `next` of a previous page' }).optional(),
  })
  .strict();

export const InventoryQuery = z.object({ sku: Sku.optional() }).strict();

export const ConsistentWithHeader = z.string().regex(/^(0|[1-9][0-9]{0,19})$/, { message: 'must be a position: a decimal string' });
