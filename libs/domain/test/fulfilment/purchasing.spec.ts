import { purchaseOrderIdFor } from '../../src/fulfilment/ids';
import { PurchaseFacts, purchaseDecision } from '../../src/fulfilment/purchasing';
import { orderDecider } from '../../src/order/order.decider';
import { OrderEvent } from '../../src/order/order.events';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { DeciderSpecification } from '../decider-spec';
import { approved, inventoryAssigned, orderCancelled, orderPlaced, orderOf, partlyAssigned, roundCompleted } from './fixtures';

/** A list of one vendor (default terms), or none. */
const only = (vendorOf: (sku: string) => string | undefined) => (sku: string) => {
  const vendorAccountId = vendorOf(sku);
  return vendorAccountId === undefined ? [] : [{ vendorAccountId, leadTimeDays: 7, minOrderQuantity: 1, packSize: 1 }];
};

const quantities = (of: Record<string, number>) => (sku: string) => of[sku] ?? 0;

/** S buys automatically; A and B come from V. */
const facts = (overrides: Partial<PurchaseFacts> = {}): PurchaseFacts => ({
  settings: { ...DEFAULT_SETTINGS, autoPoVendorLevel: true },
  vendorsOf: only((sku) => ({ A: 'V', B: 'V', C: 'W' })[sku as 'A']),
  onOrder: () => 0,
  reserved: () => 0,
  ...overrides,
});

const threeLines = orderPlaced({
  lines: [
    { sku: 'A', quantity: 5 },
    { sku: 'B', quantity: 3 },
    { sku: 'C', quantity: 2 },
  ],
});

