/**
 * Opens the SQLite file that holds the embedded default's event log and the processors'
 * checkpoints, with the pragmas both rely on. One file, one schema, created if missing.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * How hard a commit is pushed to disk.
 * - `full`: each commit is fsynced (WAL + synchronous=FULL): survives power loss. The default.
 * - `normal`: survives a crash of the process, may lose the last commits on power loss; faster.
 */
export type SqliteDurability = 'full' | 'normal';

export interface SqliteOptions {
  /** A file path, or `:memory:` for a private in-memory database. */
  readonly path: string;
  readonly durability?: SqliteDurability;
  /**
   * Opens an existing file for reading only (an audit): nothing is created, neither the file nor
   * its schema; a missing file throws (better-sqlite3's "unable to open database file").
   */
  readonly readOnly?: boolean;
}

export type SqliteDatabase = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY,
  stream_name TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream_name, revision)
);
CREATE UNIQUE INDEX IF NOT EXISTS events_event_id ON events (event_id);
CREATE TABLE IF NOT EXISTS checkpoints (
  processor  TEXT PRIMARY KEY,
  position   TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
`;

export const openSqliteDatabase = (options: SqliteOptions): SqliteDatabase => {
  if (options.readOnly) {
    const db = new Database(options.path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  }
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  if (options.path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${(options.durability ?? 'full').toUpperCase()}`);
  // Another process (the worker, an audit tool) may hold the write lock for a moment.
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
};
