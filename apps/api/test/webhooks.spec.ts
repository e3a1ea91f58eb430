/**
 * Webhooks end to end: registrations over HTTP, deliveries to real receivers on loopback (node:http)
 * that check the signature, order per order stream, retries, FAILED, timeouts that hold no one else
 * up, URL checks, a kill -9 mid-delivery, and on PostgreSQL the worker as the only sender.
 */
import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithPostgres } from '@app/event-store/testing/postgres';
import { ApiHarness } from './support/api-harness';
import { ChildApi, readLog, waitForLog } from './support/child-api';
import { PostgresDeployment } from './support/deployment';

type Received = { headers: IncomingMessage['headers']; body: string; json: any; at: number };
/** What the receiver answers the n-th request (1, 2, ...): a status, or 'hang' (never answers). */
type Behaviour = (n: number, received: Received) => number | 'hang';

class Receiver {
  readonly received: Received[] = [];
  hanging = 0;
  private readonly open = new Set<ServerResponse>();
  private constructor(
    private readonly server: Server,
    public behaviour: Behaviour,
  ) {}

  static async start(behaviour: Behaviour = () => 200): Promise<Receiver> {
    const server = createServer();
    const receiver = new Receiver(server, behaviour);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const received = { headers: request.headers, body, json: JSON.parse(body), at: Date.now() };
        receiver.received.push(received);
        const answer = receiver.behaviour(receiver.received.length, received);
        if (answer === 'hang') {
          receiver.hanging += 1;
          receiver.open.add(response);
          response.on('close', () => {
            receiver.hanging -= 1;
            receiver.open.delete(response);
          });
          return;
        }
        response.writeHead(answer).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
  }

  types(): string[] {
    return this.received.map((r) => r.json.type);
  }

