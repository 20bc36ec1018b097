/**
 * How fast the kbench CLI starts (issue 11 targets): `kbench --version` within 4x `node -e 0` + 40 ms,
 * and `kbench compare` of a 24-metric run (the recorded testbed run vs baseline.json) within 0.5 s.
 * Each command runs once to warm the file cache, then `--runs` times (default 5); the median counts.
 * Measure on a quiet machine: the figures are wall time of whole processes.
 *
 *   node --import tsx bench/startup.ts [--runs N] [--entry bin/kbench.mjs] [--json]
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    entry: { type: 'string', default: path.join(root, 'bin', 'kbench.mjs') },
    json: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new Error(`--runs must be an integer in [1, 1000], got "${values.runs}"`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall seconds of one process; a command that fails invalidates the figure. */
function timeOnce(args: string[], okCodes: number[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.error || !okCodes.includes(result.status ?? -1))
    throw new Error(`node ${args.join(' ')} exited ${result.status ?? result.signal}: ${String(result.stderr).slice(0, 400)}`);
  return seconds;
}

function measure(args: string[], okCodes = [0]): { median: number; samples: number[] } {
  timeOnce(args, okCodes);
  const samples = Array.from({ length: runs }, () => timeOnce(args, okCodes));
  return { median: median(samples), samples };
}

const node = measure(['-e', '0']);
const version = measure([values.entry, '--version']);
// Two recorded runs of one host and clock (baseline.json is this host's icount baseline, which a
// wall-clock fixture may not be compared with). Exit 1 would still be a valid timing.
const compare = measure(
  [values.entry, 'compare', 'test/fixtures/results/testbed-run-b.json', '--baseline', 'test/fixtures/results/testbed-run-a.json'],
  [0, 1],
);

const versionLimit = 4 * node.median + 0.04;
const compareLimit = 0.5;
const checks = [
  { name: 'node -e 0', median: node.median, samples: node.samples, limit: null },
  { name: 'kbench --version', median: version.median, samples: version.samples, limit: versionLimit },
  { name: 'kbench compare (24 metrics x 2 kernels)', median: compare.median, samples: compare.samples, limit: compareLimit },
];
const failed = checks.filter((c) => c.limit !== null && c.median > c.limit);
if (values.json) {
  process.stdout.write(`${JSON.stringify({ runs, entry: values.entry, load: loadavg(), checks })}\n`);
} else {
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  for (const c of checks)
    process.stdout.write(
      `${c.name.padEnd(42)} median ${ms(c.median).padStart(8)}${c.limit === null ? '' : `  target <= ${ms(c.limit)}  ${c.median <= c.limit ? 'ok' : 'MISSED'}`}\n`,
    );
  process.stdout.write(
    `(${runs} runs each after one warm-up; load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})\n`,
  );
}
process.exitCode = failed.length === 0 ? 0 : 1;
