/** Orders of an account (tabs by status, search, pages), the backorders report, and one order's details and actions. */
import { useState } from 'preact/hooks';
import { BackorderItem, get, Order, OrderLine, Page, post, PurchaseOrder, query, request, seg } from '../api';
import { navigate } from '../router';
import { ConfirmDialog, dash, Link, Loading, Pager, StatusBadge, Tabs, useLoad, usePager, yesNo, date } from '../ui';

type TabKey = 'ALL' | 'UNAPPROVED' | 'PENDING_INVENTORY' | 'READY' | 'HANDED_OVER' | 'CLOSED_SHORT' | 'CANCELLED';

const TABS: readonly { key: TabKey; label: string; statuses: string[] }[] = [
  { key: 'ALL', label: 'All', statuses: [] },
  { key: 'UNAPPROVED', label: 'Unapproved', statuses: ['UNAPPROVED'] },
  { key: 'PENDING_INVENTORY', label: 'Pending inventory', statuses: ['PENDING_INVENTORY'] },
  { key: 'READY', label: 'Ready', statuses: ['READY'] },
  // Two statuses, asked for together (the list route takes several, comma-separated).
  { key: 'HANDED_OVER', label: 'Handed over', statuses: ['PARTIALLY_HANDED_OVER', 'HANDED_OVER'] },
  { key: 'CLOSED_SHORT', label: 'Closed short', statuses: ['CLOSED_SHORT'] },
  { key: 'CANCELLED', label: 'Cancelled', statuses: ['CANCELLED'] },
];

const loadOrders = (accountId: string, statuses: string[], search: string, limit: number, cursor: string | undefined): Promise<Page<Order>> =>
  get<Page<Order>>(
    `/accounts/${seg(accountId)}/orders` +
      query({ status: statuses.length > 0 ? statuses.join(',') : undefined, search: search.trim() || undefined, limit, after: cursor }),
  );

const linesSummary = (lines: OrderLine[]) => lines.map((line) => `${line.sku} × ${line.quantity}`).join(', ');

