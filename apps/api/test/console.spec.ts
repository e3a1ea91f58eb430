/**
 * The operator console (apps/console), served by the api at /console: built with Vite into a
 * scratch folder, served by an in-process api on a loopback port, driven in headless Chromium
 * through playwright-core along the seed's whole flow: the seller's short order, its PO, the
 * vendor's order handed over in two parts (one refused first), the seller's order READY with its
 * GRNs in the Default Bin, the trail as a picture (live), inventory, health. Then every action of
 * the order details and the PO screen through its confirmation dialog (issue 17), on accounts of
 * their own (S2, V2 approving its orders): approve, close short after a partial handover, a refused
 * cancel shown exactly as the API's problem+json, the seller's PO closed by that and another closed
 * from its screen, assign, a line change, cancel; the allocation queue against the API (or its 404).
 * Every control has an accessible name; screenshots at 1280×800 and 390×844 go to
 * test-artifacts/console/.
 *
 * Without a Chromium (CHROMIUM_PATH, else /usr/bin/chromium) the browser suite prints one SKIPPED
 * line and is skipped; the serving checks run everywhere.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { ADMIN_TOKEN, ApiHarness } from './support/api-harness';

const ROOT = resolve(__dirname, '../../..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const WAIT = 20_000;

const chromiumMissing = (): string | undefined => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return undefined;
  } catch (error) {
    return `no Chromium executable at ${CHROMIUM} (${error instanceof Error ? error.message : String(error)}); set CHROMIUM_PATH, or install Debian's chromium (.ci/run does, as root)`;
  }
};

/** A `describe` that runs where Chromium is; elsewhere one line on stdout says why it is skipped. */
const describeWithChromium = (title: string, fn: () => void): void => {
  const missing = chromiumMissing();
  if (missing) process.stdout.write(`SKIPPED ${title}: ${missing}\n`);
  (missing ? describe.skip : describe)(title, fn);
};

/** Builds the console with Vite into a scratch folder (the api is pointed at it with CONSOLE_DIR). */
const buildConsole = async (outDir: string): Promise<void> => {
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'apps/console/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production' },
  });
};

describe('the operator console at /console (serving)', () => {
  let outDir: string;
  let api: ApiHarness;
  let unbuilt: ApiHarness;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'console-build-'));
    await buildConsole(outDir);
    api = await ApiHarness.start({ CONSOLE_DIR: outDir });
    unbuilt = await ApiHarness.start({ CONSOLE_DIR: join(outDir, 'not-there') });
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
    await unbuilt?.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('serves the app without a token, index.html for client routes (revalidated), hashed assets for a year', async () => {
    const page = await api.request('GET', '/console', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page.body as string)?.[1];
    expect(script).toBeDefined();

    const route = await api.request('GET', '/console/accounts/S/orders/o-1', { token: null });
    expect([route.status, route.body]).toEqual([200, page.body]);

    const asset = await api.request('GET', script!, { token: null });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const missing = await api.request('GET', '/console/assets/nothing-here.js', { token: null });
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
    const outside = await api.request('GET', '/console/..%2f..%2fpackage.json', { token: null });
    expect(outside.status).toBe(404);
  });

  it('answers 503 in plain text saying to run npm run build when the console is not built', async () => {
    for (const path of ['/console', '/console/health']) {
      const answer = await unbuilt.request('GET', path, { token: null });
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
      expect(answer.body).toContain('npm run build');
    }
  });
});

