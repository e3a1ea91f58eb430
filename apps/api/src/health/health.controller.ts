/** `GET /health`: the state of each store and how far the processors run behind the log. No auth. */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MongoClient } from 'mongodb';
import { AppConfig } from '@app/config';
import { EventStore, listParked, positionToString, ProcessorRunner } from '@app/event-store';
import { Public } from '../http/auth';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { APP_CONFIG, EVENT_STORE, MONGO_CLIENT, PROCESSOR_RUNNER } from '@app/event-store/nest/tokens';

type StoreHealth = { kind: string; status: 'up' | 'down'; error?: string };

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

@Controller('health')
@Public()
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(MONGO_CLIENT) private readonly mongo: MongoClient | undefined,
    private readonly readModels: ReadModelsService,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    let head: bigint | undefined;
    const eventStore: StoreHealth & { headPosition?: string } = { kind: this.config.EVENT_STORE, status: 'up' };
    try {
      await this.store.ping();
      head = await this.store.headPosition();
      if (head !== undefined) eventStore.headPosition = positionToString(head);
    } catch (error) {
      Object.assign(eventStore, { status: 'down', error: describeError(error) });
    }

    const readStore: StoreHealth = { kind: this.config.READ_STORE, status: 'up' };
    if (this.config.READ_STORE === 'mongodb') {
      try {
        await this.mongo!.db(this.config.MONGODB_DATABASE).command({ ping: 1 });
      } catch (error) {
        Object.assign(readStore, { status: 'down', error: describeError(error) });
      }
    }

    // Lag in positions behind the head of the log (events behind, on SQLite). Only the read-model
    // projection reads every event; a saga's checkpoint stays on the last event its filter passes,
    // so head minus its checkpoint would count other streams' events: sagas show their checkpoint.
    const readModelStatus = this.readModels.status();
    const lagOf = (checkpoint: bigint | undefined) => (head === undefined ? '0' : positionToString(head - (checkpoint ?? 0n)));
    const running = [
      ...(readModelStatus ? [{ ...readModelStatus, lag: lagOf(readModelStatus.checkpoint) }] : []),
      ...this.runner.statuses(),
    ];
    const processors = [];
    for (const p of running) {
      // Parked events are business conflicts waiting for an operator: shown, not unhealthy.
      let parked: number | null = null;
      if (eventStore.status === 'up') parked = (await listParked(this.store, p.name).catch(() => [])).length;
      processors.push({
        name: p.name,
        state: p.state,
        checkpoint: p.checkpoint === undefined ? null : positionToString(p.checkpoint),
        ...('lag' in p ? { lag: p.lag } : {}),
        ...(p.error ? { error: p.error } : {}),
        resubscriptions: p.resubscriptions,
        parked,
      });
    }
    const maxLag = readModelStatus ? lagOf(readModelStatus.checkpoint) : '0';

    const healthy =
      eventStore.status === 'up' && readStore.status === 'up' && processors.every((p) => p.state !== 'failed' && p.state !== 'retrying');
    reply.status(healthy ? 200 : 503);
    return {
      status: healthy ? 'ok' : 'degraded',
      eventStore,
      readStore,
      projectionLag: { max: maxLag, processors },
    };
  }
}
