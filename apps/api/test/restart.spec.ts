/**
 * On the embedded default the read models live in memory: at start they are rebuilt from the
 * SQLite log, so a restarted service answers as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiHarness } from './support/api-harness';
import { runScriptedFlow } from './support/scripted-flow';

const READS = [
  '/accounts/seller',
  '/accounts/seller/inventory',
  '/accounts/seller/orders',
  '/accounts/seller/orders/short',
  '/accounts/seller/orders/handed',
  '/accounts/vendor/orders?status=UNAPPROVED',
  '/accounts/seller/purchase-orders',
  '/accounts/seller/purchase-orders/po-1',
  '/accounts/seller/reports/backorders',
];

describe('restart on the embedded default', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'restart-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same answers after a restart', async () => {
    const env = { SQLITE_PATH: join(dir, 'events.sqlite') };
    const first = await ApiHarness.start(env);
    await runScriptedFlow(first);
    const head = String(await first.store.headPosition());
    const read = async (api: ApiHarness) => {
      const answers: unknown[] = [];
      for (const url of READS) {
        const answer = await api.request('GET', url, { headers: { 'x-consistent-with': head } });
        expect({ url, status: answer.status }).toEqual({ url, status: 200 });
        answers.push(answer.body);
      }
      return answers;
    };
    const before = await read(first);
    await first.stop();

    const second = await ApiHarness.start(env);
    try {
      expect(await read(second)).toEqual(before);
    } finally {
      await second.stop();
    }
  });
});
