/**
 * How precisely each workload measures on this host, per metric: the guest clock, the
 * within-boot CV (between iterations of one boot), the between-boot CV of the boot medians (per
 * kernel), the issue's target for it, and the smallest change the default plan (choosePlan at
 * the default --budget, from baseline.json's noise and costs) detects at 90% power.
 *
 *   node --import tsx bench/workload-precision.ts [BEFORE.json] [AFTER.json] [LOADED.json]
 *
 * Defaults: the recorded wall-clock testbed run (test/fixtures/results/testbed-run.json, TCG
 * following the host clock) as "before"; the default mode's main job on an idle host
 * (test/fixtures/results/testbed-icount-sleep-idle-run.json, icount sleep=on, 2026-12-04) as
 * "after"; the same command with `stress-ng --cpu 2` on both host cores
 * (testbed-icount-sleep-hog-run.json) as "loaded", whose
 * worst between-boot CV must stay within 1.5x of the idle one. CVs are sd of natural logs.
 * Figures, not a test: a row that misses a target prints NOT MET.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { nestedSamples } from '../harness/compare/pairing.ts';
import { loadResults } from '../harness/results/index.ts';
import { describeGuestClock, guestClockOf, type ResultsFile } from '../harness/results/schema.ts';
import { choosePlan, costsFromResults, DEFAULT_BUDGET_MINUTES, noiseFromResults } from '../harness/run/planner.ts';
import { spreadExceedsP, varianceComponents } from '../harness/stats/index.ts';
import { QUICK_SIZES } from '../suites/types.ts';
import { zfsSuite } from '../suites/zfs/index.ts';

const root = path.join(import.meta.dirname, '..');
const before = process.argv[2] ?? path.join(root, 'test/fixtures/results/testbed-run.json');
const after = process.argv[3] ?? path.join(root, 'test/fixtures/results/testbed-icount-sleep-idle-run.json');
const loaded = process.argv[4] ?? path.join(root, 'test/fixtures/results/testbed-icount-sleep-hog-run.json');
/** The issue's robustness target: under a CPU hog, a between-boot CV within 1.5x of the idle run's. */
const LOADED_RATIO_TARGET = 1.5;
/** One-sided level of the spread test: a loaded CV counts as over 1.5x idle only at p < 0.05. */
const SPREAD_ALPHA = 0.05;
/** Below this a CV is the clock's and the reporting step's floor, not noise: a ratio of two floors says nothing. */
const CV_FLOOR = 0.001;

/** The issue's targets for the default mode: in-kernel checksum benches 0.5%, other ZFS metrics 2%. */
function targetFor(metricId: string): number | null {
  if (/^zfs\.checksum\.(fletcher4_|sha256_256k|sha512_256k|blake3_256k)/.test(metricId)) return 0.005;
  if (metricId.startsWith('zfs.')) return 0.02;
  return null;
}

interface Precision {
  within: number | null;
  between: Record<string, number | null>;
  /** Between-boot log variance pooled over the kernels (each its own mean), with its degrees of freedom. */
  pooled: { variance: number; df: number } | null;
}

