/**
 * Progress of a long read of the log (a rebuild, a processor catching up at start): events done
 * of the total, the rate and the time left. On a terminal one line redrawn in place; elsewhere a
 * log line every few seconds; and a final line either way.
 *
 * The total comes from positions: the reporter is told where the read starts and the head it
 * reads up to, and each advance gives the position reached. Where positions count events (SQLite,
 * PostgreSQL) the figures are exact; elsewhere (EventStoreDB's byte offsets) the total is
 * estimated from the events counted so far and the share of positions they covered.
 *
 * Cheap enough to call for every event: the clock is read only every `stride` events, a stride
 * sized from the rate so that it is read a few times a second.
 */

export interface ProgressSink {
  /** One log line (not a terminal). */
  log(message: string): void;
  /** A terminal: redraws the one progress line; `last` ends it. Absent: log lines. */
  redraw?(text: string, last: boolean): void;
}

export interface ProgressOptions {
  /** What is being done: `Rebuild`, `Catch-up of read-models`. */
  readonly label: string;
  /** The position the read starts after (undefined: the first event). */
  readonly after?: bigint | undefined;
  /** The head of the log when the read started: what it reads up to. */
  readonly head: bigint;
  readonly sink: ProgressSink;
  /** Milliseconds, monotonic (`performance.now()` by default). */
  readonly clock?: () => number;
  /** Between two log lines; 5 s by default. */
  readonly logIntervalMs?: number;
  /** Between two redraws on a terminal; 250 ms by default. */
  readonly redrawIntervalMs?: number;
  /**
   * Says nothing, final line included, unless more than `events` are to be read or the read has
   * lasted more than `ms` (a short catch-up at start is not worth a line). Absent: always reports.
   */
  readonly quietUnless?: { readonly events: number; readonly ms: number };
}

/** The sink for a Nest-style logger: a redrawn line on stderr when it is a terminal, log lines otherwise. */
export const progressSink = (logger: { log(message: string): void }, stream: NodeJS.WriteStream = process.stderr): ProgressSink => ({
  log: (message) => logger.log(message),
  ...(stream.isTTY ? { redraw: (text: string, last: boolean) => void stream.write(`\r\x1b[2K${text}${last ? '\n' : ''}`) } : {}),
});

const DEFAULT_LOG_INTERVAL_MS = 5_000;
const DEFAULT_REDRAW_INTERVAL_MS = 250;
/** How often, at most, the clock is read: a fraction of the interval between two outputs. */
const CHECKS_PER_INTERVAL = 4;

export const formatDuration = (ms: number): string => {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
};

export class ProgressReporter {
  private readonly clock: () => number;
  private readonly started: number;
  private readonly from: bigint;
  private readonly span: number;
  private readonly intervalMs: number;
  private events = 0;
  private position: bigint;
  /** The clock is read again once `events` reaches this. */
  private nextCheck: number;
  private stride = 100;
  private lastOutput: number;
  private spoken = false;
  private finished = false;

  constructor(private readonly options: ProgressOptions) {
    this.clock = options.clock ?? (() => performance.now());
    this.started = this.clock();
    this.lastOutput = this.started;
    this.from = options.after ?? 0n;
    this.position = this.from;
    this.span = Math.max(0, Number(options.head - this.from));
    this.intervalMs = options.sink.redraw
      ? (options.redrawIntervalMs ?? DEFAULT_REDRAW_INTERVAL_MS)
      : (options.logIntervalMs ?? DEFAULT_LOG_INTERVAL_MS);
    this.nextCheck = this.stride;
  }

  /** `count` more events were read, up to `position`. */
  advance(count: number, position: bigint): void {
    this.events += count;
    if (position > this.position) this.position = position;
    if (this.events < this.nextCheck || this.finished) return;
    const now = this.clock();
    const elapsed = now - this.started;
    // Read the clock a few times per interval, whatever the rate.
    const rate = elapsed > 0 ? this.events / elapsed : 0;
    this.stride = Math.max(1, Math.round((rate * this.intervalMs) / CHECKS_PER_INTERVAL));
    this.nextCheck = this.events + this.stride;
    if (now - this.lastOutput < this.intervalMs || !this.audible(elapsed)) return;
    this.lastOutput = now;
    this.spoken = true;
    const text = this.progressText(elapsed);
    if (this.options.sink.redraw) this.options.sink.redraw(text, false);
    else this.options.sink.log(text);
  }

  /** The read is over: the final line (none when it stayed quiet). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const elapsed = this.clock() - this.started;
    if (!this.spoken && !this.audible(elapsed)) return;
    const rate = elapsed > 0 ? Math.round((this.events * 1000) / elapsed) : this.events;
    const text = `${this.options.label}: ${this.events} events in ${(elapsed / 1000).toFixed(1)} s, ${rate} ev/s`;
    if (this.options.sink.redraw) this.options.sink.redraw(text, true);
    else this.options.sink.log(text);
  }

  private audible(elapsed: number): boolean {
    const quiet = this.options.quietUnless;
    return !quiet || this.span > quiet.events || elapsed > quiet.ms;
  }

  /** `Rebuild: 120000/1000000 events, 85000 ev/s, ETA 10 s`. */
  private progressText(elapsed: number): string {
    const covered = Number(this.position - this.from);
    const share = this.span > 0 ? Math.min(1, covered / this.span) : 1;
    // Events to read in all: exact where positions count events, estimated from the share elsewhere.
    const estimated = share > 0 ? Math.round(this.events / share) : this.span;
    const total = Math.max(this.events, covered === this.events ? this.span : estimated);
    const rate = (this.events * 1000) / elapsed;
    const eta = rate > 0 ? ((total - this.events) / rate) * 1000 : undefined;
    return (
      `${this.options.label}: ${this.events}/${total} events, ${Math.round(rate)} ev/s` + (eta === undefined ? '' : `, ETA ${formatDuration(eta)}`)
    );
  }
}
