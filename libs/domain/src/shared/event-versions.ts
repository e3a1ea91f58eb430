/**
 * Event schema versions and upcasters. Every event is written with the current version of its type
 * (metadata `schemaVersion`); an event written under an older version is brought to today's shape
 * by the upcasters of each version after it, before its schema parses it. An event without a
 * version is version 1. Upcasters are pure: they get the stored data and the event's id.
 */

type Upcaster = (data: Readonly<Record<string, unknown>>, eventId: string) => Record<string, unknown>;

interface TypeHistory {
  /** The version written today. */
  readonly current: number;
  /** `upcasters[v]` turns version v into version v + 1. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

const HISTORY: Readonly<Record<string, TypeHistory>> = {
  /**
   * OrderPlaced v1 (the first release) had `lines: [{sku, qty}]`, an `approvalRequired` flag and no
   * request fingerprint. v2: `lines: [{sku, quantity}]`, `awaitingApproval`, `requestHash`.
   */
  OrderPlaced: {
    current: 2,
    upcasters: {
      1: (data, eventId) => {
        const { lines, approvalRequired, ...rest } = data as { lines?: { sku: unknown; qty: unknown }[]; approvalRequired?: unknown };
        return {
          ...rest,
          lines: (lines ?? []).map((line) => ({ sku: line.sku, quantity: line.qty })),
          awaitingApproval: approvalRequired === true,
          // No fingerprint was kept: one that no retried request can match, stable per event.
          requestHash: `v1-${eventId}`,
        };
      },
    },
  },
  /** StockAdjusted v1 had no adjustment id: the event's own id stands in for it. */
  StockAdjusted: {
    current: 2,
    upcasters: {
      1: (data, eventId) => ({ adjustmentId: `v1-${eventId}`, ...data }),
    },
  },
};

/** The version an event of this type is written with today. */
export const currentVersion = (type: string): number => HISTORY[type]?.current ?? 1;

export class UnknownEventVersionError extends Error {
  constructor(
    readonly type: string,
    readonly version: unknown,
  ) {
    super(`${type} has no schema version ${String(version)} (today's is ${currentVersion(type)})`);
  }
}

/** Brings stored data of `type` at `version` to today's shape. */
export const upcast = (type: string, version: unknown, data: unknown, eventId: string): unknown => {
  const from = version === undefined ? 1 : version;
  const history = HISTORY[type];
  const current = history?.current ?? 1;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1 || from > current) {
    throw new UnknownEventVersionError(type, version);
  }
  if (from === current || typeof data !== 'object' || data === null) return data;
  let shaped = data as Record<string, unknown>;
  for (let v = from; v < current; v++) {
    const step = history!.upcasters[v];
    if (!step) throw new UnknownEventVersionError(type, v);
    shaped = step(shaped, eventId);
  }
  return shaped;
};