function precisionOf(results: ResultsFile, metricId: string): Precision {
  let within: number | null = null;
  const between: Record<string, number | null> = {};
  let squares = 0;
  let df = 0;
  for (const target of results.targets) {
    const metric = target.metrics.find((m) => m.id === metricId);
    if (metric === undefined) continue;
    const components = varianceComponents(nestedSamples(metric));
    if (components.withinUnitLogVariance !== null) within = Math.max(within ?? 0, Math.sqrt(components.withinUnitLogVariance));
    between[target.guest.kernelVariant] = components.unitSummaryLogVariance === null ? null : Math.sqrt(components.unitSummaryLogVariance);
    if (components.unitSummaryLogVariance !== null) {
      squares += components.unitSummaryLogVariance * (components.units - 1);
      df += components.units - 1;
    }
  }
  return { within, between, pooled: df > 0 ? { variance: squares / df, df } : null };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(x < 0.001 ? 3 : x < 0.1 ? 2 : 1)}%`);

const files: { label: string; file: string; results: ResultsFile }[] = [];
for (const [label, file] of [
  ['before', before],
  ['after', after],
  ['loaded', loaded],
] as const)
  if (existsSync(file))
    files.push({ label: `${label} (${describeGuestClock(guestClockOf((await loadResults(file)).host))})`, file, results: await loadResults(file) });
  else process.stdout.write(`(${label}: ${file} not found, left out)\n`);
const worstBetween = (p: Precision): number | null => {
  const measured = Object.values(p.between);
  return measured.length < 2 || measured.some((v) => v === null) ? null : Math.max(...(measured as number[]));
};

// The default plan, as `kbench run` would choose it from baseline.json on this host.
const baselineFile = path.join(root, 'baseline.json');
const baseline = await loadResults(baselineFile);
const plan = choosePlan(
  {
    suite: zfsSuite,
    variants: ['stock', 'custom'],
    noise: noiseFromResults(baseline, 'baseline.json'),
    costs: costsFromResults(baseline, zfsSuite, 'baseline.json sample times'),
  },
  { fullRounds: 3, defaultIterations: QUICK_SIZES.iterationsPerBoot, budgetSeconds: DEFAULT_BUDGET_MINUTES * 60 },
);
const detects = new Map(plan.metrics.map((m) => [m.metricId, m.exact ? 'exact' : m.detectableChange === null ? '-' : `>= ${pct(m.detectableChange)}`]));
process.stdout.write(
  `kbench workload precision (CV = sd of logs; between-boot = boot medians, stock / custom)\n` +
    `default plan from baseline.json (${describeGuestClock(guestClockOf(baseline.host))}): ${plan.fullRounds} full + ${plan.bootOnlyRounds} boot-only rounds, ` +
    `${plan.expectedSeconds === null ? '?' : (plan.expectedSeconds / 60).toFixed(1)} min of run work\n\n`,
);

const metricIds = zfsSuite.flatMap((w) => w.metrics.map((m) => m.id));
const idleFile = files.find((f) => f.label.startsWith('after'));
const loadedFile = files.find((f) => f.label.startsWith('loaded'));
const header = [
  'metric',
  ...files.flatMap((f) => [`${f.label.split(' ')[0]} within`, `${f.label.split(' ')[0]} between`]),
  'target',
  '',
  ...(loadedFile === undefined ? [] : ['loaded/idle (pooled sd, p of > 1.5x)', '']),
  'default plan detects',
];
const rows: string[][] = [];
let missed = 0;
let missedLoaded = 0;
for (const id of metricIds) {
  const cells = [id];
  for (const file of files) {
    const p = precisionOf(file.results, id);
    cells.push(pct(p.within), `${pct(p.between.stock)} / ${pct(p.between.custom)}`);
  }
  const target = targetFor(id);
  const idleWorst = idleFile === undefined ? null : worstBetween(precisionOf(idleFile.results, id));
  const verdict = target === null || idleWorst === null ? '' : idleWorst <= target ? 'OK' : 'NOT MET';
  if (verdict === 'NOT MET') missed++;
  cells.push(target === null ? '' : `<= ${pct(target)}`, verdict);
  if (loadedFile !== undefined) {
    // F TEST OF SPREADS (stats/index.ts): "over" only when the loaded spread is shown to exceed
    // 1.5x the idle one; the point ratio alone is mostly sampling noise at 3-4 boots a side.
    const calm = idleFile === undefined ? null : precisionOf(idleFile.results, id).pooled;
    const busy = precisionOf(loadedFile.results, id).pooled;
    if (calm === null || busy === null) cells.push('-', '');
    else if (Math.sqrt(Math.max(calm.variance, busy.variance)) < CV_FLOOR) cells.push('floor', 'OK');
    else {
      const ratio = Math.sqrt(busy.variance / Math.max(calm.variance, CV_FLOOR ** 2));
      const p = spreadExceedsP(busy.variance, busy.df, Math.max(calm.variance, CV_FLOOR ** 2), calm.df, LOADED_RATIO_TARGET);
      const over = p < SPREAD_ALPHA;
      if (over) missedLoaded++;
      cells.push(`${ratio.toFixed(2)}x p=${p.toFixed(2)}`, over ? 'OVER' : 'OK');
    }
  }
  cells.push(detects.get(id) ?? '-');
  rows.push(cells);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
process.stdout.write(`${files.map((f) => `${f.label}: ${path.relative(root, f.file)}`).join('\n')}\n\n`);
process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n\n`);
process.stdout.write(
  `${missed === 0 ? 'every ZFS metric within its between-boot CV target (idle)' : `${missed} ZFS metrics miss their between-boot CV target (idle)`}\n`,
);
if (loadedFile !== undefined)
  process.stdout.write(
    `${missedLoaded === 0 ? 'no metric' : `${missedLoaded} metrics`} shown over ${LOADED_RATIO_TARGET}x of the idle between-boot CV under the CPU hog ` +
      `(one-sided F test of the pooled between-boot variances, p < ${SPREAD_ALPHA}; CVs under ${pct(CV_FLOOR)} on both are the clock's floor and count as met)\n`,
  );
