/**
 * The api as a child process on a SQLite file, for crash tests: started from the built entry
 * point, killed with SIGKILL (by a FAULT_CRASH_AT point or by the test), started again.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RecordedEvent } from '@app/event-store';
import { openSqliteDatabase } from '@app/event-store/sqlite/sqlite-database';
import { SqliteEventStore } from '@app/event-store/sqlite/sqlite-event-store';
import { ADMIN_TOKEN } from './api-harness';

const ENTRY = join(__dirname, '../../../../dist/apps/api/src/main.js');

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

export class ChildApi {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (c: Buffer) => (this.output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.output += c.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(sqlitePath: string, env: Record<string, string> = {}): Promise<ChildApi> {
    const port = await freePort();
    const child = spawn(process.execPath, [ENTRY], {
      env: {
        PATH: process.env['PATH'] ?? '',
        PORT: String(port),
        HOST: '127.0.0.1',
        SQLITE_PATH: sqlitePath,
        ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    const api = new ChildApi(child, port);
    await api.waitUntilUp();
    return api;
  }

  logs(): string {
    return this.output;
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any } | { failed: string }> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    } catch (error) {
      return { failed: error instanceof Error ? error.message : String(error) };
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  private async waitUntilUp(timeoutMs = 20000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the api exited at start:\n${this.output}`);
      }
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/health`);
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the api did not come up:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Every event in a SQLite log, read through a connection of its own. */
export const readLog = async (sqlitePath: string): Promise<RecordedEvent[]> => {
  const store = new SqliteEventStore(openSqliteDatabase({ path: sqlitePath }));
  try {
    const all: RecordedEvent[] = [];
    let after: bigint | undefined;
    for (;;) {
      const batch = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: 1000 });
      if (batch.length === 0) return all;
      all.push(...batch);
      after = batch[batch.length - 1]!.position;
    }
  } finally {
    await store.close();
  }
};

/** Polls the log until `done` holds. */
export const waitForLog = async (
  sqlitePath: string,
  done: (events: RecordedEvent[]) => boolean,
  timeoutMs = 15000,
): Promise<RecordedEvent[]> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = await readLog(sqlitePath);
    if (done(events)) return events;
    if (Date.now() > deadline) {
      throw new Error(`the log never got there:\n${events.map((e) => `${e.position} ${e.streamName} ${e.type}`).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};
