import {
  accountDecider,
  accountExists,
  accountIdOf,
  accountTypeOf,
  binsForAssignment,
  hasBin,
  mappedVendor,
  settingsOf,
} from '../src/account/account.decider';
import { AccountCommand, AccountEvent } from '../src/account/account.events';
import { fold } from '../src/shared/decider';
import { DEFAULT_SETTINGS } from '../src/shared/settings';
import { DeciderSpecification } from './decider-spec';

const given = DeciderSpecification.for(accountDecider, AccountEvent);

const HASH = 'a'.repeat(64);

const opened = (accountId = 'seller-1', accountType: 'seller' | 'vendor' = 'seller', settings = DEFAULT_SETTINGS): AccountEvent => ({
  type: 'AccountOpened',
  data: { accountId, name: 'Acme', accountType, settings, apiKeyHash: HASH, locationId: 'main', binId: 'default' },
});

const binAdded = (binId: string, locationId = 'main'): AccountEvent => ({ type: 'BinAdded', data: { locationId, binId } });
const vendorMapped = (sku: string, vendorAccountId: string): AccountEvent => ({ type: 'VendorMapped', data: { sku, vendorAccountId } });

/** `accountType: null`: no account has that id. */
const mapVendor = (sku: string, vendorAccountId: string, accountType: 'seller' | 'vendor' | null = 'vendor'): AccountCommand => ({
  type: 'MapVendor',
  sku,
  vendorAccountId,
  vendor: accountType === null ? undefined : { accountId: vendorAccountId, accountType },
});

