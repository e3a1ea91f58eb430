import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiHarness } from './support/api-harness';
import { runScriptedFlow } from './support/scripted-flow';

const CLI = join(__dirname, '../../../dist/apps/worker/src/rebuild.js');
const GENERATE_LOG = join(__dirname, '../../../dist/apps/bench/src/generate-log.js');

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

  it('reports its progress on a log that is not a terminal: lines with done/total, rate and ETA, then a final line', () => {
    const path = join(dir, 'events.sqlite');
    const generated = execFileSync(process.execPath, [GENERATE_LOG, path, '20000'], { encoding: 'utf8' }).trim().split('\n').pop()!;
    const { events } = JSON.parse(generated) as { events: number };

    const output = execFileSync(process.execPath, [CLI, '--progress-every', '0.02'], {
      env: { PATH: process.env['PATH'] ?? '', SQLITE_PATH: path, NO_COLOR: '1' },
      encoding: 'utf8',
      stdio: 'pipe',
    });
    const lines = output.trim().split('\n');
    const progress = lines.filter((line) => /Rebuild: \d+\/\d+ events/.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const line of progress) expect(line).toMatch(new RegExp(`Rebuild: \\d+/${events} events, \\d+ ev/s, ETA \\d+ s`));
    const done = progress.map((line) => Number(/Rebuild: (\d+)\//.exec(line)![1]));
    expect([...done].sort((a, b) => a - b)).toEqual(done);
    expect(lines[lines.length - 2]).toMatch(new RegExp(`Rebuild: ${events} events in \\d+\\.\\d s, \\d+ ev/s`));
    expect(JSON.parse(lines[lines.length - 1]!)).toEqual({ events, durationMs: expect.any(Number) });
  }, 60_000);

  it('refuses an argument it does not know, with its usage', () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, [CLI, '--progress-every', 'often'], { env: { PATH: process.env['PATH'] ?? '' }, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(2);
    expect(failure?.stderr).toMatch(/--progress-every takes a number of seconds/);
    expect(failure?.stderr).toMatch(/usage: npm run rebuild/);
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
