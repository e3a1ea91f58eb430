/**
 * `npm run --silent audit -- <command>`: reads the configured event log for an auditor, as JSON
 * lines on stdout. It only reads: a log that is not there is an error, never created (the SQLite
 * file is opened read-only and must exist; the PostgreSQL schema must hold the events table).
 * `--help` lists the commands, the exit codes and the stream names.
 */
import { Pool, Client } from 'pg';
import { FULFILMENT } from '@app/application/sagas/fulfilment.saga';
import { ALLOCATION } from '@app/application/sagas/allocation.saga';
import { AuditService, STREAM_KINDS } from '@app/application/services/audit.service';
import { AppConfig, ConfigError, loadConfig } from '@app/config';
import { EventStore } from '@app/event-store';
import { connectEsdbEventStore } from '@app/event-store/esdb/esdb-event-store';
import { parkedStreamOf } from '@app/event-store/processors/parked-events';
import { PostgresEventStore } from '@app/event-store/postgres/postgres-event-store';
import { qualified } from '@app/event-store/postgres/postgres-schema';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { READ_MODELS_PROCESSOR } from '@app/read-models/projections/read-models.projection';
import { REBUILD_CONTROL_STREAM } from '@app/read-models/read-models.service';

/** The answer was "not there" or "wrong": no such stream or flow, a verification or an invariant failed. */
const EXIT_FOUND_PROBLEM = 1;
/** The audit could not run: bad arguments or configuration, no event log where configured, the store failed. */
const EXIT_CANNOT_RUN = 2;

const streamNames = (): string => {
  const rows = [
    ...STREAM_KINDS.map((kind) => ({ pattern: kind.pattern, example: kind.example, holds: `the ${kind.aggregate.category} aggregate` })),
    { pattern: parkedStreamOf('<processor>'), example: parkedStreamOf(FULFILMENT), holds: 'the events a processor parked, and their retries' },
    { pattern: REBUILD_CONTROL_STREAM, example: REBUILD_CONTROL_STREAM, holds: 'read-model rebuild requests and their answers' },
  ];
  const width = Math.max(...rows.map((row) => row.pattern.length));
  return rows.map((row) => `  ${row.pattern.padEnd(width)}  e.g. ${row.example}  (${row.holds})`).join('\n');
};

const help = (): string => `usage: npm run --silent audit -- <command>

Reads the configured event log (EVENT_STORE=sqlite with SQLITE_PATH, the default ./data/events.sqlite;
postgres with POSTGRES_URL and POSTGRES_SCHEMA; esdb with ESDB_CONNECTION_STRING) and prints JSON lines.

Commands:
  stream <stream> [--raw]   the stream's events in revision order, in today's shape (--raw: as stored)
  trail <correlationId>     every event of one flow, in log order (scans the whole log); a flow is named
                            by the stream that started it, e.g. ${STREAM_KINDS.find((k) => k.aggregate.category === 'order')?.example ?? 'order-S.o1'}
  verify <stream>           the stream's revisions run from 0 without a gap and every event parses
  verify --all              the same for every stream of the log, then {"verified", "failed"}
  verify --invariants       the product's invariants over the whole log (run it once the log is quiet):
                            one line per breaking row, then a summary
  help, --help              this text

Exit codes:
  0  done, nothing wrong (also when the reader of stdout went away, e.g. \`| head -1\`)
  1  the log answered, and the answer is a problem: no stream or flow of that name ("no stream named X"
     on stderr), a stream that does not verify, a broken invariant
  2  the audit could not run: bad arguments, invalid configuration, no event log where configured (it
     never creates one), the store unreachable or failing
  (1 and 2 differ as for grep: 1 is an answer about the log, 2 means there was no answer.)

Stream names (built by the functions that name them; ids are 1-64 of A-Z a-z 0-9 _ -, joined with dots):
${streamNames()}
  processors: ${[FULFILMENT, ALLOCATION, READ_MODELS_PROCESSOR].join(', ')}
`;

class UsageError extends Error {}
/** Nothing to open: no event log where the configuration points. */
class NoEventLogError extends Error {}
/** The reader of stdout went away (`| head`): stop writing and end quietly. */
class ReaderGone extends Error {}

/** JSON lines on stdout, with backpressure; a closed pipe (EPIPE) stops the command instead of crashing it. */
class Output {
  private gone = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') {
        process.stderr.write(`The audit cannot write its output: ${error.message}\n`);
        process.exit(EXIT_CANNOT_RUN);
      }
      this.gone = true;
      process.exitCode = 0;
    });
  }

  get readerGone(): boolean {
    return this.gone;
  }

  async line(value: unknown): Promise<void> {
    if (this.gone) throw new ReaderGone();
    if (this.stream.write(`${JSON.stringify(value)}\n`)) return;
    if (!this.stream.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
    if (this.gone || this.stream.destroyed) throw new ReaderGone();
  }
}

