/**
 * `npm run bench` is a way of running the product: these start it, shortened (BENCH_QUICK=1, a second
 * of load, a few flows), on the embedded default and on the PostgreSQL deployment, and read its last
 * line. They assert the run finishes and reports its figures against the bare route of the same run,
 * not the figures themselves (timings belong to the benchmark, not to tests).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describeWithPostgres, postgresTestUrl } from '@app/event-store/testing/postgres';

const ROOT = join(__dirname, '..', '..', '..');

const runBench = (env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/apps/bench/src/service.bench.js'],
      {
        cwd: ROOT,
        env: { ...process.env, BENCH_QUICK: '1', BENCH_PHASES: 'order,flow', BENCH_ORDER_SECONDS: '1', BENCH_FLOWS: '20', BENCH_FLOWS_IN_FLIGHT: '5', ...env },
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

const summaryOf = (stdout: string): Record<string, any> => {
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Record<string, any>;
};

const expectFigures = (summary: Record<string, any>) => {
  expect(summary['quick']).toBe(true);
  expect(summary['orderCreateRatio']).toBeGreaterThan(0);
  expect(summary['orderCreateRatio']).toBeLessThan(1);
  expect(JSON.stringify(summary)).toMatch(/flowsPerBareRequest/);
};

describe('npm run bench (shortened)', () => {
  it('runs order creation and complete flows on the embedded default and ends with its JSON summary', async () => {
    const run = await runBench({});
    if (run.code !== 0) throw new Error(`bench exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    const summary = summaryOf(run.stdout);
    expect(summary['deployment']).toBe('embedded');
    expectFigures(summary);
  }, 300_000);
});

describeWithPostgres('npm run bench on the PostgreSQL deployment (shortened)', () => {
  it('runs order creation and complete flows on two api processes and a worker and ends with its JSON summary', async () => {
    const run = await runBench({ BENCH_DEPLOYMENT: 'postgres', BENCH_POSTGRES_URL: postgresTestUrl() });
    if (run.code !== 0) throw new Error(`bench exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    const summary = summaryOf(run.stdout);
    expect(summary['deployment']).toBe('postgres');
    expectFigures(summary);
  }, 300_000);
});
