/**
 * Seeded simulations of kbench's verdicts, printed with their targets (issue: "Verdicts that
 * decide"). Every figure is a share of simulated commands or comparisons; nothing is timed.
 *
 *   node --import tsx bench/stats-verdicts.ts [--trials N]
 *
 * Data model: value = center * exp(bootEffect + iterationNoise), boot effects normal, right-
 * skewed (centred sum of two exponentials) or heavy-tailed (Student t, 3 df), scaled to the
 * stated CV. A command compares 21 metrics (the quick ZFS suite's tested ones) as one family.
 * "Pooled MWU" is what kbench did before: every iteration an independent sample, Mann-Whitney U,
 * Holm, percentile bootstrap CI of the ratio of medians (pseudo-replication; bench/pooled-method.ts).
 */
import { loadResults } from '../harness/results/index.ts';
import { choosePlan, costsFromResults, DEFAULT_BUDGET_MINUTES, evaluatePlan, type MetricNoise } from '../harness/run/planner.ts';
import { QUICK_SIZES } from '../suites/types.ts';
import { zfsSuite } from '../suites/zfs/index.ts';
import { compareMetrics, createRng, holmAdjust, type MetricComparisonInput, type NestedSample } from '../harness/stats/index.ts';
import { bootstrapRatioOfMediansCI, mannWhitneyNormalP } from './pooled-method.ts';

const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 1000;
const FAMILY = 21;
const rng = createRng(20261201);

const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
const exponential = (): number => -Math.log(1 - rng.nextFloat());
type Shape = 'normal' | 'skewed' | 'heavy';
const draw: Record<Shape, () => number> = {
  normal,
  // Sum of two exponentials, centred and scaled to unit variance: skewness 1.41.
  skewed: () => (exponential() + exponential() - 2) / Math.SQRT2,
  // Student t with 3 df scaled to unit variance (variance of t3 is 3).
  heavy: () => normal() / Math.sqrt((normal() ** 2 + normal() ** 2 + normal() ** 2) / 3) / Math.sqrt(3),
};

interface Scenario {
  boots: number;
  iterations: number;
  bootCv: number;
  iterationCv: number;
  shape: Shape;
}

function sampleSide(center: number, s: Scenario): NestedSample[] {
  const samples: NestedSample[] = [];
  for (let b = 0; b < s.boots; b++) {
    const bootEffect = s.bootCv * draw[s.shape]();
    for (let i = 0; i < s.iterations; i++) samples.push({ value: center * Math.exp(bootEffect + s.iterationCv * normal()), unit: `0/${b}` });
  }
  return samples;
}

/** One command: metric 0 carries `shift` (candidate/baseline), the others none. */
function command(s: Scenario, shift: number, threshold = 0.05): MetricComparisonInput[] {
  return Array.from({ length: FAMILY }, (_, i) => ({
    key: `m${i}`,
    direction: 'lower' as const,
    baseline: sampleSide(100, s),
    candidate: sampleSide(i === 0 ? 100 * shift : 100, s),
    noiseThreshold: threshold,
  }));
}

const isCall = (verdict: string): boolean => verdict === 'regressed' || verdict === 'improved';

/** The pre-issue method: pooled iterations, Mann-Whitney, Holm, bootstrap CI beyond the band. */
function pooledCalls(inputs: MetricComparisonInput[]): boolean[] {
  const values = (xs: NestedSample[]): number[] => xs.map((x) => x.value);
  const p = holmAdjust(inputs.map((input) => mannWhitneyNormalP(values(input.baseline), values(input.candidate))));
  return inputs.map((input, i) => {
    if (!(p[i]! < 0.05)) return false;
    const ci = bootstrapRatioOfMediansCI(values(input.baseline), values(input.candidate), { resamples: 500, seed: i });
    return ci.low > 1 + input.noiseThreshold! || ci.high < 1 - input.noiseThreshold!;
  });
}

const share = (count: number, of: number): string => `${((100 * count) / of).toFixed(1)}%`;
const verdictOptions = { bootsToDecide: false };
const rows: string[][] = [];
const row = (...cells: string[]): void => void rows.push(cells);

function aaFalseCalls(s: Scenario, withPooled: boolean): { kbench: number; pooled: number | null } {
  let kbench = 0;
  let pooled = 0;
  for (let t = 0; t < TRIALS; t++) {
    const inputs = command(s, 1);
    if (compareMetrics(inputs, verdictOptions).some((r) => isCall(r.verdict))) kbench++;
    if (withPooled && pooledCalls(inputs).some(Boolean)) pooled++;
  }
  return { kbench, pooled: withPooled ? pooled : null };
}

function power(s: Scenario, shift: number): number {
  let called = 0;
  for (let t = 0; t < TRIALS; t++) {
    const [first] = compareMetrics(command(s, shift), verdictOptions);
    if (first!.verdict === 'regressed') called++;
  }
  return called;
}

