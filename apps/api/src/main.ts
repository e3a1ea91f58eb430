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
  const url = `http://${config.HOST}:${config.PORT}`;
  // One line says where it listens, on what, and (only when it was generated) the admin token.
  const start = {
    url,
    eventStore: config.EVENT_STORE,
    ...(config.EVENT_STORE === 'sqlite' ? { sqlitePath: config.SQLITE_PATH } : {}),
    ...(config.EVENT_STORE === 'postgres' || config.READ_STORE === 'postgres' ? { postgresSchema: config.POSTGRES_SCHEMA } : {}),
    readStore: config.READ_STORE,
    processors: config.RUN_PROCESSORS ? 'in this process' : 'in the worker',
  };
  if (config.adminTokenGenerated) {
    logger.warn({
      msg: `Listening on ${url}; ADMIN_TOKEN is not set, this run's admin token is: ${config.ADMIN_TOKEN}`,
      ...start,
      adminToken: config.ADMIN_TOKEN,
    });
  } else {
    logger.log({ msg: `Listening on ${url}`, ...start });
  }
  stopOnSignals(() => app.close(), logger);
};

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`The api failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
