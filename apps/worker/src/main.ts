/** Starts the worker: runs every processor against the configured stores until stopped. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig, logLevels, stopOnSignals } from '@app/config';
import { ProcessorHost } from '@app/event-store/nest/processor-host';
import { WorkerModule } from './worker.module';

const main = async (): Promise<void> => {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: logLevels(config.LOG_LEVEL),
  });
  await app.init();
  stopOnSignals(() => app.close(), new Logger('Worker'));
  const names = app.get(ProcessorHost).processors().map((p) => p.name);
  new Logger('Worker').log(`Running ${names.length} processors: ${names.join(', ') || '(none registered)'}`);
};

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `The worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
