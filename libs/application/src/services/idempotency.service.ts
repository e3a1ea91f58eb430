/**
 * `Idempotency-Key` on the write side: looks up the key's recorded answer, runs the request when the
 * key is free, and records its answer in the log (the stream of the caller's key), so that a retry
 * is answered the same after a restart and by any api process. The rules are the domain's
 * (idempotency.decider.ts); the time is this service's clock.
 *
 * Requests with one key run one at a time in this process: a retry sent while the first is still
 * running waits for it and answers its answer. Across processes the body id derived from the key
 * keeps the write single, and the first answer recorded is the one every later retry gets.
 */
import { randomUUID } from 'node:crypto';
import { IdempotencyAggregate } from '@app/domain/aggregates';
import { idempotencyStream, useOfKey } from '@app/domain/idempotency/idempotency.decider';
import { RecordedAnswer } from '@app/domain/idempotency/idempotency.events';
import { crashPoint } from '@app/event-store';
import { CommandContext } from '../command-path/command-context';
import { CommandPath } from '../command-path/command-path';
import { KeyedMutex } from '../command-path/keyed-mutex';

/** Where the time of an idempotency key comes from (a test may move it on). */
export class IdempotencyClock {
  now(): Date {
    return new Date();
  }
}

export interface KeyedRequest {
  /** Who sends the key (`admin`, `account:<id>`): keys are per caller. */
  readonly caller: string;
  readonly key: string;
  /** The request's fingerprint (requestFingerprint). */
  readonly fingerprint: string;
}

/** One use of a key: body ids of the request are derived from it (bodyIdFor). */
export interface KeyScope {
  readonly stream: string;
  readonly use: number;
}

export interface IdempotentOutcome {
  readonly answer: RecordedAnswer;
  /** The answer was recorded earlier (by this request's first try, or a concurrent one): nothing ran now. */
  readonly replayed: boolean;
}

export class IdempotencyService {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly commands: CommandPath,
    private readonly clock: IdempotencyClock = new IdempotencyClock(),
  ) {}

  /**
   * Answers the key's recorded answer for this request, or runs `work` as a fresh use of the key and
   * records what it answers. A refused request (work throws) records nothing: it may be sent again.
   * Another request under a key whose answer stands throws the domain's conflict.
   */
  async run(request: KeyedRequest, work: (scope: KeyScope) => Promise<RecordedAnswer>): Promise<IdempotentOutcome> {
    const stream = idempotencyStream(request.caller, request.key);
    return this.mutex.run(stream, async () => {
      const { state } = await this.commands.load(IdempotencyAggregate, stream);
      const use = useOfKey(state, request.fingerprint, this.clock.now().toISOString());
      if (use.kind === 'replay') return { answer: use.answer, replayed: true };

      const answer = await work({ stream, use: use.use });
      // A crash here loses the answer, not the write: the retry runs again under the same body ids.
      crashPoint('idempotency:answered');
      const recordedAt = this.clock.now().toISOString();
      const recorded = await this.commands.handle(
        IdempotencyAggregate,
        stream,
        { type: 'RecordAnswer', use: use.use, fingerprint: request.fingerprint, answer, recordedAt },
        recordContext(request.caller, stream, recordedAt),
      );
      if (recorded.events.length > 0) return { answer, replayed: false };
      // Another process recorded this use first. For the same request its answer is the one that
      // stands; for another (a key sent with two requests at once) this request did run: its own answer.
      const first = recorded.state.latest;
      return first?.fingerprint === request.fingerprint ? { answer: first.answer, replayed: true } : { answer, replayed: false };
    });
  }
}

const recordContext = (caller: string, stream: string, occurredAt: string): CommandContext => {
  const commandId = randomUUID();
  return { commandId, correlationId: stream, causationId: commandId, actor: caller, occurredAt };
};
