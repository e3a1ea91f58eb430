/** Inventory per bin (on hand, assigned, reserved, available) and the allocation queue of a SKU. */
import { useState } from 'preact/hooks';
import { ApiError, get, InventoryRow, query, seg } from '../api';
import { date, Link, Loading, ProblemView, problemOf, useLoad } from '../ui';
import type { Problem } from '../api';

/** One order waiting for the SKU: `GET /accounts/{a}/skus/{sku}/allocation` → `{items: [AllocationItem]}`, first served first. */
interface AllocationItem {
  orderId: string;
  pending: number;
  priority: number;
  requiredBy?: string | null;
  rank: number;
}

const AllocationQueue = ({ accountId }: { accountId: string }) => {
  const [sku, setSku] = useState('');
  const [state, setState] = useState<{ sku: string; items?: AllocationItem[]; missing?: boolean; problem?: Problem; loading?: boolean } | undefined>();
  const load = async (event: Event) => {
    event.preventDefault();
    const wanted = sku.trim();
    if (!wanted) return;
    setState({ sku: wanted, loading: true });
    try {
      const answer = await get<{ items: AllocationItem[] }>(`/accounts/${seg(accountId)}/skus/${seg(wanted)}/allocation`);
      setState({ sku: wanted, items: answer.items });
    } catch (error) {
      // 404 NOT_FOUND is the router's: this api has no allocation queue yet.
      if (error instanceof ApiError && error.problem.status === 404 && (error.problem.code === 'NOT_FOUND' || error.problem.code === undefined)) setState({ sku: wanted, missing: true });
      else setState({ sku: wanted, problem: problemOf(error) });
    }
  };
  return (
    <section aria-labelledby="allocation-title">
      <h2 id="allocation-title">Allocation queue of a SKU</h2>
      <form class="toolbar" onSubmit={load}>
        <label>
          <span>SKU for the allocation queue</span>
          <input value={sku} onInput={(event) => setSku(event.currentTarget.value)} />
        </label>
        <button type="submit">Show queue</button>
      </form>
      {state?.loading ? <p role="status" class="muted">Loading the queue of {state.sku}…</p> : null}
      {state?.missing ? (
        <p class="notice" role="status" id="allocation-missing">
          This API has no allocation queue yet: <code>GET /accounts/{accountId}/skus/{state.sku}/allocation</code> answered 404 (the route is being built).
        </p>
      ) : null}
      {state?.problem ? <ProblemView problem={state.problem} context="Loading the queue" /> : null}
      {state?.items ? (
        state.items.length === 0 ? (
          <p class="empty">No order waits for {state.sku}.</p>
        ) : (
          <div class="table-wrap">
            <table id="allocation-queue">
              <caption class="sr-only">Orders waiting for {state.sku}, first served first</caption>
              <thead>
                <tr>
                  <th scope="col">Rank</th>
                  <th scope="col">Order</th>
                  <th scope="col">Pending</th>
                  <th scope="col">Priority</th>
                  <th scope="col">Required by</th>
                </tr>
              </thead>
              <tbody>
                {state.items.map((item) => (
                  <tr key={item.orderId} data-order={item.orderId}>
                    <td>{item.rank}</td>
                    <td>
                      <Link to={`/accounts/${seg(accountId)}/orders/${seg(item.orderId)}`}>{item.orderId}</Link>
                    </td>
                    <td>{item.pending}</td>
                    <td>{item.priority}</td>
                    <td>{date(item.requiredBy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
    </section>
  );
};

export const InventoryScreen = ({ accountId }: { accountId: string }) => {
  const [sku, setSku] = useState('');
  const [applied, setApplied] = useState('');
  const rows = useLoad(() => get<InventoryRow[]>(`/accounts/${seg(accountId)}/inventory` + query({ sku: applied })), `${accountId}|${applied}`, 5000);
  return (
    <section aria-labelledby="inventory-title">
      <h1 id="inventory-title">Inventory of {accountId}</h1>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(sku.trim());
        }}
      >
        <label>
          <span>SKU</span>
          <input value={sku} onInput={(event) => setSku(event.currentTarget.value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Loading loaded={rows} label="inventory">
        {(data) =>
          data.length === 0 ? (
            <p class="empty">No stock recorded.</p>
          ) : (
            <div class="table-wrap">
              <table id="inventory">
                <caption class="sr-only">Stock per bin and SKU</caption>
                <thead>
                  <tr>
                    <th scope="col">SKU</th>
                    <th scope="col">Location</th>
                    <th scope="col">Bin</th>
                    <th scope="col">On hand</th>
                    <th scope="col">Assigned</th>
                    <th scope="col">Reserved</th>
                    <th scope="col">Available</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((row) => (
                    <tr key={`${row.sku}|${row.locationId}|${row.binId}`}>
                      <td>{row.sku}</td>
                      <td>{row.locationId}</td>
                      <td>{row.binId === 'default' ? 'Default Bin' : row.binId}</td>
                      <td>{row.onHand}</td>
                      <td>{row.assigned}</td>
                      <td>{row.reserved}</td>
                      <td>{row.available}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loading>
      <AllocationQueue accountId={accountId} />
    </section>
  );
};
