/**
 * The ceiling of the service benchmark: a bare Nest application on the same HTTP adapter as the api
 * (Fastify through @nestjs/platform-fastify, the same body limit, Nest's body parser off as in
 * apps/api/src/bootstrap.ts), with one POST route that parses the JSON body and answers a small
 * JSON. No auth, no validation, no I/O. Started as a child process by service.bench.ts
 * (`PORT`, `HOST`, `LOG_LEVEL`). `BARE_ADAPTER=express` runs the same route on Express instead, to
 * compare the two adapters (adapter-compare.ts).
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';

@Controller()
class BareController {
  @Post('bare')
  @HttpCode(201)
  answer(@Body() body: unknown) {
    const lines = (body as { lines?: unknown[] } | undefined)?.lines;
    return { ok: true, lines: Array.isArray(lines) ? lines.length : 0 };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const main = async (): Promise<void> => {
  const app =
    process.env['BARE_ADAPTER'] === 'express'
      ? await NestFactory.create<NestExpressApplication>(BareModule, new ExpressAdapter(), { logger: ['error', 'warn'] })
      : await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter({ bodyLimit: 1024 * 1024 }), {
          logger: ['error', 'warn'],
          bodyParser: false,
        });
  // A GET /health like the api's, so the harness can wait for it the same way.
  if (process.env['BARE_ADAPTER'] === 'express') {
    (app as NestExpressApplication).getHttpAdapter().getInstance().get('/health', (_req: unknown, res: { json(v: unknown): void }) => res.json({ status: 'ok' }));
  } else {
    (app as NestFastifyApplication).getHttpAdapter().getInstance().get('/health', async () => ({ status: 'ok' }));
  }
  await app.listen(Number(process.env['PORT'] ?? 3001), process.env['HOST'] ?? '127.0.0.1');
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
};

main().catch((error: unknown) => {
  process.stderr.write(`bare server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