const label = (s: Scenario): string => `${s.boots}×${s.iterations}, boot CV ${s.bootCv * 100}%, iter CV ${s.iterationCv * 100}%, ${s.shape}`;

console.log(`kbench verdict simulations: ${TRIALS} commands per line, ${FAMILY} metrics per command (one Holm family), seed 20261201`);
console.log('');
console.log('A/A: share of commands with any false regressed/improved (target <= 5%)');
const aaScenarios: Scenario[] = [
  { boots: 3, iterations: 3, bootCv: 0, iterationCv: 0.04, shape: 'normal' },
  { boots: 3, iterations: 3, bootCv: 0.06, iterationCv: 0.04, shape: 'normal' },
  { boots: 6, iterations: 3, bootCv: 0.06, iterationCv: 0.04, shape: 'normal' },
  { boots: 6, iterations: 3, bootCv: 0.06, iterationCv: 0.04, shape: 'skewed' },
  { boots: 6, iterations: 3, bootCv: 0.06, iterationCv: 0.04, shape: 'heavy' },
  { boots: 3, iterations: 3, bootCv: 0.06, iterationCv: 0.04, shape: 'heavy' },
];
for (const s of aaScenarios) {
  const { kbench, pooled } = aaFalseCalls(s, s.boots === 3 && s.shape !== 'heavy');
  const ok = kbench / TRIALS <= 0.05;
  row(label(s), `kbench ${share(kbench, TRIALS)}`, pooled === null ? '' : `pooled MWU ${share(pooled, TRIALS)}`, ok ? 'OK' : 'OVER TARGET');
}
printRows();

