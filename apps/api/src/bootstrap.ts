/** Builds the api application on Fastify; shared by main.ts and the tests. */
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig, logLevels } from '@app/config';
import { AppModule } from './app.module';

/** Request bodies above this are refused with 413 before they are parsed. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export const createApiApp = async (
  config: AppConfig,
  options: { logger?: false | ('error' | 'warn' | 'log' | 'debug')[] } = {},
): Promise<NestFastifyApplication> => {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    // JSON only: Nest's form parser and Fastify's text parser would let other bodies through.
    { logger: options.logger ?? logLevels(config.LOG_LEVEL), bufferLogs: false, bodyParser: false },
  );
  app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
  return app;
};
