/**
 * The model-based concurrency run: fast-check draws a program of commands in waves, over several
 * sellers and vendors (a two-tier chain among them), and the commands of each wave are sent at
 * once, each after a small drawn delay, so their steps interleave with each other and with the
 * fulfilment process manager's. Once the log is quiet every invariant must hold (the same check as
 * `npm run audit -- verify --invariants`) and no processor may have parked anything.
 *
 * Line changes (decreases and increases) race handovers, GRNs and the steps they set off; so do
 * orders closed short and POs closed by their seller, which source the rest again from ranked lists.
 *
 * Commands refer to orders and POs by index: the index is resolved when the command is sent,
 * against what exists then (a vendor's orders are the ones its POs opened), so a command may hit
 * an order in any state, or be refused; refusals are part of the traffic.
 */
import fc from 'fast-check';
import { checkInvariants, foldLog, Violation } from '@app/domain/invariants/invariants';
import { listParked } from '@app/event-store';
import { PROCESSOR_NAMES } from '../../src/controllers/admin.controller';
import { ApiHarness } from './api-harness';

const SKUS = ['A', 'B', 'C', 'D'] as const;
type Sku = (typeof SKUS)[number];

/**
 * S1 allows short orders, buys and inwards automatically; S2 refuses short orders and inwards by
 * hand; S3 allows short orders and buys nothing, so its orders wait for free stock and compete for
 * each adjustment (the allocation rule by priority, requiredBy, creation order); V1 is a vendor that buys its own shortfall from V2 (the second tier); V3 asks for approval;
 * V4 cannot take auto-created orders until a settings change lets it.
 */
const ACCOUNTS = {
  S1: { type: 'seller', settings: { allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true } },
  S2: { type: 'seller', settings: { autoPoVendorLevel: true } },
  S3: { type: 'seller', settings: { allowOrdersWithoutInventory: true } },
  V1: {
    type: 'vendor',
    settings: { isB2bNew: true, vendorPanelType: 2, allowOrdersWithoutInventory: true, autoPoVendorLevel: true, autoGrnThroughBackOrder: true },
  },
  V2: { type: 'vendor', settings: { isB2bNew: true, vendorPanelType: 2 } },
  V3: { type: 'vendor', settings: { isB2bNew: true, vendorPanelType: 2, orderApprovalRequired: true } },
  V4: { type: 'vendor', settings: { isB2bNew: true, vendorPanelType: 1 } },
} as const;
type AccountId = keyof typeof ACCOUNTS;
const ACCOUNT_IDS = Object.keys(ACCOUNTS) as AccountId[];
const SELLERS = ['S1', 'S2', 'S3'] as const;
const VENDORS = ['V1', 'V2', 'V3', 'V4'] as const;

const MAPPINGS: readonly [AccountId, Sku, AccountId][] = [
  ['S1', 'A', 'V1'],
  ['S1', 'B', 'V2'],
  ['S1', 'C', 'V3'],
  ['S2', 'A', 'V2'],
  ['S2', 'B', 'V1'],
  ['S2', 'D', 'V4'],
  ['V1', 'A', 'V2'],
  ['V1', 'B', 'V2'],
];
/** Ranked lists (replacing the mapping above): closing short moves the line to the next vendor; packs round up. */
const RANKED: readonly [AccountId, Sku, { vendorAccountId: AccountId; packSize?: number; minOrderQuantity?: number }[]][] = [
  ['S1', 'B', [{ vendorAccountId: 'V2', packSize: 3 }, { vendorAccountId: 'V1' }]],
  ['S1', 'C', [{ vendorAccountId: 'V4' }, { vendorAccountId: 'V3', minOrderQuantity: 2 }, { vendorAccountId: 'V2' }]],
];
const STOCK: readonly [AccountId, Sku, number][] = [
  ['S1', 'A', 2],
  ['S1', 'B', 1],
  ['S2', 'A', 8],
  ['S2', 'B', 6],
  ['S2', 'D', 2],
  ['V1', 'A', 1],
  ['V2', 'A', 40],
  ['V2', 'B', 40],
  ['V3', 'C', 20],
  ['V4', 'D', 10],
];

