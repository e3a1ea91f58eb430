/**
 * Whether a Docker engine is reachable, decided synchronously while jest collects the suites, so
 * the suites that need one (EventStoreDB and MongoDB through testcontainers) run wherever there
 * is one, and everywhere else are skipped with one line that says so, never passed in silence.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type DockerAvailability =
  | { readonly available: true; readonly endpoint: string }
  | { readonly available: false; readonly reason: string };

export interface DockerAvailabilityOptions {
  /** Environment to read DOCKER_HOST and friends from; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** The docker CLI to ask; `docker` by default. When it is absent the engine is pinged directly. */
  readonly dockerCommand?: string;
  readonly timeoutMs?: number;
}

interface Endpoint {
  /** `unix:///path`, `tcp://host:port`, `npipe://...` or `ssh://...`, as DOCKER_HOST spells it. */
  readonly url: string;
  /** Where it came from, for the reason of a skip. */
  readonly source: string;
}

/** Where testcontainers looks for an engine, in its order. */
const findEndpoint = (env: NodeJS.ProcessEnv): Endpoint | string => {
  if (env.DOCKER_HOST) return { url: env.DOCKER_HOST, source: 'DOCKER_HOST' };
  const home = env.HOME ?? homedir();
  const properties = join(home, '.testcontainers.properties');
  if (existsSync(properties)) {
    const match = /^\s*docker\.host\s*=\s*(\S+)\s*$/m.exec(readFileSync(properties, 'utf8'));
    if (match?.[1]) return { url: match[1], source: properties };
  }
  const sockets = [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(home, '.docker', 'run', 'docker.sock'),
    join(home, '.docker', 'desktop', 'docker.sock'),
  ];
  const socket = sockets.find((path) => existsSync(path));
  if (socket) return { url: `unix://${socket}`, source: 'socket' };
  return `DOCKER_HOST is not set and there is no Docker socket at ${sockets.join(', ')}`;
};

const oneLine = (text: string): string => text.replace(/\s+/g, ' ').trim();

const errorText = (error: unknown): string => {
  if (typeof error === 'object' && error !== null) {
    const { stderr, message } = error as { stderr?: unknown; message?: unknown };
    const fromStderr = Buffer.isBuffer(stderr) || typeof stderr === 'string' ? oneLine(stderr.toString()) : '';
    if (fromStderr) return fromStderr;
    if (typeof message === 'string') return oneLine(message);
  }
  return oneLine(String(error));
};

const isMissingCommand = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';

/** Asks the engine's `/_ping` from a child process (this check must be synchronous). */
const PING_SCRIPT = `
const fs = require('node:fs'), path = require('node:path'), http = require('node:http'), https = require('node:https');
const endpoint = process.argv[1];
const fail = (message) => { process.stderr.write(message); process.exit(1); };
let request;
if (endpoint.startsWith('unix://')) {
  request = http.get({ socketPath: endpoint.slice('unix://'.length), path: '/_ping' });
} else if (/^(tcp|http|https):\\/\\//.test(endpoint)) {
  const tls = endpoint.startsWith('https:') || Boolean(process.env.DOCKER_TLS_VERIFY);
  const url = new URL(endpoint.replace(/^tcp:/, tls ? 'https:' : 'http:'));
  const certs = process.env.DOCKER_CERT_PATH;
  const options = { host: url.hostname, port: url.port || (tls ? 2376 : 2375), path: '/_ping' };
  if (tls && certs) {
    options.ca = fs.readFileSync(path.join(certs, 'ca.pem'));
    options.cert = fs.readFileSync(path.join(certs, 'cert.pem'));
    options.key = fs.readFileSync(path.join(certs, 'key.pem'));
  }
  request = (tls ? https : http).get(options);
} else {
  fail('cannot ping ' + endpoint + ' without the docker CLI');
}
request.on('response', (response) => {
  let body = '';
  response.on('data', (chunk) => (body += chunk));
  response.on('end', () => {
    if (response.statusCode === 200) { process.stdout.write(response.headers['api-version'] || 'OK'); process.exit(0); }
    fail('/_ping answered HTTP ' + response.statusCode + ' ' + body);
  });
});
request.on('error', (error) => fail(error.message));
`;

const pingDirectly = (endpoint: Endpoint, env: NodeJS.ProcessEnv, timeoutMs: number): string | undefined => {
  const result = spawnSync(process.execPath, ['-e', PING_SCRIPT, endpoint.url], { env, timeout: timeoutMs, encoding: 'utf8' });
  if (result.status === 0) return undefined;
  if (result.error) return errorText(result.error);
  return oneLine(result.stderr) || `the ping exited with ${String(result.status ?? result.signal)}`;
};

/** Whether the engine answers, through the docker CLI, else a direct ping. */
const askEngine = (endpoint: Endpoint, options: DockerAvailabilityOptions): string | undefined => {
  const env = { ...(options.env ?? process.env), DOCKER_HOST: endpoint.url };
  const timeout = options.timeoutMs ?? 10_000;
  try {
    const version = execFileSync(options.dockerCommand ?? 'docker', ['version', '--format', '{{.Server.Version}}'], {
      env,
      timeout,
      stdio: 'pipe',
      encoding: 'utf8',
    });
    return version.trim() ? undefined : 'the engine reported no version';
  } catch (error: unknown) {
    if (isMissingCommand(error)) return pingDirectly(endpoint, env, timeout);
    return errorText(error);
  }
};

export const dockerAvailability = (options: DockerAvailabilityOptions = {}): DockerAvailability => {
  const endpoint = findEndpoint(options.env ?? process.env);
  if (typeof endpoint === 'string') return { available: false, reason: endpoint };
  const failure = askEngine(endpoint, options);
  if (failure === undefined) return { available: true, endpoint: endpoint.url };
  const from = endpoint.source === 'DOCKER_HOST' ? `DOCKER_HOST=${endpoint.url}` : `${endpoint.url} (from ${endpoint.source})`;
  return { available: false, reason: `${from} does not answer: ${failure}` };
};

let cached: DockerAvailability | undefined;

/**
 * A `describe` that runs where a Docker engine answers. Elsewhere the suite is registered as
 * skipped and one line on stdout says why (written directly: jest shows no console output of a
 * test file whose tests are all skipped).
 */
export const describeWithDocker = (title: string, fn: () => void): void => {
  cached ??= dockerAvailability();
  if (!cached.available) {
    process.stdout.write(`SKIPPED ${title}: no Docker engine reachable (${cached.reason}); the suite runs wherever one is\n`);
  }
  const gated = cached.available ? describe : describe.skip;
  gated(title, fn);
};