describeWithChromium('the operator console in Chromium (playwright-core)', () => {
  // Each step waits for what it needs (up to WAIT each); a slow shared machine gets room.
  jest.setTimeout(60_000);
  let outDir: string;
  let api: ApiHarness;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let sellerKey: string;
  let vendorKey: string;
  let vendorOrderId: string;
  let purchaseOrderId: string;
  const pageErrors: string[] = [];
  const shots: string[] = [];

  const apiGet = async (url: string) => {
    const head = await api.settle();
    const answer = await api.request('GET', url, { headers: head === undefined ? {} : { 'x-consistent-with': String(head) } });
    if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  const open = async (path: string) => {
    await page.goto(`${base}/console${path}`);
  };

  const signIn = async (token: string) => {
    await open('/');
    const signOut = page.getByRole('button', { name: 'Sign out' });
    if (await signOut.isVisible()) await signOut.click();
    await page.getByLabel('Account key or admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signOut.waitFor();
  };

  const shoot = async (name: string, viewport?: { width: number; height: number }) => {
    if (viewport) {
      await page.setViewportSize(viewport);
      // Readable on a phone: nothing but the tables' and the trail's own scrolling areas is wider than the screen.
      expect({ name, width: await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth) }).toEqual({ name, width: viewport.width });
    }
    const path = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    shots.push(path);
    if (viewport) await page.setViewportSize({ width: 1280, height: 800 });
  };

  /**
   * Every control the page shows has an accessible name, as Chromium's accessibility tree (through
   * Playwright's ARIA snapshot) computes it: an unnamed one shows as `- button` with no name.
   */
  const unnamedControls = async (): Promise<string[]> => {
    const snapshot = await page.locator('body').ariaSnapshot();
    return snapshot
      .split('\n')
      .filter((line) => /^\s*- (button|link|textbox|searchbox|combobox|spinbutton|tab|checkbox|radio)(\s*\[[^\]]*\])*\s*(:.*)?$/.test(line) && !/"/.test(line));
  };

  const expectNamedControls = async (where: string) => {
    expect({ where, unnamed: await unnamedControls() }).toEqual({ where, unnamed: [] });
  };

  /** Waits until the trail picture has this many nodes (it polls the API every 2 s). */
  const nodeCount = async (count: number) => {
    const nodes = page.locator('svg.trail g.trail-node');
    await nodes.first().waitFor();
    const deadline = Date.now() + WAIT;
    while ((await nodes.count()) !== count) {
      if (Date.now() > deadline) throw new Error(`the trail shows ${await nodes.count()} nodes, not ${count}`);
      await page.waitForTimeout(100);
    }
  };

  const orderRow = (orderId: string) => page.locator(`tr[data-order="${orderId}"]`);

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    outDir = mkdtempSync(join(tmpdir(), 'console-build-'));
    const { chromium } = await import('playwright-core');
    const [, launched] = await Promise.all([buildConsole(outDir), chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })]);
    browser = launched;
    api = await ApiHarness.start({ CONSOLE_DIR: outDir });
    base = await api.listen();

    // The seed: seller S buys what it lacks of SKU-1 from vendor V, received by auto-GRN.
    sellerKey = (await api.openAccount('S', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true })).apiKey;
    vendorKey = (await api.openAccount('V', 'vendor', { isB2bNew: true, vendorPanelType: 2 })).apiKey;
    const mapped = await api.request('PUT', '/accounts/S/products/SKU-1/vendor', { body: { vendorAccountId: 'V' } });
    expect(mapped.status).toBe(200);
    await api.adjust('S', 'SKU-1', 1);
    await api.adjust('V', 'SKU-1', 10);
    const placed = await api.post('/accounts/S/orders', { orderId: 'o-1', customer: 'Acme Retail', lines: [{ sku: 'SKU-1', quantity: 4 }] }, sellerKey);
    expect(placed.status).toBe(201);
    const order = await apiGet('/accounts/S/orders/o-1');
    purchaseOrderId = order.purchaseOrders[0].purchaseOrderId;
    vendorOrderId = (await apiGet(`/accounts/S/purchase-orders/${purchaseOrderId}`)).vendorOrderId;

    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      // A refused request is logged by Chromium as a failed resource load: that one is expected.
      if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) pageErrors.push(message.text());
    });
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await api?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
    if (shots.length > 0) process.stdout.write(`Console screenshots (${shots.length}) in ${ARTIFACTS}:\n${shots.map((shot) => `  ${shot}`).join('\n')}\n`);
  });

  it('signs the seller in and shows its short order PENDING_INVENTORY with its PO', async () => {
    await open('/');
    await page.getByLabel('Account key or admin token').waitFor();
    await expectNamedControls('sign-in');
    // The check itself finds an unnamed control.
    type Dom = { document: { body: { insertAdjacentHTML(where: string, html: string): void }; getElementById(id: string): { remove(): void } | null } };
    await page.evaluate(() => (globalThis as unknown as Dom).document.body.insertAdjacentHTML('beforeend', '<button id="unnamed" type="button"></button>'));
    expect(await unnamedControls()).toHaveLength(1);
    await page.evaluate(() => (globalThis as unknown as Dom).document.getElementById('unnamed')?.remove());
    await shoot('01-sign-in');

    await signIn(sellerKey);
    await page.getByRole('heading', { name: 'Orders of S' }).waitFor();
    await page.getByRole('tab', { name: 'Pending inventory' }).click();
    expect(await page.getByRole('tab', { name: 'Pending inventory' }).getAttribute('aria-selected')).toBe('true');
    await orderRow('o-1').getByText('PENDING INVENTORY').waitFor();
    // Search filters by SKU and customer; nothing matches a stranger.
    await page.getByLabel('Search').fill('acme');
    await orderRow('o-1').waitFor();
    await page.getByLabel('Search').fill('no-such-thing');
    await page.getByText('No orders here.').waitFor();
    await page.getByLabel('Search').fill('SKU-1');
    await orderRow('o-1').waitFor();
    // Arrow keys move between the tabs.
    await page.getByRole('tab', { name: 'Pending inventory' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Ready' }).getAttribute('aria-selected')).toBe('true');
    await page.getByText('No orders here.').waitFor();
    await page.keyboard.press('ArrowLeft');
    await orderRow('o-1').waitFor();
    await expectNamedControls('orders');
    await shoot('02-orders-1280x800');
    await shoot('02-orders-390x844', { width: 390, height: 844 });

    await orderRow('o-1').getByRole('link', { name: 'o-1' }).click();
    await page.getByRole('heading', { name: /Order o-1/ }).waitFor();
    await page.locator('h1').getByText('PENDING INVENTORY').waitFor();
    const line = page.locator('#order-lines tr[data-sku="SKU-1"] td');
    // The line's eta is its PO's expected date, as the API has it; no requiredBy, so on time.
    const { eta } = (await api.request('GET', '/accounts/S/orders/o-1')).body.lines[0];
    expect(eta).toEqual(expect.any(String));
    const shownEta = `${new Date(eta).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
    expect(await line.allInnerTexts()).toEqual(expect.arrayContaining(['SKU-1', '4', '1', '3', '0', 'AWAITING_VENDOR', shownEta, 'On time']));
    await page.getByRole('link', { name: purchaseOrderId }).waitFor();

    // The backorders report shows the line, its reason and PO, its ETA and lateness.
    await page.getByRole('link', { name: 'Backorders' }).click();
    const report = page.locator('table tbody tr').filter({ hasText: 'o-1' });
    await report.waitFor();
    expect(await report.locator('td').allInnerTexts()).toEqual(['o-1', 'SKU-1', '4', '3', 'AWAITING_VENDOR', purchaseOrderId, expect.any(String), expect.any(String)]);
    await expectNamedControls('backorders');
  });

  it('signs the vendor in: its order, a refused handover with the problem text, then two partial handovers', async () => {
    await signIn(vendorKey);
    await page.getByRole('heading', { name: 'Orders of V' }).waitFor();
    await orderRow(vendorOrderId).getByText(`PO ${purchaseOrderId} of S`).waitFor();
    await orderRow(vendorOrderId).getByRole('link').click();
    await page.locator('h1').getByText('READY').waitFor();

    // Escape closes a dialog, and nothing was done.
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await page.getByRole('dialog', { name: /Cancel order/ }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // A vendor order follows its PO: changing its line is refused, in the API's words.
    await page.getByRole('button', { name: 'Change quantity of SKU-1' }).click();
    const change = page.getByRole('dialog', { name: /Change SKU-1/ });
    await change.getByLabel('New quantity of SKU-1').fill('2');
    await change.getByRole('button', { name: 'Change quantity' }).click();
    await change.getByRole('alert').getByText('ORDER_FOLLOWS_PURCHASE_ORDER').waitFor();
    await page.keyboard.press('Escape');
    await change.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Hand over' }).click();
    const dialog = page.getByRole('dialog', { name: `Hand over order ${vendorOrderId}` });
    await dialog.waitFor();
    await dialog.getByText('Only units assigned and not yet handed over can go').waitFor();
    await expectNamedControls('handover dialog');
    await dialog.getByLabel(/Hand over SKU-1/).fill('5');
    await dialog.getByRole('button', { name: 'Hand over' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal.getByText('HANDOVER_EXCEEDS_ASSIGNED').waitFor();
    expect(await refusal.innerText()).toMatch(/Conflict[\s\S]*409[\s\S]*SKU-1/);
    await shoot('03-refused-handover-1280x800');
    await shoot('03-refused-handover-390x844', { width: 390, height: 844 });

    await dialog.getByLabel(/Hand over SKU-1/).fill('1');
    await dialog.getByRole('button', { name: 'Hand over' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('h1').getByText('PARTIALLY HANDED OVER').waitFor();

    await page.getByRole('button', { name: 'Hand over' }).click();
    await page.getByRole('dialog').getByLabel(/Hand over SKU-1/).waitFor();
    expect(await page.getByRole('dialog').getByLabel(/Hand over SKU-1/).inputValue()).toBe('2');
    // Keyboard only: the confirm button is reached with Tab and pressed with Enter.
    await page.getByRole('dialog').getByRole('button', { name: 'Hand over' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.locator('h1').getByText(/^HANDED OVER$/).waitFor();
  });

  it('shows the seller\'s order READY, the Default Bin and GRNs in inventory details, the GRNs on the PO', async () => {
    await signIn(sellerKey);
    await open('/accounts/S/orders/o-1');
    await page.locator('h1').getByText('READY').waitFor();
    const details = page.locator('#inventory-details tbody tr');
    await details.filter({ hasText: 'backorder' }).first().waitFor();
    const rows = await details.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const po = await apiGet(`/accounts/S/purchase-orders/${purchaseOrderId}`);
    const grnIds = po.grns.map((grn: { grnId: string }) => grn.grnId);
    expect(grnIds).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['SKU-1', 'main', 'Default Bin', '1', 'stock', '—'],
        ['SKU-1', 'main', 'Default Bin', '1', 'backorder', grnIds[0]],
        ['SKU-1', 'main', 'Default Bin', '2', 'backorder', grnIds[1]],
      ]),
    );
    await expectNamedControls('order details');
    await shoot('04-order-ready-1280x800');
    await shoot('04-order-ready-390x844', { width: 390, height: 844 });

    await page.getByRole('link', { name: purchaseOrderId }).click();
    await page.getByRole('heading', { name: `Purchase order ${purchaseOrderId} RECEIVED` }).waitFor();
    for (const grnId of grnIds) await page.locator('#po-grns').getByText(grnId).waitFor();
    expect(await page.locator('#po-lines tbody td').allInnerTexts()).toEqual(['SKU-1', '3', '3', '0', '0']);
    await page.locator('#vendor-order').getByText('OrderHandedOver').waitFor();
    await expectNamedControls('purchase order');
    await shoot('05-purchase-order-1280x800');

    // A refusal of the seller's own: a manual GRN on a PO received in full.
    await page.getByRole('button', { name: 'Receive goods (manual GRN)' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(/Receive SKU-1/).fill('1');
    await dialog.getByRole('button', { name: 'Receive' }).click();
    await dialog.getByRole('alert').getByText('GRN_EXCEEDS_OPEN_QUANTITY').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('draws the trail: one lane per account, one node per event of the API\'s trail, the chain highlighted, JSON on click and Enter, live', async () => {
    const trail = await apiGet('/accounts/S/orders/o-1/trail');
    await open('/accounts/S/orders/o-1/trail');
    const nodes = page.locator('svg.trail g.trail-node');
    await nodeCount(trail.events.length);
    expect(await page.locator('svg.trail g.trail-lane').evaluateAll((lanes) => lanes.map((lane) => lane.getAttribute('data-account')))).toEqual(['S', 'V']);
    expect(await nodes.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-position')))).toEqual(trail.events.map((event: { position: string }) => event.position));
    const chain = await page.locator('svg.trail g.trail-node.chain').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-type')));
    expect(chain).toEqual(expect.arrayContaining(['PurchaseOrderCreated', 'OrderPlaced', 'OrderHandedOver', 'GoodsReceived', 'InventoryAssigned']));
    expect(await page.locator('svg.trail path.trail-arrow').count()).toBeGreaterThan(trail.events.length / 2);
    expect(await page.locator('svg.trail path.trail-arrow.chain').count()).toBeGreaterThan(3);

    await nodes.filter({ has: page.locator('title', { hasText: 'GoodsReceived' }) }).first().locator('circle').click();
    await page.locator('#event-json').getByText('"type": "GoodsReceived"').waitFor();
    await nodes.first().focus();
    await page.keyboard.press('Enter');
    await page.locator('#event-json').getByText('"type": "OrderPlaced"').waitFor();
    await expectNamedControls('trail');
    await shoot('06-trail-1280x800');
    await shoot('06-trail-390x844', { width: 390, height: 844 });

    // Live: the seller hands the order over; the picture grows to the new trail without a reload.
    const handedOver = await api.post('/accounts/S/orders/o-1/handover', undefined, sellerKey);
    expect(handedOver.status).toBe(200);
    const grown = await apiGet('/accounts/S/orders/o-1/trail');
    expect(grown.events.length).toBeGreaterThan(trail.events.length);
    await nodeCount(grown.events.length);
  });

  it('shows inventory per bin and the allocation queue of a SKU (or says the route is not there yet)', async () => {
    await open('/accounts/S/inventory');
    const row = page.locator('#inventory tbody tr').filter({ hasText: 'SKU-1' });
    await row.waitFor();
    const bins = await apiGet('/accounts/S/inventory?sku=SKU-1');
    const bin = bins.find((entry: { binId: string }) => entry.binId === 'default');
    expect(await row.locator('td').allInnerTexts()).toEqual(['SKU-1', 'main', 'Default Bin', String(bin.onHand), String(bin.assigned), String(bin.reserved), String(bin.available)]);
    await page.getByLabel('SKU for the allocation queue').fill('SKU-1');
    await page.getByRole('button', { name: 'Show queue' }).click();
    await page.locator('#allocation-missing, #allocation-queue').or(page.getByText('No order waits for SKU-1')).first().waitFor();
    await expectNamedControls('inventory');
  });

  it('lets the admin pick an account and see processors, lag and parked conflicts', async () => {
    await signIn(ADMIN_TOKEN);
    await page.getByLabel('Account').selectOption('V');
    await page.getByRole('heading', { name: 'Orders of V' }).waitFor();
    await orderRow(vendorOrderId).waitFor();
    // "Handed over" spans two statuses (the list route filters by one): the vendor order is there.
    await page.getByRole('tab', { name: 'Handed over' }).click();
    await orderRow(vendorOrderId).getByText(/^HANDED OVER$/).waitFor();
    await page.getByRole('tab', { name: 'Ready' }).click();
    await page.getByText('No orders here.').waitFor();
    await page.getByRole('link', { name: 'Health' }).click();
    await page.locator('#processors').getByText('fulfilment').waitFor();
    await page.locator('#no-parked, #parked').first().waitFor();
    await expectNamedControls('health');
    await shoot('07-health-1280x800');
    await shoot('07-health-390x844', { width: 390, height: 844 });
    expect(pageErrors).toEqual([]);
  });

  /**
   * Every action of the order details and the PO screen, through its confirmation dialog, its effect
   * checked against the API afterwards; refusals shown in the API's own words. Accounts of their own
   * (seller S2, vendor V2 that approves its orders) so the seed's flow above is left as it is.
   */
  describe('the order and purchase order actions (issue 17)', () => {
    let seller2Key: string;
    let vendor2Key: string;
    /** The seller's orders, the PO each short one opened, and that PO's vendor order. */
    const bought: Record<string, { purchaseOrderId: string; vendorOrderId: string }> = {};

    const place = async (orderId: string, lines: { sku: string; quantity: number }[], extra: Record<string, unknown> = {}) => {
      const placed = await api.post('/accounts/S2/orders', { orderId, customer: 'Beta Stores', lines, ...extra }, seller2Key);
      expect([orderId, placed.status]).toEqual([orderId, 201]);
    };

    const status = async (path: string): Promise<string> => (await apiGet(path)).status;

    /** The refusal a dialog shows, piece by piece, as the API's problem+json has it. */
    const shownProblem = async (alert: Locator) => {
      await alert.locator('.problem-code').waitFor();
      return {
        title: await alert.locator('.problem-title strong').innerText(),
        status: Number(/\((\d{3})\)/.exec(await alert.locator('.problem-title').innerText())?.[1]),
        code: await alert.locator('.problem-code').innerText(),
        detail: await alert.locator('.problem-detail').innerText(),
      };
    };

    const badge = () => page.locator('h1 .badge');

    beforeAll(async () => {
      seller2Key = (await api.openAccount('S2', 'seller', { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true })).apiKey;
      vendor2Key = (await api.openAccount('V2', 'vendor', { isB2bNew: true, vendorPanelType: 2, orderApprovalRequired: true })).apiKey;
      for (const sku of ['SKU-A', 'SKU-B']) {
        const mapped = await api.request('PUT', `/accounts/S2/products/${sku}/vendor`, { body: { vendorAccountId: 'V2' } });
        expect(mapped.status).toBe(200);
        await api.adjust('V2', sku, 10);
      }
      await api.adjust('S2', 'SKU-C', 10);
      // Bought from V2 (which approves its orders first): one to approve and close short, one PO to close.
      await place('b-vend', [{ sku: 'SKU-A', quantity: 3 }]);
      await place('b-po', [{ sku: 'SKU-B', quantity: 2 }]);
      for (const orderId of ['b-vend', 'b-po']) {
        const purchaseOrderId = (await apiGet(`/accounts/S2/orders/${orderId}`)).purchaseOrders[0].purchaseOrderId;
        bought[orderId] = { purchaseOrderId, vendorOrderId: (await apiGet(`/accounts/S2/purchase-orders/${purchaseOrderId}`)).vendorOrderId };
      }
      // Waiting for stock nobody sells (no vendor mapped); from stock, to change and to cancel.
      await place('b-wait', [{ sku: 'SKU-U', quantity: 2 }]);
      await place('b-change', [{ sku: 'SKU-C', quantity: 4 }]);
      await place('b-cancel', [{ sku: 'SKU-C', quantity: 1 }]);
      // Two orders queue for SKU-Q: the allocation queue ranks them.
      await place('q-1', [{ sku: 'SKU-Q', quantity: 2 }]);
      await place('q-2', [{ sku: 'SKU-Q', quantity: 1 }], { priority: 1, requiredBy: '2030-01-31' });
      expect(await status(`/accounts/V2/orders/${bought['b-vend']!.vendorOrderId}`)).toBe('UNAPPROVED');
      expect(await status('/accounts/S2/orders/b-wait')).toBe('PENDING_INVENTORY');
    }, 60_000);

    it('lets the vendor approve its UNAPPROVED order from the Unapproved tab through the dialog (Enter confirms)', async () => {
      const { vendorOrderId } = bought['b-vend']!;
      await signIn(vendor2Key);
      await page.getByRole('heading', { name: 'Orders of V2' }).waitFor();
      await page.getByRole('tab', { name: 'Unapproved' }).click();
      await orderRow(vendorOrderId).getByText('UNAPPROVED').waitFor();
      await orderRow(vendorOrderId).getByRole('link', { name: vendorOrderId }).click();
      await badge().getByText('UNAPPROVED').waitFor();

      await page.getByRole('button', { name: 'Approve' }).click();
      const dialog = page.getByRole('dialog', { name: `Approve order ${vendorOrderId}` });
      await dialog.waitFor();
      // It says what will happen, to this order.
      expect(await dialog.locator('.dialog-description').innerText()).toMatch(new RegExp(`Approves order ${vendorOrderId} \\(SKU-A × 3\\): its first assignment round takes free stock`));
      await expectNamedControls('approve dialog');
      await shoot('08-approve-dialog-1280x800');
      await shoot('08-approve-dialog-390x844', { width: 390, height: 844 });
      // Nothing to fill in: the confirm button has the focus, and Enter confirms.
      await dialog.getByRole('button', { name: 'Approve' }).and(page.locator(':focus')).waitFor();
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await page.locator('#action-result').getByText(`Approved order ${vendorOrderId}`).waitFor();

      const approved = await apiGet(`/accounts/V2/orders/${vendorOrderId}`);
      expect(approved.status).not.toBe('UNAPPROVED');
      expect(approved.status).toBe('READY');
      await badge().getByText(approved.status.replace(/_/g, ' '), { exact: true }).waitFor();
      await expectNamedControls('approved order');
    });

    it('lets the vendor close short an order handed over in part, then shows a refused cancel in the API\'s words', async () => {
      const { vendorOrderId } = bought['b-vend']!;
      const handed = await api.post(`/accounts/V2/orders/${vendorOrderId}/handover`, { lines: [{ sku: 'SKU-A', quantity: 1 }] }, vendor2Key);
      expect(handed.status).toBe(200);
      await open(`/accounts/V2/orders/${vendorOrderId}`);
      await badge().getByText('PARTIALLY HANDED OVER').waitFor();

      await page.getByRole('button', { name: 'Close short' }).click();
      const dialog = page.getByRole('dialog', { name: `Close order ${vendorOrderId} short` });
      await dialog.getByText('for a vendor order, the seller\'s purchase order is closed too').waitFor();
      await expectNamedControls('close-short dialog');
      // The reason field has the focus; Enter in it confirms.
      const reason = dialog.getByLabel('Reason (optional)');
      await reason.and(page.locator(':focus')).waitFor();
      await reason.fill('The rest is discontinued');
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await badge().getByText('CLOSED SHORT').waitFor();
      expect(await status(`/accounts/V2/orders/${vendorOrderId}`)).toBe('CLOSED_SHORT');
      expect(await page.locator('#order-lines tr[data-sku="SKU-A"] td').allInnerTexts()).toEqual(expect.arrayContaining(['SKU-A', '3', '1']));

      // Cancelling it now is refused: the dialog shows the API's problem as the API answers it.
      await page.getByRole('button', { name: 'Cancel order' }).click();
      const cancel = page.getByRole('dialog', { name: `Cancel order ${vendorOrderId}` });
      // A destructive action starts on Cancel: a stray Enter does nothing.
      await cancel.getByRole('button', { name: 'Cancel', exact: true }).and(page.locator(':focus')).waitFor();
      await cancel.getByRole('button', { name: 'Cancel the order' }).click();
      const shown = await shownProblem(cancel.getByRole('alert'));
      const refused = await api.post(`/accounts/V2/orders/${vendorOrderId}/cancel`, undefined, vendor2Key);
      expect(refused.status).toBe(409);
      expect(shown).toEqual({ title: refused.body.title, status: refused.body.status, code: refused.body.code, detail: refused.body.detail });
      expect(shown.code).toBe('ORDER_CLOSED_SHORT');
      await page.keyboard.press('Escape');
      await cancel.waitFor({ state: 'detached' });
      expect(await status(`/accounts/V2/orders/${vendorOrderId}`)).toBe('CLOSED_SHORT');
    });

    it('shows the seller the closed-short PO CLOSED with its closed quantity, and closes an open PO through its dialog', async () => {
      const closedShort = bought['b-vend']!.purchaseOrderId;
      await signIn(seller2Key);
      await open(`/accounts/S2/purchase-orders/${closedShort}`);
      await page.getByRole('heading', { name: `Purchase order ${closedShort} CLOSED` }).waitFor();
      const po = await apiGet(`/accounts/S2/purchase-orders/${closedShort}`);
      expect(po.status).toBe('CLOSED');
      expect(po.lines).toEqual([expect.objectContaining({ sku: 'SKU-A', quantity: 3, receivedQuantity: 1, closedQuantity: 2 })]);
      expect(await page.locator('#po-lines tbody td').allInnerTexts()).toEqual(['SKU-A', '3', '1', '2', '0']);

      const { purchaseOrderId } = bought['b-po']!;
      expect(await status(`/accounts/S2/purchase-orders/${purchaseOrderId}`)).toBe('APPROVED');
      await open(`/accounts/S2/purchase-orders/${purchaseOrderId}`);
      await page.getByRole('heading', { name: `Purchase order ${purchaseOrderId} APPROVED` }).waitFor();
      await page.getByRole('button', { name: 'Close purchase order' }).click();
      const dialog = page.getByRole('dialog', { name: `Close purchase order ${purchaseOrderId}` });
      await dialog.getByText('Closes the vendor order short first').waitFor();
      await expectNamedControls('PO close dialog');
      // Escape closes the dialog and nothing is done; then the PO is closed for real.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await status(`/accounts/S2/purchase-orders/${purchaseOrderId}`)).toBe('APPROVED');
      await page.getByRole('button', { name: 'Close purchase order' }).click();
      await dialog.getByLabel('Reason (optional)').fill('Bought elsewhere');
      await dialog.getByRole('button', { name: 'Close the purchase order' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: `Purchase order ${purchaseOrderId} CLOSED` }).waitFor();
      const closed = await apiGet(`/accounts/S2/purchase-orders/${purchaseOrderId}`);
      expect(closed.status).toBe('CLOSED');
      expect(closed.lines).toEqual([expect.objectContaining({ sku: 'SKU-B', quantity: 2, receivedQuantity: 0, closedQuantity: 2 })]);
      expect(await page.locator('#po-lines tbody td').allInnerTexts()).toEqual(['SKU-B', '2', '0', '2', '0']);
    });

    it('assigns stock to a waiting order once it is there (or shows why not, in the API\'s words)', async () => {
      await open('/accounts/S2/orders/b-wait');
      await badge().getByText('PENDING INVENTORY').waitFor();
      await api.adjust('S2', 'SKU-U', 5);
      await page.getByRole('button', { name: 'Assign' }).click();
      const dialog = page.getByRole('dialog', { name: 'Assign stock to b-wait' });
      await dialog.getByText('Opens an assignment round for the pending quantity').waitFor();
      await expectNamedControls('assign dialog');
      await dialog.getByRole('button', { name: 'Assign' }).click();
      // Either it went through, or (the allocation got there first) the API's refusal is shown.
      await dialog.getByRole('alert').or(page.locator('#action-result')).first().waitFor();
      if (await dialog.isVisible()) {
        const shown = await shownProblem(dialog.getByRole('alert'));
        const again = await api.post('/accounts/S2/orders/b-wait/assign', undefined, seller2Key);
        expect(shown).toEqual({ title: again.body.title, status: again.body.status, code: again.body.code, detail: again.body.detail });
        await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
      } else {
        await page.locator('#action-result').getByText('Assigned order b-wait').waitFor();
      }
      const order = await apiGet('/accounts/S2/orders/b-wait');
      expect([order.status, order.lines[0].assigned, order.lines[0].pending]).toEqual(['READY', 2, 0]);
      await badge().getByText('READY').waitFor();
      await page.locator('#inventory-details tbody tr').filter({ hasText: 'SKU-U' }).first().waitFor();
    });

    it('changes a line\'s quantity through its dialog (Enter in the field confirms)', async () => {
      await open('/accounts/S2/orders/b-change');
      await badge().getByText('READY').waitFor();
      await page.getByRole('button', { name: 'Change quantity of SKU-C' }).click();
      const dialog = page.getByRole('dialog', { name: 'Change SKU-C on b-change' });
      await dialog.getByText('Sets the quantity of SKU-C (now 4, 0 handed over)').waitFor();
      const field = dialog.getByLabel('New quantity of SKU-C');
      await field.and(page.locator(':focus')).waitFor();
      await field.fill('2');
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'detached' });
      await page.locator('#action-result').getByText('Changed SKU-C on order b-change').waitFor();
      const quantity = page.locator('#order-lines tr[data-sku="SKU-C"] td').nth(1);
      await quantity.getByText('2', { exact: true }).waitFor();
      const order = await apiGet('/accounts/S2/orders/b-change');
      expect([order.status, order.lines[0].quantity, order.lines[0].assigned]).toEqual(['READY', 2, 2]);
      expect(await quantity.innerText()).toBe(String(order.lines[0].quantity));
    });

    it('cancels an order through its dialog: CANCELLED, listed under Cancelled', async () => {
      await open('/accounts/S2/orders/b-cancel');
      await badge().getByText('READY').waitFor();
      await page.getByRole('button', { name: 'Cancel order' }).click();
      const dialog = page.getByRole('dialog', { name: 'Cancel order b-cancel' });
      await dialog.getByText('This cannot be undone').waitFor();
      await dialog.getByRole('button', { name: 'Cancel the order' }).click();
      await dialog.waitFor({ state: 'detached' });
      await badge().getByText('CANCELLED').waitFor();
      expect(await status('/accounts/S2/orders/b-cancel')).toBe('CANCELLED');
      await page.getByRole('link', { name: 'Orders of S2' }).click();
      await page.getByRole('tab', { name: 'Cancelled' }).click();
      await orderRow('b-cancel').getByText('CANCELLED').waitFor();
      await expectNamedControls('cancelled orders');
    });

    it('shows the allocation queue of a SKU as the API ranks it (or says the route is not there yet)', async () => {
      await open('/accounts/S2/inventory');
      await page.getByLabel('SKU for the allocation queue').fill('SKU-Q');
      await page.getByRole('button', { name: 'Show queue' }).click();
      await page.locator('#allocation-missing, #allocation-queue').or(page.getByText('No order waits for SKU-Q')).first().waitFor();
      const head = await api.settle();
      const answer = await api.request('GET', '/accounts/S2/skus/SKU-Q/allocation', { headers: head === undefined ? {} : { 'x-consistent-with': String(head) } });
      if (answer.status === 404) {
        expect(answer.body.code).toBe('NOT_FOUND');
        await page.locator('#allocation-missing').getByText('answered 404').waitFor();
      } else {
        expect(answer.status).toBe(200);
        const items: { orderId: string; pending: number; priority: number; requiredBy?: string | null; rank: number }[] = answer.body.items;
        expect(items.map((item) => item.orderId).sort()).toEqual(['q-1', 'q-2']);
        const shown = await page.locator('#allocation-queue tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
        const day = (value: string | null | undefined) => (!value ? '—' : value.length <= 10 ? value : `${new Date(value).toISOString().replace('T', ' ').slice(0, 16)} UTC`);
        expect(shown).toEqual(items.map((item) => [String(item.rank), item.orderId, String(item.pending), String(item.priority), day(item.requiredBy)]));
        await page.locator('#allocation-queue').getByRole('link', { name: items[0]!.orderId }).waitFor();
      }
      await expectNamedControls('allocation queue');
      expect(pageErrors).toEqual([]);
    });
  });
});