const out = new Output(process.stdout);

const noStream = (name: string) => {
  process.stderr.write(`no stream named ${name}\n`);
  return EXIT_FOUND_PROBLEM;
};

const run = async (store: EventStore, args: readonly string[]): Promise<number> => {
  const audit = new AuditService(store);
  const [command, target, flag, ...rest] = args;
  if (command === 'stream' && target && (flag === undefined || flag === '--raw') && rest.length === 0) {
    const events = await audit.stream(target, { raw: flag === '--raw' });
    if (events.length === 0) return noStream(target);
    for (const event of events) await out.line(event);
    return 0;
  }
  if (command === 'trail' && target && flag === undefined) {
    let found = 0;
    for await (const event of audit.scanFlow(target)) {
      found++;
      await out.line(event);
    }
    if (found > 0) return 0;
    process.stderr.write(`no flow named ${target} (no event has it as its correlationId)\n`);
    return EXIT_FOUND_PROBLEM;
  }
  if (command === 'verify' && target === '--invariants' && flag === undefined) {
    const { violations, events, totals } = await audit.invariants();
    for (const violation of violations) await out.line(violation);
    await out.line({ invariants: 'checked', events, ...totals, violations: violations.length });
    return violations.length === 0 ? 0 : EXIT_FOUND_PROBLEM;
  }
  if (command === 'verify' && target && flag === undefined) {
    const streams = target === '--all' ? await audit.streams() : [target];
    let failed = 0;
    for (const stream of streams) {
      const result = await audit.verify(stream);
      if (target !== '--all' && result.events === 0) return noStream(target);
      if (!result.ok) failed++;
      await out.line(result);
    }
    await out.line({ verified: streams.length, failed });
    return failed === 0 ? 0 : EXIT_FOUND_PROBLEM;
  }
  throw new UsageError(command === undefined ? 'a command is needed' : `cannot read "${args.join(' ')}"`);
};

/** The configured log, opened for reading only; NoEventLogError when there is none. */
const openStore = async (config: AppConfig): Promise<EventStore> => {
  if (config.EVENT_STORE === 'sqlite') {
    let db;
    try {
      db = openSqliteDatabase({ path: config.SQLITE_PATH, readOnly: true });
    } catch (error) {
      throw new NoEventLogError(`no event log at ${config.SQLITE_PATH} (SQLITE_PATH): ${error instanceof Error ? error.message : String(error)}`);
    }
    const hasEvents = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'`).get() !== undefined;
    if (!hasEvents) {
      db.close();
      throw new NoEventLogError(`no event log at ${config.SQLITE_PATH} (SQLITE_PATH): the file has no events table`);
    }
    return new SqliteEventStore(db, { ownsDatabase: true });
  }
  if (config.EVENT_STORE === 'postgres') {
    const pool = new Pool({ connectionString: config.POSTGRES_URL, max: 2, application_name: 'backorders:audit' });
    pool.on('error', () => undefined);
    const table = qualified(config.POSTGRES_SCHEMA, 'events');
    try {
      const { rows } = await pool.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
      if (!rows[0]?.found) throw new NoEventLogError(`no event log in PostgreSQL schema "${config.POSTGRES_SCHEMA}" (POSTGRES_SCHEMA): it has no events table`);
    } catch (error) {
      await pool.end();
      throw error;
    }
    // Not migrated: the audit reads what is there and creates nothing.
    return new PostgresEventStore({
      pool,
      ownsPool: true,
      schema: config.POSTGRES_SCHEMA,
      listenClient: () => new Client({ connectionString: config.POSTGRES_URL, application_name: 'backorders:audit:listen' }),
    });
  }
  return connectEsdbEventStore(config.ESDB_CONNECTION_STRING!);
};

const main = async (): Promise<number> => {
  const args = process.argv.slice(2);
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h' || args[0] === 'help')) {
    process.stdout.write(help());
    return 0;
  }
  if (args.length === 0) throw new UsageError('a command is needed');
  const store = await openStore(loadConfig());
  try {
    return await run(store, args);
  } catch (error) {
    if (error instanceof ReaderGone) return 0;
    throw error;
  } finally {
    await store.close();
  }
};

main().then(
  (code) => {
    // Not process.exit(): what is still buffered for stdout is written first.
    process.exitCode = out.readerGone ? 0 : code;
  },
  (error: unknown) => {
    const message =
      error instanceof UsageError
        ? `${error.message}; see npm run audit -- --help`
        : error instanceof ConfigError || error instanceof NoEventLogError
          ? error.message
          : `The audit failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exit(EXIT_CANNOT_RUN);
  },
);
