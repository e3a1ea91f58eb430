/**
 * The account decider: opening a seller or vendor account, its API key, its settings, the bins of its
 * locations and the vendor each SKU is bought from. The selectors below are how the rest of the
 * system reads an account; the order in which bins give stock lives only here.
 */
import { DomainError, Decider } from '../shared/decider';
import { AccountType, DEFAULT_BIN_ID, MAIN_LOCATION_ID } from '../shared/ids';
import { DEFAULT_SETTINGS, Settings, SettingsPatch } from '../shared/settings';
import { AccountCommand, AccountEvent } from './account.events';

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
  /** SKU → the vendor account it is bought from. */
  readonly vendorBySku: Map<string, string>;
};

const initialState = (): AccountState => ({
  settings: DEFAULT_SETTINGS,
  locations: new Map(),
  vendorBySku: new Map(),
});

// ---- selectors -----------------------------------------------------------------------------

export const accountExists = (state: AccountState): boolean => state.opened !== undefined;

export const accountIdOf = (state: AccountState): string | undefined => state.opened?.accountId;

export const accountTypeOf = (state: AccountState): AccountType | undefined => state.opened?.accountType;

export const settingsOf = (state: AccountState): Readonly<Settings> => state.settings;

export const hasBin = (state: AccountState, locationId: string, binId: string): boolean =>
  state.locations.get(locationId)?.has(binId) ?? false;

export const mappedVendor = (state: AccountState, sku: string): string | undefined => state.vendorBySku.get(sku);

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
      // Checked on the id first: the seller's own account exists, and may itself be a vendor.
      if (vendorAccountId === opened.accountId) {
        throw new DomainError('rule_violated', 'VENDOR_IS_SELF', 'An account cannot be its own vendor', 'vendorAccountId');
      }
      if (vendor === undefined) {
        throw new DomainError('rule_violated', 'VENDOR_NOT_FOUND', `Account "${vendorAccountId}" does not exist`, 'vendorAccountId');
      }
      if (vendor.accountType !== 'vendor') {
        throw new DomainError('rule_violated', 'NOT_A_VENDOR', `Account "${vendorAccountId}" is not a vendor`, 'vendorAccountId');
      }
      if (state.vendorBySku.get(sku) === vendorAccountId) return [];
      return [{ type: 'VendorMapped', data: { sku, vendorAccountId } }];
    }

    case 'UnmapVendor':
      return state.vendorBySku.has(command.sku) ? [{ type: 'VendorUnmapped', data: { sku: command.sku } }] : [];

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
      state.vendorBySku.set(event.data.sku, event.data.vendorAccountId);
      return state;
    case 'VendorUnmapped':
      state.vendorBySku.delete(event.data.sku);
      return state;
    default: {
      const unknown: never = event;
      throw new Error(`Unknown account event ${JSON.stringify(unknown)}`);
    }
  }
};

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = { initialState, evolve, decide };
