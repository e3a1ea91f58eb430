/**
 * The console's only way to the API: every call carries `Authorization: Bearer <token>` from the
 * session (sessionStorage: it ends with the tab), and a refusal becomes an ApiError holding the
 * problem+json answer (title, detail, code) to show as it is.
 */

export interface Session {
  readonly token: string;
  readonly kind: 'admin' | 'account';
  /** The account a key belongs to; for the admin, the account picked last. */
  readonly accountId?: string;
}

const SESSION_KEY = 'backorder-console.session';

export const loadSession = (): Session | undefined => {
  try {
    const text = sessionStorage.getItem(SESSION_KEY);
    if (!text) return undefined;
    const value = JSON.parse(text) as Partial<Session>;
    if (typeof value.token !== 'string' || (value.kind !== 'admin' && value.kind !== 'account')) return undefined;
    return { token: value.token, kind: value.kind, ...(typeof value.accountId === 'string' ? { accountId: value.accountId } : {}) };
  } catch {
    return undefined;
  }
};

export const saveSession = (session: Session | undefined): void => {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
};

/** An RFC 9457 problem as the API answers it, or what stood in for one. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly code?: string;
  readonly errors?: readonly { field?: string; message?: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

let current: Session | undefined = loadSession();
let onUnauthenticated: (() => void) | undefined;

export const setSession = (session: Session | undefined): void => {
  current = session;
  saveSession(session);
};
export const getSession = (): Session | undefined => current;
export const whenUnauthenticated = (handler: () => void): void => {
  onUnauthenticated = handler;
};

/** The account id an account key names: keys read `<accountId>.<secret>`. */
export const accountOfKey = (token: string): string | undefined => /^([A-Za-z0-9_-]{1,64})\.\S+$/.exec(token)?.[1];

const asProblem = (status: number, statusText: string, body: unknown): Problem => {
  if (body && typeof body === 'object' && 'title' in body) {
    const p = body as Record<string, unknown>;
    return {
      status,
      title: String(p['title']),
      ...(typeof p['detail'] === 'string' ? { detail: p['detail'] } : {}),
      ...(typeof p['code'] === 'string' ? { code: p['code'] } : {}),
      ...(Array.isArray(p['errors']) ? { errors: p['errors'] as Problem['errors'] } : {}),
    };
  }
  return { status, title: statusText || `HTTP ${status}`, ...(typeof body === 'string' && body ? { detail: body.slice(0, 500) } : {}) };
};

/**
 * Read your own writes: every command answers `X-Event-Position`; the latest one seen is sent as
 * `X-Consistent-With` on the reads that follow, so the screen a dialog closes onto already shows
 * what the command did (the read models are eventually consistent). Dropped once a read answers
 * 503 `NOT_CAUGHT_UP`, so a stuck projection does not fail every later read.
 */
let writtenUpTo: bigint | undefined;

const noteWrite = (response: Response): void => {
  const header = response.headers.get('x-event-position');
  if (!header || !/^\d{1,20}$/.test(header)) return;
  const position = BigInt(header);
  if (writtenUpTo === undefined || position > writtenUpTo) writtenUpTo = position;
};

export const request = async <T>(method: string, path: string, body?: unknown, token = current?.token): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const read = method === 'GET';
  if (read && writtenUpTo !== undefined && path.startsWith('/accounts/')) headers['x-consistent-with'] = String(writtenUpTo);
  let response: Response;
  try {
    response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  } catch (error) {
    throw new ApiError({ status: 0, title: 'The API did not answer', detail: error instanceof Error ? error.message : String(error) });
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: kept as text.
  }
  if (!response.ok) {
    if (response.status === 401 && token === current?.token) onUnauthenticated?.();
    const problem = asProblem(response.status, response.statusText, parsed);
    if (read && problem.code === 'NOT_CAUGHT_UP') writtenUpTo = undefined;
    throw new ApiError(problem);
  }
  if (!read) noteWrite(response);
  return parsed as T;
};

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body);

/** A path segment, encoded. */
export const seg = (value: string) => encodeURIComponent(value);

/** A query string of the given values, the empty ones left out. */
export const query = (values: Record<string, string | number | undefined>): string => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
};

// The shapes of the answers the console reads (docs/api.md). Fields being added in parallel are optional.

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  assigned: number;
  pending: number;
  handedOver: number;
  closedShort?: number;
  eta?: string | null;
  late?: boolean | null;
}

export interface Order {
  accountId: string;
  orderId: string;
  status: string;
  customer?: string;
  priority?: number;
  requiredBy?: string;
  source?: { purchaseOrderId: string; sellerAccountId: string };
  lines: OrderLine[];
  inventoryDetails: { sku: string; locationId: string; binId: string; quantity: number; source: 'stock' | 'backorder'; grnId?: string }[];
  purchaseOrders: { purchaseOrderId: string; vendorAccountId: string }[];
  pendingReasons: { sku: string; reason: string }[];
}

export interface PurchaseOrder {
  accountId: string;
  purchaseOrderId: string;
  status: string;
  vendorAccountId: string;
  vendorOrderId?: string;
  vendorOrderError?: string;
  sourceOrderId: string;
  expectedAt?: string;
  promisedAt?: string;
  lines: { sku: string; quantity: number; receivedQuantity: number; closedQuantity: number }[];
  grns: { grnId: string; handoverId?: string; receivedAt: string; locationId: string; binId: string; lines: { sku: string; quantity: number }[] }[];
}

export interface BackorderItem {
  orderId: string;
  sku: string;
  quantity: number;
  pending: number;
  reason: string | null;
  purchaseOrderIds: string[];
  eta?: string | null;
  late?: boolean | null;
}

export interface InventoryRow {
  accountId: string;
  sku: string;
  locationId: string;
  binId: string;
  onHand: number;
  assigned: number;
  reserved: number;
  available: number;
}

export interface TrailEvent {
  eventId?: string;
  streamName: string;
  revision: number;
  position: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface Trail {
  correlationId: string;
  events: TrailEvent[];
}

export interface Account {
  accountId: string;
  name: string;
  type: 'seller' | 'vendor';
}
