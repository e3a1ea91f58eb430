/**
 * What the EventStoreDB adapter does without a server it can talk to: the connection strings it
 * takes, and a ping that answers within its deadline when the node hangs (accepts the connection and
 * never answers), so `/health` never hangs on it. A real node runs the contract suite
 * (esdb-event-store.e2e.spec.ts) wherever Docker is.
 */
import { createServer, Server, Socket } from 'node:net';
import { connectEsdbEventStore, esdbConnectionString } from '../src/esdb/esdb-event-store';

describe('the EventStoreDB adapter without a node', () => {
  it('takes kurrentdb:// and kurrentdb+discover:// as the esdb schemes they are', () => {
    expect(esdbConnectionString('kurrentdb://node:2113?tls=false')).toBe('esdb://node:2113?tls=false');
    expect(esdbConnectionString('kurrentdb+discover://a:2113,b:2113')).toBe('esdb+discover://a:2113,b:2113');
    expect(esdbConnectionString('esdb://node:2113?tls=false')).toBe('esdb://node:2113?tls=false');
    // The client itself refuses the kurrentdb scheme: the store must not hand it over as given.
    expect(() => connectEsdbEventStore('kurrentdb://127.0.0.1:1?tls=false')).not.toThrow();
  });

  describe('a node that accepts connections and never answers', () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('fails the ping within its deadline instead of hanging', async () => {
      const store = connectEsdbEventStore(`esdb://127.0.0.1:${port}?tls=false`, { pingDeadlineMs: 300 });
      const started = Date.now();
      try {
        await expect(store.ping()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await store.close().catch(() => undefined);
      }
    });
  });
});
