/**
 * The console's shell: sign-in (an account key or the admin token, kept in sessionStorage for this
 * tab), the navigation, the admin's account picker, and the client routes under /console.
 */
import { useEffect, useState } from 'preact/hooks';
import { Account, accountOfKey, ApiError, getSession, Page, request, seg, Session, setSession, whenUnauthenticated } from './api';
import { navigate, onLinkClick, segments, useLocation } from './router';
import { Link, problemOf, ProblemView, useLoad } from './ui';
import { BackordersScreen, OrderDetailsScreen, OrdersScreen } from './screens/orders';
import { PurchaseOrderDetailsScreen, PurchaseOrdersScreen } from './screens/purchase-orders';
import { TrailScreen } from './screens/trail';
import { InventoryScreen } from './screens/inventory';
import { HealthScreen } from './screens/health';
import type { Problem } from './api';

/** Who the token is: an account key reads `<accountId>.<secret>`; anything else is tried as the admin token. */
const identify = async (token: string): Promise<Session> => {
  const accountId = accountOfKey(token);
  if (accountId) {
    try {
      await request('GET', `/accounts/${seg(accountId)}`, undefined, token);
      return { token, kind: 'account', accountId };
    } catch (error) {
      if (!(error instanceof ApiError) || (error.problem.status !== 401 && error.problem.status !== 403)) throw error;
    }
  }
  await request('GET', '/admin/accounts?limit=1', undefined, token);
  return { token, kind: 'admin' };
};

const SignIn = ({ onSignedIn }: { onSignedIn: (session: Session) => void }) => {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      onSignedIn(await identify(token.trim()));
    } catch (error) {
      setProblem(problemOf(error));
      setBusy(false);
    }
  };
  return (
    <main class="signin" id="main">
      <h1>Operator console</h1>
      <p class="muted">Backorder fulfilment: orders, purchase orders, bins and the trail of each backorder.</p>
      <form onSubmit={submit} class="card">
        <label for="token">Account key or admin token</label>
        <input id="token" name="token" type="password" autoComplete="off" required value={token} onInput={(event) => setToken(event.currentTarget.value)} />
        <p class="hint">An account key reads <code>accountId.secret</code> and shows that account; the admin token may pick any account. It is kept for this tab only (sessionStorage).</p>
        {problem ? <ProblemView problem={problem} context="Not signed in" /> : null}
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
};

const AccountPicker = ({ accountId }: { accountId: string | undefined }) => {
  const accounts = useLoad(() => request<Page<Account>>('GET', '/admin/accounts?limit=500'), 'accounts');
  return (
    <label class="picker">
      <span>Account</span>
      <select
        value={accountId ?? ''}
        onChange={(event) => {
          const value = event.currentTarget.value;
          if (value) navigate(`/accounts/${seg(value)}/orders`);
        }}
      >
        <option value="">{accounts.loading ? 'Loading…' : 'Pick an account'}</option>
        {(accounts.data?.items ?? []).map((account) => (
          <option key={account.accountId} value={account.accountId}>
            {account.accountId} ({account.type}) {account.name}
          </option>
        ))}
      </select>
    </label>
  );
};

const NAV = [
  { key: 'orders', label: 'Orders' },
  { key: 'backorders', label: 'Backorders' },
  { key: 'purchase-orders', label: 'Purchase orders' },
  { key: 'inventory', label: 'Inventory' },
] as const;

export const App = () => {
  const [session, setCurrent] = useState<Session | undefined>(getSession());
  const { path, params } = useLocation();
  useEffect(() => whenUnauthenticated(() => {
    setSession(undefined);
    setCurrent(undefined);
  }), []);

  if (!session) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          setSession(signedIn);
          setCurrent(signedIn);
          if (signedIn.accountId) navigate(`/accounts/${seg(signedIn.accountId)}/orders`, true);
          else navigate('/', true);
        }}
      />
    );
  }

  const parts = segments(path);
  const routeAccount = parts[0] === 'accounts' ? parts[1] : undefined;
  const accountId = routeAccount ?? session.accountId;
  if (session.kind === 'admin' && routeAccount && routeAccount !== session.accountId) {
    const picked = { ...session, accountId: routeAccount };
    setSession(picked);
  }
  // An account key sees only its own account: anything else is sent home.
  if (session.kind === 'account' && (parts[0] !== 'accounts' || routeAccount !== session.accountId) && parts[0] !== 'health') {
    queueMicrotask(() => navigate(`/accounts/${seg(session.accountId!)}/orders`, true));
  }
  if (session.kind === 'admin' && parts.length === 0 && session.accountId) queueMicrotask(() => navigate(`/accounts/${seg(session.accountId!)}/orders`, true));

  const section = parts[0] === 'health' ? 'health' : parts[2];
  const signOut = () => {
    setSession(undefined);
    setCurrent(undefined);
    navigate('/', true);
  };

  let screen;
  if (parts[0] === 'health') screen = <HealthScreen admin={session.kind === 'admin'} />;
  else if (parts[0] === 'accounts' && routeAccount) {
    const a = routeAccount;
    if (parts[2] === 'orders' && parts[3] && parts[4] === 'trail') screen = <TrailScreen accountId={a} orderId={parts[3]} />;
    else if (parts[2] === 'orders' && parts[3]) screen = <OrderDetailsScreen accountId={a} orderId={parts[3]} admin={session.kind === 'admin'} />;
    else if (parts[2] === 'orders') screen = <OrdersScreen accountId={a} params={params} />;
    else if (parts[2] === 'backorders') screen = <BackordersScreen accountId={a} />;
    else if (parts[2] === 'purchase-orders' && parts[3]) screen = <PurchaseOrderDetailsScreen accountId={a} purchaseOrderId={parts[3]} admin={session.kind === 'admin'} />;
    else if (parts[2] === 'purchase-orders') screen = <PurchaseOrdersScreen accountId={a} />;
    else if (parts[2] === 'inventory') screen = <InventoryScreen accountId={a} />;
  }
  if (!screen) {
    screen = (
      <section>
        <h1>Welcome</h1>
        <p>{session.kind === 'admin' ? 'Pick an account above to see its orders, or open Health.' : 'Open a screen above.'}</p>
      </section>
    );
  }

  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Backorder console</span>
        <nav aria-label="Screens" class="nav">
          {accountId
            ? NAV.map((item) => (
                <Link key={item.key} to={`/accounts/${seg(accountId)}/${item.key}`} aria-current={section === item.key ? 'page' : undefined}>
                  {item.label}
                </Link>
              ))
            : null}
          <Link to="/health" aria-current={section === 'health' ? 'page' : undefined}>
            Health
          </Link>
        </nav>
        <div class="who">
          {session.kind === 'admin' ? <AccountPicker accountId={accountId} /> : <span class="muted">Account {session.accountId}</span>}
          <span class="role">{session.kind === 'admin' ? 'Admin' : 'Account key'}</span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="content" tabIndex={-1}>
        {screen}
      </main>
    </div>
  );
};
