/**
 * Identifiers and quantities as SPEC.md defines them. Ids never contain a dot, so stream names
 * joined with dots parse back one way only.
 */
import { z } from 'zod';

export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Quantities stay far below 2^53 so that sums of them are exact. */
export const MAX_QUANTITY = 1_000_000_000;

export const Id = z
  .string()
  .regex(ID_PATTERN, { message: 'must be 1-64 characters from A-Z, a-z, 0-9, "_" and "-"' });
export const Sku = z
  .string()
  .regex(SKU_PATTERN, { message: 'must be 1-64 characters from A-Z, a-z, 0-9, ".", "_" and "-"' });
export const Quantity = z
  .number({ message: 'must be a number' })
  .int({ message: 'must be a whole number' })
  .positive({ message: 'must be positive' })
  .max(MAX_QUANTITY, { message: `must be at most ${MAX_QUANTITY}` });
/** Stock adjustments add or remove: any non-zero whole number. */
export const Adjustment = z
  .number({ message: 'must be a number' })
  .int({ message: 'must be a whole number' })
  .refine((n) => n !== 0, { message: 'must not be zero' })
  .refine((n) => Math.abs(n) <= MAX_QUANTITY, { message: `must be between -${MAX_QUANTITY} and ${MAX_QUANTITY}` });

export const MAIN_LOCATION_ID = 'main';
export const DEFAULT_BIN_ID = 'default';

export const AccountType = z.enum(['seller', 'vendor']);
export type AccountType = z.infer<typeof AccountType>;

export const OrderLine = z.object({ sku: Sku, quantity: Quantity });
export type OrderLine = z.infer<typeof OrderLine>;
