/**
 * `GET /health`: the state of each store and of each processor, and how far the read models run
 * behind the log. No auth; 503 when a store is down or a processor has failed, is retrying, or (in
 * an api beside a worker) runs nowhere: no fresh heartbeat of it on the shared status board.
 */
import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MongoClient } from 'mongodb';
import { Pool } from 'pg';
import { AppConfig } from '@app/config';
import { EventStore, isStale, listParked, positionToString, ProcessorRunner, ProcessorStatusBoard } from '@app/event-store';
import { Public } from '../http/auth';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { APP_CONFIG, EVENT_STORE, MONGO_CLIENT, POSTGRES_POOL, PROCESSOR_RUNNER, STATUS_BOARD } from '@app/event-store/nest/tokens';
import { PROCESSOR_NAMES } from '../controllers/admin.controller';

type StoreHealth = { kind: string; status: 'up' | 'down'; error?: string };

type ProcessorHealth = {
  name: string;
  state: string;
  checkpoint: string | null;
  lag?: string;
  error?: string;
  resubscriptions: number;
  parked: number | null;
  /** Where it runs, when another process runs it. */
  instance?: string;
  heartbeatAt?: string;
};

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** How long a store check may take before it counts as down. */
const CHECK_TIMEOUT_MS = 3000;

const within = <T>(work: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
  ]);
};

@Controller('health')
@Public()
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(MONGO_CLIENT) private readonly mongo: MongoClient | undefined,
    @Inject(POSTGRES_POOL) private readonly pool: Pool | undefined,
    @Inject(STATUS_BOARD) private readonly board: ProcessorStatusBoard | undefined,
    private readonly readModels: ReadModelsService,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    let head: bigint | undefined;
    const eventStore: StoreHealth & { headPosition?: string } = { kind: this.config.EVENT_STORE, status: 'up' };
    try {
      await within(this.store.ping(), 'The event store');
      head = await within(this.store.headPosition(), 'The event store');
      if (head !== undefined) eventStore.headPosition = positionToString(head);
    } catch (error) {
      Object.assign(eventStore, { status: 'down', error: describeError(error) });
    }

    const readStore: StoreHealth = { kind: this.config.READ_STORE, status: 'up' };
    try {
      if (this.config.READ_STORE === 'mongodb') await within(this.mongo!.db(this.config.MONGODB_DATABASE).command({ ping: 1 }), 'MongoDB');
      if (this.config.READ_STORE === 'postgres') await within(this.pool!.query('SELECT 1'), 'PostgreSQL');
    } catch (error) {
      Object.assign(readStore, { status: 'down', error: describeError(error) });
    }

    // Lag in positions behind the head of the log (events behind, on SQLite). Only the read-model
    // projection reads every event; the process manager's checkpoint stays on the last event its
    // filter passes, so head minus its checkpoint would count other streams' events.
    const readModelsAt = eventStore.status === 'up' ? await this.readModels.currentPosition().catch(() => undefined) : this.readModels.position();
    const lagOf = (checkpoint: bigint | undefined) => (head === undefined ? '0' : positionToString(head - (checkpoint ?? 0n)));
    const parkedOf = async (name: string) =>
      eventStore.status === 'up' ? (await listParked(this.store, name).catch(() => [])).length : null;

    const processors: ProcessorHealth[] = [];
    const here = [...(this.readModels.status() ? [this.readModels.status()!] : []), ...this.runner.statuses()];
    if (here.length > 0) {
      for (const p of here) {
        processors.push({
          name: p.name,
          state: p.state,
          checkpoint: p.checkpoint === undefined ? null : positionToString(p.checkpoint),
          ...(p === this.readModels.status() ? { lag: lagOf(p.checkpoint) } : {}),
          ...(p.error ? { error: p.error } : {}),
          resubscriptions: p.resubscriptions,
          parked: await parkedOf(p.name),
        });
      }
    } else {
      // Run elsewhere (a worker): as the shared status board has them, the freshest active entry of each.
      const published = this.board ? await this.board.read().catch(() => []) : [];
      for (const name of PROCESSOR_NAMES) {
        const entries = published.filter((s) => s.name === name).sort((a, b) => b.heartbeatAt.localeCompare(a.heartbeatAt));
        const active = entries.find((s) => !isStale(s) && s.state !== 'standby') ?? entries.find((s) => !isStale(s));
        processors.push({
          name,
          state: active?.state ?? (entries.length > 0 ? 'stale' : 'not-running'),
          checkpoint: active?.checkpoint ?? null,
          ...(name === 'read-models' ? { lag: lagOf(readModelsAt) } : {}),
          ...(active?.error ? { error: active.error } : {}),
          resubscriptions: active?.resubscriptions ?? 0,
          parked: await parkedOf(name),
          ...(active ? { instance: active.instance, heartbeatAt: active.heartbeatAt } : {}),
        });
      }
    }
    const maxLag = lagOf(readModelsAt);

    const healthy =
      eventStore.status === 'up' &&
      readStore.status === 'up' &&
      processors.length > 0 &&
      processors.every((p) => p.state === 'running' || p.state === 'starting');
    reply.status(healthy ? 200 : 503);
    return {
      status: healthy ? 'ok' : 'degraded',
      eventStore,
      readStore,
      projectionLag: { max: maxLag, processors },
    };
  }
}
