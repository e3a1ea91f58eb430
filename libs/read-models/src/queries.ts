/** The queries the GET endpoints answer, over the read store. */
import { rankQueue } from '@app/domain/allocation/allocation-rule';
import { IndexSpec, ReadStore } from './store/read-store.port';
import { COLLECTIONS, TrailDocument, trailRef } from './projections/read-models.projection';
import { AccountDocument, OrderDocument, PurchaseOrderDocument, searchTerm, StockDocument } from './projections/views';

/** The indexes the queries below need, so that no page or report scans a whole collection. */
export const READ_MODEL_INDEXES: readonly IndexSpec[] = [
  { collection: COLLECTIONS.orders, fields: ['accountId', '_sequence'] },
  { collection: COLLECTIONS.orders, fields: ['accountId', 'status', '_sequence'] },
  { collection: COLLECTIONS.purchaseOrders, fields: ['accountId', '_sequence'] },
  { collection: COLLECTIONS.purchaseOrders, fields: ['accountId', 'status', '_sequence'] },
  { collection: COLLECTIONS.purchaseOrders, fields: ['accountId', 'sourceOrderId', '_sequence'] },
  { collection: COLLECTIONS.purchaseOrders, fields: ['accountId', 'vendorAccountId', '_sequence'] },
  { collection: COLLECTIONS.stock, fields: ['accountId', 'sku', 'locationId', 'binId'] },
];

export interface Page<T> {
  readonly items: T[];
  /** Pass as `after` for the next page; null on the last page. */
  readonly next: string | null;
}

/** Fields of a document that are the read model's own bookkeeping, not part of the answer. */
const publicView = <T extends Record<string, unknown>>(document: T) => {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) if (!key.startsWith('_')) view[key] = value;
  return view as Omit<T, `_${string}`>;
};

const page = async <T extends { _sequence: string } & Record<string, unknown>>(
  store: ReadStore,
  collection: string,
  filter: Record<string, unknown>,
  limit: number,
  after: string | undefined,
): Promise<Page<Omit<T, `_${string}`>>> => {
  const found = await store
    .collection<T & { _id: string }>(collection)
    .find({ ...filter, ...(after === undefined ? {} : { _sequence: { $gt: after } }) }, { sort: { _sequence: 1 }, limit: limit + 1 });
  const items = found.slice(0, limit);
  return { items: items.map(publicView), next: found.length > limit ? items[items.length - 1]!._sequence : null };
};

export class ReadModelQueries {
  constructor(private readonly store: () => ReadStore) {}

  async account(accountId: string) {
    const found = await this.store().collection<AccountDocument>(COLLECTIONS.accounts).findOne({ _id: accountId });
    return found && publicView(found);
  }

  async inventory(accountId: string, sku: string | undefined) {
    const rows = await this.store()
      .collection<StockDocument>(COLLECTIONS.stock)
      .find({ accountId, ...(sku === undefined ? {} : { sku }) }, { sort: { sku: 1, locationId: 1, binId: 1 } });
    return rows.map(publicView);
  }

  async order(accountId: string, orderId: string) {
    const found = await this.store().collection<OrderDocument>(COLLECTIONS.orders).findOne({ _id: `${accountId}.${orderId}` });
    if (!found || found._refused === true) return undefined;
    return publicView(found);
  }

  async orders(accountId: string, query: { status?: readonly string[]; search?: string; limit: number; after?: string }) {
    const filter = {
      accountId,
      _refused: { $exists: false },
      // One status by equality, as the (account, status) index is read best.
      ...(query.status ? { status: query.status.length === 1 ? query.status[0] : { $in: [...query.status] } } : {}),
      ...(query.search ? { _search: searchTerm(query.search) } : {}),
    };
    return page<OrderDocument>(this.store(), COLLECTIONS.orders, filter, query.limit, query.after);
  }

  async purchaseOrder(accountId: string, purchaseOrderId: string) {
    const found = await this.store()
      .collection<PurchaseOrderDocument>(COLLECTIONS.purchaseOrders)
      .findOne({ _id: `${accountId}.${purchaseOrderId}` });
    return found && publicView(found);
  }

  async purchaseOrders(
    accountId: string,
    query: { status?: string; vendorAccountId?: string; sourceOrderId?: string; limit: number; after?: string },
  ) {
    const filter = {
      accountId,
      ...(query.status ? { status: query.status } : {}),
      ...(query.vendorAccountId ? { vendorAccountId: query.vendorAccountId } : {}),
      ...(query.sourceOrderId ? { sourceOrderId: query.sourceOrderId } : {}),
    };
    return page<PurchaseOrderDocument>(this.store(), COLLECTIONS.purchaseOrders, filter, query.limit, query.after);
  }

  /** The events of one flow, in global order: where each one is in its stream. */
  async trail(correlationId: string): Promise<{ streamName: string; revision: number }[]> {
    const found = await this.store().collection<TrailDocument>(COLLECTIONS.trail).findOne({ _id: correlationId });
    return found ? found.entries.map((entry) => trailRef(found, entry)) : [];
  }

  /**
   * Every account, by id (plain string order, which every store sorts alike for ids), a page at a
   * time; `after` is the `next` of the page before: the last account id it answered.
   */
  async accounts(query: { limit: number; after?: string }): Promise<Page<{ accountId: string; name: string; type: string; openedAt: string }>> {
    const found = await this.store()
      .collection<AccountDocument>(COLLECTIONS.accounts)
      .find(query.after === undefined ? {} : { _id: { $gt: query.after } }, { sort: { _id: 1 }, limit: query.limit + 1 });
    const items = found.slice(0, query.limit).map((account) => ({
      accountId: account.accountId,
      name: account.name,
      type: account.type,
      openedAt: account._openedAt,
    }));
    return { items, next: found.length > query.limit ? items[items.length - 1]!.accountId : null };
  }

