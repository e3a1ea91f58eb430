import { DomainError } from '../src/shared/decider';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { planPurchase, refuseIfShortAndNotAllowed, stockWarnings } from '../src/order/backorder-policy';

describe('backorder policy', () => {
  describe('stock warnings (SPEC step 1)', () => {
    const available = (sku: string) => ({ A: 5, B: 0 })[sku] ?? 0;

    it('warns once per line that asks for more than is available', () => {
      expect(stockWarnings([{ sku: 'A', quantity: 5 }, { sku: 'B', quantity: 1 }, { sku: 'A2', quantity: 2 }], available)).toEqual([
        { code: 'INVENTORY_NOT_AVAILABLE', sku: 'B', requested: 1, available: 0 },
        { code: 'INVENTORY_NOT_AVAILABLE', sku: 'A2', requested: 2, available: 0 },
      ]);
    });

    it('refuses a short order when the account does not allow orders without inventory, naming the lines', () => {
      const warnings = stockWarnings([{ sku: 'A', quantity: 6 }], available);
      const error = (() => {
        try {
          refuseIfShortAndNotAllowed(warnings, DEFAULT_SETTINGS);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: 'rule_violated', code: 'INVENTORY_NOT_AVAILABLE', field: 'lines', details: { warnings } });
      expect(() => refuseIfShortAndNotAllowed(warnings, { ...DEFAULT_SETTINGS, allowOrdersWithoutInventory: true })).not.toThrow();
      expect(() => refuseIfShortAndNotAllowed([], DEFAULT_SETTINGS)).not.toThrow();
    });
  });

  describe('purchase plan (SPEC step 2)', () => {
    const pending = [
      { sku: 'A', quantity: 3 },
      { sku: 'B', quantity: 2 },
      { sku: 'C', quantity: 1 },
      { sku: 'D', quantity: 4 },
    ];
    const vendorsOf = (sku: string) => {
      const vendorAccountId = ({ A: 'V', B: 'V', C: 'W', D: undefined })[sku as 'A'];
      return vendorAccountId === undefined ? [] : [{ vendorAccountId, leadTimeDays: 7, minOrderQuantity: 1, packSize: 1 }];
    };
    const buying = { ...DEFAULT_SETTINGS, autoPoVendorLevel: true };

    it('groups the pending lines by vendor, one PO each, and says why the rest is not bought', () => {
      const plan = planPurchase(pending, { settings: buying, vendorsOf, chain: ['S'] });
      expect([...plan.byVendor]).toEqual([
        ['V', [{ sku: 'A', quantity: 3, needed: 3 }, { sku: 'B', quantity: 2, needed: 2 }]],
        ['W', [{ sku: 'C', quantity: 1, needed: 1 }]],
      ]);
      expect(plan.reasons).toEqual([{ sku: 'D', reason: 'SKU_NOT_MAPPED' }]);
    });

    it('buys nothing without autoPoVendorLevel', () => {
      const plan = planPurchase(pending, { settings: DEFAULT_SETTINGS, vendorsOf, chain: ['S'] });
      expect(plan.byVendor.size).toBe(0);
      expect(plan.reasons.map((r) => r.reason)).toEqual(Array(4).fill('AUTO_PO_DISABLED'));
    });

    it('does not buy from a vendor already in the chain', () => {
      const plan = planPurchase(pending, { settings: buying, vendorsOf, chain: ['S', 'W'] });
      expect([...plan.byVendor.keys()]).toEqual(['V']);
      expect(plan.reasons).toEqual([
        { sku: 'C', reason: 'VENDOR_NOT_ELIGIBLE' },
        { sku: 'D', reason: 'SKU_NOT_MAPPED' },
      ]);
    });
  });
});
