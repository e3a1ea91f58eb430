/**
 * What a request's client must wait for to read its own writes: the greatest position its
 * commands appended, or read a stream up to (a retried request that appends nothing still names
 * where the state it answers with stands). It travels in the command context, so every step of
 * the request records into the same one; contexts without it (sagas) record nothing.
 */
const max = (a: bigint | undefined, b: bigint | undefined) => (a === undefined ? b : b === undefined ? a : a > b ? a : b);

export class EventPositions {
  private appended: bigint | undefined;
  private seen: bigint | undefined;

  recordAppended(position: bigint): void {
    this.appended = max(this.appended, position);
  }

  recordSeen(position: bigint | undefined): void {
    this.seen = max(this.seen, position);
  }

  /** The position to answer with, if the request appended or read anything. */
  get position(): bigint | undefined {
    return max(this.appended, this.seen);
  }
}
