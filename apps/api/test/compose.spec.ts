/**
 * The compose stacks cannot start here (no Docker engine), so what can be checked without one is:
 * each file parses, every long-running service restarts, the api and the worker start only once
 * their stores are ready (EventStoreDB writable, not just live), the api has a healthcheck the load
 * balancer waits on, and the api's and the worker's environments are a configuration the service
 * accepts, with the api leaving the processors to the worker.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@app/config';

type Service = {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
};

const root = join(__dirname, '../../..');
const stack = (file: string): Record<string, Service> => (parse(readFileSync(join(root, file), 'utf8')) as { services: Record<string, Service> }).services;

describe.each([
  ['docker-compose.yml', ['eventstore', 'mongodb'], 'eventstore-writable'],
  ['docker-compose.postgres.yml', ['postgres'], undefined],
])('%s', (file, stores, writable) => {
  const services = stack(file);

  it('restarts every long-running service, and health-checks the stores and the api', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === writable) expect({ name, restart: service.restart }).toEqual({ name, restart: 'no' });
      else expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
    }
    for (const name of [...stores, 'api']) expect({ name, healthcheck: services[name]!.healthcheck?.test.length ?? 0 }).not.toEqual({ name, healthcheck: 0 });
    // An api copy takes traffic once it is ready (stores reachable, the worker's processors fresh).
    expect(services['api']!.healthcheck!.test.join(' ')).toContain('/health/ready');
  });

  it('starts the api and the worker once the stores take writes, and the balancer once an api is healthy', () => {
    for (const name of ['api', 'worker']) {
      const depends = services[name]!.depends_on ?? {};
      if (writable) expect(depends[writable]).toEqual({ condition: 'service_completed_successfully' });
      for (const store of stores.filter((s) => s !== 'eventstore' || !writable)) expect(depends[store]).toEqual({ condition: 'service_healthy' });
    }
    expect(services['balancer']!.depends_on).toEqual({ api: { condition: 'service_healthy' } });
  });

  it('runs several api copies that leave the processors to the worker, on one configuration the service accepts', () => {
    const api = services['api']!;
    const worker = services['worker']!;
    expect(api.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(worker.environment).toEqual(api.environment);
    const env = Object.fromEntries(Object.entries(api.environment!).map(([key, value]) => [key, value.replace(/\$\{(\w+):-([^}]*)\}/g, '$2')]));
    const config = loadConfig(env);
    expect(config.RUN_PROCESSORS).toBe(false);
    expect(config.READ_STORE).not.toBe('memory');
    expect(worker.command).toEqual(['node', 'dist/apps/worker/src/main.js']);
  });
});
