/**
 * Starts every provider marked with @EventProcessor() on the processor runner, when this process
 * hosts the processors (the worker always; the api unless RUN_PROCESSORS=false).
 */
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { AppConfig } from '@app/config';
import { Processor, ProcessorRunner } from '../processors/processor-runner';
import { EVENT_PROCESSOR } from './event-processor.decorator';
import { APP_CONFIG, PROCESSOR_RUNNER } from './tokens';

@Injectable()
export class ProcessorHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ProcessorHost.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The processors registered in this application. */
  processors(): Processor[] {
    return this.discovery
      .getProviders()
      // By the instance's class: factory providers have the factory as their metatype.
      .filter((wrapper) => {
        const instance: unknown = wrapper.instance;
        return typeof instance === 'object' && instance !== null && this.reflector.get(EVENT_PROCESSOR, instance.constructor) === true;
      })
      .map((wrapper) => wrapper.instance as Processor);
  }

  onApplicationBootstrap(): void {
    if (!this.config.RUN_PROCESSORS) return;
    for (const processor of this.processors()) {
      this.runner.start(processor);
      this.logger.log(`Processor "${processor.name}" started`);
    }
  }
}