/** Settings a command may flip, on the account it names. */
const SETTINGS: readonly { account: AccountId; key: string; values: readonly unknown[] }[] = [
  { account: 'S1', key: 'autoGrnThroughBackOrder', values: [true, false] },
  { account: 'S1', key: 'allowOrdersWithoutInventory', values: [true, false] },
  { account: 'S2', key: 'allowOrdersWithoutInventory', values: [false, true] },
  { account: 'S2', key: 'autoPoVendorLevel', values: [true, false] },
  { account: 'V3', key: 'orderApprovalRequired', values: [true, false] },
  { account: 'V4', key: 'vendorPanelType', values: [2, 1] },
  { account: 'V2', key: 'isB2bNew', values: [true, false] },
];

export type Command =
  /** With a priority and a requiredBy, or not: free stock goes to the waiting orders by rank (invariant 8). */
  | { kind: 'create'; seller: (typeof SELLERS)[number]; lines: { sku: Sku; quantity: number }[]; priority: number | null; requiredBy: string | null }
  | { kind: 'adjust'; account: AccountId; sku: Sku; quantity: number }
  | { kind: 'assign' | 'approve' | 'cancel'; account: AccountId; order: number }
  | { kind: 'handover'; account: AccountId; order: number; partial: boolean }
  | { kind: 'grn'; seller: (typeof SELLERS)[number]; po: number; partial: boolean }
  | { kind: 'settings'; setting: number; value: number }
  | { kind: 'map'; seller: AccountId; sku: Sku; vendor: AccountId | null }
  /** A line of the order (by index) changed by `delta` (at least 0): decreases and increases, racing handovers. */
  | { kind: 'change'; account: AccountId; order: number; line: number; delta: number }
  /** An order (typically a vendor's) closed short: its seller's PO closes and the rest is sourced again. */
  | { kind: 'closeShort'; account: AccountId; order: number }
  /** A seller closes a PO's open remainder (by index, as for a GRN). */
  | { kind: 'closePo'; seller: (typeof SELLERS)[number]; po: number };

/** One wave: commands sent at once, each after its delay (ms); then a pause (ms) before the next. */
export type Wave = { readonly commands: { readonly delay: number; readonly command: Command }[]; readonly pause: number };

const sku = fc.constantFrom(...SKUS);
const account = fc.constantFrom(...ACCOUNT_IDS);
const orderRef = fc.nat({ max: 30 });

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      // S3 twice as often: its orders wait for free stock and compete for it.
      seller: fc.constantFrom<(typeof SELLERS)[number]>(...SELLERS, 'S3'),
      lines: fc.uniqueArray(fc.record({ sku, quantity: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3, selector: (l) => l.sku }),
      // Few values, so that orders tie on one criterion and the next one decides.
      priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
      requiredBy: fc.option(fc.constantFrom('2027-01-10', '2027-01-20', '2027-02-01'), { nil: null }),
    }),
  },
  {
    weight: 3,
    // S3's orders wait for free stock: it gets more of the adjustments, so that they compete for them.
    arbitrary: fc.record({ kind: fc.constant('adjust' as const), account: fc.constantFrom<AccountId>(...ACCOUNT_IDS, 'S3', 'S3', 'S3'), sku, quantity: fc.integer({ min: -3, max: 6 }).filter((q) => q !== 0) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('assign' as const), account, order: orderRef }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('approve' as const), account: fc.constantFrom<AccountId>('V3', 'V1', 'S1'), order: orderRef }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('handover' as const), account, order: orderRef, partial: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), account, order: orderRef }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('grn' as const), seller: fc.constantFrom(...SELLERS), po: orderRef, partial: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('change' as const),
      // Mostly sellers' orders (a vendor order follows its PO: V1's are refused).
      account: fc.constantFrom<AccountId>('S1', 'S2', 'S1', 'S2', 'V1'),
      order: orderRef,
      line: fc.nat({ max: 2 }),
      delta: fc.integer({ min: -4, max: 3 }).filter((d) => d !== 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settings' as const), setting: fc.nat({ max: SETTINGS.length - 1 }), value: fc.nat({ max: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('closeShort' as const), account: fc.constantFrom<AccountId>('V1', 'V2', 'V3', 'S1'), order: orderRef }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('closePo' as const), seller: fc.constantFrom(...SELLERS), po: orderRef }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('map' as const),
      seller: fc.constantFrom<AccountId>('S1', 'S2', 'V1'),
      sku,
      vendor: fc.option(fc.constantFrom(...VENDORS), { nil: null }),
    }),
  },
);

