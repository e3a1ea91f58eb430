/**
 * The API reference (no auth): `GET /docs` is Swagger UI, served from the installed
 * `swagger-ui-dist` by this process (no CDN, no network: its validator badge is off), reading
 * `GET /docs/openapi.json`. `GET /docs` with `Accept: application/json` answers the document too.
 */
import { Controller, Get, Header, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path';
import { Public } from '../http/auth';
import { buildOpenApiDocument } from '../http/openapi';

const DOCUMENT_URL = '/docs/openapi.json';

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>Backorder fulfilment API</title>
    <link rel="stylesheet" type="text/css" href="/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/swagger-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: ${JSON.stringify(DOCUMENT_URL)},
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
  });
};
`;

/** The files of swagger-ui-dist the page uses, with their media types; nothing else of the folder is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/** A client that asks for JSON and not for HTML (a browser asks for HTML first). */
const wantsJson = (accept: string | undefined): boolean =>
  accept !== undefined && /\bapplication\/json\b/i.test(accept) && !/\btext\/html\b/i.test(accept);

@Controller('docs')
@Public()
export class DocsController {
  private readonly document = buildOpenApiDocument();
  private readonly assets = new Map<string, Promise<Buffer>>();

  @Get()
  page(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    if (wantsJson(request.headers.accept)) return reply.type('application/json; charset=utf-8').send(this.document);
    return reply.type('text/html; charset=utf-8').send(PAGE);
  }

  @Get('openapi.json')
  openApiDocument() {
    return this.document;
  }

  @Get('swagger-initializer.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  initializer() {
    return INITIALIZER;
  }

  @Get(':asset')
  async asset(@Param('asset') asset: string, @Res() reply: FastifyReply) {
    const type = Object.hasOwn(ASSETS, asset) ? ASSETS[asset] : undefined;
    if (type === undefined) throw new NotFoundException(`No /docs/${asset}`);
    let content = this.assets.get(asset);
    if (!content) {
      content = readFile(join(getAbsoluteFSPath(), asset));
      this.assets.set(asset, content);
      content.catch(() => this.assets.delete(asset));
    }
    return reply.type(type).header('Cache-Control', 'public, max-age=3600').send(await content);
  }
}
