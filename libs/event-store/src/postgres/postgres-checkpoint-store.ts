/**
 * Processor checkpoints in PostgreSQL, beside the events: `checkpoints(name primary key, position
 * bigint)` under the same configurable schema. A write is one compare-and-set statement: an
 * insert that does nothing when the row exists (first checkpoint), or an update of the row that
 * still holds the expected position; anything else is a CheckpointConflictError.
 *
 * As on SQLite, checkpoint writes are not durable by default: the statement commits with
 * `synchronous_commit = off` (set for its own transaction only), so it does not wait for a WAL
 * flush. A checkpoint lost to a crash of the server only makes a processor handle a few events
 * again, which every handler tolerates; pass `durable: true` to wait for the flush anyway.
 */
import { Pool } from 'pg';
import { CheckpointConflictError, CheckpointStore } from '../checkpoints/checkpoint-store.port';
import { assertSchemaName, DEFAULT_SCHEMA, migrate, Migration, qualified, schemaTag } from './postgres-schema';

export interface PostgresCheckpointStoreOptions {
  readonly pool: Pool;
  /** Schema of the table; `public` by default. */
  readonly schema?: string;
  /** Whether each write waits for its WAL flush; false by default. */
  readonly durable?: boolean;
}

const CHECKPOINTS_COMPONENT = 'checkpoints';

const checkpointMigrations: Migration[] = [
  {
    version: 1,
    sql: (s) => `
      CREATE TABLE ${s}.checkpoints (
        name       text        PRIMARY KEY,
        position   bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      -- Compare-and-set: true when the checkpoint moved. p_expected NULL: only if none is stored.
      CREATE FUNCTION ${s}.store_checkpoint(p_name text, p_position bigint, p_expected bigint, p_durable boolean)
      RETURNS boolean
      LANGUAGE plpgsql AS $store$
      DECLARE
        v_changed integer;
      BEGIN
        IF NOT p_durable THEN
          -- For this statement's own transaction only.
          PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        IF p_expected IS NULL THEN
          INSERT INTO ${s}.checkpoints (name, position) VALUES (p_name, p_position) ON CONFLICT (name) DO NOTHING;
        ELSE
          UPDATE ${s}.checkpoints SET position = p_position, updated_at = now()
           WHERE name = p_name AND position = p_expected;
        END IF;
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        RETURN v_changed = 1;
      END
      $store$;
    `,
  },
];

export class PostgresCheckpointStore implements CheckpointStore {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly durable: boolean;
  private readonly tag: string;
  private readonly sql;

  constructor(options: PostgresCheckpointStoreOptions) {
    this.pool = options.pool;
    this.schema = options.schema ?? DEFAULT_SCHEMA;
    assertSchemaName(this.schema);
    this.durable = options.durable ?? false;
    this.tag = schemaTag(this.schema);
    const table = qualified(this.schema, 'checkpoints');
    this.sql = {
      load: `SELECT position::text AS position FROM ${table} WHERE name = $1`,
      store: `SELECT ${qualified(this.schema, 'store_checkpoint')}($1, $2::bigint, $3::bigint, $4) AS moved`,
      reset: `DELETE FROM ${table} WHERE name = $1`,
    };
  }

  /** A store whose schema is migrated. */
  static async open(options: PostgresCheckpointStoreOptions): Promise<PostgresCheckpointStore> {
    const store = new PostgresCheckpointStore(options);
    await store.migrate();
    return store;
  }

  /** Creates or upgrades the schema (idempotent; safe with several processes starting at once). */
  migrate(): Promise<void> {
    return migrate(this.pool, this.schema, CHECKPOINTS_COMPONENT, checkpointMigrations);
  }

  async load(processorName: string): Promise<bigint | undefined> {
    const { rows } = await this.pool.query<{ position: string }>({
      name: `cp-load-${this.tag}`,
      text: this.sql.load,
      values: [processorName],
    });
    return rows[0] ? BigInt(rows[0].position) : undefined;
  }

  async store(processorName: string, position: bigint, expected: bigint | undefined): Promise<void> {
    const { rows } = await this.pool.query<{ moved: boolean }>({
      name: `cp-store-${this.tag}`,
      text: this.sql.store,
      values: [processorName, position.toString(), expected === undefined ? null : expected.toString(), this.durable],
    });
    if (!rows[0]?.moved) throw new CheckpointConflictError(processorName, expected);
  }

  async reset(processorName: string): Promise<void> {
    await this.pool.query({ name: `cp-reset-${this.tag}`, text: this.sql.reset, values: [processorName] });
  }
}