export const program = (options: { waves: number; perWave: number }): fc.Arbitrary<Wave[]> =>
  fc.array(
    fc.record({
      commands: fc.array(fc.record({ delay: fc.nat({ max: 6 }), command }), { minLength: 1, maxLength: options.perWave }),
      // Often none (the next wave races this one's steps), sometimes long enough for a flow to move on.
      pause: fc.oneof(fc.constant(0), fc.nat({ max: 40 })),
    }),
    { minLength: Math.ceil(options.waves / 2), maxLength: options.waves },
  );

export interface RunResult {
  readonly commands: number;
  readonly statuses: Record<string, number>;
  readonly violations: Violation[];
  readonly parked: { processor: string; parkedId: string; type: string; error: string }[];
  /** FreeStockAllocated events: in all, with more than one candidate, and shares by rule. */
  readonly allocations: { allocations: number; contested: number; PRIORITY: number; REQUIRED_BY: number; FIFO: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the accounts, maps the SKUs, puts in the opening stock. */
export const setUpWorld = async (api: ApiHarness): Promise<void> => {
  for (const id of ACCOUNT_IDS) await api.openAccount(id, ACCOUNTS[id].type, ACCOUNTS[id].settings);
  for (const [seller, s, vendor] of MAPPINGS) {
    const answer = await api.request('PUT', `/accounts/${seller}/products/${s}/vendor`, { body: { vendorAccountId: vendor } });
    if (answer.status !== 200) throw new Error(`mapping ${seller} ${s}: ${answer.status}`);
  }
  for (const [id, s, quantity] of STOCK) await api.adjust(id, s, quantity);
  for (const [seller, s, vendors] of RANKED) {
    const answer = await api.request('PUT', `/accounts/${seller}/products/${s}/vendors`, { body: { vendors } });
    if (answer.status !== 200) throw new Error(`ranking ${seller} ${s}: ${answer.status}`);
  }
};

/** Sends the program, waits for a quiet log, and reports what the invariants and processors say. */
export const runProgram = async (api: ApiHarness, waves: readonly Wave[]): Promise<RunResult> => {
  const statuses: Record<string, number> = {};
  let created = 0;
  let commands = 0;
  const ordersOf = async (accountId: AccountId): Promise<string[]> => {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const page: { body: { items: { orderId: string }[]; next: string | null } } = await api.request(
        'GET',
        `/accounts/${accountId}/orders?limit=200${after ? `&after=${after}` : ''}`,
      );
      ids.push(...page.body.items.map((o) => o.orderId));
      after = page.body.next;
    } while (after);
    return ids;
  };
  const pick = <T>(items: readonly T[], index: number): T | undefined => (items.length === 0 ? undefined : items[index % items.length]);
  /** The drawn account's order, or, when it has none yet, the next account's that has one. */
  const anOrder = async (drawn: AccountId, index: number): Promise<{ account: AccountId; orderId: string } | undefined> => {
    const start = ACCOUNT_IDS.indexOf(drawn);
    for (let i = 0; i < ACCOUNT_IDS.length; i++) {
      const accountId = ACCOUNT_IDS[(start + i) % ACCOUNT_IDS.length]!;
      const orderId = pick(await ordersOf(accountId), index);
      if (orderId) return { account: accountId, orderId };
    }
    return undefined;
  };

  const send = async (c: Command): Promise<number> => {
    switch (c.kind) {
      case 'create':
        return (
          await api.post(`/accounts/${c.seller}/orders`, {
            orderId: `o${++created}`,
            lines: c.lines,
            ...(c.priority === null ? {} : { priority: c.priority }),
            ...(c.requiredBy === null ? {} : { requiredBy: c.requiredBy }),
          })
        ).status;
      case 'adjust':
        return (await api.post(`/accounts/${c.account}/inventory/adjustments`, { sku: c.sku, quantity: c.quantity })).status;
      case 'assign':
      case 'approve':
      case 'cancel': {
        const target = await anOrder(c.account, c.order);
        if (!target) return 0;
        return (await api.post(`/accounts/${target.account}/orders/${target.orderId}/${c.kind}`)).status;
      }
      case 'handover': {
        const target = await anOrder(c.account, c.order);
        if (!target) return 0;
        const order = (await api.request('GET', `/accounts/${target.account}/orders/${target.orderId}`)).body as { lines?: { sku: string; assigned: number }[] };
        const held = (order.lines ?? []).filter((line) => line.assigned > 0);
        const body = c.partial && held.length > 0 ? { lines: [{ sku: held[0]!.sku, quantity: Math.max(1, held[0]!.assigned >> 1) }] } : {};
        return (await api.post(`/accounts/${target.account}/orders/${target.orderId}/handover`, body)).status;
      }
      case 'grn': {
        // The drawn seller's POs, else the other seller's (and V1's, which buys from V2).
        let pos: { purchaseOrderId: string; lines: { sku: string; quantity: number; receivedQuantity: number; closedQuantity: number }[] }[] = [];
        let buyer: AccountId = c.seller;
        for (const candidate of [c.seller, ...(['S1', 'S2', 'V1'] as const).filter((a) => a !== c.seller)]) {
          pos = (await api.request('GET', `/accounts/${candidate}/purchase-orders?limit=200`)).body.items;
          buyer = candidate;
          if (pos.length > 0) break;
        }
        const po = pick(pos, c.po);
        const open = po?.lines.map((l) => ({ sku: l.sku, quantity: l.quantity - l.receivedQuantity - l.closedQuantity })).filter((l) => l.quantity > 0) ?? [];
        if (!po || open.length === 0) return 0;
        const lines = c.partial ? [{ sku: open[0]!.sku, quantity: Math.max(1, open[0]!.quantity >> 1) }] : open;
        return (await api.post(`/accounts/${buyer}/purchase-orders/${po.purchaseOrderId}/grns`, { lines })).status;
      }
      case 'change': {
        const target = await anOrder(c.account, c.order);
        if (!target) return 0;
        const order = (await api.request('GET', `/accounts/${target.account}/orders/${target.orderId}`)).body as { lines?: { sku: string; quantity: number }[] };
        const line = pick(order.lines ?? [], c.line);
        if (!line) return 0;
        return (await api.request('PATCH', `/accounts/${target.account}/orders/${target.orderId}/lines/${line.sku}`, { body: { quantity: Math.max(0, line.quantity + c.delta) } })).status;
      }
      case 'closeShort': {
        const target = await anOrder(c.account, c.order);
        if (!target) return 0;
        return (await api.post(`/accounts/${target.account}/orders/${target.orderId}/close-short`)).status;
      }
      case 'closePo': {
        const pos: { purchaseOrderId: string }[] = (await api.request('GET', `/accounts/${c.seller}/purchase-orders?limit=200`)).body.items;
        const po = pick(pos, c.po);
        if (!po) return 0;
        return (await api.post(`/accounts/${c.seller}/purchase-orders/${po.purchaseOrderId}/close`)).status;
      }
      case 'settings': {
        const setting = SETTINGS[c.setting]!;
        return (await api.request('PATCH', `/accounts/${setting.account}/settings`, { body: { [setting.key]: setting.values[c.value] } })).status;
      }
      case 'map': {
        if (c.vendor === null) return (await api.request('DELETE', `/accounts/${c.seller}/products/${c.sku}/vendor`)).status;
        return (await api.request('PUT', `/accounts/${c.seller}/products/${c.sku}/vendor`, { body: { vendorAccountId: c.vendor } })).status;
      }
    }
  };

  for (const wave of waves) {
    await Promise.all(
      wave.commands.map(async ({ delay, command: c }) => {
        if (delay > 0) await sleep(delay);
        const status = await send(c);
        commands++;
        const key = `${c.kind} ${status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
        if (status >= 500) throw new Error(`${JSON.stringify(c)} answered ${status}`);
      }),
    );
    if (wave.pause > 0) await sleep(wave.pause);
  }
  await api.settle(200, 60_000);
  const events = await api.allEvents();
  const violations = checkInvariants(foldLog(events));
  // How much the allocation rule was exercised: allocations, those with several waiting orders, shares by rule.
  const allocations = { allocations: 0, contested: 0, PRIORITY: 0, REQUIRED_BY: 0, FIFO: 0 };
  for (const event of events.filter((e) => e.type === 'FreeStockAllocated')) {
    const data = event.data as { candidates: unknown[]; shares: { rule: 'PRIORITY' | 'REQUIRED_BY' | 'FIFO' }[] };
    allocations.allocations++;
    if (data.candidates.length > 1) allocations.contested++;
    for (const share of data.shares) allocations[share.rule]++;
  }
  const parked = [];
  for (const processor of PROCESSOR_NAMES) {
    for (const entry of await listParked(api.store, processor)) {
      parked.push({ processor, parkedId: entry.parkedId, type: entry.type, error: entry.error.message });
    }
  }
  return { commands, statuses, violations, parked, allocations };
};
