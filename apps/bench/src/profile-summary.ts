/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): `node dist/apps/bench/src/profile-summary.js
 * <file.cpuprofile> [top=25] [--since=<ms>]`. Prints self time by function, by file/package, and
 * inclusive ("total") time by function, as shares of the profiled time without idle.
 * `--since` drops the first <ms> of the profile (start-up and set-up).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 25);
const since = Number(args.find((a) => a.startsWith('--since='))?.slice(8) ?? 0) * 1_000;
if (!file) throw new Error('usage: profile-summary.js <file.cpuprofile> [top] [--since=<ms>]');

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const shortUrl = (url: string): string => {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + '/dist/'.length);
  return url.replace(/^file:\/\//, '') || '(native)';
};
const packageOf = (url: string): string => {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.includes('/dist/')) return `app: ${url.slice(url.indexOf('/dist/') + 6).split('/').slice(0, 2).join('/')}`;
  if (url.startsWith('node:')) return 'node core';
  return url ? url : '(native / VM)';
};
const keyOf = (frame: CallFrame) =>
  `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;

// Self time per node.
const selfTime = new Map<number, number>();
let t = profile.startTime;
let total = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  if (t - profile.startTime < since) continue;
  const id = profile.samples[i]!;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const name = byId.get(id)!.callFrame.functionName;
  if (name === '(idle)') {
    idle += dt;
    continue;
  }
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
  total += dt;
}

const selfByFunction = new Map<string, number>();
const selfByFile = new Map<string, number>();
const selfByPackage = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, dt] of selfTime) {
  const frame = byId.get(id)!.callFrame;
  const key = keyOf(frame);
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + dt);
  const fileKey = shortUrl(frame.url) || frame.functionName;
  selfByFile.set(fileKey, (selfByFile.get(fileKey) ?? 0) + dt);
  const pkg = frame.url ? packageOf(frame.url) : frame.functionName;
  selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + dt);
  // Every distinct function on the path from the root gets this sample's time once.
  const seen = new Set<string>();
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const k = keyOf(byId.get(n)!.callFrame);
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  }
}

const print = (title: string, map: Map<string, number>, count: number) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1_000).toFixed(0).padStart(7)} ms  ${key}`);
  }
};

console.log(
  `${file}: ${(total / 1_000).toFixed(0)} ms busy, ${(idle / 1_000).toFixed(0)} ms idle` + (since ? ` (after the first ${since / 1_000} ms)` : ''),
);
print('self time by package / app folder', selfByPackage, 15);
print('self time by file', selfByFile, 20);
print(`self time by function (top ${top})`, selfByFunction, top);
print(`total (inclusive) time by function (top ${top})`, inclusive, top);
