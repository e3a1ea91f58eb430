/** `GET /docs`: the OpenAPI description of the API (no auth). */
import { Controller, Get } from '@nestjs/common';
import { Public } from '../http/auth';
import { buildOpenApiDocument } from '../http/openapi';

@Controller('docs')
export class DocsController {
  private readonly document = buildOpenApiDocument();

  @Get()
  @Public()
  docs() {
    return this.document;
  }
}