export const OrdersScreen = ({ accountId, params }: { accountId: string; params: URLSearchParams }) => {
  const tab = (TABS.find((candidate) => candidate.key === params.get('tab')) ?? TABS[0]!).key;
  const statuses = TABS.find((candidate) => candidate.key === tab)!.statuses;
  const [search, setSearch] = useState('');
  const [limit, setLimit] = useState(25);
  const pager = usePager(`${accountId}|${tab}|${limit}|${search.trim()}`);
  const orders = useLoad(() => loadOrders(accountId, statuses, search, limit, pager.after), `${accountId}|${tab}|${limit}|${search.trim()}|${pager.after ?? ''}`, 5000);
  const shown = orders.data?.items ?? [];
  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">Orders of {accountId}</h1>
      <Tabs label="Order status" idPrefix="orders" tabs={TABS} selected={tab} onSelect={(key) => navigate(`/accounts/${seg(accountId)}/orders${key === 'ALL' ? '' : `?tab=${key}`}`, true)} />
      <div id="orders-panel" role="tabpanel" aria-labelledby={`orders-tab-${tab}`} class="panel">
        <div class="toolbar">
          <label>
            <span>Search</span>
            <input type="search" value={search} placeholder="Order id, SKU or customer" onInput={(event) => setSearch(event.currentTarget.value)} />
          </label>
          <label>
            <span>Per page</span>
            <select value={String(limit)} onChange={(event) => setLimit(Number(event.currentTarget.value))}>
              {[10, 25, 50, 100].map((size) => (
                <option key={size} value={String(size)}>
                  {size}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p class="hint">Search finds an order id, a PO id, a SKU, or the customer's name or one word of it.</p>
        <Loading loaded={orders} label="orders">
          {() =>
            shown.length === 0 ? (
              <p class="empty">No orders here.</p>
            ) : (
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Orders, in placement order</caption>
                  <thead>
                    <tr>
                      <th scope="col">Order</th>
                      <th scope="col">Status</th>
                      <th scope="col">Customer or source</th>
                      <th scope="col">Lines</th>
                      <th scope="col">Pending</th>
                      <th scope="col">Priority</th>
                      <th scope="col">Required by</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((order) => (
                      <tr key={order.orderId} data-order={order.orderId}>
                        <td>
                          <Link to={`/accounts/${seg(accountId)}/orders/${seg(order.orderId)}`}>{order.orderId}</Link>
                        </td>
                        <td>
                          <StatusBadge status={order.status} />
                        </td>
                        <td>{order.source ? `PO ${order.source.purchaseOrderId} of ${order.source.sellerAccountId}` : dash(order.customer)}</td>
                        <td>{linesSummary(order.lines)}</td>
                        <td>{order.lines.reduce((sum, line) => sum + line.pending, 0)}</td>
                        <td>{dash(order.priority)}</td>
                        <td>{dash(order.requiredBy)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loading>
        <Pager label="Orders" page={pager.page} next={orders.data?.next} onNext={() => pager.next(orders.data?.next ?? null)} onPrevious={pager.previous} />
      </div>
    </section>
  );
};

const REASONS = ['AWAITING_VENDOR', 'SKU_NOT_MAPPED', 'AUTO_PO_DISABLED', 'VENDOR_NOT_ELIGIBLE', 'VENDOR_CLOSED_SHORT'];

export const BackordersScreen = ({ accountId }: { accountId: string }) => {
  const [sku, setSku] = useState('');
  const [reason, setReason] = useState('');
  const [applied, setApplied] = useState({ sku: '', reason: '' });
  const key = `${accountId}|${applied.sku}|${applied.reason}`;
  const pager = usePager(key);
  const report = useLoad(
    () => get<Page<BackorderItem>>(`/accounts/${seg(accountId)}/reports/backorders` + query({ sku: applied.sku, reason: applied.reason, limit: 50, after: pager.after })),
    `${key}|${pager.after ?? ''}`,
    5000,
  );
  return (
    <section aria-labelledby="backorders-title">
      <h1 id="backorders-title">Backorders of {accountId}</h1>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ sku: sku.trim(), reason });
        }}
      >
        <label>
          <span>SKU</span>
          <input value={sku} onInput={(event) => setSku(event.currentTarget.value)} />
        </label>
        <label>
          <span>Reason</span>
          <select value={reason} onChange={(event) => setReason(event.currentTarget.value)}>
            <option value="">Any reason</option>
            {REASONS.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <Loading loaded={report} label="the backorders report">
        {(data) =>
          data.items.length === 0 ? (
            <p class="empty">Nothing is waiting.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Pending order lines, with why they wait</caption>
                <thead>
                  <tr>
                    <th scope="col">Order</th>
                    <th scope="col">SKU</th>
                    <th scope="col">Quantity</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Reason</th>
                    <th scope="col">Purchase orders</th>
                    <th scope="col">ETA</th>
                    <th scope="col">Late</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((item) => (
                    <tr key={`${item.orderId}|${item.sku}`}>
                      <td>
                        <Link to={`/accounts/${seg(accountId)}/orders/${seg(item.orderId)}`}>{item.orderId}</Link>
                      </td>
                      <td>{item.sku}</td>
                      <td>{item.quantity}</td>
                      <td>{item.pending}</td>
                      <td>{dash(item.reason)}</td>
                      <td>
                        {item.purchaseOrderIds.length === 0
                          ? '—'
                          : item.purchaseOrderIds.map((id, index) => (
                              <>
                                {index > 0 ? ', ' : ''}
                                <Link key={id} to={`/accounts/${seg(accountId)}/purchase-orders/${seg(id)}`}>
                                  {id}
                                </Link>
                              </>
                            ))}
                      </td>
                      <td>{date(item.eta)}</td>
                      <td>{yesNo(item.late)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loading>
      <Pager label="Backorders" page={pager.page} next={report.data?.next} onNext={() => pager.next(report.data?.next ?? null)} onPrevious={pager.previous} />
    </section>
  );
};

type Action =
  | { kind: 'approve' | 'assign' | 'cancel' | 'close-short' | 'handover' }
  | { kind: 'change'; line: OrderLine };

const binName = (binId: string) => (binId === 'default' ? 'Default Bin' : binId);

/** What the API answered to a command that went through, said in a line (shown once the dialog closes). */
const doneMessage = (action: Action, orderId: string, answer: unknown): string => {
  const { status, handoverId } = (answer ?? {}) as { status?: string; handoverId?: string };
  const what = { approve: 'Approved', assign: 'Assigned', cancel: 'Cancelled', 'close-short': 'Closed short', handover: 'Handed over', change: 'Changed' }[action.kind];
  const subject = action.kind === 'change' ? `${action.line.sku} on order ${orderId}` : `order ${orderId}`;
  return `${what} ${subject}${handoverId ? ` (handover ${handoverId})` : ''}${status ? `: the API answered status ${status.replace(/_/g, ' ')}` : ''}.`;
};

const ActionDialog = ({ action, order, onClose }: { action: Action; order: Order; onClose: (done: string | undefined) => void }) => {
  const base = `/accounts/${seg(order.accountId)}/orders/${seg(order.orderId)}`;
  // Hand over what is assigned and not handed over yet (the API's `assigned` counts only those).
  const [quantities, setQuantities] = useState<Record<string, string>>(() => Object.fromEntries(order.lines.map((line) => [line.sku, String(line.assigned)])));
  const [reason, setReason] = useState('');
  const [quantity, setQuantity] = useState(action.kind === 'change' ? String(action.line.quantity) : '');
  const [answered] = useState<{ value?: unknown }>({});
  const sent = (call: () => Promise<unknown>) => async () => {
    answered.value = await call();
  };
  const common = { onClose: (done: boolean) => onClose(done ? doneMessage(action, order.orderId, answered.value) : undefined) };
  switch (action.kind) {
    case 'approve':
      return <ConfirmDialog {...common} title={`Approve order ${order.orderId}`} confirmLabel="Approve" description={<p>Approves order {order.orderId} ({linesSummary(order.lines)}): its first assignment round takes free stock, and the shortfall is bought from the vendors as the account's settings say.</p>} onConfirm={sent(() => post(`${base}/approve`))} />;
    case 'assign':
      return <ConfirmDialog {...common} title={`Assign stock to ${order.orderId}`} confirmLabel="Assign" description={<p>Opens an assignment round for the pending quantity: free stock of the main location (Default Bin first) and goods reserved for this order are assigned; a shortfall is bought again if the settings allow.</p>} onConfirm={sent(() => post(`${base}/assign`))} />;
    case 'cancel':
      return <ConfirmDialog {...common} danger title={`Cancel order ${order.orderId}`} confirmLabel="Cancel the order" description={<p>Cancels the order: everything it holds in any bin becomes free stock, and its purchase orders and their vendor orders end. This cannot be undone.</p>} onConfirm={sent(() => post(`${base}/cancel`))} />;
    case 'close-short':
      return (
        <ConfirmDialog
          {...common}
          danger
          title={`Close order ${order.orderId} short`}
          confirmLabel="Close short"
          description={<p>Ends the order with what was handed over: the rest will not come. Its stock is released and its purchase orders end; for a vendor order, the seller's purchase order is closed too. Nothing handed over yet: the order is cancelled.</p>}
          onConfirm={sent(() => post(`${base}/close-short`, reason.trim() ? { reason: reason.trim() } : undefined))}
        >
          <label class="field">
            <span>Reason (optional)</span>
            <input value={reason} maxLength={500} onInput={(event) => setReason(event.currentTarget.value)} />
          </label>
        </ConfirmDialog>
      );
    case 'handover': {
      const lines = order.lines.map((line) => ({ sku: line.sku, quantity: Number(quantities[line.sku] ?? 0) })).filter((line) => line.quantity > 0);
      return (
        <ConfirmDialog
          {...common}
          title={`Hand over order ${order.orderId}`}
          confirmLabel="Hand over"
          description={<p>Hands these units over: they leave the bins ({order.source ? `and the seller ${order.source.sellerAccountId}'s purchase order ${order.source.purchaseOrderId} receives them` : 'to the customer'}). Only units assigned and not yet handed over can go.</p>}
          onConfirm={sent(() => post(`${base}/handover`, { lines: lines.length > 0 ? lines : order.lines.map((line) => ({ sku: line.sku, quantity: 0 })) }))}
        >
          <fieldset class="fields">
            <legend>Units to hand over</legend>
            {order.lines.map((line) => (
              <label key={line.sku} class="field">
                <span>
                  Hand over {line.sku} <span class="muted">(assigned {line.assigned})</span>
                </span>
                <input type="number" min={0} step={1} inputMode="numeric" value={quantities[line.sku]} onInput={(event) => setQuantities({ ...quantities, [line.sku]: event.currentTarget.value })} />
              </label>
            ))}
          </fieldset>
        </ConfirmDialog>
      );
    }
    case 'change':
      return (
        <ConfirmDialog
          {...common}
          title={`Change ${action.line.sku} on ${order.orderId}`}
          confirmLabel="Change quantity"
          description={<p>Sets the quantity of {action.line.sku} (now {action.line.quantity}, {action.line.handedOver} handed over) to the number below. A decrease gives back pending quantity, then what its purchase orders bring (their vendor orders shrink first), then reserved and assigned units, all as free stock; an increase is sourced like a new shortfall. 0 removes what is not handed over.</p>}
          onConfirm={sent(() => request('PATCH', `${base}/lines/${seg(action.line.sku)}`, { quantity: Number(quantity) }))}
        >
          <label class="field">
            <span>New quantity of {action.line.sku}</span>
            <input type="number" min={0} step={1} inputMode="numeric" required value={quantity} onInput={(event) => setQuantity(event.currentTarget.value)} />
          </label>
        </ConfirmDialog>
      );
  }
};

const FeedingPurchaseOrders = ({ order }: { order: Order }) => {
  const key = order.purchaseOrders.map((po) => po.purchaseOrderId).join(',');
  const details = useLoad(
    () =>
      Promise.all(
        order.purchaseOrders.map((po) =>
          get<PurchaseOrder>(`/accounts/${seg(order.accountId)}/purchase-orders/${seg(po.purchaseOrderId)}`).catch(() => undefined),
        ),
      ),
    `${order.accountId}|${key}|${order.status}`,
  );
  if (order.purchaseOrders.length === 0) return <p class="empty">No purchase order feeds this order.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">Purchase orders that feed this order</caption>
        <thead>
          <tr>
            <th scope="col">Purchase order</th>
            <th scope="col">Vendor</th>
            <th scope="col">Status</th>
            <th scope="col">Received</th>
            <th scope="col">Expected</th>
          </tr>
        </thead>
        <tbody>
          {order.purchaseOrders.map((po, index) => {
            const detail = details.data?.[index];
            return (
              <tr key={po.purchaseOrderId}>
                <td>
                  <Link to={`/accounts/${seg(order.accountId)}/purchase-orders/${seg(po.purchaseOrderId)}`}>{po.purchaseOrderId}</Link>
                </td>
                <td>{po.vendorAccountId}</td>
                <td>{detail ? <StatusBadge status={detail.status} /> : '—'}</td>
                <td>{detail ? detail.lines.map((line) => `${line.sku} ${line.receivedQuantity}/${line.quantity}`).join(', ') : '—'}</td>
                <td>{date(detail?.promisedAt ?? detail?.expectedAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
};

export const OrderDetailsScreen = ({ accountId, orderId }: { accountId: string; orderId: string; admin: boolean }) => {
  const path = `/accounts/${seg(accountId)}/orders/${seg(orderId)}`;
  const order = useLoad(() => get<Order>(path), path, 3000);
  const [action, setAction] = useState<Action | undefined>();
  // What the last action here did, as the API answered it (for this order only).
  const [notice, setNotice] = useState<{ path: string; text: string } | undefined>();
  return (
    <section aria-labelledby="order-title">
      <p class="crumbs">
        <Link to={`/accounts/${seg(accountId)}/orders`}>Orders of {accountId}</Link>
      </p>
      <h1 id="order-title">
        Order {orderId} {order.data ? <StatusBadge status={order.data.status} /> : null}
      </h1>
      <Loading loaded={order} label="the order">
        {(data) => (
          <>
            <dl class="facts">
              <div>
                <dt>Customer</dt>
                <dd>{dash(data.customer)}</dd>
              </div>
              <div>
                <dt>Priority</dt>
                <dd>{dash(data.priority)}</dd>
              </div>
              <div>
                <dt>Required by</dt>
                <dd>{dash(data.requiredBy)}</dd>
              </div>
              <div>
                <dt>Source</dt>
                <dd>{data.source ? `Vendor order for PO ${data.source.purchaseOrderId} of ${data.source.sellerAccountId}` : 'Placed by a client'}</dd>
              </div>
            </dl>
            {notice?.path === path ? (
              <p class="notice done" role="status" id="action-result">
                {notice.text}
              </p>
            ) : null}
            <div class="actions" role="group" aria-label="Order actions">
              {data.status === 'UNAPPROVED' ? (
                <button type="button" onClick={() => setAction({ kind: 'approve' })}>
                  Approve
                </button>
              ) : null}
              <button type="button" onClick={() => setAction({ kind: 'assign' })}>
                Assign
              </button>
              <button type="button" onClick={() => setAction({ kind: 'handover' })}>
                Hand over
              </button>
              <button type="button" onClick={() => setAction({ kind: 'close-short' })}>
                Close short
              </button>
              <button type="button" class="danger" onClick={() => setAction({ kind: 'cancel' })}>
                Cancel order
              </button>
              <Link class="button" to={`${path}/trail`}>
                Trail
              </Link>
            </div>
            <h2>Lines</h2>
            <div class="table-wrap">
              <table id="order-lines">
                <caption class="sr-only">Order lines</caption>
                <thead>
                  <tr>
                    <th scope="col">SKU</th>
                    <th scope="col">Quantity</th>
                    <th scope="col">Assigned</th>
                    <th scope="col">Pending</th>
                    <th scope="col">Handed over</th>
                    <th scope="col">Pending reason</th>
                    <th scope="col">ETA</th>
                    <th scope="col">Late</th>
                    <th scope="col">
                      <span class="sr-only">Change</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.lines.map((line) => (
                    <tr key={line.sku} data-sku={line.sku}>
                      <td>{line.sku}</td>
                      <td>{line.quantity}</td>
                      <td>{line.assigned}</td>
                      <td>{line.pending}</td>
                      <td>{line.handedOver}</td>
                      <td>{dash(data.pendingReasons.find((reason) => reason.sku === line.sku)?.reason)}</td>
                      <td>{date(line.eta)}</td>
                      <td>{yesNo(line.late)}</td>
                      <td>
                        <button type="button" class="small" aria-label={`Change quantity of ${line.sku}`} onClick={() => setAction({ kind: 'change', line })}>
                          Change
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>Inventory details</h2>
            {data.inventoryDetails.length === 0 ? (
              <p class="empty">Nothing is assigned to this order.</p>
            ) : (
              <div class="table-wrap">
                <table id="inventory-details">
                  <caption class="sr-only">Units assigned to this order, by bin</caption>
                  <thead>
                    <tr>
                      <th scope="col">SKU</th>
                      <th scope="col">Location</th>
                      <th scope="col">Bin</th>
                      <th scope="col">Quantity</th>
                      <th scope="col">Source</th>
                      <th scope="col">GRN</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.inventoryDetails.map((detail, index) => (
                      <tr key={index}>
                        <td>{detail.sku}</td>
                        <td>{detail.locationId}</td>
                        <td>{binName(detail.binId)}</td>
                        <td>{detail.quantity}</td>
                        <td>{detail.source}</td>
                        <td>{dash(detail.grnId)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <h2>Purchase orders</h2>
            <FeedingPurchaseOrders order={data} />
            {action ? (
              <ActionDialog
                action={action}
                order={data}
                onClose={(done) => {
                  setAction(undefined);
                  if (done) {
                    setNotice({ path, text: done });
                    order.reload();
                  }
                }}
              />
            ) : null}
          </>
        )}
      </Loading>
    </section>
  );
};
