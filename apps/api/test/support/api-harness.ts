/**
 * The api on the embedded stores for API specs: SQLite in memory (or a file), processors in-process,
 * driven over HTTP through Fastify's inject or a real listening port.
 */
import { AddressInfo } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@app/config';
import { EventStore, RecordedEvent } from '@app/event-store';
import { EVENT_STORE } from '@app/event-store/nest/tokens';
import { CommandPath } from '@app/application/command-path/command-path';
import { FULFILMENT } from '@app/application/sagas/fulfilment.saga';
import { ALLOCATION } from '@app/application/sagas/allocation.saga';
import { checkInvariants, foldLog, Violation } from '@app/domain/invariants/invariants';
import { CheckpointStore, ProcessorRunner, Processor } from '@app/event-store';
import { CHECKPOINT_STORE, PROCESSOR_RUNNER } from '@app/event-store/nest/tokens';
import { createApiApp } from '../../src/bootstrap';
import { ReadModelsService } from '@app/read-models/read-models.service';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

export class ApiHarness {
  readonly kind = 'embedded' as const;
  private readonly stoppedProcessManagers = new Map<string, Processor>();
  /**
   * Why this test leaves the log in a state the invariants need not hold in (a broken event on
   * purpose, processors stopped); unset, stop() settles and checks every invariant.
   */
  invariantsWaived: string | undefined;

  private constructor(
    readonly app: NestFastifyApplication,
    readonly store: EventStore,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<ApiHarness> {
    const config = loadConfig({ SQLITE_PATH: ':memory:', ADMIN_TOKEN, LOG_LEVEL: 'error', ...env });
    const app = await createApiApp(config, { logger: ['error'] });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return new ApiHarness(app, app.get<EventStore>(EVENT_STORE));
  }

  /** Listens on a free loopback port, for tests that drive it with real concurrent HTTP clients; answers the base URL. */
  private listening: string | undefined;

  async listen(): Promise<string> {
    if (this.listening) return this.listening;
    await this.app.listen(0, '127.0.0.1');
    this.listening = `http://127.0.0.1:${(this.app.getHttpServer().address() as AddressInfo).port}`;
    return this.listening;
  }

  async request<T = any>(method: string, url: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string>; rawBody?: string } = {}): Promise<Answer<T>> {
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let payload: string | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (options.body !== undefined) payload = JSON.stringify(options.body);
    if (payload !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await this.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
    const text = response.body;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: left as text.
    }
    return { status: response.statusCode, body: body as T, headers: response.headers };
  }

  post<T = any>(url: string, body?: unknown, token?: string | null) {
    return this.request<T>('POST', url, { body, ...(token === undefined ? {} : { token }) });
  }

  /** Opens an account (admin) and answers its id and key. */
  async openAccount(accountId: string, type: 'seller' | 'vendor', settings: Record<string, unknown> = {}) {
    const answer = await this.post('/accounts', { accountId, name: `${type} ${accountId}`, type, settings });
    if (answer.status !== 201) throw new Error(`opening ${accountId}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return { accountId, apiKey: answer.body.apiKey as string };
  }

  async adjust(accountId: string, sku: string, quantity: number, binId?: string) {
    const answer = await this.post(`/accounts/${accountId}/inventory/adjustments`, { sku, quantity, ...(binId ? { binId } : {}) });
    if (answer.status !== 201) throw new Error(`adjusting ${sku}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** Every event in the log, in order. */
  async allEvents(): Promise<RecordedEvent[]> {
    const all: RecordedEvent[] = [];
    let after: bigint | undefined;
    for (;;) {
      const batch = await this.store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
      if (batch.length === 0) return all;
      all.push(...batch);
      after = batch[batch.length - 1]!.position;
    }
  }

  async eventCount(): Promise<number> {
    return (await this.allEvents()).length;
  }

  /**
   * Waits until the sagas have nothing left to do: the log has not grown for a while and the read
   * models have applied all of it.
   */
  async settle(quietMs = 150, timeoutMs = 10000): Promise<bigint | undefined> {
    const readModels = this.app.get(ReadModelsService);
    const deadline = Date.now() + timeoutMs;
    let head = await this.store.headPosition();
    let since = Date.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const now = await this.store.headPosition();
      if (now !== head) {
        head = now;
        since = Date.now();
      }
      const applied = readModels.position();
      if (Date.now() - since >= quietMs && (head === undefined || (applied !== undefined && applied >= head))) return head;
      if (Date.now() > deadline) throw new Error(`the service did not settle (head ${head}, read models at ${applied})`);
    }
  }

  async baseUrls(): Promise<string[]> {
    return [await this.listen()];
  }

  /** Stops the process managers (the read models go on), and starts them again. */
  async stopProcessors(): Promise<void> {
    const runner = this.app.get<ProcessorRunner>(PROCESSOR_RUNNER);
    for (const name of [FULFILMENT, ALLOCATION]) {
      const processor = runner.get(name)?.processor;
      if (processor) this.stoppedProcessManagers.set(name, processor);
      await runner.stop(name);
    }
  }

  async startProcessors(): Promise<void> {
    const runner = this.app.get<ProcessorRunner>(PROCESSOR_RUNNER);
    for (const processor of this.stoppedProcessManagers.values()) runner.start(processor);
    this.stoppedProcessManagers.clear();
  }

  commandPath(): CommandPath {
    return this.app.get(CommandPath);
  }

  async resetCheckpoint(name: string): Promise<void> {
    await this.app.get<CheckpointStore>(CHECKPOINT_STORE).reset(name);
  }

  /** Every invariant the log breaks now (the same check as `npm run audit -- verify --invariants`). */
  async invariantViolations(): Promise<Violation[]> {
    return checkInvariants(foldLog(await this.allEvents()));
  }

  /** Settles, checks every invariant (unless waived), and closes the app. */
  async stop(): Promise<void> {
    try {
      if (this.invariantsWaived === undefined) {
        await this.settle();
        const violations = await this.invariantViolations();
        if (violations.length > 0) throw new Error(`The log breaks invariants after the test:\n${violations.map((v) => JSON.stringify(v)).join('\n')}`);
      }
    } finally {
      await this.app.close();
    }
  }
}
