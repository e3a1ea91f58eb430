/**
 * The api as an operator starts it: the built entry point as a child process, configured by
 * environment variables.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { API_NODE_FLAGS } from '../src/node-flags';

const entry = join(__dirname, '../../../dist/apps/api/src/main.js');
const root = join(__dirname, '../../..');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

const start = (env: Record<string, string>) => {
  const child = spawn(process.execPath, [...API_NODE_FLAGS, entry], { env: { PATH: process.env['PATH'] ?? '', ...env } });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
};

const waitForHealth = async (port: number, timeoutMs = 15000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      return response;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
};

describe('api boot', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-boot-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /health on the embedded default, with the SQLite file where SQLITE_PATH says', async () => {
    const port = await freePort();
    const sqlitePath = join(dir, 'nested', 'events.sqlite');
    const api = start({ PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: sqlitePath, ADMIN_TOKEN: 'test-admin-token-123456' });
    child = api.child;
    const response = await waitForHealth(port);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'ok',
      eventStore: { kind: 'sqlite', status: 'up' },
      readStore: { kind: 'memory', status: 'up' },
      projectionLag: { max: '0' },
    });
    expect(existsSync(sqlitePath)).toBe(true);
    expect(api.output()).not.toMatch(/admin token is/);

    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });

  it('is started with the same node flags by npm start, the Dockerfile and docker-compose', () => {
    const flags = API_NODE_FLAGS.join(' ');
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toContain(`node ${flags} dist/apps/api/src/main.js`);
    const quoted = API_NODE_FLAGS.map((flag) => `"${flag}"`).join(', ');
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toContain(`CMD ["node", ${quoted}, "dist/apps/api/src/main.js"]`);
    expect(readFileSync(join(root, 'docker-compose.yml'), 'utf8')).toContain(`command: ["node", ${quoted}, "dist/apps/api/src/main.js"]`);
  });

  it('stops at start with a message naming a bad variable', async () => {
    const api = start({ PORT: 'eighty', SQLITE_PATH: join(dir, 'e.sqlite') });
    child = api.child;
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/Invalid configuration:\s+PORT: /);
    expect(existsSync(join(dir, 'e.sqlite'))).toBe(false);
  });

  it('stops when EVENT_STORE=esdb lacks its connection string', async () => {
    const api = start({ EVENT_STORE: 'esdb', MONGODB_URI: 'mongodb://127.0.0.1:1' });
    child = api.child;
    expect(await api.exited).toBe(1);
    expect(api.output()).toMatch(/ESDB_CONNECTION_STRING: is required when EVENT_STORE=esdb/);
  });

  it('prints a generated admin token when none is configured', async () => {
    const port = await freePort();
    const api = start({ PORT: String(port), HOST: '127.0.0.1', SQLITE_PATH: join(dir, 'e.sqlite') });
    child = api.child;
    expect((await waitForHealth(port)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(api.output()).toMatch(/this run's admin token is: [A-Za-z0-9_-]{16,}/);
  });
});
