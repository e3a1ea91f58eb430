/**
 * Where the runners of a deployment publish their processors' state, so that a process that runs
 * none (an api beside a worker) can tell how they are: state, checkpoint, the last error, and a
 * heartbeat that goes stale when the process behind it dies. One entry per processor and instance
 * (a standby worker publishes too: `standby`, while another holds the processor's lease).
 */
export interface PublishedStatus {
  readonly name: string;
  /** A ProcessorState, or `standby` while waiting for the processor's lease. */
  readonly state: string;
  /** Decimal position, or null when it has finished no event yet. */
  readonly checkpoint: string | null;
  readonly error?: string;
  readonly resubscriptions: number;
  /** Who runs it: host and process id. */
  readonly instance: string;
  /** When it was published (ISO 8601); entries older than a few heartbeats are stale. */
  readonly heartbeatAt: string;
}

export interface ProcessorStatusBoard {
  publish(status: PublishedStatus): Promise<void>;
  /** Every entry, stale ones included. */
  read(): Promise<PublishedStatus[]>;
  /** Removes an instance's entry (it stopped cleanly). */
  remove(name: string, instance: string): Promise<void>;
}

/** How often a running processor says it is alive. */
export const STATUS_HEARTBEAT_MS = 2_000;
/** An entry not refreshed for this long is stale: its process is gone or stuck. */
export const STATUS_STALE_AFTER_MS = 15_000;

export const isStale = (status: PublishedStatus, now = Date.now()): boolean => now - Date.parse(status.heartbeatAt) > STATUS_STALE_AFTER_MS;

/** For tests and single-process use: the board in memory. */
export class MemoryStatusBoard implements ProcessorStatusBoard {
  private readonly entries = new Map<string, PublishedStatus>();

  async publish(status: PublishedStatus): Promise<void> {
    this.entries.set(`${status.name}\u0000${status.instance}`, status);
  }

  async read(): Promise<PublishedStatus[]> {
    return [...this.entries.values()];
  }

  async remove(name: string, instance: string): Promise<void> {
    this.entries.delete(`${name}\u0000${instance}`);
  }
}
