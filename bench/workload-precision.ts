/**
 * How precisely each workload measures on this host, per metric: the guest clock, the
 * within-boot CV (between iterations of one boot), the between-boot CV of the boot medians (per
 * kernel), the issue's target for it, and the smallest change the default plan (choosePlan at
 * the default --budget, from baseline.json's noise and costs) detects at 90% power.
 *
 *   node --import tsx bench/workload-precision.ts [BEFORE.json] [AFTER.json]
 *
 * Defaults: the recorded wall-clock testbed run (test/fixtures/results/testbed-run.json, TCG
 * following the host clock) as "before", the recorded icount run
 * (test/fixtures/results/testbed-icount-run.json) as "after". CVs are sd of natural logs.
 * Figures, not a test: a row that misses its target prints NOT MET.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { nestedSamples } from '../harness/compare/pairing.ts';
import { loadResults } from '../harness/results/index.ts';
import { describeGuestClock, guestClockOf, type ResultsFile } from '../harness/results/schema.ts';
import { choosePlan, costsFromResults, DEFAULT_BUDGET_MINUTES, noiseFromResults } from '../harness/run/planner.ts';
import { varianceComponents } from '../harness/stats/index.ts';
import { QUICK_SIZES } from '../suites/types.ts';
import { zfsSuite } from '../suites/zfs/index.ts';

const root = path.join(import.meta.dirname, '..');
const before = process.argv[2] ?? path.join(root, 'test/fixtures/results/testbed-run.json');
const after = process.argv[3] ?? path.join(root, 'test/fixtures/results/testbed-icount-run.json');

/** The issue's targets for the default mode: in-kernel checksum benches 0.5%, other ZFS metrics 2%. */
function targetFor(metricId: string): number | null {
  if (/^zfs\.checksum\.(fletcher4_|sha256_256k|sha512_256k|blake3_256k)/.test(metricId)) return 0.005;
  if (metricId.startsWith('zfs.')) return 0.02;
  return null;
}

interface Precision {
  within: number | null;
  between: Record<string, number | null>;
}

function precisionOf(results: ResultsFile, metricId: string): Precision {
  let within: number | null = null;
  const between: Record<string, number | null> = {};
  for (const target of results.targets) {
    const metric = target.metrics.find((m) => m.id === metricId);
    if (metric === undefined) continue;
    const components = varianceComponents(nestedSamples(metric));
    if (components.withinUnitLogVariance !== null) within = Math.max(within ?? 0, Math.sqrt(components.withinUnitLogVariance));
    between[target.guest.kernelVariant] = components.unitSummaryLogVariance === null ? null : Math.sqrt(components.unitSummaryLogVariance);
  }
  return { within, between };
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(x < 0.001 ? 3 : x < 0.1 ? 2 : 1)}%`);

const files: { label: string; results: ResultsFile }[] = [];
for (const [label, file] of [['before', before], ['after', after]] as const)
  if (existsSync(file)) files.push({ label: `${label} (${describeGuestClock(guestClockOf((await loadResults(file)).host))})`, results: await loadResults(file) });
  else process.stdout.write(`(${label}: ${file} not found, left out)\n`);

// The default plan, as `kbench run` would choose it from baseline.json on this host.
const baselineFile = path.join(root, 'baseline.json');
const baseline = await loadResults(baselineFile);
const plan = choosePlan(
  { suite: zfsSuite, variants: ['stock', 'custom'], noise: noiseFromResults(baseline, 'baseline.json'), costs: costsFromResults(baseline, zfsSuite, 'baseline.json sample times') },
  { fullRounds: 3, defaultIterations: QUICK_SIZES.iterationsPerBoot, budgetSeconds: DEFAULT_BUDGET_MINUTES * 60 },
);
const detects = new Map(plan.metrics.map((m) => [m.metricId, m.exact ? 'exact' : m.detectableChange === null ? '-' : `>= ${pct(m.detectableChange)}`]));
process.stdout.write(
  `kbench workload precision (CV = sd of logs; between-boot = boot medians, stock / custom)\n` +
    `default plan from baseline.json (${describeGuestClock(guestClockOf(baseline.host))}): ${plan.fullRounds} full + ${plan.bootOnlyRounds} boot-only rounds, ` +
    `${plan.expectedSeconds === null ? '?' : (plan.expectedSeconds / 60).toFixed(1)} min of run work\n\n`,
);

const metricIds = zfsSuite.flatMap((w) => w.metrics.map((m) => m.id));
const header = ['metric', ...files.flatMap((f) => [`${f.label.split(' ')[0]} within`, `${f.label.split(' ')[0]} between`]), 'target', '', 'default plan detects'];
const rows: string[][] = [];
let missed = 0;
for (const id of metricIds) {
  const cells = [id];
  let last: Precision | null = null;
  for (const file of files) {
    const p = precisionOf(file.results, id);
    cells.push(pct(p.within), `${pct(p.between.stock)} / ${pct(p.between.custom)}`);
    last = p;
  }
  const target = targetFor(id);
  const measured = last === null ? [] : Object.values(last.between);
  const worst = measured.length < 2 || measured.some((v) => v === null) ? null : Math.max(...(measured as number[]));
  const verdict = target === null || worst === null ? '' : worst <= target ? 'OK' : 'NOT MET';
  if (verdict === 'NOT MET') missed++;
  cells.push(target === null ? '' : `<= ${pct(target)}`, verdict, detects.get(id) ?? '-');
  rows.push(cells);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
process.stdout.write(`${files.map((f) => `${f.label}: ${path.relative(root, f.label.startsWith('before') ? before : after)}`).join('\n')}\n\n`);
process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n\n${missed === 0 ? 'every ZFS metric within its target' : `${missed} ZFS metrics miss their between-boot CV target`}\n`);
