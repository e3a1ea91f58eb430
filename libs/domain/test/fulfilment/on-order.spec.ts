import { onOrderFrom } from '../../src/fulfilment/on-order';
import { goodsReceived, poCancelled, poClosed, poCreated, poOf } from './fixtures';

describe('onOrderFrom', () => {
  const lines = [
    { sku: 'A', quantity: 5 },
    { sku: 'B', quantity: 3 },
  ];

  it('sums what is open on each PO, per SKU', () => {
    const onOrder = onOrderFrom([poOf([poCreated(lines)]), poOf([poCreated([{ sku: 'A', quantity: 2 }])])]);
    expect([onOrder('A'), onOrder('B'), onOrder('C')]).toStrictEqual([7, 3, 0]);
    expect(onOrderFrom([])('A')).toBe(0);
  });

  it('counts nothing received and inwarded, and nothing closed or cancelled', () => {
    const received = poOf([poCreated(lines), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }])]);
    expect(onOrderFrom([received])('A')).toBe(3);
    const closed = poOf([poCreated(lines), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }]), poClosed([{ sku: 'A', closedQuantity: 2 }, { sku: 'B', closedQuantity: 3 }])]);
    expect([onOrderFrom([closed])('A'), onOrderFrom([closed])('B')]).toStrictEqual([1, 0]);
    expect(onOrderFrom([poOf([poCreated(lines), poCancelled])])('A')).toBe(0);
  });

  it('counts goods received whose inward into their bin is still to come', () => {
    const po = poOf([poCreated(lines), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 3 }]), goodsReceived('grn-2', [{ sku: 'A', quantity: 1 }])]);
    const onlyGrn2OfA = onOrderFrom([po], (grn, sku) => !(grn.grnId === 'grn-2' && sku === 'A'));
    expect([onlyGrn2OfA('A'), onlyGrn2OfA('B')]).toStrictEqual([3, 0]);
    const noneInwarded = onOrderFrom([po], () => false);
    expect([noneInwarded('A'), noneInwarded('B')]).toStrictEqual([5, 3]);
  });

  it('asks about each GRN with where its goods go', () => {
    const asked: string[] = [];
    const po = poOf([poCreated(lines), goodsReceived('grn-1', [{ sku: 'A', quantity: 2 }], { binId: 'bin-2' })]);
    onOrderFrom([po], (grn, sku) => {
      asked.push(`${grn.grnId}@${grn.locationId}.${grn.binId}/${sku}`);
      return true;
    })('A');
    expect(asked).toStrictEqual(['grn-1@main.bin-2/A']);
  });
});
