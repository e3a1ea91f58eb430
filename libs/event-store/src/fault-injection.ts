/**
 * Fault injection for crash tests: `FAULT_CRASH_AT=<point>[#<n>]` (comma-separated for several)
 * makes the process kill itself with SIGKILL the n-th time (1st by default) it passes the named
 * point, exactly as a power cut or `kill -9` would stop it there. Unset, a crash point costs one
 * map lookup. Never set it in production.
 */
let plan: Map<string, number> | undefined;
const passed = new Map<string, number>();

const parsePlan = (text: string | undefined): Map<string, number> => {
  const result = new Map<string, number>();
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [point, nth] = item.split('#');
    const n = nth === undefined ? 1 : Number(nth);
    if (!point || !Number.isInteger(n) || n < 1) throw new Error(`FAULT_CRASH_AT: cannot read "${item}"`);
    result.set(point, n);
  }
  return result;
};

export const crashPoint = (point: string): void => {
  plan ??= parsePlan(process.env['FAULT_CRASH_AT']);
  if (plan.size === 0) return;
  const crashAt = plan.get(point);
  if (crashAt === undefined) return;
  const count = (passed.get(point) ?? 0) + 1;
  passed.set(point, count);
  if (count === crashAt) {
    process.stderr.write(`FAULT_CRASH_AT: killing the process at ${point} (pass ${count})\n`);
    process.kill(process.pid, 'SIGKILL');
  }
};
