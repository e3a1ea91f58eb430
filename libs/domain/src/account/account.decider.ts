/**
 * The account decider: opening a seller or vendor account, its API key, its settings, the bins of its
 * locations and the vendors each SKU is bought from, in preference order. The selectors below are how the rest of the
 * system reads an account; the order in which bins give stock lives only here.
 */
import { DomainError, Decider } from '../shared/decider';
import { AccountType, DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '../shared/ids';
import { DEFAULT_SETTINGS, Settings, SettingsPatch, vendorReceivesAutoOrders } from '../shared/settings';
import { AccountCommand, AccountEvent, DEFAULT_LEAD_TIME_DAYS, MAX_RANKED_VENDORS, RankedVendor, VendorCandidate } from './account.events';

/**
 * Owned by the fold: `evolve` updates the maps in place and returns the same object, because a
 * state never escapes the command path while it is being folded and an account with many vendor
 * mappings should not be copied per event. `initialState()` is a fresh object every call.
 * Nothing here aliases an event's data, so events stay untouched.
 */
export type AccountState = {
  /** Set once AccountOpened is folded; `apiKeyHash` is the newest key's (ApiKeyRotated replaces it). */
  opened?: { readonly accountId: string; readonly name: string; readonly accountType: AccountType; readonly apiKeyHash: string };
  /** Replaced (never changed in place) on every change, so a reader may keep the object. */
  settings: Readonly<Settings>;
  /** Location id → its bin ids. */
  readonly locations: Map<string, Set<string>>;
  /** SKU → the vendors it is bought from, in preference order (never empty). */
  readonly vendorsBySku: Map<string, readonly RankedVendor[]>;
};

const initialState = (): AccountState => ({
  settings: DEFAULT_SETTINGS,
  locations: new Map(),
  vendorsBySku: new Map(),
});

// ---- selectors -----------------------------------------------------------------------------

export const accountExists = (state: AccountState): boolean => state.opened !== undefined;

export const accountIdOf = (state: AccountState): string | undefined => state.opened?.accountId;

export const accountTypeOf = (state: AccountState): AccountType | undefined => state.opened?.accountType;

export const settingsOf = (state: AccountState): Readonly<Settings> => state.settings;

export const hasBin = (state: AccountState, locationId: string, binId: string): boolean =>
  state.locations.get(locationId)?.has(binId) ?? false;

/** The SKU's first vendor (the single-vendor mapping's view of the list). */
export const mappedVendor = (state: AccountState, sku: string): string | undefined => state.vendorsBySku.get(sku)?.[0]?.vendorAccountId;

/** The SKU's vendors in preference order; empty when it has none. */
export const rankedVendors = (state: AccountState, sku: string): readonly RankedVendor[] => state.vendorsBySku.get(sku) ?? [];

/** A vendor's terms with the defaults filled in: a week's lead time, no minimum, packs of one. */
export const vendorTermsOf = (vendor: RankedVendor): Required<RankedVendor> => ({
  vendorAccountId: vendor.vendorAccountId,
  leadTimeDays: vendor.leadTimeDays ?? DEFAULT_LEAD_TIME_DAYS,
  minOrderQuantity: vendor.minOrderQuantity ?? 1,
  packSize: vendor.packSize ?? 1,
});

/** The SKU's vendors as the purchasing step weighs them: in preference order, with their terms. */
export const vendorChoicesOf = (state: AccountState, sku: string): Required<RankedVendor>[] => rankedVendors(state, sku).map(vendorTermsOf);

/**
 * Whether an account can be bought from automatically: a vendor account with the new B2B flow and
 * the Advanced Vendor Panel (SPEC step 3). An account not found is not a vendor.
 */
export const vendorStandingOf = (vendor: AccountState | undefined): 'ELIGIBLE' | 'NOT_ELIGIBLE' | 'NOT_A_VENDOR' => {
  if (vendor?.opened?.accountType !== 'vendor') return 'NOT_A_VENDOR';
  return vendorReceivesAutoOrders(vendor.settings) ? 'ELIGIBLE' : 'NOT_ELIGIBLE';
};

/**
 * The location's bins in the order stock is assigned from: the Default Bin first, then the others
 * by id in plain string (UTF-16 code unit) order, never locale order. Unknown location: none.
 */
export const binsForAssignment = (state: AccountState, locationId: string): string[] => {
  const bins = state.locations.get(locationId);
  if (bins === undefined) return [];
  const others = [...bins].filter((binId) => binId !== DEFAULT_BIN_ID).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return bins.has(DEFAULT_BIN_ID) ? [DEFAULT_BIN_ID, ...others] : others;
};

// ---- decide --------------------------------------------------------------------------------

/** A SKU is bought only from another account that exists and is a vendor. */
const refuseAsVendor = (selfId: string, vendorAccountId: string, vendor: VendorCandidate, field: string): void => {
  // Checked on the id first: the seller's own account exists, and may itself be a vendor.
  if (vendorAccountId === selfId) throw new DomainError('rule_violated', 'VENDOR_IS_SELF', 'An account cannot be its own vendor', field);
  if (vendor === undefined) throw new DomainError('rule_violated', 'VENDOR_NOT_FOUND', `Account "${vendorAccountId}" does not exist`, field);
  if (vendor.accountType !== 'vendor') throw new DomainError('rule_violated', 'NOT_A_VENDOR', `Account "${vendorAccountId}" is not a vendor`, field);
};

/** Only the keys given, so an event and the list folded from it compare equal. */
const copyOf = (vendor: RankedVendor): RankedVendor => ({
  vendorAccountId: vendor.vendorAccountId,
  ...(vendor.leadTimeDays === undefined ? {} : { leadTimeDays: vendor.leadTimeDays }),
  ...(vendor.minOrderQuantity === undefined ? {} : { minOrderQuantity: vendor.minOrderQuantity }),
  ...(vendor.packSize === undefined ? {} : { packSize: vendor.packSize }),
});

const sameVendors = (a: readonly RankedVendor[] | undefined, b: readonly RankedVendor[]): boolean =>
  a !== undefined &&
  a.length === b.length &&
  a.every(
    (vendor, i) =>
      vendor.vendorAccountId === b[i]!.vendorAccountId &&
      vendor.leadTimeDays === b[i]!.leadTimeDays &&
      vendor.minOrderQuantity === b[i]!.minOrderQuantity &&
      vendor.packSize === b[i]!.packSize,
  );

/** The keys of a patch that carry a value (a parsed partial may hold keys set to undefined). */
const definedChanges = (patch: SettingsPatch): SettingsPatch =>
  Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as SettingsPatch;

const decide = (command: AccountCommand, state: AccountState): AccountEvent[] => {
  if (command.type === 'OpenAccount') {
    if (state.opened !== undefined) {
      throw new DomainError('conflict', 'ACCOUNT_EXISTS', `Account "${command.accountId}" already exists`, 'accountId');
    }
    return [
      {
        type: 'AccountOpened',
        data: {
          accountId: command.accountId,
          name: command.name,
          accountType: command.accountType,
          settings: { ...DEFAULT_SETTINGS, ...definedChanges(command.settings) },
          apiKeyHash: command.apiKeyHash,
          locationId: MAIN_LOCATION_ID,
          binId: DEFAULT_BIN_ID,
        },
      },
    ];
  }

  const opened = state.opened;
  if (opened === undefined) throw new DomainError('not_found', 'ACCOUNT_NOT_FOUND', 'Account does not exist');

  switch (command.type) {
    case 'RotateApiKey':
      return command.apiKeyHash === opened.apiKeyHash ? [] : [{ type: 'ApiKeyRotated', data: { apiKeyHash: command.apiKeyHash } }];

    case 'ChangeSettings': {
      const changes = Object.fromEntries(
        Object.entries(definedChanges(command.changes)).filter(
          ([key, value]) => state.settings[key as keyof Settings] !== value,
        ),
      ) as SettingsPatch;
      return Object.keys(changes).length === 0 ? [] : [{ type: 'AccountSettingsChanged', data: { changes } }];
    }

    case 'AddBin': {
      const bins = state.locations.get(command.locationId);
      if (bins === undefined) {
        throw new DomainError('not_found', 'LOCATION_NOT_FOUND', `Location "${command.locationId}" does not exist`, 'locationId');
      }
      if (bins.has(command.binId)) {
        throw new DomainError(
          'conflict',
          'BIN_EXISTS',
          `Bin "${command.binId}" already exists in location "${command.locationId}"`,
          'binId',
        );
      }
      return [{ type: 'BinAdded', data: { locationId: command.locationId, binId: command.binId } }];
    }

    case 'MapVendor': {
      const { sku, vendor, vendorAccountId } = command;
      refuseAsVendor(opened.accountId, vendorAccountId, vendor, 'vendorAccountId');
      if (sameVendors(state.vendorsBySku.get(sku), [{ vendorAccountId }])) return [];
      return [{ type: 'VendorMapped', data: { sku, vendorAccountId } }];
    }

    case 'RankVendors': {
      const { sku, vendors, candidates } = command;
      if (vendors.length === 0 || vendors.length > MAX_RANKED_VENDORS) {
        throw new DomainError('rule_violated', 'VENDOR_LIST_SIZE', `A SKU has 1 to ${MAX_RANKED_VENDORS} vendors, not ${vendors.length}`, 'vendors');
      }
      const seen = new Set<string>();
      vendors.forEach(({ vendorAccountId }, i) => {
        if (seen.has(vendorAccountId)) {
          throw new DomainError('rule_violated', 'DUPLICATE_VENDOR', `Vendor "${vendorAccountId}" is listed more than once`, `vendors[${i}].vendorAccountId`);
        }
        seen.add(vendorAccountId);
        refuseAsVendor(opened.accountId, vendorAccountId, candidates[i], `vendors[${i}].vendorAccountId`);
      });
      if (sameVendors(state.vendorsBySku.get(sku), vendors)) return [];
      return [{ type: 'VendorsRanked', data: { sku, vendors: vendors.map(copyOf) } }];
    }

    case 'UnmapVendor':
      return state.vendorsBySku.has(command.sku) ? [{ type: 'VendorUnmapped', data: { sku: command.sku } }] : [];

    default: {
      const unknown: never = command;
      throw new Error(`Unknown account command ${JSON.stringify(unknown)}`);
    }
  }
};

// ---- evolve --------------------------------------------------------------------------------

const evolve = (state: AccountState, event: AccountEvent): AccountState => {
  switch (event.type) {
    case 'AccountOpened': {
      const { accountId, name, accountType, apiKeyHash, settings, locationId, binId } = event.data;
      state.opened = { accountId, name, accountType, apiKeyHash };
      state.settings = { ...settings };
      state.locations.set(locationId, new Set([binId]));
      return state;
    }
    case 'ApiKeyRotated':
      state.opened = { ...state.opened!, apiKeyHash: event.data.apiKeyHash };
      return state;
    case 'AccountSettingsChanged':
      state.settings = { ...state.settings, ...definedChanges(event.data.changes) };
      return state;
    case 'BinAdded': {
      const bins = state.locations.get(event.data.locationId);
      if (bins === undefined) state.locations.set(event.data.locationId, new Set([event.data.binId]));
      else bins.add(event.data.binId);
      return state;
    }
    case 'VendorMapped':
      state.vendorsBySku.set(event.data.sku, [{ vendorAccountId: event.data.vendorAccountId }]);
      return state;
    case 'VendorsRanked':
      state.vendorsBySku.set(event.data.sku, event.data.vendors.map(copyOf));
      return state;
    case 'VendorUnmapped':
      state.vendorsBySku.delete(event.data.sku);
      return state;
    default: {
      const unknown: never = event;
      throw new Error(`Unknown account event ${JSON.stringify(unknown)}`);
    }
  }
};

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = { initialState, evolve, decide };
