/**
 * `npm run rebuild`: rebuilds every read model from the first event, against the configured stores,
 * and prints `{events, durationMs}`. On shared read models (PostgreSQL, MongoDB) it asks the process
 * that runs the read-model projection (the worker) to rebuild, through the log, and prints its
 * answer; with `--local` it rebuilds them itself, for when no worker runs. On the embedded default
 * the read models live in the api's memory and are rebuilt at every start; here the command
 * replays the SQLite log into a throwaway store, which checks that every event still projects.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ConfigError, loadConfig } from '@app/config';
import { EventStoreModule } from '@app/event-store/nest/event-store.module';
import { ReadModelsModule } from '@app/read-models/nest/read-models.module';
import { ReadModelsService } from '@app/read-models/read-models.service';

const main = async (): Promise<void> => {
  // The live projection must not run beside the rebuild: this process starts none.
  const config = { ...loadConfig(), RUN_PROCESSORS: false };
  @Module({ imports: [EventStoreModule.forRoot(config), CqrsModule.forRoot(), ReadModelsModule] })
  class RebuildModule {}
  const app = await NestFactory.createApplicationContext(RebuildModule, { logger: ['error', 'warn'] });
  try {
    const local = config.READ_STORE === 'memory' || process.argv.includes('--local');
    const result = await app.get(ReadModelsService).rebuild({ local });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app.close();
  }
};

main().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `The rebuild failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
