/** Events and commands of an account: a seller or a vendor, its API key, settings, bins and vendor mappings. */
import { z } from 'zod';
import { AccountType, Id, Sku } from '../shared/ids';
import { Settings, SettingsPatch } from '../shared/settings';

/** At most this many vendors per SKU. */
export const MAX_RANKED_VENDORS = 10;
export const MAX_LEAD_TIME_DAYS = 3650;
/** Minimum order quantities and pack sizes stay small enough that a rounded PO line is a quantity. */
export const MAX_ROUNDING = 1_000_000;
/** A vendor without `leadTimeDays` delivers in a week. */
export const DEFAULT_LEAD_TIME_DAYS = 7;

/** SHA-256 (hex) of an API key; the key itself is never stored. */
const ApiKeyHash = z.string().regex(/^[0-9a-f]{64}$/);

export const AccountOpened = z.object({
  type: z.literal('AccountOpened'),
  data: z.object({
    accountId: Id,
    name: z.string().min(1).max(200),
    accountType: AccountType,
    settings: Settings,
    apiKeyHash: ApiKeyHash,
    /** The main location and its Default Bin, created with the account. */
    locationId: Id,
    binId: Id,
  }),
});
/** The account's API key was replaced: the new one works from now on, the one before no longer. */
export const ApiKeyRotated = z.object({
  type: z.literal('ApiKeyRotated'),
  data: z.object({ apiKeyHash: ApiKeyHash }),
});
export const AccountSettingsChanged = z.object({
  type: z.literal('AccountSettingsChanged'),
  /** Only the keys that changed, with their new values. */
  data: z.object({ changes: SettingsPatch }),
});
export const BinAdded = z.object({
  type: z.literal('BinAdded'),
  data: z.object({ locationId: Id, binId: Id }),
});
export const VendorMapped = z.object({
  type: z.literal('VendorMapped'),
  data: z.object({ sku: Sku, vendorAccountId: Id }),
});
/** Rounding and lead times of one vendor of a SKU; each kept only when given (defaults in `vendorTermsOf`). */
export const RankedVendor = z.object({
  vendorAccountId: Id,
  leadTimeDays: z.number().int().min(0).max(MAX_LEAD_TIME_DAYS).optional(),
  minOrderQuantity: z.number().int().positive().max(MAX_ROUNDING).optional(),
  packSize: z.number().int().positive().max(MAX_ROUNDING).optional(),
});
export type RankedVendor = z.infer<typeof RankedVendor>;

/**
 * The SKU's vendors, in preference order, replacing the list it had (a VendorMapped is a list of
 * one). The purchasing step buys from the first eligible one.
 */
export const VendorsRanked = z.object({
  type: z.literal('VendorsRanked'),
  data: z.object({ sku: Sku, vendors: z.array(RankedVendor).min(1).max(MAX_RANKED_VENDORS) }),
});
export const VendorUnmapped = z.object({
  type: z.literal('VendorUnmapped'),
  data: z.object({ sku: Sku }),
});

export const AccountEvent = z.discriminatedUnion('type', [
  AccountOpened,
  ApiKeyRotated,
  AccountSettingsChanged,
  BinAdded,
  VendorMapped,
  VendorsRanked,
  VendorUnmapped,
]);
export type AccountEvent = z.infer<typeof AccountEvent>;

/** What the decider knows of another account when asked to map a SKU to it. */
export type VendorCandidate = { readonly accountId: string; readonly accountType: AccountType } | undefined;

export type AccountCommand =
  | {
      readonly type: 'OpenAccount';
      readonly accountId: string;
      readonly name: string;
      readonly accountType: AccountType;
      /** Settings given at opening; missing keys take their defaults. */
      readonly settings: SettingsPatch;
      readonly apiKeyHash: string;
    }
  /** The key is made outside the domain (it is random); the domain keeps only its hash. */
  | { readonly type: 'RotateApiKey'; readonly apiKeyHash: string }
  | { readonly type: 'ChangeSettings'; readonly changes: SettingsPatch }
  | { readonly type: 'AddBin'; readonly locationId: string; readonly binId: string }
  | { readonly type: 'MapVendor'; readonly sku: string; readonly vendor: VendorCandidate; readonly vendorAccountId: string }
  | {
      /** Replaces the SKU's vendor list; `candidates[i]` is what is known of `vendors[i]`'s account. */
      readonly type: 'RankVendors';
      readonly sku: string;
      readonly vendors: readonly RankedVendor[];
      readonly candidates: readonly VendorCandidate[];
    }
  | { readonly type: 'UnmapVendor'; readonly sku: string };