  /**
   * The allocation queue of a SKU: the account's orders that wait for it (open, approved, with
   * quantity pending on the SKU's line), ranked by the allocation rule of the domain (priority,
   * requiredBy, creation order). The store filters (the same filter document on every read store);
   * the domain's comparator ranks. Orders whose pending quantity a vendor is bringing wait too.
   */
  async allocationQueue(accountId: string, sku: string): Promise<AllocationQueueItem[]> {
    const orders = await this.store()
      .collection<OrderDocument>(COLLECTIONS.orders)
      .find(
        { accountId, _refused: { $exists: false }, status: { $nin: ['CANCELLED', 'CLOSED_SHORT', 'UNAPPROVED', 'HANDED_OVER'] }, _pendingSkus: sku },
        { sort: { _sequence: 1 } },
      );
    const waiting = orders.map((order) => ({
      orderId: order.orderId,
      priority: order.priority,
      ...(order.requiredBy === undefined ? {} : { requiredBy: order.requiredBy }),
      sequence: order._sequence,
      pending: order.lines.find((line) => line.sku === sku)?.pending ?? 0,
    }));
    return rankQueue(waiting)
      .filter((order) => order.pending > 0)
      .map((order, i) => ({ orderId: order.orderId, pending: order.pending, priority: order.priority, requiredBy: order.requiredBy ?? null, rank: i + 1 }));
  }

  /**
   * Pending quantity per order line, with why it is pending (the reason the purchasing saga
   * recorded; null until it has run). Orders waiting for approval or cancelled are not backorders.
   * Lines come by order (in the order they were placed), then by SKU; `next` names the last line
   * answered (`<order sequence>.<sku>`). The store filters and pages the orders; the lines of the
   * orders it answers are filtered exactly here, so a page may take more than one read.
   */
  async backorders(accountId: string, query: BackordersQuery): Promise<Page<BackorderLine>> {
    const cursor = query.after === undefined ? undefined : parseBackorderCursor(query.after);
    const filter = {
      accountId,
      status: { $nin: ['CANCELLED', 'CLOSED_SHORT', 'UNAPPROVED'] },
      ...(query.sku === undefined ? { '_pendingSkus.0': { $exists: true } } : { _pendingSkus: query.sku }),
      ...(query.reason === undefined ? {} : { _pendingReasons: query.reason }),
    };
    const items: (BackorderLine & { cursor: string })[] = [];
    // From the cursor's order on (its later lines are still to come), then past each read.
    let range: Record<string, string> | undefined = cursor && { $gte: cursor.sequence };
    for (;;) {
      const orders = await this.store()
        .collection<OrderDocument>(COLLECTIONS.orders)
        .find({ ...filter, ...(range ? { _sequence: range } : {}) }, { sort: { _sequence: 1 }, limit: query.limit + 1 });
      for (const order of orders) {
        for (const line of backorderLines(order)) {
          if (query.sku !== undefined && line.sku !== query.sku) continue;
          if (query.reason !== undefined && line.reason !== query.reason) continue;
          if (cursor && order._sequence === cursor.sequence && !(line.sku > cursor.sku)) continue;
          items.push({ ...line, cursor: `${order._sequence}.${line.sku}` });
        }
      }
      if (items.length > query.limit || orders.length <= query.limit) break;
      range = { $gt: orders[orders.length - 1]!._sequence };
    }
    const answered = items.slice(0, query.limit);
    return {
      items: answered.map(({ cursor: _cursor, ...line }) => line),
      next: items.length > query.limit ? answered[answered.length - 1]!.cursor : null,
    };
  }
}

export const BACKORDER_CURSOR = /^([0-9]{20})\.([A-Za-z0-9._-]{1,64})$/;

const parseBackorderCursor = (after: string): { sequence: string; sku: string } => {
  const match = BACKORDER_CURSOR.exec(after);
  if (!match) throw new Error(`Not a backorder report cursor: ${after}`);
  return { sequence: match[1]!, sku: match[2]! };
};

export interface BackordersQuery {
  readonly limit: number;
  /** The `next` of the page before. */
  readonly after?: string;
  readonly sku?: string;
  readonly reason?: string;
}

export interface BackorderLine {
  readonly orderId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly pending: number;
  readonly reason: string | null;
  readonly purchaseOrderIds: string[];
}

const bySku = (a: { sku: string }, b: { sku: string }) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0);

/** The order's pending lines, by SKU. */
const backorderLines = (order: OrderDocument): BackorderLine[] =>
  order.lines
    .filter((line) => line.pending > 0)
    .sort(bySku)
    .map((line) => ({
      orderId: order.orderId,
      sku: line.sku,
      quantity: line.quantity,
      pending: line.pending,
      reason: order.pendingReasons.find((r) => r.sku === line.sku)?.reason ?? null,
      purchaseOrderIds: order._purchaseOrderSkus.filter((po) => po.skus.includes(line.sku)).map((po) => po.purchaseOrderId),
    }));

/** One waiting order of a SKU's allocation queue, as answered: `rank` 1 is served first. */
export interface AllocationQueueItem {
  readonly orderId: string;
  readonly pending: number;
  readonly priority: number;
  readonly requiredBy: string | null;
  readonly rank: number;
}
