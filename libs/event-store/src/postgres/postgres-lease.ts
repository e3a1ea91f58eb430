/**
 * Processor leases as PostgreSQL session advisory locks: a held lease is `pg_try_advisory_lock(key)`
 * granted on a connection of its own, kept open for as long as the lease is held. When the process
 * dies, or its connection is cut, the server ends the session and the lock with it, so another
 * process takes the lease over at its next poll.
 *
 * `acquire` tries every `pollIntervalMs` (500 ms by default) until it is granted or its signal
 * aborts; a connection failure while waiting only makes it connect again. A held lease's `lost`
 * resolves when its connection errors or ends; a heartbeat (`SELECT 1` every `heartbeatIntervalMs`,
 * which must answer within `heartbeatTimeoutMs`) notices a connection that died in silence. Then the
 * server may still hold the lock for a while (until it notices too): no instance runs meanwhile,
 * which is the safe side.
 *
 * Keys are 64 bits of SHA-256 of the namespace and the processor name, in the single-bigint key
 * space (the event store's own locks use other keys of it); the namespace (default `public`, like
 * the schema) keeps deployments that share a database apart.
 */
import { Client, ClientConfig } from 'pg';
import { LeaseHandle, ProcessorLease } from '../processors/processor-lease';
import { advisoryKey, DEFAULT_SCHEMA } from './postgres-schema';
import type { PostgresLogger } from './postgres-event-store';

export interface PostgresLeaseOptions {
  /** Makes the dedicated connection of one lease (not connected yet). */
  readonly connect: () => Client;
  /** Keeps the leases of deployments sharing a database apart; `public` by default. */
  readonly namespace?: string;
  readonly pollIntervalMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly logger?: PostgresLogger;
}

/** A held lease, with the server process that holds it (for diagnosis and tests). */
export interface PostgresLeaseHandle extends LeaseHandle {
  readonly name: string;
  readonly backendPid: number;
}

const abortError = (signal: AbortSignal): unknown => signal.reason ?? new Error('Aborted');

/** Resolves after `ms`, or at once when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class PostgresLease implements ProcessorLease {
  private readonly namespace: string;
  private readonly pollIntervalMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly logger: PostgresLogger;

  constructor(private readonly options: PostgresLeaseOptions) {
    this.namespace = options.namespace ?? DEFAULT_SCHEMA;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 10_000;
    this.logger = options.logger ?? { warn: (message) => console.warn(message) };
  }

  /** Leases whose connections are made from `config` (with TCP keep-alive on). */
  static fromConfig(config: ClientConfig, options: Omit<PostgresLeaseOptions, 'connect'> = {}): PostgresLease {
    return new PostgresLease({
      ...options,
      connect: () => new Client({ keepAlive: true, application_name: 'processor-lease', ...config }),
    });
  }

  /** The advisory-lock key of a processor's lease. */
  keyOf(name: string): bigint {
    return advisoryKey(`processor-lease:${this.namespace}`, name);
  }

  async acquire(name: string, signal?: AbortSignal): Promise<PostgresLeaseHandle> {
    const key = this.keyOf(name).toString();
    let warned = false;
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const session = new Session(this.options.connect());
      try {
        await session.open();
        while (!session.gone) {
          if (signal?.aborted) throw abortError(signal);
          const { rows } = await session.client.query<{ granted: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS granted', [key]);
          if (rows[0]?.granted) return this.held(name, key, session);
          await sleep(this.pollIntervalMs, signal);
        }
      } catch (error) {
        await session.end();
        if (signal?.aborted) throw abortError(signal);
        // Once per run of failures: the database may stay away for a while.
        if (!warned) {
          warned = true;
          this.logger.warn(`Lease "${name}": its connection failed (${String((error as Error)?.message ?? error)}); trying again every ${this.pollIntervalMs} ms`);
        }
        await sleep(this.pollIntervalMs, signal);
        continue;
      }
      // The connection ended while waiting: a new one, after a pause.
      await session.end();
      await sleep(this.pollIntervalMs, signal);
    }
  }

  private held(name: string, key: string, session: Session): PostgresLeaseHandle {
    let released = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const lost = session.ended.then(() => {
      clearTimeout(heartbeat);
      if (released) return new Promise<void>(() => undefined); // released, not lost: never resolves
      this.logger.warn(`Lease "${name}" lost: its connection ended`);
      return undefined;
    });
    const beat = () => {
      heartbeat = setTimeout(async () => {
        if (released || session.gone) return;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            session.client.query('SELECT 1'),
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('heartbeat timed out')), this.heartbeatTimeoutMs))),
          ]);
          beat();
        } catch {
          // Unanswered or failed: the lease can no longer be trusted.
          void session.end();
        } finally {
          clearTimeout(timer);
        }
      }, this.heartbeatIntervalMs);
      heartbeat.unref?.();
    };
    beat();
    return {
      name,
      backendPid: session.pid,
      lost,
      release: async () => {
        if (released) return;
        released = true;
        clearTimeout(heartbeat);
        if (!session.gone) await session.client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => undefined);
        await session.end();
      },
    };
  }
}

/** One lease's connection; `ended` resolves when it errors or ends, whoever ends it. */
class Session {
  gone = false;
  pid = 0;
  readonly ended: Promise<void>;
  private markEnded!: () => void;

  constructor(readonly client: Client) {
    this.ended = new Promise<void>((resolve) => (this.markEnded = resolve));
    const lost = () => {
      if (this.gone) return;
      this.gone = true;
      this.markEnded();
      client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('end', lost);
  }

  async open(): Promise<void> {
    await this.client.connect();
    const { rows } = await this.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    this.pid = rows[0]!.pid;
  }

  async end(): Promise<void> {
    const wasGone = this.gone;
    this.gone = true;
    this.markEnded();
    if (!wasGone) await this.client.end().catch(() => undefined);
  }
}
