/** Starts the worker: runs every processor against the configured stores until stopped. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, JsonLogger, loadConfig, stopOnSignals } from '@app/config';
import { ProcessorHost } from '@app/event-store/nest/processor-host';
import { READ_MODELS_PROCESSOR } from '@app/read-models/projections/read-models.projection';
import { Metrics } from '../../api/src/metrics/metrics';
import { serveMetrics } from './metrics-server';
import { WorkerModule } from './worker.module';

const main = async (): Promise<void> => {
  const config = loadConfig();
  if (config.READ_STORE === 'memory') {
    throw new ConfigError([{ variable: 'READ_STORE', message: 'the worker feeds shared read models: set READ_STORE=postgres or mongodb' }]);
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: new JsonLogger({ name: 'worker', level: config.LOG_LEVEL }),
  });
  await app.init();
  const logger = new Logger('Worker');
  const metrics = await serveMetrics(app.get(Metrics), config.HOST, config.WORKER_METRICS_PORT);
  stopOnSignals(async () => {
    await metrics.close();
    await app.close();
  }, logger);
  const names = [...app.get(ProcessorHost).processors().map((p) => p.name), READ_MODELS_PROCESSOR];
  logger.log({
    msg: `Running ${names.length} processors: ${names.join(', ')}`,
    eventStore: config.EVENT_STORE,
    readStore: config.READ_STORE,
    ...(config.EVENT_STORE === 'postgres' || config.READ_STORE === 'postgres' ? { postgresSchema: config.POSTGRES_SCHEMA } : {}),
    processors: names,
    metrics: metrics.url,
  });
};

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `The worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
