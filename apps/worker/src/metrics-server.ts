/**
 * The worker's own `/metrics` (and `/health/live`): beside a worker, the processors and the
 * webhook dispatcher run here, so their figures (positions, lag, parked events, delivery attempts
 * by status, events appended) are scraped here; the api's `/metrics` has its HTTP figures. Plain
 * `node:http`: the worker serves nothing else.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Metrics } from '../../api/src/metrics/metrics';

export interface MetricsServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on `host:port` (0: a free port); the answer names where. */
export const serveMetrics = async (metrics: Metrics, host: string, port: number): Promise<MetricsServer> => {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/health/live') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'up' }));
      return;
    }
    if (path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: the worker serves /metrics and /health/live\n');
      return;
    }
    metrics.scrape().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${address.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
