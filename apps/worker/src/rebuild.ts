/**
 * `npm run rebuild`: rebuilds every read model from the first event, against the configured stores,
 * and prints `{events, durationMs}`. On shared read models (PostgreSQL, MongoDB) it asks the process
 * that runs the read-model projection (the worker) to rebuild, through the log, and prints its
 * answer; with `--local` it rebuilds them itself, for when no worker runs. On the embedded default
 * the read models live in the api's memory and are rebuilt at every start; here the command
 * replays the SQLite log into a throwaway store, which checks that every event still projects.
 *
 * A rebuild here reports its progress (events done of the head, rate, time left): a line redrawn
 * on stderr when it is a terminal, otherwise a log line every 5 s (`--progress-every <seconds>`)
 * and a final one. The JSON answer stays the last line of stdout.
 */
import 'reflect-metadata';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ConfigError, loadConfig } from '@app/config';
import { EventStoreModule } from '@app/event-store/nest/event-store.module';
import { ReadModelsModule } from '@app/read-models/nest/read-models.module';
import { ReadModelsService } from '@app/read-models/read-models.service';

const USAGE = `usage: npm run rebuild -- [--local] [--progress-every <seconds>]

  --local                    on shared read models, rebuild them here instead of asking the worker
  --progress-every <seconds> how often a progress line is logged when stderr is not a terminal (default 5)

Exit codes: 0 rebuilt; 1 the rebuild failed, or the configuration is invalid; 2 bad arguments.`;

class UsageError extends Error {}

const parseArgs = (args: readonly string[]): { local: boolean; logIntervalMs?: number } => {
  let local = false;
  let logIntervalMs: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--local') local = true;
    else if (arg === '--progress-every') {
      const seconds = Number(args[++i]);
      if (!(seconds > 0)) throw new UsageError('--progress-every takes a number of seconds above 0');
      logIntervalMs = seconds * 1000;
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return { local, ...(logIntervalMs === undefined ? {} : { logIntervalMs }) };
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options = parseArgs(args);
  // The live projection must not run beside the rebuild: this process starts none.
  const config = { ...loadConfig(), RUN_PROCESSORS: false };
  @Module({ imports: [EventStoreModule.forRoot(config), CqrsModule.forRoot(), ReadModelsModule] })
  class RebuildModule {}
  const app = await NestFactory.createApplicationContext(RebuildModule, { logger: ['error', 'warn'] });
  // Quiet while the modules start; the rebuild's progress lines are at level `log`.
  app.useLogger(['error', 'warn', 'log']);
  try {
    const local = config.READ_STORE === 'memory' || options.local;
    if (!local) new Logger('Rebuild').log('Asking the process that runs the read-model projection (the worker) to rebuild; its progress is in its log');
    const progress = options.logIntervalMs === undefined ? {} : { logIntervalMs: options.logIntervalMs };
    const result = await app.get(ReadModelsService).rebuild({ local, progress });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app.close();
  }
};

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `The rebuild failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
