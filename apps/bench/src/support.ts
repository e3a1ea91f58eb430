/**
 * What the service benchmark needs around its load generator: the processes under test (started
 * as children from the built entry points), a small keep-alive HTTP client, and statistics.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** The repository's dist/ folder (this file runs as dist/apps/bench/src/support.js). */
export const DIST = join(__dirname, '../../..');
export const API_ENTRY = join(DIST, 'apps/api/src/main.js');
export const WORKER_ENTRY = join(DIST, 'apps/worker/src/main.js');
export const BARE_ENTRY = join(DIST, 'apps/bench/src/bare-server.js');
export const GENERATOR_ENTRY = join(DIST, 'apps/bench/src/generate-log.js');

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const HOST = '127.0.0.1';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });

// ---------------------------------------------------------------------------------------------
// HTTP

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
/** Connections of their own for reads that must not queue behind a load's backlog in this client. */
export const separateAgent = () => new Agent({ keepAlive: true, maxSockets: 64 });

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: any;
}

/** One request over a kept-alive connection; JSON in and out. */
export const call = (
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; auth?: boolean; agent?: Agent } = {},
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      {
        host: HOST,
        port,
        method,
        path,
        agent: options.agent ?? agent,
        headers: {
          ...(options.auth === false ? {} : { authorization: `Bearer ${ADMIN_TOKEN}` }),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON: keep the text.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });

/** A request that must answer `status`, or the benchmark stops saying what went wrong. */
export const expectCall = async (
  port: number,
  method: string,
  path: string,
  status: number,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> => {
  const answer = await call(port, method, path, options);
  if (answer.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer;
};

export const eventPosition = (answer: Answer): string => {
  const header = answer.headers['x-event-position'];
  if (typeof header !== 'string') throw new Error(`no X-Event-Position in ${JSON.stringify(answer.headers)}`);
  return header;
};

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildOptions {
  readonly entry: string;
  readonly env: Record<string, string>;
  /** Extra node flags for this child, before the entry point (e.g. --cpu-prof, not allowed in NODE_OPTIONS). */
  readonly nodeArgs?: readonly string[];
  readonly label: string;
  /** Up once its output matches this (a process that serves no HTTP: the worker); else once /health answers. */
  readonly ready?: RegExp;
}

/** A process under test; its output is kept for the error message if it dies. */
export class Child {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly startedAt = performance.now();

  private constructor(
    readonly process: ChildProcess,
    readonly port: number,
    readonly label: string,
  ) {
    process.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    process.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    this.exited = new Promise((resolve) => process.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(options: ChildOptions): Promise<Child> {
    const port = await freePort();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.entry], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOST,
        PORT: String(port),
        ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new Child(child, port, options.label);
    await started.waitUntilListening(options.ready);
    return started;
  }

  get pid(): number {
    return this.process.pid!;
  }

  logs(): string {
    return this.output;
  }

  private keep(chunk: Buffer): void {
    this.output += chunk.toString();
    if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
  }

  get alive(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** Until `GET /health` answers at all (200 or 503: listening). */
  private async waitUntilListening(ready?: RegExp, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.alive) throw new Error(`${this.label} exited at start:\n${this.output}`);
      if (ready) {
        if (ready.test(this.output)) return;
        if (Date.now() > deadline) throw new Error(`${this.label} did not come up:\n${this.output}`);
        await sleep(50);
        continue;
      }
      try {
        const answer = await call(this.port, 'GET', '/health', { auth: false });
        if (answer.status === 200 || answer.status === 503) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`${this.label} did not come up:\n${this.output}`);
      await sleep(50);
    }
  }

  /** Resident set size and its peak, from /proc (Linux). */
  memory(): { rssMb: number; hwmMb: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  }

  /** SIGTERM (a graceful stop: profiles are written), then SIGKILL if it hangs. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.alive) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.alive && this.process.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Runs a built script to its end; its last stdout line is a JSON object. */
export const runScript = (entry: string, args: string[], env: Record<string, string> = {}): Promise<any> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '    '));
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${entry} exited with ${code}`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${entry}: last line is not JSON: ${last}`));
      }
    });
  });

// ---------------------------------------------------------------------------------------------
// Load

/** One autocannon run; `onResponseTime` gets each answer's status and latency (ms, sub-ms precise). */
export const runLoad = (
  options: autocannon.Options,
  onResponseTime?: (status: number, ms: number) => void,
): Promise<autocannon.Result> =>
  new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    if (onResponseTime) {
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => onResponseTime(status, ms));
    }
  });

// ---------------------------------------------------------------------------------------------
// The machine

const cpuTimes = () => {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3]! + (line[4] ?? 0);
  const total = line.reduce((a, b) => a + b, 0);
  return { idle, total };
};

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc/<pid>/stat). */
export const cpuSecondsOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** The share of all CPUs busy over `ms` (Linux /proc/stat), e.g. other work on the machine. */
export const cpuBusy = async (ms = 1_000): Promise<number> => {
  const before = cpuTimes();
  await sleep(ms);
  const after = cpuTimes();
  const total = after.total - before.total;
  return total > 0 ? 1 - (after.idle - before.idle) / total : 0;
};

// ---------------------------------------------------------------------------------------------
// Numbers

export const percentile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
};

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
