/**
 * The processors' published state in PostgreSQL, beside their checkpoints: one row per processor
 * and instance, upserted at every heartbeat; a process that runs no processor (an api beside a
 * worker) reads it for `/health`.
 */
import { Pool } from 'pg';
import { ProcessorStatusBoard, PublishedStatus } from '../processors/status-board';
import { assertSchemaName, DEFAULT_SCHEMA, migrate, Migration, qualified } from './postgres-schema';

const STATUS_COMPONENT = 'processor-status';

const statusMigrations: Migration[] = [
  {
    version: 1,
    sql: (s) => `
      CREATE TABLE ${s}.processor_status (
        name       text        NOT NULL,
        instance   text        NOT NULL,
        status     jsonb       NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, instance)
      );
    `,
  },
];

export class PostgresStatusBoard implements ProcessorStatusBoard {
  private readonly table: string;
  private migrated: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string = DEFAULT_SCHEMA,
  ) {
    assertSchemaName(schema);
    this.table = qualified(schema, 'processor_status');
  }

  /** Creates the table when missing (idempotent; every call waits for it). */
  migrate(): Promise<void> {
    this.migrated ??= migrate(this.pool, this.schema, STATUS_COMPONENT, statusMigrations).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  async publish(status: PublishedStatus): Promise<void> {
    await this.migrate();
    await this.pool.query(
      `INSERT INTO ${this.table} (name, instance, status, updated_at) VALUES ($1, $2, $3::jsonb, now())
       ON CONFLICT (name, instance) DO UPDATE SET status = EXCLUDED.status, updated_at = now()`,
      [status.name, status.instance, JSON.stringify(status)],
    );
  }

  async read(): Promise<PublishedStatus[]> {
    await this.migrate();
    const result = await this.pool.query<{ status: PublishedStatus }>(`SELECT status FROM ${this.table} ORDER BY name, instance`);
    return result.rows.map((row) => row.status);
  }

  async remove(name: string, instance: string): Promise<void> {
    await this.migrate();
    await this.pool.query(`DELETE FROM ${this.table} WHERE name = $1 AND instance = $2`, [name, instance]);
  }
}
