/** `GET /metrics`: the api's metrics in the Prometheus text format; no auth, as `/health`. */
import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../http/auth';
import { Metrics } from './metrics';

@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metricsText(): Promise<string> {
    return this.metrics.scrape();
  }
}
