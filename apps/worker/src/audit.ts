/**
 * `npm run audit -- <command>`: reads the configured event store for an auditor, as JSON lines.
 *
 *   stream <stream> [--raw]     the stream's events (today's shape, or as stored with --raw)
 *   trail <correlationId>       every event of one flow, in global order (scans the log)
 *   verify <stream> | --all     revisions contiguous from 0 and every payload valid; exits 1 on a problem
 *   verify --invariants         the product's invariants over the whole log (run it once the log is
 *                               quiet); one JSON line per breaking row, then a summary; exits 1 on any
 */
import { AuditService } from '@app/application/services/audit.service';
import { ConfigError, loadConfig } from '@app/config';
import { EventStore } from '@app/event-store';
import { connectEsdbEventStore } from '@app/event-store/esdb/esdb-event-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';

const USAGE = 'usage: npm run audit -- stream <stream> [--raw] | trail <correlationId> | verify <stream>|--all|--invariants';

const line = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

const run = async (store: EventStore, args: string[]): Promise<number> => {
  const audit = new AuditService(store);
  const [command, target, flag] = args;
  if (command === 'stream' && target) {
    for (const event of await audit.stream(target, { raw: flag === '--raw' })) line(event);
    return 0;
  }
  if (command === 'trail' && target) {
    for await (const event of audit.scanFlow(target)) line(event);
    return 0;
  }
  if (command === 'verify' && target === '--invariants') {
    const { violations, events, totals } = await audit.invariants();
    for (const violation of violations) line(violation);
    line({ invariants: 'checked', events, ...totals, violations: violations.length });
    return violations.length === 0 ? 0 : 1;
  }
  if (command === 'verify' && target) {
    const streams = target === '--all' ? await audit.streams() : [target];
    let failed = 0;
    for (const stream of streams) {
      const result = await audit.verify(stream);
      if (!result.ok) failed++;
      line(result);
    }
    line({ verified: streams.length, failed });
    return failed === 0 ? 0 : 1;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
};

const main = async (): Promise<void> => {
  const config = loadConfig();
  const store =
    config.EVENT_STORE === 'sqlite'
      ? new SqliteEventStore(openSqliteDatabase({ path: config.SQLITE_PATH, durability: config.SQLITE_DURABILITY }))
      : connectEsdbEventStore(config.ESDB_CONNECTION_STRING!);
  try {
    process.exitCode = await run(store, process.argv.slice(2));
  } finally {
    await store.close();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `The audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
