/**
 * Whether a PostgreSQL server is reachable at POSTGRES_TEST_URL (default
 * `postgres://postgres@127.0.0.1:5432/postgres`), decided synchronously while jest collects the
 * suites, so the suites that need one run wherever there is one and everywhere else are skipped
 * with one line that says so, never passed in silence (as describeWithDocker does for Docker).
 *
 * Each test file works in a database of its own: `createTestDatabase()` makes `evt_<random>` on
 * the server and drops it afterwards.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';

export const DEFAULT_POSTGRES_TEST_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export type PostgresAvailability =
  | { readonly available: true; readonly url: string }
  | { readonly available: false; readonly url: string; readonly reason: string };

export const postgresTestUrl = (env: NodeJS.ProcessEnv = process.env): string => env.POSTGRES_TEST_URL || DEFAULT_POSTGRES_TEST_URL;

/** The URL without its password, for messages. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
};

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Connects and runs `SELECT 1` from a child process (this check must be synchronous). */
const PROBE_SCRIPT = `
const { Client } = require('pg');
const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: Number(process.argv[2]) });
client.on('error', () => undefined);
client.connect()
  .then(() => client.query('SELECT 1'))
  .then(() => client.end())
  .then(() => process.exit(0), (error) => { process.stderr.write(String(error && error.message || error)); process.exit(1); });
`;

export const postgresAvailability = (
  options: { readonly url?: string; readonly timeoutMs?: number } = {},
): PostgresAvailability => {
  const url = options.url ?? postgresTestUrl();
  const timeoutMs = options.timeoutMs ?? 5000;
  const result = spawnSync(process.execPath, ['-e', PROBE_SCRIPT, url, String(timeoutMs)], {
    timeout: timeoutMs + 2000,
    encoding: 'utf8',
    cwd: __dirname,
  });
  if (result.status === 0) return { available: true, url };
  const reason = result.error
    ? oneLine(result.error.message)
    : oneLine(result.stderr ?? '') || `the probe exited with ${String(result.status ?? result.signal)}`;
  return { available: false, url, reason };
};

let cached: PostgresAvailability | undefined;

/**
 * A `describe` that runs where a PostgreSQL server answers. Elsewhere the suite is registered as
 * skipped and one line on stdout says why (written directly: jest shows no console output of a
 * test file whose tests are all skipped).
 */
export const describeWithPostgres = (title: string, fn: () => void): void => {
  cached ??= postgresAvailability();
  if (!cached.available) {
    process.stdout.write(`SKIPPED ${title}: no server reachable at ${redactUrl(cached.url)} (${cached.reason})\n`);
  }
  const gated = cached.available ? describe : describe.skip;
  gated(title, fn);
};

export interface TestDatabase {
  /** Connection string of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database (ending whatever connections are still on it). */
  drop(): Promise<void>;
}

/** Creates a fresh database `evt_<random>` on the server of `adminUrl`. */
export const createTestDatabase = async (adminUrl: string = postgresTestUrl()): Promise<TestDatabase> => {
  const name = `evt_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
};
