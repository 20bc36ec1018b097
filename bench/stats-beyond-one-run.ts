/**
 * Seeded simulations of kbench's verdicts outside the balanced one-run case (issue 19: "Verdicts
 * that hold across runs"): unbalanced and small sides, boots in two modes, a baseline pooled from
 * runs, one run against another. Every line is a share of simulated A/A commands (21 metrics, one
 * Holm family, compareMetrics exactly as `kbench compare` calls it) with any false
 * regressed/improved, printed with its target. Nothing is timed.
 *
 *   node --import tsx bench/stats-beyond-one-run.ts [--trials N]
 *
 * Data model (lognormal throughout): value = 100 * mode * exp(runEffect + bootEffect + iterationNoise),
 * run, boot and iteration effects normal with the stated CVs (standard deviations of logs); a
 * boot is in the slow mode (0.67×, as fletcher4 under TCG) with probability 0.3 where modes are
 * on. Each metric draws its own effects (independent metrics: the worst case for a family).
 *
 * Stored baseline (MODE PRIOR, stats/modes.ts): where a line says "with a stored baseline of
 * 11 boots a kernel", each metric of each command also draws what baseline.json would hold for
 * each kernel, 11 boots (× the side's iterations) from the same moded distribution, and its
 * modes (GAP RULE on those boots) go to the comparison as `modePrior`, as `kbench compare
 * --stock-vs-custom`, `kbench run` and `kbench gate` pass them from baseline.json.
 */
import {
  byRun,
  compareMetrics,
  createRng,
  modePriorOf,
  runVarianceOf,
  summarizeUnits,
  type MetricComparisonInput,
  type NestedSample,
} from '../harness/stats/index.ts';

const trialsArg = process.argv.indexOf('--trials');
const TRIALS = trialsArg > 0 ? Number(process.argv[trialsArg + 1]) : 1000;
const FAMILY = 21;
const SEED = 20261203;
let rng = createRng(SEED);
/** Each case draws from its own stream (seed + a hash of its name), so adding a case moves no other line. */
const reseed = (name: string): void => {
  let hash = SEED;
  for (const ch of name) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  rng = createRng(hash);
};
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());

/** One side: `runs` runs of `boots` boots each (boots may differ per run), `iterations` per boot. */
interface SideShape {
  runs: number;
  boots: number;
  iterations: number;
}

interface Case {
  name: string;
  baseline: SideShape;
  candidate: SideShape;
  bootCv: number;
  iterationCv: number;
  runCv: number;
  /** Share of boots in the slow mode (0 = one mode). */
  slowShare: number;
  band: number;
  target: string;
  /** Both sides from different runs (a run against a baseline): true; custom vs stock in one run: false. */
  separateRuns: boolean;
  /**
   * `kbench calibrate` over this many earlier runs of the baseline's shape first: its band (the
   * largest A/A drift between consecutive runs, rounded up to 0.5%, only ever raising the band)
   * and its between-run variance (method of moments over those runs) go into the comparison.
   */
  calibrationRuns?: number;
  /** Boots per kernel of a simulated baseline.json whose modes reach the comparison (MODE PRIOR); none without. */
  storedBoots?: number;
  /** A line shown for reference, with no target of its own. */
  reference?: boolean;
  /** Real change of metric 0 (candidate / baseline); 1 = A/A. Lines with a change report power, not false calls. */
  change?: number;
}

const SLOW_MODE = 0.67;

function side(shape: SideShape, c: Case, firstRun: number): NestedSample[] {
  const samples: NestedSample[] = [];
  for (let r = 0; r < shape.runs; r++) {
    const runEffect = c.runCv * normal();
    for (let b = 0; b < shape.boots; b++) {
      const mode = c.slowShare > 0 && rng.nextFloat() < c.slowShare ? SLOW_MODE : 1;
      const bootEffect = c.bootCv * normal();
      for (let i = 0; i < shape.iterations; i++)
        samples.push({ value: 100 * mode * Math.exp(runEffect + bootEffect + c.iterationCv * normal()), unit: `${firstRun + r}/${b}` });
    }
  }
  return samples;
}

