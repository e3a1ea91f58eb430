/** Operations: `/metrics` and what it and `/health` read (the stores' answers, the processors' states). */
import { Module } from '@nestjs/common';
import { HealthProbe } from '../health/health.controller';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';

@Module({
  controllers: [MetricsController],
  providers: [Metrics, HealthProbe],
  exports: [Metrics, HealthProbe],
})
export class MetricsModule {}
