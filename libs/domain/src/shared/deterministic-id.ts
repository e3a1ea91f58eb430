/**
 * Name-based ids (RFC 9562 UUID version 5): the same cause always gives the same id, so a step
 * that runs twice is recognised instead of repeated. Hashing is pure computation, not I/O.
 */
import { createHash } from 'node:crypto';

/** The namespace of this product's names (a fixed, random UUID). */
const NAMESPACE = Buffer.from('6f1c2a9e4b7d4e0f9a3c5d8e7b6a1f20', 'hex');

export const nameBasedUuid = (name: string): string => {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

/**
 * A short id that fits the Id pattern (1-64 of [A-Za-z0-9_-]), derived from its cause: e.g. the
 * purchase order for order O and vendor V. `prefix` says what it is.
 */
export const derivedId = (prefix: string, ...cause: string[]): string =>
  `${prefix}-${createHash('sha256').update(cause.join('\u0000'), 'utf8').digest('base64url').slice(0, 22)}`;