/** What `kbench calibrate` (harness/baseline/noise.ts) stores for one metric from `runs` earlier runs. */
function calibration(c: Case, runs: number): Pick<MetricComparisonInput, 'noiseThreshold' | 'runVariance'> {
  const earlier = side({ ...c.baseline, runs }, c, 100);
  const logs = byRun(summarizeUnits(earlier).map((u) => ({ unit: u.unit, log: Math.log(u.value) })));
  const means = logs.map((run) => run.reduce((a, b) => a + b, 0) / run.length);
  const drift = Math.max(...means.slice(1).map((m, k) => Math.abs(Math.expm1(m - means[k]!))));
  const estimate = runVarianceOf(logs)!;
  return { noiseThreshold: Math.max(c.band, Math.ceil(drift * 200) / 200), runVariance: { ...estimate, source: `calibration of ${runs} runs` } };
}

/** What baseline.json would hold for one kernel: `storedBoots` boots from the same distribution, and their modes. */
function storedModes(c: Case, boots: number, iterations: number): MetricComparisonInput['modePrior'] {
  const stored = (): ReturnType<typeof modePriorOf> =>
    modePriorOf(
      summarizeUnits(side({ runs: 1, boots, iterations }, c, 200)).map((u) => Math.log(u.value)),
      'baseline.json',
    );
  return { baseline: stored(), candidate: stored() };
}

function command(c: Case): MetricComparisonInput[] {
  return Array.from({ length: FAMILY }, (_, i) => {
    const baseline = side(c.baseline, c, 0);
    // A candidate run is another run than any of the baseline's (its own file numbers it 0 too).
    const candidate = side(c.candidate, c, c.separateRuns ? c.baseline.runs : 0);
    if (i === 0 && c.change !== undefined) for (const sample of candidate) sample.value *= c.change;
    return {
      key: `m${i}`,
      direction: 'lower' as const,
      baseline,
      candidate,
      noiseThreshold: c.band,
      acrossRuns: c.separateRuns,
      ...(c.calibrationRuns === undefined ? {} : calibration(c, c.calibrationRuns)),
      ...(c.storedBoots === undefined ? {} : { modePrior: storedModes(c, c.storedBoots, c.candidate.iterations) }),
    };
  });
}

const isCall = (verdict: string): boolean => verdict === 'regressed' || verdict === 'improved';

function falseCalls(c: Case): number {
  reseed(c.name);
  let count = 0;
  for (let t = 0; t < TRIALS; t++) if (compareMetrics(command(c), { bootsToDecide: false }).some((r) => isCall(r.verdict))) count++;
  return count / TRIALS;
}

/**
 * Share of commands in which metric 0's real change is called "regressed" (a change > 1 of a
 * lower-is-better metric), with the stored baseline's modes and, on the very same commands,
 * without them: the difference is what the MODE PRIOR costs or gains, free of sampling noise.
 */
function power(c: Case): { withModes: number; without: number } {
  reseed(c.name);
  let withModes = 0;
  let without = 0;
  for (let t = 0; t < TRIALS; t++) {
    const inputs = command(c);
    if (compareMetrics(inputs, { bootsToDecide: false })[0]!.verdict === 'regressed') withModes++;
    if (
      compareMetrics(
        inputs.map(({ modePrior: _, ...input }) => input),
        { bootsToDecide: false },
      )[0]!.verdict === 'regressed'
    )
      without++;
  }
  return { withModes: withModes / TRIALS, without: without / TRIALS };
}

