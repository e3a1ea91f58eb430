/**
 * The operator's accounts (admin token): `GET /admin/accounts?limit=&after=` pages every account by
 * id; `POST /admin/accounts/{a}/api-key` issues a new key, recorded as ApiKeyRotated (its hash
 * only), and the old key stops working at once, in this process and in another one on the same log.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountsService } from '@app/application/services/accounts.service';
import { CommandPath } from '@app/application/command-path/command-path';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { Answer, ApiHarness } from './support/api-harness';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const expectProblem = (answer: { status: number; body: any; headers: Record<string, unknown> }, status: number, field?: string) => {
  expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { status } });
  expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
  if (field) expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
};

describe('admin accounts', () => {
  let api: ApiHarness;
  const keys: Record<string, string> = {};
  /** Opened out of id order: the list answers by id. */
  const IDS = ['m-seller', 'b-vendor', 'z-seller', 'a-seller', 'k-vendor', 'A-upper', '0-digit', 'm_under', 'm-seller-2'];

  beforeAll(async () => {
    api = await ApiHarness.start();
    for (const id of IDS) keys[id] = (await api.openAccount(id, id.includes('vendor') ? 'vendor' : 'seller')).apiKey;
    await api.settle();
  });
  afterAll(() => api.stop());

  describe('GET /admin/accounts', () => {
    it('pages every account by id (plain string order), each with its name, type and opening time', async () => {
      const seen: any[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const answer: Answer = await api.request('GET', `/admin/accounts?limit=4${after === null ? '' : `&after=${after}`}`);
        expect(answer.status).toBe(200);
        expect(answer.body.items.length).toBeLessThanOrEqual(4);
        seen.push(...answer.body.items);
        after = answer.body.next;
        if (after !== null) expect(after).toBe(answer.body.items[answer.body.items.length - 1].accountId);
        pages++;
      } while (after !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen.map((a) => a.accountId)).toEqual([...IDS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      const vendor = seen.find((a) => a.accountId === 'b-vendor');
      expect(Object.keys(vendor).sort()).toEqual(['accountId', 'name', 'openedAt', 'type']);
      expect(vendor).toMatchObject({ name: 'vendor b-vendor', type: 'vendor' });
      const [opened] = (await api.allEvents()).filter((e) => e.streamName === 'account-b-vendor');
      expect(vendor.openedAt).toBe(opened!.metadata['occurredAt']);
    });

    it('answers 100 by default, and the last page with next null', async () => {
      const answer = await api.request('GET', '/admin/accounts');
      expect(answer.status).toBe(200);
      expect(answer.body.items).toHaveLength(IDS.length);
      expect(answer.body.next).toBeNull();
      const last = await api.request('GET', '/admin/accounts?after=z-seller');
      expect(last.body).toEqual({ items: [], next: null });
    });

    it.each<[string, string]>([
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['limit=x', 'query.limit'],
      ['limit=1.5', 'query.limit'],
      ['after=a.b', 'query.after'],
      ['after=' + 'a'.repeat(65), 'query.after'],
      ['status=open', 'query.status'],
    ])('refuses %s naming %s', async (query, field) => {
      expectProblem(await api.request('GET', `/admin/accounts?${query}`), 400, field);
    });

    it('is for the admin token only', async () => {
      expectProblem(await api.request('GET', '/admin/accounts', { token: keys['a-seller']! }), 403);
      expectProblem(await api.request('GET', '/admin/accounts', { token: null }), 401);
    });
  });

  describe('POST /admin/accounts/{a}/api-key', () => {
    it('issues a new key: the old one answers 401 at once, the new one works; only its hash is in the log', async () => {
      const old = keys['k-vendor']!;
      expect((await api.request('GET', '/accounts/k-vendor', { token: old })).status).toBe(200);
      const before = await api.eventCount();

      const rotated = await api.request('POST', '/admin/accounts/k-vendor/api-key');
      expect(rotated.status).toBe(200);
      expect(Object.keys(rotated.body).sort()).toEqual(['accountId', 'apiKey']);
      expect(rotated.body.accountId).toBe('k-vendor');
      const fresh: string = rotated.body.apiKey;
      expect(fresh).toMatch(/^k-vendor\.[A-Za-z0-9_-]{32}$/);
      expect(fresh).not.toBe(old);
      expect(rotated.headers['x-event-position']).toEqual(expect.stringMatching(/^[0-9]+$/));

      expectProblem(await api.request('GET', '/accounts/k-vendor', { token: old }), 401);
      expectProblem(await api.request('PATCH', '/accounts/k-vendor/settings', { token: old, body: { isB2bNew: true } }), 401);
      expect((await api.request('GET', '/accounts/k-vendor', { token: fresh })).status).toBe(200);

      const events = await api.allEvents();
      expect(events).toHaveLength(before + 1);
      const last = events[events.length - 1]!;
      expect(last).toMatchObject({ streamName: 'account-k-vendor', type: 'ApiKeyRotated', data: { apiKeyHash: sha256(fresh) } });
      expect(last.metadata).toMatchObject({ actor: 'admin' });
      const log = JSON.stringify(events.map((e) => ({ data: e.data, metadata: e.metadata })));
      expect(log).not.toContain(fresh.split('.')[1]);

      // A second rotation replaces the second key too.
      const again = await api.request('POST', '/admin/accounts/k-vendor/api-key', { headers: { 'content-type': 'application/json' } });
      expect(again.status).toBe(200);
      expectProblem(await api.request('GET', '/accounts/k-vendor', { token: fresh }), 401);
      expect((await api.request('GET', '/accounts/k-vendor', { token: again.body.apiKey })).status).toBe(200);
      keys['k-vendor'] = again.body.apiKey;

      // The list still tells when it was opened, not when it last changed.
      await api.settle();
      const listed = (await api.request('GET', '/admin/accounts?after=b-vendor&limit=500')).body.items.find((a: { accountId: string }) => a.accountId === 'k-vendor');
      const [openedEvent] = events.filter((e) => e.streamName === 'account-k-vendor');
      expect(listed).toEqual({ accountId: 'k-vendor', name: 'vendor k-vendor', type: 'vendor', openedAt: openedEvent!.metadata['occurredAt'] });
    });

    it('answers 404 naming the account for an account that does not exist, and writes nothing', async () => {
      const before = await api.eventCount();
      expectProblem(await api.request('POST', '/admin/accounts/ghost/api-key'), 404, 'path.accountId');
      expect(await api.eventCount()).toBe(before);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['a bad account id', { url: '/admin/accounts/a.b/api-key' }, 'path.accountId'],
      ['a body with a field', { url: '/admin/accounts/a-seller/api-key', body: { apiKey: 'mine' } }, 'apiKey'],
      ['a JSON array', { url: '/admin/accounts/a-seller/api-key', body: [] }, 'body'],
    ])('refuses %s', async (_label, { url, body }, field) => {
      const before = await api.eventCount();
      expectProblem(await api.request('POST', url as string, body === undefined ? {} : { body }), 400, field);
      expect(await api.eventCount()).toBe(before);
    });

    it('is for the admin token only: not even the account itself', async () => {
      const before = await api.eventCount();
      expectProblem(await api.request('POST', '/admin/accounts/a-seller/api-key', { token: keys['a-seller']! }), 403);
      expectProblem(await api.request('POST', '/admin/accounts/a-seller/api-key', { token: null }), 401);
      expect(await api.eventCount()).toBe(before);
      expect((await api.request('GET', '/accounts/a-seller', { token: keys['a-seller']! })).status).toBe(200);
    });
  });
});

describe('a key rotated by one process, seen by another on the same log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
  const path = join(dir, 'events.sqlite');
  let api: ApiHarness;
  let other: SqliteEventStore;

  beforeAll(async () => {
    api = await ApiHarness.start({ SQLITE_PATH: path });
    other = new SqliteEventStore(openSqliteDatabase({ path }));
  });
  afterAll(async () => {
    await other.close();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops accepting the old key at its next request, its cache of folded accounts notwithstanding', async () => {
    const { apiKey: old } = await api.openAccount('S', 'seller');
    // The other process's authentication, as its api runs it: through its own command path and cache.
    const accounts = new AccountsService(new CommandPath(other));
    expect(await accounts.authenticate(old)).toBe('S');
    expect(await accounts.authenticate(old)).toBe('S');

    const rotated = await api.request('POST', '/admin/accounts/S/api-key');
    expect(rotated.status).toBe(200);
    // The next turn of the event loop: the other process's store notices the write at once.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await accounts.authenticate(old)).toBeUndefined();
    expect(await accounts.authenticate(rotated.body.apiKey)).toBe('S');
  });
});
