/** The queries the GET endpoints answer, over the read store. */
import { IndexSpec, ReadStore } from './store/read-store.port';
import { COLLECTIONS, TrailDocument, trailRef } from './projections/read-models.projection';
import { AccountDocument, OrderDocument, PurchaseOrderDocument, StockDocument } from './projections/views';

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

  async orders(accountId: string, query: { status?: string; limit: number; after?: string }) {
    const filter = { accountId, _refused: { $exists: false }, ...(query.status ? { status: query.status } : {}) };
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
   * Pending quantity per order line, with why it is pending (the reason the purchasing saga
   * recorded; null until it has run). Orders waiting for approval or cancelled are not backorders.
   */
  async backorders(accountId: string) {
    const orders = await this.store()
      .collection<OrderDocument>(COLLECTIONS.orders)
      .find({ accountId, '_pendingSkus.0': { $exists: true }, status: { $nin: ['CANCELLED', 'CLOSED_SHORT', 'UNAPPROVED'] } }, { sort: { _sequence: 1 } });
    return orders.flatMap((order) =>
      order.lines
        .filter((line) => line.pending > 0)
        .map((line) => {
          const recorded = order.pendingReasons.find((r) => r.sku === line.sku)?.reason;
          const purchaseOrderIds = order._purchaseOrderSkus
            .filter((po) => po.skus.includes(line.sku))
            .map((po) => po.purchaseOrderId);
          return {
            orderId: order.orderId,
            sku: line.sku,
            quantity: line.quantity,
            pending: line.pending,
            reason: recorded ?? null,
            purchaseOrderIds,
          };
        }),
    );
  }
}
