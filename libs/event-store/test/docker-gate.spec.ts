import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerAvailability } from '../src/testing/docker';

/** Answers what `docker version` and a bare ping ask, on a unix socket, from another process. */
const FAKE_ENGINE = `
require('node:http').createServer((request, response) => {
  if (request.url === '/_ping') {
    response.writeHead(200, { 'Api-Version': '1.41' });
    response.end(request.method === 'HEAD' ? undefined : 'OK');
  } else if (/^\\/v[0-9.]+\\/version$/.test(request.url)) {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ Version: '0.0.0-fake', ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', Arch: 'amd64' }));
  } else {
    response.writeHead(404);
    response.end();
  }
}).listen(process.argv[1]);
`;

const LISTEN_ONLY = `require('node:net').createServer().listen(process.argv[1]);`;

const startProcess = async (script: string, socketPath: string): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['-e', script, socketPath], { stdio: 'ignore' });
  const deadline = Date.now() + 5000;
  while (!existsSync(socketPath)) {
    if (Date.now() > deadline) throw new Error(`nothing listens on ${socketPath}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
};

const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

describe('dockerAvailability', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'docker-gate-'));
  });

  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => stop(child)));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A socket file whose listener died without cleaning up: connecting is refused. */
  const staleSocket = async (): Promise<string> => {
    const path = join(dir, 'dead.sock');
    await stop(await startProcess(LISTEN_ONLY, path), 'SIGKILL');
    expect(existsSync(path)).toBe(true);
    return path;
  };

  it.each([
    ['through the docker CLI', 'docker'],
    ['with a direct ping when there is no docker CLI', 'no-such-docker-cli'],
  ])('reports a DOCKER_HOST where nothing answers as unavailable, naming it (%s)', async (_how, dockerCommand) => {
    const path = await staleSocket();
    const result = dockerAvailability({ env: { ...process.env, DOCKER_HOST: `unix://${path}` }, dockerCommand });
    expect(result.available).toBe(false);
    if (result.available) return;
    expect(result.reason).toContain(`DOCKER_HOST=unix://${path}`);
    expect(result.reason).not.toMatch(/\n/);
  });

  it('reports a DOCKER_HOST path with no socket at all as unavailable', () => {
    const path = join(dir, 'missing.sock');
    const result = dockerAvailability({ env: { ...process.env, DOCKER_HOST: `unix://${path}` }, dockerCommand: 'no-such-docker-cli' });
    expect(result).toEqual({ available: false, reason: expect.stringContaining(path) });
  });

  it('reports no endpoint at all when DOCKER_HOST is unset and no socket exists', () => {
    if (existsSync('/var/run/docker.sock')) return; // this machine has the default socket: nothing to check
    const env = { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: join(dir, 'run') };
    const result = dockerAvailability({ env, dockerCommand: 'no-such-docker-cli' });
    expect(result).toEqual({ available: false, reason: expect.stringContaining('DOCKER_HOST is not set') });
  });

  it.each([
    ['through the docker CLI', 'docker'],
    ['with a direct ping when there is no docker CLI', 'no-such-docker-cli'],
  ])('reports an engine that answers as available (%s)', async (_how, dockerCommand) => {
    const path = join(dir, 'engine.sock');
    children.push(await startProcess(FAKE_ENGINE, path));
    const result = dockerAvailability({ env: { ...process.env, DOCKER_HOST: `unix://${path}` }, dockerCommand });
    expect(result).toEqual({ available: true, endpoint: `unix://${path}` });
  });
});
