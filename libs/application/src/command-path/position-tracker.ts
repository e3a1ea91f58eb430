/**
 * Tracks, per request, the global position the client must wait for to read its own writes and
 * what it was told: the greatest position its commands appended or read a stream up to (a retried
 * request that appends nothing still names where the state it answers with stands).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Positions {
  appended: bigint | undefined;
  seen: bigint | undefined;
}

const storage = new AsyncLocalStorage<Positions>();

const max = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

export const trackPositions = async <T>(work: () => Promise<T>): Promise<{ result: T; position: bigint | undefined }> => {
  const positions: Positions = { appended: undefined, seen: undefined };
  const result = await storage.run(positions, work);
  return { result, position: max(positions.appended, positions.seen) };
};

export const recordAppended = (position: bigint): void => {
  const positions = storage.getStore();
  if (positions) positions.appended = max(positions.appended, position);
};

export const recordSeen = (position: bigint | undefined): void => {
  const positions = storage.getStore();
  if (positions) positions.seen = max(positions.seen, position);
};
