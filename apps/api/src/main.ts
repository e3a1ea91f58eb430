/** Starts the api: `npm start` (embedded default) or `node dist/apps/api/src/main.js`. */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, stopOnSignals } from '@app/config';
import { createApiApp } from './bootstrap';

const main = async (): Promise<void> => {
  const config = loadConfig();
  const app = await createApiApp(config);
  await app.listen(config.PORT, config.HOST);
  const logger = new Logger('Api');
  logger.log(
    `Listening on http://${config.HOST}:${config.PORT} (events: ${config.EVENT_STORE}` +
      `${config.EVENT_STORE === 'sqlite' ? ` at ${config.SQLITE_PATH}` : ''}, read models: ${config.READ_STORE}, ` +
      `processors: ${config.RUN_PROCESSORS ? 'in this process' : 'in the worker'})`,
  );
  stopOnSignals(() => app.close(), logger);
  if (config.adminTokenGenerated) {
    logger.warn(`ADMIN_TOKEN is not set; this run's admin token is: ${config.ADMIN_TOKEN}`);
  }
};

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`The api failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