  async stop(): Promise<void> {
    for (const response of this.open) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const waitUntil = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const signatureOf = (secret: string, timestamp: string, body: string) => `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

const SKU = 'SKU-1';
const EVERYTHING = ['order.backordered', 'order.ready', 'purchase_order.created', 'purchase_order.received', 'purchase_order.closed'];
const FAST = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RETRY_BASE_MS: '20', WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_TIMEOUT_MS: '2000' };

interface Client {
  request(method: string, url: string, options?: { body?: unknown }): Promise<{ status: number; body: any }>;
  post(url: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** A seller S buying SKU-1 from vendor V automatically, with automatic GRNs. */
const openAccounts = async (api: Client & { openAccount(id: string, type: 'seller' | 'vendor', settings?: Record<string, unknown>): Promise<unknown> }) => {
  await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true });
  await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 });
  expect((await api.request('PUT', `/accounts/S/products/${SKU}/vendor`, { body: { vendorAccountId: 'V' } })).status).toBe(200);
};

/** A seller that takes short orders and buys nothing: a short line waits (AUTO_PO_DISABLED) until stock comes. */
const openSeller = async (api: Client & { openAccount(id: string, type: 'seller' | 'vendor', settings?: Record<string, unknown>): Promise<unknown> }) => {
  await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true });
};

/** Stock for the rest of o1, which then becomes READY. */
const stockArrives = async (api: Client) => {
  expect((await api.post('/accounts/S/inventory/adjustments', { sku: SKU, quantity: 2 })).status).toBe(201);
  // Assigned automatically or by this request (answered 200, or 409 when nothing is left to assign).
  expect([200, 409]).toContain((await api.post('/accounts/S/orders/o1/assign')).status);
};

const register = async (api: Client, accountId: string, url: string, events: string[] = EVERYTHING) => {
  const answer = await api.post(`/accounts/${accountId}/webhooks`, { url, events });
  expect(answer.status).toBe(201);
  return answer.body as { webhookId: string; secret: string; url: string; events: string[] };
};

/** An order short by 2 (1 in stock): bought from V, handed over by V, received: backordered, then ready. */
const backorderFlow = async (api: Client, orderId: string) => {
  const placed = await api.post('/accounts/S/orders', { orderId, lines: [{ sku: SKU, quantity: 3 }] });
  expect(placed.status).toBe(201);
  return placed.body;
};

const deliveriesOf = async (api: Client, accountId: string, webhookId: string) => {
  const answer = await api.request('GET', `/accounts/${accountId}/webhooks/${webhookId}/deliveries?limit=500`);
  expect(answer.status).toBe(200);
  return answer.body.items as { deliveryId: string; type: string; status: string; attempts: number; lastStatusCode?: number }[];
};

describe('webhooks', () => {
  let api: ApiHarness;
  const receivers: Receiver[] = [];
  const receiver = async (behaviour?: Behaviour) => {
    const started = await Receiver.start(behaviour);
    receivers.push(started);
    return started;
  };

  afterEach(async () => {
    await api?.stop();
    await Promise.all(receivers.splice(0).map((r) => r.stop()));
  });

  it('delivers signed events of the backorder flow, in order per order stream, and lists them as DELIVERED', async () => {
    api = await ApiHarness.start(FAST);
    await openAccounts(api);
    const seller = await receiver();
    const vendor = await receiver();
    const hook = await register(api, 'S', seller.url);
    expect(hook).toMatchObject({ url: seller.url, events: EVERYTHING });
    expect(hook.secret).toMatch(/^whsec_/);
    const vendorHook = await register(api, 'V', vendor.url, ['order.ready']);
    await api.adjust('S', SKU, 1);
    await api.adjust('V', SKU, 10);
    await backorderFlow(api, 'o1');
    // The vendor's order (opened by the PO) is ready in V's account: V's webhook is told, not S's.
    await waitUntil('the vendor order ready at V', () => vendor.received.length === 1);
    const vendorOrderId = vendor.received[0]!.json.data.orderId as string;
    expect(vendor.received[0]!.json).toMatchObject({ type: 'order.ready', accountId: 'V' });
    expect((await api.post(`/accounts/V/orders/${vendorOrderId}/handover`, {})).status).toBe(200);
    await waitUntil('the seller told of the whole flow', () => seller.types().includes('order.ready'));
    await api.settle();

    for (const r of seller.received) {
      const timestamp = r.headers['x-webhook-timestamp'] as string;
      expect(r.headers['x-webhook-signature']).toBe(signatureOf(hook.secret, timestamp, r.body));
      expect(r.headers['x-webhook-id']).toBe(r.json.deliveryId);
      expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
      expect(Object.keys(r.json).sort()).toEqual(['accountId', 'data', 'deliveryId', 'occurredAt', 'type']);
      expect(r.json.accountId).toBe('S');
    }
    // With another secret the signature does not match: the receiver's check means something.
    const first = seller.received[0]!;
    expect(first.headers['x-webhook-signature']).not.toBe(signatureOf(vendorHook.secret, first.headers['x-webhook-timestamp'] as string, first.body));

    const orderEvents = seller.received.filter((r) => r.json.type.startsWith('order.')).map((r) => r.json);
    expect(orderEvents.map((e) => e.type)).toEqual(['order.backordered', 'order.ready']);
    expect(orderEvents[0].data).toMatchObject({ orderId: 'o1', status: 'PENDING_INVENTORY', backordered: [{ sku: SKU, reason: 'AWAITING_VENDOR' }] });
    expect(orderEvents[1].data).toMatchObject({ orderId: 'o1', status: 'READY' });
    const poEvents = seller.received.filter((r) => r.json.type.startsWith('purchase_order.')).map((r) => r.json.type);
    expect(poEvents).toEqual(['purchase_order.created', 'purchase_order.received']);

    const listed = await deliveriesOf(api, 'S', hook.webhookId);
    expect(listed).toHaveLength(4);
    expect(listed.every((d) => d.status === 'DELIVERED' && d.attempts === 1 && d.lastStatusCode === 200)).toBe(true);
    expect(new Set(listed.map((d) => d.deliveryId))).toEqual(new Set(seller.received.map((r) => r.json.deliveryId)));
    // Pages.
    const page = await api.request('GET', `/accounts/S/webhooks/${hook.webhookId}/deliveries?limit=3`);
    expect(page.body.items).toHaveLength(3);
    const rest = await api.request('GET', `/accounts/S/webhooks/${hook.webhookId}/deliveries?limit=3&after=${page.body.next}`);
    expect(rest.body).toEqual({ items: [listed[3]], next: null });

    const listedHooks = await api.request('GET', '/accounts/S/webhooks');
    expect(listedHooks.body.items).toEqual([{ webhookId: hook.webhookId, url: seller.url, events: EVERYTHING, registeredAt: expect.any(String) }]);

    const metrics = await api.request('GET', '/metrics', { token: null });
    expect(metrics.body).toMatch(/webhook_deliveries_total\{status="delivered"\} 5/);
  });

  it('tells of an eta change: order.eta_changed when the PO is bought, and again when the vendor promises a date', async () => {
    api = await ApiHarness.start(FAST);
    await openAccounts(api);
    const seller = await receiver();
    const hook = await register(api, 'S', seller.url, ['order.eta_changed']);
    await api.adjust('S', SKU, 1);
    // V has nothing: its order waits, the seller's PO stays open.
    await backorderFlow(api, 'o1');
    await waitUntil('the eta of the PO', () => seller.received.length === 1);
    const bought = seller.received[0]!.json;
    expect(bought).toMatchObject({ type: 'order.eta_changed', accountId: 'S', data: { orderId: 'o1', change: { sku: SKU, previous: null, eta: expect.any(String) } } });
    await api.settle();
    const vendorOrders = await api.request('GET', '/accounts/V/orders');
    const vendorOrderId = vendorOrders.body.items[0].orderId as string;
    expect((await api.post(`/accounts/V/orders/${vendorOrderId}/promise`, { promisedAt: '2031-01-02' })).status).toBe(200);
    await waitUntil('the promised eta', () => seller.received.length === 2);
    const promised = seller.received[1]!.json;
    expect(promised.data.change).toEqual({ sku: SKU, eta: '2031-01-02T00:00:00.000Z', previous: bought.data.change.eta, late: false });
    const timestamp = seller.received[1]!.headers['x-webhook-timestamp'] as string;
    expect(seller.received[1]!.headers['x-webhook-signature']).toBe(signatureOf(hook.secret, timestamp, seller.received[1]!.body));
    expect((await deliveriesOf(api, 'S', hook.webhookId)).map((d) => [d.type, d.status])).toEqual([
      ['order.eta_changed', 'DELIVERED'],
      ['order.eta_changed', 'DELIVERED'],
    ]);
  });

  it('retries after a 500 with backoff, and holds the next event of the same order back until the first is delivered', async () => {
    api = await ApiHarness.start(FAST);
    await openSeller(api);
    // The first 2 attempts fail.
    const seller = await receiver((n) => (n <= 2 ? 500 : 200));
    const hook = await register(api, 'S', seller.url, ['order.backordered', 'order.ready']);
    await api.adjust('S', SKU, 1);
    await backorderFlow(api, 'o1');
    await waitUntil('backordered delivered', () => seller.received.length >= 3);
    // The order becomes ready (stock arrives): told only after the backordered one got through.
    await stockArrives(api);
    await waitUntil('ready delivered', () => seller.types().includes('order.ready'));
    expect(seller.types()).toEqual(['order.backordered', 'order.backordered', 'order.backordered', 'order.ready']);
    const ids = seller.received.map((r) => r.json.deliveryId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[1]).toBe(ids[2]);
    // Backoff: the waits grow.
    const [a, b, c] = seller.received.map((r) => r.at);
    expect(c! - b!).toBeGreaterThan(0);
    await api.settle();
    const listed = await deliveriesOf(api, 'S', hook.webhookId);
    expect(listed.map(({ type, status, attempts, lastStatusCode }) => ({ type, status, attempts, lastStatusCode }))).toEqual([
      { type: 'order.backordered', status: 'DELIVERED', attempts: 3, lastStatusCode: 200 },
      { type: 'order.ready', status: 'DELIVERED', attempts: 1, lastStatusCode: 200 },
    ]);
    expect(b! - a!).toBeGreaterThanOrEqual(5);
  });

  it('fails a delivery after its attempts run out, shows it FAILED, and goes on with the next one of the stream', async () => {
    api = await ApiHarness.start(FAST);
    await openSeller(api);
    const seller = await receiver((_, r) => (r.json.type === 'order.backordered' ? 503 : 200));
    const hook = await register(api, 'S', seller.url, ['order.backordered', 'order.ready']);
    await api.adjust('S', SKU, 1);
    await backorderFlow(api, 'o1');
    await stockArrives(api);
    await waitUntil('ready delivered after the failure', () => seller.types().includes('order.ready'));
    expect(seller.types()).toEqual([...Array(5).fill('order.backordered'), 'order.ready']);
    await api.settle();
    const listed = await deliveriesOf(api, 'S', hook.webhookId);
    expect(listed[0]).toMatchObject({ type: 'order.backordered', status: 'FAILED', attempts: 5, lastStatusCode: 503 });
    expect(listed[1]).toMatchObject({ type: 'order.ready', status: 'DELIVERED', attempts: 1 });
    const metrics = await api.request('GET', '/metrics', { token: null });
    expect(metrics.body).toMatch(/webhook_deliveries_total\{status="failed"\} 1/);
    expect(metrics.body).toMatch(/webhook_deliveries_total\{status="retrying"\} 4/);
  });

  it('a hanging receiver delays neither another receiver nor a command, and its attempt times out', async () => {
    api = await ApiHarness.start({ ...FAST, WEBHOOK_TIMEOUT_MS: '3000' });
    await openAccounts(api);
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver();
    const slowHook = await register(api, 'S', hanging.url, ['order.backordered']);
    await register(api, 'S', healthy.url, ['order.backordered']);
    await api.adjust('S', SKU, 1);
    await backorderFlow(api, 'o1');
    await waitUntil('the healthy receiver told', () => healthy.received.length === 1);
    await waitUntil('the hanging receiver called', () => hanging.hanging === 1);
    // Commands are answered while the receiver hangs.
    const started = Date.now();
    expect((await api.post('/accounts/S/orders', { orderId: 'o2', lines: [{ sku: SKU, quantity: 1 }] })).status).toBe(201);
    expect(Date.now() - started).toBeLessThan(2500);
    await waitUntil('the healthy receiver told of o2', () => healthy.received.length === 2);
    expect(hanging.hanging).toBeGreaterThanOrEqual(1);
    // The hung attempt times out and is recorded as a failed attempt.
    await waitUntil('a timed-out attempt recorded', async () => (await deliveriesOf(api, 'S', slowHook.webhookId)).some((d) => d.attempts >= 1));
    const answer = await api.request('GET', `/accounts/S/webhooks/${slowHook.webhookId}/deliveries`);
    expect(answer.body.items[0]).toMatchObject({ status: 'PENDING', lastError: 'no answer within 3000 ms' });
    // The rest of the attempts would take long: remove the webhook; its pending deliveries are abandoned.
    expect((await api.request('DELETE', `/accounts/S/webhooks/${slowHook.webhookId}`)).status).toBe(204);
    await waitUntil('abandoned', async () => (await deliveriesOf(api, 'S', slowHook.webhookId)).every((d) => d.status === 'FAILED'), 20_000);
  }, 40_000);

  it('refuses URLs that are not http(s), or that point at a private network without the flag, naming url; writes nothing', async () => {
    api = await ApiHarness.start();
    await api.openAccount('S', 'seller');
    const before = await api.eventCount();
    for (const url of ['ftp://example.com/hooks', 'http://127.0.0.1:8080/hooks', 'http://10.1.2.3/hooks', 'http://169.254.169.254/latest', 'http://[::1]/hooks', 'http://localhost/hooks', 'not a url']) {
      const answer = await api.post('/accounts/S/webhooks', { url, events: ['order.ready'] });
      expect([url, answer.status]).toEqual([url, 400]);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual(['url']);
    }
    for (const [body, field] of [
      [{ url: 'https://example.com/hooks', events: ['order.shipped'] }, 'events[0]'],
      [{ url: 'https://example.com/hooks', events: [] }, 'events'],
      [{ url: 'https://example.com/hooks', events: ['order.ready'], extra: 1 }, 'extra'],
    ] as const) {
      const answer = await api.post('/accounts/S/webhooks', body);
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
    }
    expect(await api.eventCount()).toBe(before);
    expect((await api.post('/accounts/nobody/webhooks', { url: 'https://example.com/', events: ['order.ready'] })).status).toBe(404);
    expect((await api.request('DELETE', '/accounts/S/webhooks/w-unknown')).status).toBe(404);
    expect((await api.request('GET', '/accounts/S/webhooks/w-unknown/deliveries')).status).toBe(404);
  });

  it('accepts a private address with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true; a removed webhook gets nothing more', async () => {
    api = await ApiHarness.start(FAST);
    await openAccounts(api);
    const seller = await receiver();
    const hook = await register(api, 'S', seller.url, ['order.backordered']);
    // Its own key may manage the account's webhooks; another account's may not.
    const other = await api.openAccount('X', 'seller');
    expect((await api.request('GET', '/accounts/S/webhooks', { token: other.apiKey })).status).toBe(403);
    expect((await api.request('DELETE', `/accounts/S/webhooks/${hook.webhookId}`)).status).toBe(204);
    expect((await api.request('GET', '/accounts/S/webhooks')).body.items).toEqual([]);
    await api.adjust('S', SKU, 1);
    await backorderFlow(api, 'o1');
    await api.settle();
    expect(seller.received).toEqual([]);
    expect(await deliveriesOf(api, 'S', hook.webhookId)).toEqual([]);
  });
});

describe('webhooks across a kill -9', () => {
  let dir: string;
  let child: ChildApi | undefined;
  let seller: Receiver | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'webhooks-'))));
  afterEach(async () => {
    await child?.kill();
    await seller?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no delivery: what was pending or in flight is sent after the restart, each with its stable id', async () => {
    const path = join(dir, 'events.sqlite');
    // The receiver hangs until the service is killed, then answers.
    let killed = false;
    seller = await Receiver.start(() => (killed ? 200 : 'hang'));
    const env = { ...FAST, WEBHOOK_TIMEOUT_MS: '60000' };
    child = await ChildApi.start(path, env);
    const client: Client & { openAccount(id: string, type: 'seller' | 'vendor', settings?: Record<string, unknown>): Promise<unknown> } = {
      request: async (method, url, options) => {
        const answer = await child!.request(method, url, options?.body);
        if ('failed' in answer) throw new Error(answer.failed);
        return answer;
      },
      post: (url, body) => client.request('POST', url, { body }),
      openAccount: (accountId, type, settings = {}) => client.post('/accounts', { accountId, name: accountId, type, settings }),
    };
    await openSeller(client);
    const hook = await register(client, 'S', seller.url, ['order.backordered', 'order.ready']);
    expect((await client.post('/accounts/S/inventory/adjustments', { sku: SKU, quantity: 1 })).status).toBe(201);
    await backorderFlow(client, 'o1');
    await stockArrives(client);
    // The first delivery is in flight (the receiver holds it), the second waits behind it.
    await waitUntil('the first attempt in flight', () => seller!.hanging === 1);
    await waitForLog(path, (events) => events.filter((e) => e.type === 'DeliveryScheduled').length === 2);
    await child.kill();
    killed = true;
    const scheduled = (await readLog(path)).filter((e) => e.type === 'DeliveryScheduled');
    expect(scheduled).toHaveLength(2);
    expect((await readLog(path)).some((e) => e.type === 'DeliveryDelivered')).toBe(false);

    child = await ChildApi.start(path, env);
    await waitUntil('both delivered after the restart', () => seller!.types().filter((t) => t === 'order.ready').length === 1);
    const afterRestart = seller.received.slice(1).map((r) => r.json);
    expect(afterRestart.map((e) => e.type)).toEqual(['order.backordered', 'order.ready']);
    // The one in flight at the kill is sent again with the same id.
    expect(afterRestart[0].deliveryId).toBe(seller.received[0]!.json.deliveryId);
    await waitUntil('recorded', async () => (await client.request('GET', `/accounts/S/webhooks/${hook.webhookId}/deliveries`)).body.items.every((d: { status: string }) => d.status === 'DELIVERED'));
    const log = await readLog(path);
    expect(log.filter((e) => e.type === 'DeliveryScheduled')).toHaveLength(2);
    expect(log.filter((e) => e.type === 'DeliveryDelivered')).toHaveLength(2);
  }, 60_000);
});

describeWithPostgres('webhooks on the PostgreSQL deployment', () => {
  let deployment: PostgresDeployment | undefined;
  let seller: Receiver | undefined;
  afterEach(async () => {
    await deployment?.stop();
    await seller?.stop();
  });

  it('are delivered by the worker, and not by an api process', async () => {
    deployment = await PostgresDeployment.start({ apis: 1, workers: 1, env: FAST });
    seller = await Receiver.start();
    await openSeller(deployment);
    const hook = await register(deployment, 'S', seller.url, ['order.backordered', 'order.ready']);
    await deployment.adjust('S', SKU, 1);
    await backorderFlow(deployment, 'o1');
    await waitUntil('delivered by the worker', () => seller!.received.length === 1);

    await deployment.stopProcessors();
    // Stock added goes to o1 by the allocation, in the worker: not awaited while the worker is down.
    const adjusted = deployment.post('/accounts/S/inventory/adjustments', { sku: SKU, quantity: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(seller.types()).toEqual(['order.backordered']);

    await deployment.startProcessors();
    await adjusted;
    await waitUntil('delivered once the worker is back', () => seller!.types().includes('order.ready'), 30_000);
    expect(seller.types()).toEqual(['order.backordered', 'order.ready']);
    // The receiver has it before the worker records the attempt: wait for the record.
    await waitUntil('both recorded DELIVERED', async () => (await deliveriesOf(deployment!, 'S', hook.webhookId)).every((d) => d.status === 'DELIVERED'));
    const listed = await deliveriesOf(deployment, 'S', hook.webhookId);
    expect(listed.map((d) => d.status)).toEqual(['DELIVERED', 'DELIVERED']);
    const sent = (await deployment.allEvents()).filter((e) => e.type === 'DeliveryDelivered');
    expect(sent.every((e) => e.metadata['actor'] === 'processor:webhook-dispatcher')).toBe(true);

    // The worker's /metrics counts the attempts it made (this worker, started again above: the
    // second delivery); the api, which sends nothing, counts none.
    const delivered = (text: string) => Number(/^webhook_deliveries_total\{status="delivered"\} (\d+)$/m.exec(text)?.[1]);
    const [worker] = deployment.runningWorkers();
    const workerMetrics = /"metrics":"([^"]+)"/.exec(worker!.logs())?.[1];
    expect(workerMetrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(delivered(await (await fetch(workerMetrics!)).text())).toBe(1);
    const [api] = await deployment.baseUrls();
    expect(delivered(await (await fetch(`${api}/metrics`)).text())).toBe(0);
  }, 90_000);
});
