/**
 * What the PostgreSQL adapters share: names under a configurable schema, advisory-lock keys, and
 * versioned migrations.
 *
 * Every table lives in one schema (default `public`), so a test or a deployment can keep several
 * logs apart in one database. Each component (the event log, the checkpoints) has its own list of
 * migrations, numbered from 1; `schema_versions(component, version)` records those applied. A
 * migration runs in a transaction of its own with its version row, under a session advisory lock
 * keyed by the schema, so two processes starting at once apply each migration exactly once (the
 * second waits, then finds it applied), and a failed one leaves nothing behind.
 */
import { createHash } from 'node:crypto';
import { DatabaseError, escapeIdentifier, Pool, PoolClient } from 'pg';

export const DEFAULT_SCHEMA = 'public';

/** A 64-bit advisory-lock key (the single-bigint form) derived from `purpose` and `name`. */
export const advisoryKey = (purpose: string, name: string): bigint =>
  BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(`${purpose}\u0000${name}`).digest('hex').slice(0, 16)}`));

/** `"schema".name`, quoted. */
export const qualified = (schema: string, name: string): string => `${escapeIdentifier(schema)}.${escapeIdentifier(name)}`;

export const assertSchemaName = (schema: string): void => {
  // escapeIdentifier quotes anything; this only keeps names within what PostgreSQL stores whole.
  if (schema.length === 0 || Buffer.byteLength(schema) > 63) {
    throw new RangeError(`A schema name must be 1 to 63 bytes long, got "${schema}"`);
  }
};

/** A short stable tag of the schema, for names that must be unique per connection (prepared statements). */
export const schemaTag = (schema: string): string => createHash('sha256').update(schema).digest('hex').slice(0, 12);

export interface Migration {
  readonly version: number;
  /** SQL for the schema given (already quoted): one string, may hold several statements. */
  readonly sql: (schema: string) => string;
}

/**
 * Whether an error says the connection or the server failed (not the statement): then the outcome
 * of a write is unknown and running it again on the same terms is all one can do.
 */
export const isConnectionFailure = (error: unknown): boolean => {
  if (!(error instanceof DatabaseError)) return true;
  const code = error.code ?? '';
  // 08 connection exception, 53 insufficient resources, 57P operator intervention (shutdown,
  // terminated), 58 system error, XX internal error.
  return /^(08|53|57P|58|XX)/.test(code);
};

/** Applies the migrations of `component` not applied yet, under the schema's migration lock. */
export const migrate = async (
  pool: Pool,
  schema: string,
  component: string,
  migrations: readonly Migration[],
): Promise<void> => {
  assertSchemaName(schema);
  const quoted = escapeIdentifier(schema);
  const versions = qualified(schema, 'schema_versions');
  const lockKey = advisoryKey('event-store:migrate', schema).toString();
  const client: PoolClient = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${versions} (
           component  text        NOT NULL,
           version    integer     NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now(),
           PRIMARY KEY (component, version)
         )`,
      );
      const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${versions} WHERE component = $1`, [
        component,
      ]);
      const applied = new Set(rows.map((row) => row.version));
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql(quoted));
          await client.query(`INSERT INTO ${versions} (component, version) VALUES ($1, $2)`, [component, migration.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]).catch((error: unknown) => {
        // The session is gone (and its lock with it): do not give the connection back to the pool.
        broken = error instanceof Error ? error : new Error(String(error));
      });
    }
  } catch (error) {
    broken ??= isConnectionFailure(error) ? (error as Error) : undefined;
    throw error;
  } finally {
    client.release(broken ?? false);
  }
};
