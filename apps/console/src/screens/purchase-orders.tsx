/** Purchase orders of an account: the list with its filters, one PO's lines, GRNs and vendor order, manual GRN and close. */
import { useState } from 'preact/hooks';
import { ApiError, get, Order, Page, post, PurchaseOrder, query, seg, Trail } from '../api';
import { ConfirmDialog, dash, date, Link, Loading, Pager, StatusBadge, useLoad, usePager } from '../ui';

const STATUSES = ['APPROVED', 'PARTIALLY_RECEIVED', 'RECEIVED', 'CLOSED', 'CANCELLED'];

export const PurchaseOrdersScreen = ({ accountId }: { accountId: string }) => {
  const [form, setForm] = useState({ status: '', vendorAccountId: '', sourceOrderId: '' });
  const [applied, setApplied] = useState(form);
  const key = `${accountId}|${applied.status}|${applied.vendorAccountId}|${applied.sourceOrderId}`;
  const pager = usePager(key);
  const list = useLoad(
    () => get<Page<PurchaseOrder>>(`/accounts/${seg(accountId)}/purchase-orders` + query({ ...applied, limit: 50, after: pager.after })),
    `${key}|${pager.after ?? ''}`,
    5000,
  );
  return (
    <section aria-labelledby="pos-title">
      <h1 id="pos-title">Purchase orders of {accountId}</h1>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ status: form.status, vendorAccountId: form.vendorAccountId.trim(), sourceOrderId: form.sourceOrderId.trim() });
        }}
      >
        <label>
          <span>Status</span>
          <select value={form.status} onChange={(event) => setForm({ ...form, status: event.currentTarget.value })}>
            <option value="">Any status</option>
            {STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Vendor</span>
          <input value={form.vendorAccountId} onInput={(event) => setForm({ ...form, vendorAccountId: event.currentTarget.value })} />
        </label>
        <label>
          <span>Source order</span>
          <input value={form.sourceOrderId} onInput={(event) => setForm({ ...form, sourceOrderId: event.currentTarget.value })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Loading loaded={list} label="purchase orders">
        {(data) =>
          data.items.length === 0 ? (
            <p class="empty">No purchase orders here.</p>
          ) : (
            <div class="table-wrap">
              <table>
                <caption class="sr-only">Purchase orders, in creation order</caption>
                <thead>
                  <tr>
                    <th scope="col">Purchase order</th>
                    <th scope="col">Status</th>
                    <th scope="col">Vendor</th>
                    <th scope="col">Vendor order</th>
                    <th scope="col">Source order</th>
                    <th scope="col">Received</th>
                    <th scope="col">Expected</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((po) => (
                    <tr key={po.purchaseOrderId}>
                      <td>
                        <Link to={`/accounts/${seg(accountId)}/purchase-orders/${seg(po.purchaseOrderId)}`}>{po.purchaseOrderId}</Link>
                      </td>
                      <td>
                        <StatusBadge status={po.status} />
                      </td>
                      <td>{po.vendorAccountId}</td>
                      <td>{dash(po.vendorOrderId ?? po.vendorOrderError)}</td>
                      <td>
                        <Link to={`/accounts/${seg(accountId)}/orders/${seg(po.sourceOrderId)}`}>{po.sourceOrderId}</Link>
                      </td>
                      <td>{po.lines.map((line) => `${line.sku} ${line.receivedQuantity}/${line.quantity}`).join(', ')}</td>
                      <td>{date(po.promisedAt ?? po.expectedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loading>
      <Pager label="Purchase orders" page={pager.page} next={list.data?.next} onNext={() => pager.next(list.data?.next ?? null)} onPrevious={pager.previous} />
    </section>
  );
};

/**
 * The vendor order's status: read from the vendor's account where this session may (the admin);
 * an account key may not read another account, so then the seller's trail tells its last event.
 */
const loadVendorOrder = async (po: PurchaseOrder): Promise<{ status?: string; lastEvent?: string }> => {
  if (!po.vendorOrderId) return {};
  try {
    const order = await get<Order>(`/accounts/${seg(po.vendorAccountId)}/orders/${seg(po.vendorOrderId)}`);
    return { status: order.status };
  } catch (error) {
    if (!(error instanceof ApiError) || error.problem.status !== 403) throw error;
  }
  const trail = await get<Trail>(`/accounts/${seg(po.accountId)}/orders/${seg(po.sourceOrderId)}/trail`);
  const stream = `order-${po.vendorAccountId}.${po.vendorOrderId}`;
  const last = trail.events.filter((event) => event.streamName === stream).pop();
  return last ? { lastEvent: last.type } : {};
};

export const PurchaseOrderDetailsScreen = ({ accountId, purchaseOrderId }: { accountId: string; purchaseOrderId: string; admin: boolean }) => {
  const path = `/accounts/${seg(accountId)}/purchase-orders/${seg(purchaseOrderId)}`;
  const po = useLoad(() => get<PurchaseOrder>(path), path, 3000);
  const vendorOrder = useLoad<{ status?: string; lastEvent?: string }>(() => (po.data ? loadVendorOrder(po.data) : Promise.resolve({})), `${path}|${po.data?.vendorOrderId ?? ''}|${po.data?.status ?? ''}|${po.data?.grns.length ?? 0}`);
  const [action, setAction] = useState<'grn' | 'close' | undefined>();
  const [quantities, setQuantities] = useState<Record<string, string>>({});
  const [reason, setReason] = useState('');
  const open = (line: PurchaseOrder['lines'][number]) => line.quantity - line.receivedQuantity - line.closedQuantity;
  return (
    <section aria-labelledby="po-title">
      <p class="crumbs">
        <Link to={`/accounts/${seg(accountId)}/purchase-orders`}>Purchase orders of {accountId}</Link>
      </p>
      <h1 id="po-title">
        Purchase order {purchaseOrderId} {po.data ? <StatusBadge status={po.data.status} /> : null}
      </h1>
      <Loading loaded={po} label="the purchase order">
        {(data) => (
          <>
            <dl class="facts">
              <div>
                <dt>Vendor</dt>
                <dd>{data.vendorAccountId}</dd>
              </div>
              <div>
                <dt>Source order</dt>
                <dd>
                  <Link to={`/accounts/${seg(accountId)}/orders/${seg(data.sourceOrderId)}`}>{data.sourceOrderId}</Link>
                </dd>
              </div>
              <div>
                <dt>Vendor order</dt>
                <dd id="vendor-order">
                  {data.vendorOrderId ? (
                    <>
                      {data.vendorOrderId}{' '}
                      {vendorOrder.data?.status ? <StatusBadge status={vendorOrder.data.status} /> : vendorOrder.data?.lastEvent ? <span class="muted">last event {vendorOrder.data.lastEvent}</span> : null}
                    </>
                  ) : (
                    dash(data.vendorOrderError)
                  )}
                </dd>
              </div>
              <div>
                <dt>Expected</dt>
                <dd>{date(data.expectedAt)}</dd>
              </div>
              {data.promisedAt ? (
                <div>
                  <dt>Promised by the vendor</dt>
                  <dd>{date(data.promisedAt)}</dd>
                </div>
              ) : null}
            </dl>
            <div class="actions" role="group" aria-label="Purchase order actions">
              <button
                type="button"
                onClick={() => {
                  setQuantities(Object.fromEntries(data.lines.map((line) => [line.sku, String(open(line))])));
                  setAction('grn');
                }}
              >
                Receive goods (manual GRN)
              </button>
              <button type="button" class="danger" onClick={() => setAction('close')}>
                Close purchase order
              </button>
              <Link class="button" to={`/accounts/${seg(accountId)}/orders/${seg(data.sourceOrderId)}/trail`}>
                Trail
              </Link>
            </div>
            <h2>Lines</h2>
            <div class="table-wrap">
              <table id="po-lines">
                <caption class="sr-only">Purchase order lines</caption>
                <thead>
                  <tr>
                    <th scope="col">SKU</th>
                    <th scope="col">Ordered</th>
                    <th scope="col">Received</th>
                    <th scope="col">Closed</th>
                    <th scope="col">Open</th>
                  </tr>
                </thead>
                <tbody>
                  {data.lines.map((line) => (
                    <tr key={line.sku}>
                      <td>{line.sku}</td>
                      <td>{line.quantity}</td>
                      <td>{line.receivedQuantity}</td>
                      <td>{line.closedQuantity}</td>
                      <td>{open(line)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>GRNs</h2>
            {data.grns.length === 0 ? (
              <p class="empty">Nothing received yet.</p>
            ) : (
              <div class="table-wrap">
                <table id="po-grns">
                  <caption class="sr-only">Goods received notes</caption>
                  <thead>
                    <tr>
                      <th scope="col">GRN</th>
                      <th scope="col">Handover</th>
                      <th scope="col">Received at</th>
                      <th scope="col">Bin</th>
                      <th scope="col">Lines</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.grns.map((grn) => (
                      <tr key={grn.grnId}>
                        <td>{grn.grnId}</td>
                        <td>{dash(grn.handoverId)}</td>
                        <td>{date(grn.receivedAt)}</td>
                        <td>
                          {grn.locationId} / {grn.binId === 'default' ? 'Default Bin' : grn.binId}
                        </td>
                        <td>{grn.lines.map((line) => `${line.sku} × ${line.quantity}`).join(', ')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {action === 'grn' ? (
              <ConfirmDialog
                title={`Receive goods on ${purchaseOrderId}`}
                confirmLabel="Receive"
                description={<p>Records a GRN for these units: they are inwarded into the Default Bin of the main location, reserved for order {data.sourceOrderId} as far as it waits for them, and assigned to it.</p>}
                onConfirm={() =>
                  post(`${path}/grns`, {
                    lines: data.lines.map((line) => ({ sku: line.sku, quantity: Number(quantities[line.sku] ?? 0) })).filter((line) => line.quantity !== 0),
                  })
                }
                onClose={(done) => {
                  setAction(undefined);
                  if (done) po.reload();
                }}
              >
                <fieldset class="fields">
                  <legend>Units received</legend>
                  {data.lines.map((line) => (
                    <label key={line.sku} class="field">
                      <span>
                        Receive {line.sku} <span class="muted">(open {open(line)})</span>
                      </span>
                      <input type="number" min={0} step={1} inputMode="numeric" value={quantities[line.sku]} onInput={(event) => setQuantities({ ...quantities, [line.sku]: event.currentTarget.value })} />
                    </label>
                  ))}
                </fieldset>
              </ConfirmDialog>
            ) : null}
            {action === 'close' ? (
              <ConfirmDialog
                danger
                title={`Close purchase order ${purchaseOrderId}`}
                confirmLabel="Close the purchase order"
                description={<p>Closes the vendor order short first, then closes what is still open on this PO (goods the vendor already handed over stay open to be received). Order {data.sourceOrderId} sources the rest again in a new round.</p>}
                onConfirm={() => post(`${path}/close`, reason.trim() ? { reason: reason.trim() } : undefined)}
                onClose={(done) => {
                  setAction(undefined);
                  if (done) po.reload();
                }}
              >
                <label class="field">
                  <span>Reason (optional)</span>
                  <input value={reason} maxLength={500} onInput={(event) => setReason(event.currentTarget.value)} />
                </label>
              </ConfirmDialog>
            ) : null}
          </>
        )}
      </Loading>
    </section>
  );
};
