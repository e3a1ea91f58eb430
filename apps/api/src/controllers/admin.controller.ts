/** Operator endpoints (admin token): rebuilding the read models. */
import { Controller, HttpCode, Post } from '@nestjs/common';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { AdminOnly } from '../http/auth';

@Controller('admin')
@AdminOnly()
export class AdminController {
  constructor(private readonly readModels: ReadModelsService) {}

  @Post('projections/rebuild')
  @HttpCode(200)
  async rebuild() {
    return this.readModels.rebuild();
  }
}
