import { vendorOrderIdFor } from '../../src/fulfilment/ids';
import { vendorOrderDecision } from '../../src/fulfilment/vendor-orders';
import { accountOf, eligibleVendor, poCancelled, poClosed, poCreated, poOf, vendorOrderLinked, vendorOrderRefused } from './fixtures';

describe('vendorOrderDecision', () => {
  const po = poOf([poCreated([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }])]);

  it('places the matching order in the vendor\'s account, for the PO\'s lines, with the chain extended by the vendor', () => {
    expect(vendorOrderDecision(po, eligibleVendor())).toStrictEqual({
      kind: 'place',
      vendorAccountId: 'V',
      vendorOrderId: vendorOrderIdFor('S', 'po-1'),
      lines: [
        { sku: 'A', quantity: 3 },
        { sku: 'B', quantity: 1 },
      ],
      source: { purchaseOrderId: 'po-1', sellerAccountId: 'S' },
      chain: ['S', 'V'],
    });
  });

  it('extends a chain the PO already carries (a vendor buying on for a seller)', () => {
    const onward = poOf([poCreated([{ sku: 'A', quantity: 3 }], ['R', 'S'])]);
    expect(vendorOrderDecision(onward, eligibleVendor())).toMatchObject({ kind: 'place', chain: ['R', 'S', 'V'] });
  });

  it('refuses when the vendor account does not exist, naming the PO\'s SKUs', () => {
    const decision = vendorOrderDecision(po, undefined);
    expect(decision).toMatchObject({ kind: 'refuse', skus: ['A', 'B'] });
    expect(decision.kind === 'refuse' && decision.reason).toMatch(/V does not exist/);
  });

  it.each([
    ['without isB2bNew', { isB2bNew: false, vendorPanelType: 2 }],
    ['without the Advanced Vendor Panel', { isB2bNew: true, vendorPanelType: 1 }],
    ['with neither', {}],
  ])('refuses a vendor %s', (_, settings) => {
    const decision = vendorOrderDecision(po, accountOf('V', 'vendor', settings));
    expect(decision).toMatchObject({ kind: 'refuse', skus: ['A', 'B'] });
    expect(decision.kind === 'refuse' && decision.reason).toMatch(/isB2bNew and vendorPanelType 2/);
  });

  it('decides nothing for a PO that does not exist, ended, has its vendor order, or was refused one', () => {
    expect(vendorOrderDecision(poOf([]), eligibleVendor())).toStrictEqual({ kind: 'none' });
    expect(vendorOrderDecision(poOf([poCreated(), poCancelled]), eligibleVendor())).toStrictEqual({ kind: 'none' });
    expect(vendorOrderDecision(poOf([poCreated(), poClosed([{ sku: 'A', closedQuantity: 3 }])]), eligibleVendor())).toStrictEqual({ kind: 'none' });
    expect(vendorOrderDecision(poOf([poCreated(), vendorOrderLinked()]), eligibleVendor())).toStrictEqual({ kind: 'none' });
    expect(vendorOrderDecision(poOf([poCreated(), vendorOrderRefused()]), eligibleVendor())).toStrictEqual({ kind: 'none' });
  });
});
