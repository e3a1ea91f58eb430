export * from './event-store.port';
export * from './checkpoints/checkpoint-store.port';
export * from './processors/processor-runner';
export * from './processors/parked-events';
export * from './fault-injection';
export * from './generational-cache';
export * from './processors/status-board';
export * from './processors/processor-lease';
export {
  advisoryKey as postgresAdvisoryKey,
  DEFAULT_SCHEMA as DEFAULT_POSTGRES_SCHEMA,
  migrate as migratePostgresSchema,
} from './postgres/postgres-schema';
export type { Migration as PostgresMigration } from './postgres/postgres-schema';
export * from './postgres/postgres-event-store';
export * from './postgres/postgres-checkpoint-store';
export * from './postgres/postgres-lease';
