/**
 * Operator endpoints (admin token): rebuilding the read models, the processors with the events
 * they parked, and a retry of a parked event. Parked events live in the log (`parked-<processor>`),
 * so these answer the same whichever process runs the processor.
 */
import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { SAGAS } from '@app/application/application.module';
import { WEBHOOK_OUTBOX } from '@app/application/webhooks/webhook-outbox.processor';
import { DomainError } from '@app/domain/shared/decider';
import { awaitParkedRetry, EventStore, isStale, listParked, ProcessorRunner, ProcessorStatusBoard, requestParkedRetry } from '@app/event-store';
import { EVENT_STORE, PROCESSOR_RUNNER, STATUS_BOARD } from '@app/event-store/nest/tokens';
import { READ_MODELS_PROCESSOR } from '@app/read-models/projections/read-models.projection';
import { ReadModelsService } from '@app/read-models/read-models.service';
import { AdminOnly } from '../http/auth';
import { EmptyBody } from '../http/request-schemas';
import { parseOrThrow } from '../http/validation';

/** Every processor of the product, whether or not this process runs it. */
export const PROCESSOR_NAMES = [READ_MODELS_PROCESSOR, ...SAGAS.map((saga) => saga.name), WEBHOOK_OUTBOX];

const ParkedPath = z
  .object({
    name: z.enum(PROCESSOR_NAMES as [string, ...string[]], { message: `must be one of ${PROCESSOR_NAMES.join(', ')}` }),
    parkedId: z.string().regex(/^(0|[1-9][0-9]{0,19})$/, { message: 'must be a parked id (a decimal position)' }),
  })
  .strict();

/** How long a retry waits for the processor's answer before it answers "pending". */
const RETRY_WAIT_MS = 10_000;

@Controller('admin')
@AdminOnly()
export class AdminController {
  constructor(
    private readonly readModels: ReadModelsService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROCESSOR_RUNNER) private readonly runner: ProcessorRunner,
    @Inject(STATUS_BOARD) private readonly board: ProcessorStatusBoard | undefined,
  ) {}

  @Post('projections/rebuild')
  @HttpCode(200)
  async rebuild(@Body() body: unknown) {
    parseOrThrow(EmptyBody, body);
    return this.readModels.rebuild();
  }

  /**
   * Each processor: its state (here, or as the instance that runs it published it on the shared
   * status board, with every instance listed: a standby worker shows as `standby`) and the events
   * it parked.
   */
  @Get('processors')
  async processors() {
    const running = new Map([...this.runner.statuses(), ...(this.readModels.status() ? [this.readModels.status()!] : [])].map((s) => [s.name, s]));
    const published = running.size === 0 && this.board ? await this.board.read() : [];
    const processors = [];
    for (const name of PROCESSOR_NAMES) {
      const status = running.get(name);
      const instances = published
        .filter((p) => p.name === name)
        .sort((a, b) => b.heartbeatAt.localeCompare(a.heartbeatAt))
        .map((p) => ({ ...p, stale: isStale(p) }));
      const active = instances.find((p) => !p.stale && p.state !== 'standby') ?? instances.find((p) => !p.stale);
      processors.push({
        name,
        state: status?.state ?? active?.state ?? (instances.length > 0 ? 'stale' : 'not-running'),
        checkpoint: status ? (status.checkpoint === undefined ? null : status.checkpoint.toString()) : (active?.checkpoint ?? null),
        resubscriptions: status?.resubscriptions ?? active?.resubscriptions ?? 0,
        ...((status?.error ?? active?.error) ? { error: status?.error ?? active?.error } : {}),
        ...(status ? {} : { instances }),
        parked: await listParked(this.store, name),
      });
    }
    return { processors };
  }

  /**
   * Handles a parked event again (after its cause was fixed): answers `resolved`, `parked` (refused
   * again; the reason is in the processor's parked list) or `pending` (no answer within 10 s: the
   * processor is down or busy; the request stands and is answered when it runs).
   */
  @Post('processors/:name/parked/:parkedId/retry')
  @HttpCode(200)
  async retry(@Param() params: unknown, @Body() body: unknown) {
    const { name, parkedId } = parseOrThrow(ParkedPath, params, 'path');
    parseOrThrow(EmptyBody, body);
    const requested = await requestParkedRetry(this.store, name, parkedId);
    if (!requested) throw new DomainError('not_found', 'PARKED_EVENT_NOT_FOUND', `Processor ${name} has no parked event ${parkedId}`, 'parkedId');
    const outcome = await awaitParkedRetry(this.store, name, requested.requestId, RETRY_WAIT_MS);
    return { processor: name, parkedId, requestId: requested.requestId, outcome };
  }
}