console.log('');
console.log('Power: share of commands in which a real shift of metric 0 is called "regressed"');
const powerCases: [Scenario, number, string][] = [
  [{ boots: 3, iterations: 3, bootCv: 0.01, iterationCv: 0.01, shape: 'normal' }, 1.25, 'target: >= 95%'],
  [{ boots: 3, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 5, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 6, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 8, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 12, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 14, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 6, iterations: 3, bootCv: 0.02, iterationCv: 0.02, shape: 'normal' }, 1.1, ''],
  [{ boots: 6, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'heavy' }, 1.1, ''],
  [{ boots: 6, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' }, 1.2, ''],
  // A per-boot metric (one value a boot) at 11 boots a side, the size of a pooled baseline.
  [{ boots: 11, iterations: 1, bootCv: 0.03, iterationCv: 0, shape: 'normal' }, 1.1, 'target: >= 90%'],
];
for (const [s, shift, note] of powerCases) {
  const called = power(s, shift);
  row(`+${Math.round((shift - 1) * 100)}% at ${label(s)}`, share(called, TRIALS), note);
}
printRows();

console.log('');
// "At the default plan": the plan `kbench run` picks on this host (costs from baseline.json's
// sample times, default budget) when every metric has boot CV 3% and iteration CV 2%, then the
// power of that plan for a per-boot metric (one value per boot, all its spread between boots)
// and for an iterated one. Nothing here is assumed about the plan: choosePlan decides it.
const baselineFile = new URL('../baseline.json', import.meta.url).pathname;
const costs = costsFromResults(await loadResults(baselineFile), zfsSuite, 'baseline.json sample times');
const lowNoise = new Map<string, MetricNoise>(
  zfsSuite.flatMap((w) => w.metrics.map((m) => [m.id, { bootCv: 0.03, iterationCv: w.schedule === 'per-boot' ? null : 0.02, source: 'scenario' }] as const)),
);
const context = { suite: zfsSuite, variants: ['stock', 'custom'] as ('stock' | 'custom')[], noise: lowNoise, costs };
const plan = choosePlan(context, { fullRounds: 3, defaultIterations: QUICK_SIZES.iterationsPerBoot, budgetSeconds: DEFAULT_BUDGET_MINUTES * 60 });
/** The limit for the whole main job on this host. */
const MAIN_JOB_MINUTES = 20;
const minutesOf = (seconds: number | null): string => `${((seconds ?? Number.NaN) / 60).toFixed(1)} min`;
console.log(
  `Power at the default plan on this host (--budget ${DEFAULT_BUDGET_MINUTES}), boot CV 3%: ${plan.fullRounds} full + ${plan.bootOnlyRounds} boot-only rounds, ${minutesOf(plan.expectedSeconds)} of run work`,
);
const perBoot: Scenario = { boots: plan.fullRounds + plan.bootOnlyRounds, iterations: 1, bootCv: 0.03, iterationCv: 0, shape: 'normal' };
const checksumIterations = plan.iterations.checksum ?? 2;
const iterated = (boots: number): Scenario => ({ boots, iterations: checksumIterations, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' });
const verdictOf = (share: number): string => (share >= 0.9 ? 'target >= 90%: OK' : 'target >= 90%: NOT MET');
const perBootPower = power(perBoot, 1.1) / TRIALS;
row(`+10% per-boot metric (boot time, memory) at ${perBoot.boots}×1`, share(perBootPower * TRIALS, TRIALS), verdictOf(perBootPower));
const iteratedPower = power(iterated(plan.fullRounds), 1.1) / TRIALS;
row(`+10% iterated metric (checksum) at ${plan.fullRounds}×${checksumIterations}`, share(iteratedPower * TRIALS, TRIALS), verdictOf(iteratedPower));
// What an iterated metric would take here: full rounds until the same shift is called 9 times in 10.
for (let rounds = plan.fullRounds + 1; rounds <= 30 && iteratedPower < 0.9; rounds++) {
  const reached = power(iterated(rounds), 1.1) / TRIALS;
  if (reached < 0.9) continue;
  const cost = evaluatePlan({ ...plan, fullRounds: rounds }, context).expectedSeconds;
  const fits = cost !== null && cost <= MAIN_JOB_MINUTES * 60 ? 'within' : 'beyond';
  row(
    `+10% iterated metric (checksum) at ${rounds}×${checksumIterations}`,
    share(reached * TRIALS, TRIALS),
    `reached at ${minutesOf(cost)} of run work here (--runs ${rounds}): ${fits} the ${MAIN_JOB_MINUTES}-min main job`,
  );
  break;
}
printRows();

console.log('');
console.log('Deterministic metric (8.25 MB vs 14.2 MB, 1 boot per side)');
const [size] = compareMetrics([
  {
    key: 'size',
    direction: 'lower',
    exact: true,
    noiseThreshold: 0.01,
    baseline: [{ value: 8_247_000, unit: '0/0' }],
    candidate: [{ value: 14_190_000, unit: '0/0' }],
  },
]);
console.log(
  `  ${size!.verdict} (${size!.method}), ratio ${size!.ratio.toFixed(3)} (target: called from 1 boot per side) ${size!.verdict === 'regressed' ? 'OK' : 'NOT MET'}`,
);

console.log('');
console.log('Coverage of the 95% CI of the ratio, and "equivalent" never while the CI reaches beyond the band');
for (const s of [aaScenarios[1]!, aaScenarios[2]!, aaScenarios[3]!, aaScenarios[4]!]) {
  let covered = 0;
  let total = 0;
  let violations = 0;
  let equivalent = 0;
  for (let t = 0; t < Math.ceil(TRIALS / 4); t++)
    for (const r of compareMetrics(command(s, 1.03), verdictOptions)) {
      const truth = r.key === 'm0' ? 1.03 : 1;
      total++;
      if (r.ratioCI !== null && r.ratioCI.low <= truth && truth <= r.ratioCI.high) covered++;
      if (r.verdict === 'equivalent') {
        equivalent++;
        if (r.ratioCI!.low < 0.95 || r.ratioCI!.high > 1.05) violations++;
      }
    }
  row(label(s), `coverage ${share(covered, total)} (nominal 95%)`, `equivalent ${share(equivalent, total)}, beyond-band equivalents ${violations} (target 0)`);
}
printRows();

console.log('');
console.log('Adaptive: boots per kernel until every metric is decided or undecidable within 30 (A/A, 21 metrics)');
for (const s of [
  { boots: 0, iterations: 3, bootCv: 0.01, iterationCv: 0.01, shape: 'normal' as const },
  { boots: 0, iterations: 3, bootCv: 0.03, iterationCv: 0.02, shape: 'normal' as const },
  { boots: 0, iterations: 3, bootCv: 0.06, iterationCv: 0.04, shape: 'normal' as const },
]) {
  const used: number[] = [];
  let falseCalls = 0;
  const trials = Math.ceil(TRIALS / 10);
  for (let t = 0; t < trials; t++) {
    const full = command({ ...s, boots: 30 }, 1);
    let stopped = 30;
    let results = null;
    for (let k = 3; k <= 30; k++) {
      const prefix = full.map((input) => ({
        ...input,
        baseline: input.baseline.slice(0, k * s.iterations),
        candidate: input.candidate.slice(0, k * s.iterations),
      }));
      results = compareMetrics(prefix);
      if (results.every((r) => r.verdict !== 'inconclusive' || r.bootsToDecide === null || r.bootsToDecide > 30)) {
        stopped = k;
        break;
      }
    }
    used.push(stopped);
    if (results!.some((r) => isCall(r.verdict))) falseCalls++;
  }
  const mean = used.reduce((a, b) => a + b, 0) / used.length;
  row(
    `boot CV ${s.bootCv * 100}%, iter CV ${s.iterationCv * 100}%`,
    `mean ${mean.toFixed(1)} boots (saves ${share(30 - mean, 30)} of 30)`,
    `false calls at stop ${share(falseCalls, trials)}`,
  );
}
printRows();

function printRows(): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  for (const r of rows)
    console.log(
      `  ${r
        .map((cell, c) => cell.padEnd(widths[c]! + 2))
        .join('')
        .trimEnd()}`,
    );
  rows.length = 0;
}
