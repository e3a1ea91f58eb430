/**
 * `GET /health`: the state of each store and of each processor, and how far the read models run
 * behind the log. No auth; 503 when a store is down or a processor has failed, is retrying, or (in
 * an api beside a worker) runs nowhere: no fresh heartbeat of it on the shared status board.
 * `GET /health/live`: 200 while the process serves. `GET /health/ready`: 200 when the stores answer
 * and every processor runs (here, on standby behind another instance's lease, or coming back from a
 * failure), 503 when a store is down or a processor failed, stopped, or runs nowhere.
 */
import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MongoClient } from 'mongodb';
import { Pool } from 'pg';
import { AppConfig } from '@app/config';
import { EventStore, isStale, listParked, parsePosition, positionToString, ProcessorRunner, ProcessorState, ProcessorStatusBoard } from '@app/event-store';
import { Public } from '../http/auth';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { APP_CONFIG, EVENT_STORE, MONGO_CLIENT, POSTGRES_POOL, PROCESSOR_RUNNER, STATUS_BOARD } from '@app/event-store/nest/tokens';
import { PROCESSOR_NAMES } from '../controllers/admin.controller';
import { READ_MODELS_PROCESSOR } from '@app/read-models/projections/read-models.projection';

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

/** A processor as this process sees it: run here, or as the shared status board has it. */
export interface ProcessorView {
  readonly name: string;
  /** A runner state (ProcessorState), or `stale` / `not-running` for one that runs nowhere (no fresh heartbeat). */
  readonly state: string;
  readonly checkpoint: bigint | undefined;
  readonly error?: string;
  readonly resubscriptions: number;
  /** Where it runs, when another process runs it. */
  readonly instance?: string;
  readonly heartbeatAt?: string;
}

export interface HealthReport {
  readonly eventStore: StoreHealth & { headPosition?: string };
  readonly readStore: StoreHealth;
  readonly head: bigint | undefined;
  /** The read models' position: the projection's checkpoint, here or in the shared checkpoint store. */
  readonly readModelsAt: bigint | undefined;
  /** Run here (when this process runs any), otherwise every processor of the product as the board has it. */
  readonly processors: readonly ProcessorView[];
  /** Whether the processors run in this process. */
  readonly here: boolean;
}

/** The states in which a processor counts as ready: it runs, or will again by itself. */
const READY_STATES: ReadonlySet<string> = new Set<ProcessorState>(['starting', 'running', 'retrying', 'standby']);

/** What /health, /health/ready and /metrics read: the stores' answers and the processors' states. */
@Injectable()
export class HealthProbe {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(MONGO_CLIENT) private readonly mongo: MongoClient | undefined,
    @Inject(POSTGRES_POOL) private readonly pool: Pool | undefined,
    @Inject(STATUS_BOARD) private readonly board: ProcessorStatusBoard | undefined,
    private readonly readModels: ReadModelsService,
  ) {}

  async check(): Promise<HealthReport> {
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

    const readModelsAt = eventStore.status === 'up' ? await this.readModels.currentPosition().catch(() => undefined) : this.readModels.position();
    const here = [...(this.readModels.status() ? [this.readModels.status()!] : []), ...this.runner.statuses()];
    if (here.length > 0) return { eventStore, readStore, head, readModelsAt, processors: here, here: true };

    // Run elsewhere (a worker): as the shared status board has them, the freshest active entry of each.
    const published = this.board ? await this.board.read().catch(() => []) : [];
    const processors = PROCESSOR_NAMES.map((name): ProcessorView => {
      const entries = published.filter((s) => s.name === name).sort((a, b) => b.heartbeatAt.localeCompare(a.heartbeatAt));
      const active = entries.find((s) => !isStale(s) && s.state !== 'standby') ?? entries.find((s) => !isStale(s));
      return {
        name,
        state: active?.state ?? (entries.length > 0 ? 'stale' : 'not-running'),
        checkpoint: active?.checkpoint ? parsePosition(active.checkpoint) : undefined,
        ...(active?.error ? { error: active.error } : {}),
        resubscriptions: active?.resubscriptions ?? 0,
        ...(active ? { instance: active.instance, heartbeatAt: active.heartbeatAt } : {}),
      };
    });
    return { eventStore, readStore, head, readModelsAt, processors, here: false };
  }

  /** Why this process should not take traffic now; empty when it is ready. */
  static notReady(report: HealthReport): string[] {
    const reasons: string[] = [];
    if (report.eventStore.status !== 'up') reasons.push(`event store: ${report.eventStore.error ?? 'down'}`);
    if (report.readStore.status !== 'up') reasons.push(`read store: ${report.readStore.error ?? 'down'}`);
    if (report.processors.length === 0) reasons.push('no processor runs');
    for (const p of report.processors) if (!READY_STATES.has(p.state)) reasons.push(`processor ${p.name}: ${p.state}${p.error ? ` (${p.error})` : ''}`);
    return reasons;
  }
}

@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly probe: HealthProbe,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const { eventStore, readStore, head, readModelsAt, processors: views, here } = await this.probe.check();
    // Lag in positions behind the head of the log (events behind, on SQLite). Only the read-model
    // projection reads every event; the process manager's checkpoint stays on the last event its
    // filter passes, so head minus its checkpoint would count other streams' events.
    const lagOf = (checkpoint: bigint | undefined) => (head === undefined ? '0' : positionToString(head - (checkpoint ?? 0n)));
    const parkedOf = async (name: string) =>
      eventStore.status === 'up' ? (await listParked(this.store, name).catch(() => [])).length : null;

    const processors: ProcessorHealth[] = [];
    for (const p of views) {
      const isReadModels = p.name === READ_MODELS_PROCESSOR;
      processors.push({
        name: p.name,
        state: p.state,
        checkpoint: p.checkpoint === undefined ? null : positionToString(p.checkpoint),
        ...(isReadModels ? { lag: lagOf(here ? p.checkpoint : readModelsAt) } : {}),
        ...(p.error ? { error: p.error } : {}),
        resubscriptions: p.resubscriptions,
        parked: await parkedOf(p.name),
        ...(p.instance ? { instance: p.instance, heartbeatAt: p.heartbeatAt! } : {}),
      });
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

  /** The process is up and serving: a liveness probe restarts it only when this stops answering. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Whether to send traffic here: the stores answer and the processors run (see the module's comment). */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.probe.check();
    const reasons = HealthProbe.notReady(report);
    reply.status(reasons.length === 0 ? 200 : 503);
    return {
      status: reasons.length === 0 ? 'ready' : 'not_ready',
      checks: {
        eventStore: report.eventStore.status,
        readStore: report.readStore.status,
        processors: Object.fromEntries(report.processors.map((p) => [p.name, p.state])),
      },
      ...(reasons.length === 0 ? {} : { reasons }),
    };
  }
}