const shape = (runs: number, boots: number, iterations: number): SideShape => ({ runs, boots, iterations });
const unbalanced = { bootCv: 0.06, iterationCv: 0.04, runCv: 0, slowShare: 0, band: 0.05, separateRuns: false, target: '<= 5%' };
const modes = { bootCv: 0.03, iterationCv: 0.02, runCv: 0, slowShare: 0.3, band: 0.05, separateRuns: false, target: '<= 5%' };
const crossRun = { bootCv: 0.03, iterationCv: 0, slowShare: 0, band: 0.05, separateRuns: true };
/** Lines kept to show the limit any within-run rule has (the stored baseline's lines are the cases with a target). */
const REFERENCE = { target: 'none: reference (the within-run limit)', reference: true };
const CASES: Case[] = [
  { ...unbalanced, name: 'baseline 8 boots vs candidate 2 (8×3 vs 2×3, boot CV 6%, iter CV 4%)', baseline: shape(1, 8, 3), candidate: shape(1, 2, 3) },
  { ...unbalanced, name: '16 vs 3 (×3, boot CV 6%, iter CV 4%)', baseline: shape(1, 16, 3), candidate: shape(1, 3, 3) },
  { ...unbalanced, name: '11 vs 3 (×3, boot CV 6%, iter CV 4%)', baseline: shape(1, 11, 3), candidate: shape(1, 3, 3) },
  { ...unbalanced, name: 'other splits: 22 vs 2 (×3, boot CV 6%, iter CV 4%)', baseline: shape(1, 22, 3), candidate: shape(1, 2, 3) },
  { ...unbalanced, name: '22 vs 3', baseline: shape(1, 22, 3), candidate: shape(1, 3, 3) },
  { ...unbalanced, name: '3 vs 2', baseline: shape(1, 3, 3), candidate: shape(1, 2, 3) },
  { ...unbalanced, name: '2 vs 2', baseline: shape(1, 2, 3), candidate: shape(1, 2, 3) },
  {
    ...modes,
    storedBoots: 11,
    name: 'two modes (30% of boots at 0.67×), 3 boots × 2 a side, boot CV 3%, with a stored baseline of 11 boots a kernel',
    baseline: shape(1, 3, 2),
    candidate: shape(1, 3, 2),
  },
  { ...modes, storedBoots: 11, name: 'two modes, 4 × 2 a side, stored baseline 11 boots a kernel', baseline: shape(1, 4, 2), candidate: shape(1, 4, 2) },
  { ...modes, storedBoots: 11, name: 'two modes, 2 × 2 a side, stored baseline 11 boots a kernel', baseline: shape(1, 2, 2), candidate: shape(1, 2, 2) },
  { ...modes, storedBoots: 11, name: 'two modes, 6 × 2 a side, stored baseline 11 boots a kernel', baseline: shape(1, 6, 2), candidate: shape(1, 6, 2) },
  { ...modes, storedBoots: 11, name: 'two modes, 3 × 2 vs 5 × 2, stored baseline 11 boots a kernel', baseline: shape(1, 3, 2), candidate: shape(1, 5, 2) },
  { ...modes, ...REFERENCE, name: 'two modes, 3 × 2 a side, no stored baseline (within-run rule only)', baseline: shape(1, 3, 2), candidate: shape(1, 3, 2) },
  { ...modes, ...REFERENCE, name: 'two modes, 4 × 2 a side, no stored baseline', baseline: shape(1, 4, 2), candidate: shape(1, 4, 2) },
  { ...modes, name: 'two modes, 11 × 1 a side', baseline: shape(1, 11, 1), candidate: shape(1, 11, 1) },
  { ...modes, name: 'two modes, the CI shape: baseline 11 × 2 (pooled) vs candidate 3 × 2', baseline: shape(1, 11, 2), candidate: shape(1, 3, 2) },
  { ...modes, name: 'two modes, baseline 11 × 2 vs candidate 4 × 2', baseline: shape(1, 11, 2), candidate: shape(1, 4, 2) },
  {
    ...crossRun,
    bootCv: 0.06,
    iterationCv: 0.04,
    runCv: 0.02,
    name: 'baseline pooled from 2 runs × 8 boots vs a candidate run of 8 (×3, boot CV 6%, iter CV 4%), run CV 2%',
    baseline: shape(2, 8, 3),
    candidate: shape(1, 8, 3),
    target: '<= 5%',
  },
  {
    ...crossRun,
    runCv: 0.03,
    name: 'one run of 11 boots vs another (11×1, boot CV 3%), run CV 3%, band 5% (not calibrated)',
    baseline: shape(1, 11, 1),
    candidate: shape(1, 11, 1),
    target: '<= 5% once covered, output says which',
  },
  { ...crossRun, runCv: 0.05, name: 'same, run CV 5%', baseline: shape(1, 11, 1), candidate: shape(1, 11, 1), target: '<= 5% once covered, output says which' },
  {
    ...crossRun,
    runCv: 0.03,
    calibrationRuns: 4,
    name: 'run CV 3%, after kbench calibrate over 4 earlier runs (band and between-run variance)',
    baseline: shape(1, 11, 1),
    candidate: shape(1, 11, 1),
    target: '<= 5%',
  },
  {
    ...crossRun,
    runCv: 0.05,
    calibrationRuns: 4,
    name: 'run CV 5%, after kbench calibrate over 4 earlier runs',
    baseline: shape(1, 11, 1),
    candidate: shape(1, 11, 1),
    target: '<= 5%',
  },
  {
    ...crossRun,
    runCv: 0.03,
    calibrationRuns: 2,
    name: 'run CV 3%, after kbench calibrate over 2 earlier runs',
    baseline: shape(1, 11, 1),
    candidate: shape(1, 11, 1),
    target: '<= 5%',
  },
];

