import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiHarness } from './support/api-harness';
import { runScriptedFlow } from './support/scripted-flow';

const CLI = join(__dirname, '../../../dist/apps/worker/src/rebuild.js');

describe('npm run rebuild', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'rebuild-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays the configured log through every projection and prints {events, durationMs}', async () => {
    const path = join(dir, 'events.sqlite');
    const api = await ApiHarness.start({ SQLITE_PATH: path });
    await runScriptedFlow(api);
    const count = await api.eventCount();
    await api.stop();

    const output = execFileSync(process.execPath, [CLI], { env: { PATH: process.env['PATH'] ?? '', SQLITE_PATH: path }, encoding: 'utf8' });
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({ events: count, durationMs: expect.any(Number) });
  });

  it('stops with a message naming a bad variable', () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [CLI], { env: { PATH: process.env['PATH'] ?? '', READ_STORE: 'paper' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr).toMatch(/READ_STORE: /);
  });
});