describe('purchaseDecision', () => {
  it('buys the shortfall of each line from its vendor, one PO per vendor, and says the lines wait for it', () => {
    expect(purchaseDecision(orderOf([threeLines, inventoryAssigned('r1-A', 'A', 2), roundCompleted(1)]), 1, facts())).toStrictEqual({
      purchaseOrders: [
        {
          purchaseOrderId: purchaseOrderIdFor('S', 'o-1', 1, 'V'),
          vendorAccountId: 'V',
          accountId: 'S',
          lines: [
            { sku: 'A', quantity: 3 },
            { sku: 'B', quantity: 3 },
          ],
        },
        { purchaseOrderId: purchaseOrderIdFor('S', 'o-1', 1, 'W'), vendorAccountId: 'W', accountId: 'S', lines: [{ sku: 'C', quantity: 2 }] },
      ],
      reasons: [
        { sku: 'A', reason: 'AWAITING_VENDOR' },
        { sku: 'B', reason: 'AWAITING_VENDOR' },
        { sku: 'C', reason: 'AWAITING_VENDOR' },
      ],
    });
  });

  it('names the POs of each round apart', () => {
    const state = orderOf(partlyAssigned);
    expect(purchaseDecision(state, 1, facts())!.purchaseOrders[0]!.purchaseOrderId).toBe(purchaseOrderIdFor('S', 'o-1', 1, 'V'));
    expect(purchaseDecision(state, 2, facts())!.purchaseOrders[0]!.purchaseOrderId).toBe(purchaseOrderIdFor('S', 'o-1', 2, 'V'));
  });

  it('buys only what open POs and reserved goods do not cover (uncovered = pending - onOrder - reserved)', () => {
    const decision = purchaseDecision(orderOf(partlyAssigned), 2, facts({ onOrder: quantities({ A: 1 }), reserved: quantities({ A: 1, B: 1 }) }));
    expect(decision?.purchaseOrders.map((po) => po.lines)).toStrictEqual([
      [
        { sku: 'A', quantity: 1 },
        { sku: 'B', quantity: 2 },
      ],
    ]);
  });

  it('says a line covered by open POs waits for the vendor, buying nothing for it', () => {
    expect(purchaseDecision(orderOf(partlyAssigned), 2, facts({ onOrder: quantities({ A: 3, B: 1 }), reserved: quantities({ B: 2 }) }))).toStrictEqual({
      purchaseOrders: [],
      reasons: [
        { sku: 'A', reason: 'AWAITING_VENDOR' },
        { sku: 'B', reason: 'AWAITING_VENDOR' },
      ],
    });
  });

  it('decides nothing for a line its reserved goods cover (they are about to be assigned)', () => {
    expect(purchaseDecision(orderOf(partlyAssigned), 2, facts({ reserved: quantities({ A: 3, B: 3 }) }))).toBeUndefined();
  });

  it('buys nothing without autoPoVendorLevel (AUTO_PO_DISABLED)', () => {
    expect(purchaseDecision(orderOf(partlyAssigned), 1, facts({ settings: DEFAULT_SETTINGS }))).toStrictEqual({
      purchaseOrders: [],
      reasons: [
        { sku: 'A', reason: 'AUTO_PO_DISABLED' },
        { sku: 'B', reason: 'AUTO_PO_DISABLED' },
      ],
    });
  });

  it('leaves a SKU without a vendor pending (SKU_NOT_MAPPED), buying the others', () => {
    const decision = purchaseDecision(orderOf(partlyAssigned), 1, facts({ vendorsOf: only((sku) => (sku === 'A' ? 'V' : undefined)) }));
    expect(decision).toStrictEqual({
      purchaseOrders: [{ purchaseOrderId: purchaseOrderIdFor('S', 'o-1', 1, 'V'), vendorAccountId: 'V', accountId: 'S', lines: [{ sku: 'A', quantity: 3 }] }],
      reasons: [
        { sku: 'A', reason: 'AWAITING_VENDOR' },
        { sku: 'B', reason: 'SKU_NOT_MAPPED' },
      ],
    });
  });

  it('never buys from a vendor already in the backorder chain (VENDOR_NOT_ELIGIBLE)', () => {
    // The vendor order V opened for S's PO: buying from S again would close a loop.
    const vendorOrder = orderOf([
      orderPlaced({ orderId: 'vo-1', accountId: 'V', lines: [{ sku: 'A', quantity: 3 }], chain: ['S', 'V'] }),
      roundCompleted(1),
    ]);
    expect(purchaseDecision(vendorOrder, 1, facts({ vendorsOf: only(() => 'S') }))).toStrictEqual({
      purchaseOrders: [],
      reasons: [{ sku: 'A', reason: 'VENDOR_NOT_ELIGIBLE' }],
      passedOver: [{ sku: 'A', vendorAccountId: 'S', reason: 'IN_CHAIN' }],
    });
    expect(purchaseDecision(vendorOrder, 1, facts({ vendorsOf: only(() => 'W') }))?.purchaseOrders.map((po) => [po.accountId, po.vendorAccountId])).toStrictEqual([['V', 'W']]);
  });

  it('decides nothing when nothing is pending', () => {
    const ready = orderOf([orderPlaced(), inventoryAssigned('r1-A', 'A', 5), inventoryAssigned('r1-B', 'B', 3), roundCompleted(1)]);
    expect(purchaseDecision(ready, 1, facts())).toBeUndefined();
  });

  it('decides nothing for an order that ended or awaits approval', () => {
    expect(purchaseDecision(orderOf([...partlyAssigned, orderCancelled]), 1, facts())).toBeUndefined();
    expect(purchaseDecision(orderOf([orderPlaced({ awaitingApproval: true })]), 1, facts())).toBeUndefined();
    expect(purchaseDecision(orderOf([orderPlaced({ awaitingApproval: true }), approved, roundCompleted(1)]), 1, facts())).toBeDefined();
  });

  it('is recorded by the order as it is', () => {
    const events = [...partlyAssigned];
    const decision = purchaseDecision(orderOf(events), 1, facts({ vendorsOf: only((sku) => (sku === 'A' ? 'V' : undefined)) }))!;
    const expected: OrderEvent[] = [
      {
        type: 'PurchaseOrderLinked',
        data: { purchaseOrderId: purchaseOrderIdFor('S', 'o-1', 1, 'V'), vendorAccountId: 'V', accountId: 'S', lines: [{ sku: 'A', quantity: 3 }], round: 1 },
      },
      { type: 'PendingReasonRecorded', data: { sku: 'A', reason: 'AWAITING_VENDOR' } },
      { type: 'PendingReasonRecorded', data: { sku: 'B', reason: 'SKU_NOT_MAPPED' } },
    ];
    DeciderSpecification.for(orderDecider, OrderEvent)(events)
      .when({ type: 'RecordPurchaseDecision', round: 1, purchaseOrders: decision.purchaseOrders, reasons: decision.reasons })
      .then(expected);
  });
});
