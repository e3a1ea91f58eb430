/**
 * The operator console (no auth to load it: it signs in with a token and sends that on every API
 * call): `GET /console` is the single-page app that `npm run build` builds with Vite into
 * `dist/console` (apps/console), served by this process like /docs serves Swagger UI. Hashed files
 * under `/console/assets/` are cached for a year; `index.html` is revalidated every time, so a new
 * build is picked up at once. Any other path under /console without a file extension is a route of
 * the app and answers `index.html`. Without a build, 503 in plain text saying how to make one.
 */
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { basename, extname, join, resolve, sep } from 'node:path';
import { AppConfig } from '@app/config';
import { APP_CONFIG } from '@app/event-store/nest/tokens';
import { Public } from '../http/auth';

/** `dist/console` of this checkout, whether this file runs from `dist/apps/…` (built) or `apps/…` (tests). */
const defaultDirectory = (): string => {
  const root = resolve(__dirname, '../../../..');
  return basename(root) === 'dist' ? join(root, 'console') : join(root, 'dist', 'console');
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const MISSING_BUILD =
  'The operator console is not built: run `npm run build` (or `npm start`, which builds it), then reload /console.\n';

@Controller('console')
@Public()
export class ConsoleController {
  private readonly directory: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.directory = resolve(config.CONSOLE_DIR ?? defaultDirectory());
  }

  @Get()
  async index(@Res() reply: FastifyReply) {
    return this.sendIndex(reply);
  }

  @Get('*')
  async file(@Param('*') path: string, @Res() reply: FastifyReply) {
    const extension = extname(path);
    // A client route of the app (/console/orders/o-1): the app itself.
    if (extension === '' || path.endsWith('/')) return this.sendIndex(reply);
    const type = TYPES[extension];
    const file = resolve(this.directory, path);
    if (type === undefined || !file.startsWith(this.directory + sep)) throw new NotFoundException(`No /console/${path}`);
    let content: Buffer;
    try {
      content = await readFile(file);
    } catch {
      if (!(await this.built())) return this.sendMissing(reply);
      throw new NotFoundException(`No /console/${path}`);
    }
    // Vite names every file under assets/ by its content hash: it never changes under that name.
    const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply.type(type).header('Cache-Control', cache).header('X-Content-Type-Options', 'nosniff').send(content);
  }

  private async sendIndex(reply: FastifyReply) {
    let page: Buffer;
    try {
      page = await readFile(join(this.directory, 'index.html'));
    } catch {
      return this.sendMissing(reply);
    }
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
      .send(page);
  }

  private async built(): Promise<boolean> {
    return readFile(join(this.directory, 'index.html')).then(
      () => true,
      () => false,
    );
  }

  private sendMissing(reply: FastifyReply) {
    return reply.status(503).type('text/plain; charset=utf-8').header('Cache-Control', 'no-store').header('Retry-After', '30').send(MISSING_BUILD);
  }
}
