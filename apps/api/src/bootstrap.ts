/** Builds the api application on Fastify; shared by main.ts and the tests. */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@app/config';
import { AppModule } from './app.module';
import { apiLogger, ApiLoggingOptions, installRequestLogging } from './http/request-log';
import { FASTIFY_EDGE_OPTIONS, installFastifyEdge } from './http/fastify-edge';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export const createApiApp = async (
  config: AppConfig,
  options: ApiLoggingOptions = {},
): Promise<NestFastifyApplication> => {
  const logger = apiLogger(config, options);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, ...FASTIFY_EDGE_OPTIONS }),
    // JSON only: Nest's form parser and Fastify's text parser would let other bodies through.
    { logger: options.logger === false ? false : logger, bufferLogs: false, bodyParser: false },
  );
  installRequestLogging(app, logger);
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  installFastifyEdge(app, config.ADMIN_TOKEN);
  return app;
};
