/**
 * One active instance per processor. Before a process runs a processor it acquires the processor's
 * lease, and it stops the processor when the lease is lost (another process may then take it over).
 * The checkpoint's compare-and-set stays the last line of defence: between a lease lost and its
 * holder noticing, a second instance cannot move the checkpoint the first one moved.
 *
 * `InProcessLease` grants every lease at once and never loses one: the embedded default runs every
 * processor in one process. `PostgresLease` (postgres/postgres-lease.ts) holds a PostgreSQL advisory
 * lock on a connection of its own for as long as the lease is held.
 */

export interface LeaseHandle {
  /** Resolves when the lease is lost (not when it is released): stop the processor then. */
  readonly lost: Promise<void>;
  /** Gives the lease up; another instance may take it from then on. */
  release(): Promise<void>;
}

export interface ProcessorLease {
  /**
   * Resolves once this instance holds the lease of `name`, waiting for as long as another holds it.
   * Rejects with the signal's reason when `signal` aborts first.
   */
  acquire(name: string, signal?: AbortSignal): Promise<LeaseHandle>;
}

/** Always granted, never lost: for the embedded default, where one process runs every processor. */
export class InProcessLease implements ProcessorLease {
  async acquire(_name: string, signal?: AbortSignal): Promise<LeaseHandle> {
    signal?.throwIfAborted();
    return { lost: new Promise<void>(() => undefined), release: async () => undefined };
  }
}