describe('account decider', () => {
  describe('OpenAccount', () => {
    const open: AccountCommand = {
      type: 'OpenAccount',
      accountId: 'seller-1',
      name: 'Acme',
      accountType: 'seller',
      settings: {},
      apiKeyHash: HASH,
    };

    it('opens with the default settings, the main location and its Default Bin', () => {
      given([]).when(open).then([opened()]);
    });

    it('overlays the given settings on the defaults', () => {
      given([])
        .when({ ...open, accountType: 'vendor', settings: { isB2bNew: true, vendorPanelType: 2, orderApprovalRequired: undefined } })
        .then([opened('seller-1', 'vendor', { ...DEFAULT_SETTINGS, isB2bNew: true, vendorPanelType: 2 })]);
    });

    it('refuses an account that exists', () => {
      given([opened()]).when(open).thenThrows({ kind: 'conflict', code: 'ACCOUNT_EXISTS', field: 'accountId' });
    });
  });

  describe('on an account that does not exist', () => {
    const commands: AccountCommand[] = [
      { type: 'ChangeSettings', changes: { autoPoVendorLevel: true } },
      { type: 'AddBin', locationId: 'main', binId: 'b1' },
      mapVendor('sku-1', 'vendor-1'),
      { type: 'UnmapVendor', sku: 'sku-1' },
    ];
    it.each(commands.map((command) => [command.type, command]))('refuses %s', (_, command) => {
      given([]).when(command).thenThrows({ kind: 'not_found', code: 'ACCOUNT_NOT_FOUND' });
    });
  });

  describe('ChangeSettings', () => {
    it('emits only the keys whose value changes', () => {
      given([opened()])
        .when({ type: 'ChangeSettings', changes: { autoPoVendorLevel: true, allowOrdersWithoutInventory: false, vendorPanelType: 2 } })
        .then([{ type: 'AccountSettingsChanged', data: { changes: { autoPoVendorLevel: true, vendorPanelType: 2 } } }]);
    });

    it('compares with the settings as changed before', () => {
      given([opened(), { type: 'AccountSettingsChanged', data: { changes: { autoGrnThroughBackOrder: true } } }])
        .when({ type: 'ChangeSettings', changes: { autoGrnThroughBackOrder: false, isB2bNew: false } })
        .then([{ type: 'AccountSettingsChanged', data: { changes: { autoGrnThroughBackOrder: false } } }]);
    });

    it('writes nothing when nothing changes', () => {
      given([opened(), { type: 'AccountSettingsChanged', data: { changes: { isB2bNew: true } } }])
        .when({ type: 'ChangeSettings', changes: { isB2bNew: true, vendorPanelType: 1 } })
        .thenNothingHappened();
    });

    it('writes nothing for an empty patch', () => {
      given([opened()]).when({ type: 'ChangeSettings', changes: {} }).thenNothingHappened();
    });
  });

  describe('AddBin', () => {
    it('adds a bin to a location', () => {
      given([opened()])
        .when({ type: 'AddBin', locationId: 'main', binId: 'b1' })
        .then([binAdded('b1')]);
    });

    it('refuses an unknown location', () => {
      given([opened()])
        .when({ type: 'AddBin', locationId: 'annex', binId: 'b1' })
        .thenThrows({ kind: 'not_found', code: 'LOCATION_NOT_FOUND', field: 'locationId' });
    });

    it('refuses a bin that is already there, the Default Bin included', () => {
      given([opened(), binAdded('b1')])
        .when({ type: 'AddBin', locationId: 'main', binId: 'b1' })
        .thenThrows({ kind: 'conflict', code: 'BIN_EXISTS', field: 'binId' });
      given([opened()])
        .when({ type: 'AddBin', locationId: 'main', binId: 'default' })
        .thenThrows({ kind: 'conflict', code: 'BIN_EXISTS', field: 'binId' });
    });
  });

  describe('MapVendor', () => {
    it('maps a SKU to a vendor account', () => {
      given([opened()]).when(mapVendor('sku-1', 'vendor-1')).then([vendorMapped('sku-1', 'vendor-1')]);
    });

    it('lets a vendor account map its own SKUs to another vendor', () => {
      given([opened('vendor-1', 'vendor')]).when(mapVendor('sku-1', 'vendor-2')).then([vendorMapped('sku-1', 'vendor-2')]);
    });

    it('refuses a target that does not exist', () => {
      given([opened()])
        .when(mapVendor('sku-1', 'ghost', null))
        .thenThrows({ kind: 'rule_violated', code: 'VENDOR_NOT_FOUND', field: 'vendorAccountId' });
    });

    it('refuses the seller itself, whatever its type', () => {
      given([opened()])
        .when(mapVendor('sku-1', 'seller-1', 'seller'))
        .thenThrows({ kind: 'rule_violated', code: 'VENDOR_IS_SELF', field: 'vendorAccountId' });
      given([opened('vendor-1', 'vendor')])
        .when(mapVendor('sku-1', 'vendor-1', 'vendor'))
        .thenThrows({ kind: 'rule_violated', code: 'VENDOR_IS_SELF', field: 'vendorAccountId' });
    });

    it('refuses a target that is not a vendor', () => {
      given([opened()])
        .when(mapVendor('sku-1', 'seller-2', 'seller'))
        .thenThrows({ kind: 'rule_violated', code: 'NOT_A_VENDOR', field: 'vendorAccountId' });
    });

    it('writes nothing when the same mapping is in place', () => {
      given([opened(), vendorMapped('sku-1', 'vendor-1')]).when(mapVendor('sku-1', 'vendor-1')).thenNothingHappened();
    });

    it('remaps to another vendor', () => {
      given([opened(), vendorMapped('sku-1', 'vendor-1')])
        .when(mapVendor('sku-1', 'vendor-2'))
        .then([vendorMapped('sku-1', 'vendor-2')]);
    });

    it('maps again after an unmapping', () => {
      given([opened(), vendorMapped('sku-1', 'vendor-1'), { type: 'VendorUnmapped', data: { sku: 'sku-1' } }])
        .when(mapVendor('sku-1', 'vendor-1'))
        .then([vendorMapped('sku-1', 'vendor-1')]);
    });
  });

  describe('UnmapVendor', () => {
    it('unmaps a mapped SKU', () => {
      given([opened(), vendorMapped('sku-1', 'vendor-1')])
        .when({ type: 'UnmapVendor', sku: 'sku-1' })
        .then([{ type: 'VendorUnmapped', data: { sku: 'sku-1' } }]);
    });

    it('writes nothing for a SKU that is not mapped', () => {
      given([opened(), vendorMapped('sku-2', 'vendor-1')]).when({ type: 'UnmapVendor', sku: 'sku-1' }).thenNothingHappened();
      given([opened(), vendorMapped('sku-1', 'vendor-1'), { type: 'VendorUnmapped', data: { sku: 'sku-1' } }])
        .when({ type: 'UnmapVendor', sku: 'sku-1' })
        .thenNothingHappened();
    });
  });

  describe('selectors', () => {
    it('read a fresh account as not existing', () => {
      const state = accountDecider.initialState();
      expect(accountExists(state)).toBe(false);
      expect(accountIdOf(state)).toBeUndefined();
      expect(accountTypeOf(state)).toBeUndefined();
      expect(binsForAssignment(state, 'main')).toEqual([]);
    });

    it('read identity, settings, bins and mappings', () => {
      const state = fold(accountDecider, [
        opened('vendor-9', 'vendor'),
        { type: 'AccountSettingsChanged', data: { changes: { isB2bNew: true, vendorPanelType: 2 } } },
        binAdded('b1'),
        vendorMapped('sku-1', 'vendor-2'),
      ]);
      expect(accountExists(state)).toBe(true);
      expect(accountIdOf(state)).toBe('vendor-9');
      expect(accountTypeOf(state)).toBe('vendor');
      expect(settingsOf(state)).toEqual({ ...DEFAULT_SETTINGS, isB2bNew: true, vendorPanelType: 2 });
      expect(hasBin(state, 'main', 'default')).toBe(true);
      expect(hasBin(state, 'main', 'b1')).toBe(true);
      expect(hasBin(state, 'main', 'b2')).toBe(false);
      expect(hasBin(state, 'annex', 'default')).toBe(false);
      expect(mappedVendor(state, 'sku-1')).toBe('vendor-2');
      expect(mappedVendor(state, 'sku-2')).toBeUndefined();
    });

    it('give the Default Bin first, then the other bins by id in plain string order', () => {
      const state = fold(accountDecider, [opened(), binAdded('b10'), binAdded('B2'), binAdded('a1'), binAdded('b2'), binAdded('_x')]);
      // Plain code-unit order: upper case before "_" before lower case; "b10" before "b2".
      expect(binsForAssignment(state, 'main')).toEqual(['default', 'B2', '_x', 'a1', 'b10', 'b2']);
      expect(binsForAssignment(state, 'annex')).toEqual([]);
    });

    it('leave the events folded untouched', () => {
      const events: AccountEvent[] = [opened(), { type: 'AccountSettingsChanged', data: { changes: { isB2bNew: true } } }];
      const copy = structuredClone(events);
      fold(accountDecider, events);
      expect(events).toEqual(copy);
    });
  });
});