/** Power with modes: a real change of metric 0 that is not the mode ratio is still called. */
const POWER_CASES: Case[] = [
  { ...modes, storedBoots: 11, change: 1.25, name: 'two modes, +25% at 3 × 2 a side', baseline: shape(1, 3, 2), candidate: shape(1, 3, 2), target: '' },
  { ...modes, storedBoots: 11, change: 1.25, name: 'two modes, +25% at 4 × 2 a side', baseline: shape(1, 4, 2), candidate: shape(1, 4, 2), target: '' },
  { ...modes, storedBoots: 11, change: 1.25, name: 'two modes, +25% at 6 × 2 a side', baseline: shape(1, 6, 2), candidate: shape(1, 6, 2), target: '' },
  { ...modes, storedBoots: 11, change: 1.25, name: 'two modes, +25% at 11 × 1 a side', baseline: shape(1, 11, 1), candidate: shape(1, 11, 1), target: '' },
  {
    ...modes,
    slowShare: 0,
    storedBoots: 11,
    change: 1.25,
    name: 'one mode, +25% at 3 × 2 a side, boot CV 3%',
    baseline: shape(1, 3, 2),
    candidate: shape(1, 3, 2),
    target: '',
  },
  {
    ...modes,
    storedBoots: 11,
    change: 1.5,
    name: 'two modes, +50% (about the mode ratio 1/0.67) at 3 × 2',
    baseline: shape(1, 3, 2),
    candidate: shape(1, 3, 2),
    target: '',
  },
];

console.log(
  `kbench verdicts beyond one balanced run: ${TRIALS} A/A commands per line, ${FAMILY} metrics per command (one Holm family), seed ${SEED} + a hash of each line's name`,
);
console.log('');
const rows = CASES.map((c) => {
  const rate = falseCalls(c);
  return [c.name, `false calls ${(rate * 100).toFixed(1)}%`, `target ${c.target}`, c.reference === true ? '' : rate <= 0.05 ? 'OK' : 'OVER TARGET'];
});
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows)
  console.log(
    `  ${r
      .map((cell, i) => cell.padEnd(widths[i]! + 2))
      .join('')
      .trimEnd()}`,
  );
console.log('');
console.log('Power with modes: share of commands in which a real change of metric 0 is called "regressed", with a stored baseline of 11 boots a kernel');
console.log('(drawn from the same distribution, without the change) and without it, on the same commands: what the mode prior must not cost');
const powerRows = POWER_CASES.map((c) => {
  const { withModes, without } = power(c);
  return [c.name, `called ${(withModes * 100).toFixed(1)}% with the stored modes, ${(without * 100).toFixed(1)}% without`];
});
const powerWidth = Math.max(...powerRows.map((r) => r[0]!.length));
for (const [name, called] of powerRows) console.log(`  ${name!.padEnd(powerWidth + 2)}${called}`);
