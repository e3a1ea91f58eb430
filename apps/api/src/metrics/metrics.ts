/**
 * The api's Prometheus metrics, in a registry of its own (one per application: tests start many in
 * one process): HTTP latency by route pattern and status, the events this process appended, and
 * each processor's position, lag and parked events, read at scrape time, and the webhook delivery
 * attempts of this process's dispatcher.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { WebhookDispatcher } from '@app/application/webhooks/webhook-dispatcher';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EventStore, listParked } from '@app/event-store';
import { EVENT_STORE } from '@app/event-store/nest/tokens';
import { HealthProbe } from '../health/health.controller';

/** How long a processor's parked count is reused: counting reads its parked stream. */
const PARKED_CACHE_MS = 5_000;

/** The route label of a request no route matched (never the raw URL: one series per typo). */
export const UNMATCHED_ROUTE = '(unmatched)';

@Injectable()
export class Metrics {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status: how long each took to answer',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly eventsAppended = new Counter({
    name: 'events_appended_total',
    help: 'Events this process appended to the log (commands, process-manager steps, parked records)',
    registers: [this.registry],
  });

  private readonly headPosition = new Gauge({
    name: 'event_store_head_position',
    help: 'Position of the last event in the log',
    registers: [this.registry],
  });

  private readonly processorPosition = new Gauge({
    name: 'processor_position',
    help: "The processor's checkpoint: position of the last event it finished",
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });

  private readonly processorLag = new Gauge({
    name: 'processor_lag_events',
    help:
      'Head position of the log minus the processor\'s checkpoint (events behind, on SQLite). A processor that reads some ' +
      'streams only (fulfilment) stays behind by the later events of the others until one of its own comes',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });

  private readonly processorParked = new Gauge({
    name: 'processor_parked_events',
    help: 'Events the processor parked (refused for a business reason) that are not resolved',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });

  private readonly processorUp = new Gauge({
    name: 'processor_running',
    help: '1 while the processor runs (here, or fresh on the status board when a worker runs it), else 0',
    labelNames: ['processor'] as const,
    registers: [this.registry],
  });

  private readonly webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook delivery attempts this process made, by what became of the delivery: delivered, retrying (failed, tried again later), failed (no attempt left, or the webhook removed). Counted where the dispatcher runs: the api on the embedded default, nowhere on an api beside a worker',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly parkedCache = new Map<string, { count: number; at: number }>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly probe: HealthProbe,
    @Optional() dispatcher?: WebhookDispatcher,
  ) {
    countAppends(store, (events) => this.eventsAppended.inc(events));
    for (const status of ['delivered', 'retrying', 'failed']) this.webhookDeliveries.inc({ status }, 0);
    dispatcher?.onAttempt((status) => this.webhookDeliveries.inc({ status }));
  }

  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void {
    this.httpDuration.observe({ method: labels.method, route: labels.route, status: String(labels.status) }, seconds);
  }

  /** The registry as Prometheus text, the processor gauges read now. */
  async scrape(): Promise<string> {
    const report = await this.probe.check();
    const { head } = report;
    this.headPosition.set(head === undefined ? 0 : Number(head));
    for (const gauge of [this.processorPosition, this.processorLag, this.processorParked, this.processorUp]) gauge.reset();
    for (const processor of report.processors) {
      const labels = { processor: processor.name };
      const checkpoint = processor.name === 'read-models' && report.readModelsAt !== undefined ? report.readModelsAt : processor.checkpoint;
      this.processorUp.set(labels, processor.state === 'running' ? 1 : 0);
      if (checkpoint !== undefined) this.processorPosition.set(labels, Number(checkpoint));
      this.processorLag.set(labels, head === undefined ? 0 : Number(head - (checkpoint ?? 0n)));
      const parked = report.eventStore.status === 'up' ? await this.parkedOf(processor.name) : undefined;
      if (parked !== undefined) this.processorParked.set(labels, parked);
    }
    return this.registry.metrics();
  }

  private async parkedOf(name: string): Promise<number | undefined> {
    const cached = this.parkedCache.get(name);
    if (cached && performance.now() - cached.at < PARKED_CACHE_MS) return cached.count;
    try {
      const count = (await listParked(this.store, name)).length;
      this.parkedCache.set(name, { count, at: performance.now() });
      return count;
    } catch {
      return cached?.count;
    }
  }
}

/**
 * Counts the events appended through `store`, whoever appends them (the command path, the runner's
 * parked records, the rebuild's control stream): the port's one write, observed on the instance
 * this application was given, whatever adapter it is. An append that fails counts nothing; a
 * repeated append of the same ids (which writes nothing) counts again.
 */
const countAppends = (store: EventStore, counted: (events: number) => void): void => {
  const append = store.append.bind(store);
  store.append = async (streamName, events, options) => {
    const result = await append(streamName, events, options);
    counted(events.length);
    return result;
  };
};
