/**
 * Verdicts for baseline-vs-candidate metrics. One call is one multiple-testing family: the
 * caller passes every metric its exit code depends on.
 *
 * Per metric, in order:
 * 1. Exact: a metric declared deterministic (kernel image size), or with one identical value on
 *    every boot of both sides, has no distribution. It is decided from one boot per side by its
 *    ratio alone and stays outside the family. Spread where exactness was declared is a problem
 *    that is reported, and the metric is then tested like any other.
 * 2. Tested: one summary per boot (the median of its iterations), then Welch's t-test on the
 *    logs of those summaries; the 95% CI of the difference of mean logs, exponentiated, is the CI
 *    of the ratio of geometric means. Holm–Bonferroni over every tested metric of the call.
 *    A declared resolution (harness/results: a kstat in whole MiB/s has step 1) widens every
 *    interval by one step of each side's center, in both directions (named: RESOLUTION WIDENING).
 *    Why: a value reported as 20 is any true value from 19 to 21 whether the source floors or
 *    rounds, and a clock that makes runs repeat exactly repeats the rounding too, so boots cannot
 *    average it away. A source that truncates (integer division, `floor`) is known to one step
 *    upward only: [v, v + step). Without it, sha256 at 5 MiB/s reads "5" on every boot and looks exact to
 *    0%, though a change under 20% cannot show. A metric identical on every boot is therefore
 *    "exact" only to its resolution: its ratio interval is (c − step)/(b + step) … (c + step)/(b − step).
 * 3. Not decidable from this data (fewer than 2 boots on a side, zeros, no samples): inconclusive,
 *    and out of the family up front so they cost the others no power.
 *
 * Four verdicts:
 * - regressed / improved: Holm-adjusted p < alpha AND the whole ratio CI beyond the noise band
 *   (1 ± threshold) on the worse / better side;
 * - equivalent: the whole ratio CI inside the band ("the same, within ±threshold"; TOST-style,
 *   at the stricter 95% level rather than TOST's 90%);
 * - inconclusive: anything else. It says the smallest change this data could have detected and
 *   how many boots per side would decide it at the measured variance.
 */
import { mean, median, outlierIndexes, sampleVariance } from './descriptive.ts';
import { holmAdjust } from './holm.ts';
import { summarizeUnits, varianceComponents, type NestedSample } from './nested.ts';
import {
  bootsToShareAMode,
  detectModes,
  MODE_SHARE_CHANCE,
  placeInPriorModes,
  sidesShareAMode,
  withinModeLogs,
  withinPriorModeLogs,
  type ModePrior,
  type Modes,
} from './modes.ts';
import { byRun, poolRunVariance, runVarianceOf, type RunVarianceEstimate } from './runs.ts';
import { speedupOf } from './speedup.ts';
import { studentTQuantile, studentTTwoSidedP } from './student-t.ts';
import { smallSideDf, smallSideTest, welchInterval, welchTTest, type Interval, type WelchResult } from './welch.ts';

/** The confidence level of every interval kbench reports (the ratio's t-interval, the report's). */
export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

export type Verdict = 'regressed' | 'improved' | 'equivalent' | 'inconclusive';
export type Direction = 'lower' | 'higher';
export type ComparisonMethod = 'welch-log-boots' | 'exact' | 'none';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_NOISE_THRESHOLD = 0.05;
/**
 * Power at which the "smallest detectable change" is computed and runs are planned: a change of
 * that size is called in 9 runs out of 10. 80% is the textbook convention, but a CI gate that
 * misses a real regression one run in five is not one maintainers trust; 90% is what the plan
 * promises for a change of twice the band.
 */
export const PLANNING_POWER = 0.9;
/** Boots per side beyond which kbench calls a metric undecidable rather than name a number. */
export const MAX_BOOTS_TO_SUGGEST = 200;

export interface SampleSummary {
  /** Samples (iterations over all boots). */
  n: number;
  /** Units of replication (boots) with at least one sample. */
  boots: number;
  /** Geometric mean of the per-boot medians: the value the ratio is taken of. NaN when n = 0. */
  center: number;
  /** 95% t-interval of the center over boots; null with < 2 boots or non-positive values. */
  ci: Interval | null;
  /** Plain median of all samples, for reference. NaN when n = 0. */
  median: number;
  /** Indexes (into the samples) with |modified z-score| > 3.5, flagged and still used. */
  outliers: number[];
}

export interface MetricComparisonInput {
  key: string;
  direction: Direction;
  baseline: NestedSample[];
  candidate: NestedSample[];
  /** Relative change treated as noise for this metric; overrides CompareOptions.noiseThreshold. */
  noiseThreshold?: number;
  /** Declared deterministic by its workload (compared exactly). */
  exact?: boolean;
  /** The finest difference the measurement shows: `step` in the metric's unit and/or `relative`. */
  resolution?: { step?: number; relative?: number; floor?: boolean };
  /**
   * The two sides come from different runs (a run against a baseline), so the run is a level
   * (RUN LEVEL). Units are "<run>/<boot>"; runs are told apart by the part before the slash.
   */
  acrossRuns?: boolean;
  /** Between-run variance measured outside these samples (kbench calibrate over earlier runs). */
  runVariance?: RunVarianceEstimate & { source: string };
  /**
   * What moves this metric from run to run (FAMILY RUN VARIANCE): metrics of one group share
   * their drift, metrics of different groups do not. Absent = one group for all.
   */
  driftGroup?: string;
  /**
   * MODE PRIOR (modes.ts): the modes this metric showed in stored boots (baseline.json), per side
   * (the stock kernel's stored boots for the baseline side); used when the boots of this
   * comparison show no modes by themselves.
   */
  modePrior?: { baseline?: ModePrior | null; candidate?: ModePrior | null };
}

/** How the run level entered a comparison across runs. */
export interface RunLevel {
  runsBaseline: number;
  runsCandidate: number;
  /** The between-run variance (log) included in the interval, or null when none could be estimated. */
  variance: number | null;
  df: number | null;
  /** Where it came from ("the baseline's 2 runs", "calibration of 4 runs"), or null. */
  source: string | null;
}

/** One side's resolution as a fraction of its center (a step of 1 at a center of 20 is 0.05). */
export function relativeResolution(resolution: MetricComparisonInput['resolution'], center: number): number {
  if (resolution === undefined) return 0;
  const fromStep = resolution.step !== undefined && center > 0 ? resolution.step / center : 0;
  return Math.max(resolution.relative ?? 0, fromStep);
}

/**
 * RESOLUTION WIDENING: a log-ratio interval widened by one resolution step of each side's
 * center; a side whose step reaches its whole value leaves that end unbounded.
 */
export function widenForResolution(logCI: Interval, relativeBaseline: number, relativeCandidate: number, floor = false): Interval {
  if (relativeBaseline === 0 && relativeCandidate === 0) return logCI;
  // Truncated values: the truth is at or above each reading, below it plus one step.
  if (floor) return { low: logCI.low - Math.log1p(relativeBaseline), high: logCI.high + Math.log1p(relativeCandidate) };
  const low = relativeCandidate >= 1 || relativeBaseline >= 1 ? -Infinity : logCI.low + Math.log1p(-relativeCandidate) - Math.log1p(relativeBaseline);
  const high = relativeBaseline >= 1 ? Infinity : logCI.high + Math.log1p(relativeCandidate) - Math.log1p(-relativeBaseline);
  return { low, high };
}

export interface MetricComparison {
  key: string;
  direction: Direction;
  baseline: SampleSummary;
  candidate: SampleSummary;
  method: ComparisonMethod;
  /** center(candidate) / center(baseline); NaN when not computable. */
  ratio: number;
  ratioCI: Interval | null;
  deltaPercent: number;
  /** > 1 means the candidate is better, whatever the direction (baseline/candidate for times). */
  speedup: number;
  /** Two-sided Welch p-value; NaN when untested. */
  p: number;
  /** Holm-adjusted over the tested metrics of the call; NaN when untested. */
  adjustedP: number;
  /** Welch degrees of freedom; NaN when untested. */
  df: number;
  /** Whether the metric was in the multiple-testing family. */
  inFamily: boolean;
  noiseThreshold: number;
  verdict: Verdict;
  /**
   * Smallest relative change (0.1 = 10%) this data would call with PLANNING_POWER (90%); null when there is
   * no variance estimate. For exact metrics, 0.
   */
  detectableChange: number | null;
  /** Boots per side that would decide the metric at the measured variance; null when unknown or not needed. */
  bootsToDecide: number | null;
  /** Why the verdict is inconclusive, or what is worth knowing about it; null when nothing needs saying. */
  note: string | null;
  /** Data problems (declared exact but spread, ...). */
  problems: string[];
  /** Across runs: runs per side and the between-run variance used; null within one run. */
  runLevel?: RunLevel | null;
  /** Boots in two modes (GAP RULE, modes.ts), and whether only the mode assignment explained a change. */
  modes?: (Modes & { explainsChange: boolean; prior?: string; lowShare?: number; inModes?: boolean }) | null;
}

export interface CompareOptions {
  /** Family-wise significance level. Default 0.05. */
  alpha?: number;
  /** Relative change treated as noise (0.05 = 5%). Default 0.05. */
  noiseThreshold?: number;
  /** Confidence level of every CI. Default 0.95. */
  level?: number;
  /** Work out how many boots would decide an inconclusive metric (default true; simulations skip it). */
  bootsToDecide?: boolean;
}

export interface Band {
  /** log(1 - threshold), or -Infinity for thresholds >= 1. */
  lower: number;
  /** log(1 + threshold). */
  upper: number;
}

export function noiseBand(threshold: number): Band {
  return { lower: threshold < 1 ? Math.log1p(-threshold) : -Infinity, upper: Math.log1p(threshold) };
}

/** Regressed / improved / equivalent / inconclusive from a log-ratio CI and the adjusted p. */
export function classify(direction: Direction, logCI: Interval, adjustedP: number, alpha: number, band: Band): Verdict {
  if (logCI.low >= band.lower && logCI.high <= band.upper) return 'equivalent';
  if (!(adjustedP < alpha)) return 'inconclusive';
  const above = logCI.low > band.upper;
  const below = logCI.high < band.lower;
  if (!above && !below) return 'inconclusive';
  const worse = direction === 'lower' ? above : below;
  return worse ? 'regressed' : 'improved';
}

/** Direction-aware speedup from a ratio candidate/baseline: > 1 is better (stats/speedup.ts). */
export { speedupOf };

/**
 * Geometric mean of speedups (> 1 better), so a 10% faster time and a 10% higher throughput
 * both count as better. Null when there is nothing to average.
 */
export function geomeanSpeedup(speedups: readonly number[]): number | null {
  const logs = speedups.filter((s) => Number.isFinite(s) && s > 0).map(Math.log);
  if (logs.length === 0) return null;
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

function validate(input: MetricComparisonInput, defaultThreshold: number): number {
  if (input.direction !== 'lower' && input.direction !== 'higher')
    throw new RangeError(`metric ${input.key}: direction must be "lower" or "higher", got ${String(input.direction)}`);
  for (const side of ['baseline', 'candidate'] as const)
    input[side].forEach((sample, i) => {
      if (!Number.isFinite(sample.value) || sample.value < 0)
        throw new RangeError(`metric ${input.key}: ${side}[${i}] is ${sample.value}; a ratio needs finite, non-negative values`);
    });
  const threshold = input.noiseThreshold ?? defaultThreshold;
  if (!(Number.isFinite(threshold) && threshold > 0))
    throw new RangeError(`metric ${input.key}: noise threshold must be a finite number > 0, got ${threshold}`);
  return threshold;
}

/** Geometric mean of positive values, overflow-safe (through logs). */
function geometricMean(values: readonly number[]): number {
  return Math.exp(mean(values.map(Math.log)));
}

export function summarizeSide(samples: readonly NestedSample[], level = DEFAULT_CONFIDENCE_LEVEL): SampleSummary {
  if (samples.length === 0) return { n: 0, boots: 0, center: Number.NaN, ci: null, median: Number.NaN, outliers: [] };
  const values = samples.map((s) => s.value);
  const units = summarizeUnits(samples).map((u) => u.value);
  const positive = units.every((v) => v > 0);
  let center: number;
  let ci: Interval | null = null;
  if (!positive) center = median(units);
  else {
    center = geometricMean(units);
    if (units.length >= 2) {
      const logs = units.map(Math.log);
      const center = mean(logs);
      const half = studentTQuantile(1 - (1 - level) / 2, logs.length - 1) * Math.sqrt(sampleVariance(logs) / logs.length);
      ci = { low: Math.exp(center - half), high: Math.exp(center + half) };
    }
  }
  return { n: samples.length, boots: units.length, center, ci, median: median(values), outliers: outlierIndexes(values) };
}

const percent = (fraction: number): string => `${Number((fraction * 100).toPrecision(2))}%`;

const BOOT_COUNTS_TO_TRY = [...Array.from({ length: 19 }, (_, i) => i + 2), 25, 30, 35, 40, 50, 60, 70, 80, 100, 120, 150, MAX_BOOTS_TO_SUGGEST];

interface Planned {
  detectableChange: number | null;
  bootsToDecide: number | null;
}

/**
 * What this metric's data could detect and what would decide it. Variances are the observed
 * variances of log boot summaries per side; familySize is the Holm family (the last-ranked
 * metric is tested at alpha / m, the bound used here).
 */
/**
 * The half-width of the 95% t interval of a log ratio a plan can expect before any boot: both
 * sides with `perBootVariance` and `bootsPerSide` boots, so the equal-variance df 2n - 2 (the
 * planner's question "could this plan show equivalence at all?").
 */
export function expectedHalfWidth(perBootVariance: number, bootsPerSide: number): number {
  return studentTQuantile(0.975, 2 * bootsPerSide - 2) * Math.sqrt((2 * perBootVariance) / bootsPerSide);
}

export function decisionOutlook(
  estimate: number,
  varianceBaseline: number,
  varianceCandidate: number,
  bootsBaseline: number,
  bootsCandidate: number,
  band: Band,
  alpha: number,
  familySize: number,
  level = DEFAULT_CONFIDENCE_LEVEL,
  withBoots = true,
  /** Log-width RESOLUTION WIDENING adds to each end of the interval (0 without a resolution). */
  widen = 0,
  /** RUN LEVEL: between-run variance term of the difference (more boots do not shrink it) and its df. */
  run: { term: number; df: number } = { term: 0, df: Infinity },
): Planned {
  const se = (nb: number, nc: number): number => Math.sqrt(varianceBaseline / nb + varianceCandidate / nc + run.term);
  const dfOf = (nb: number, nc: number): number => {
    const a = varianceBaseline / nb;
    const b = varianceCandidate / nc;
    if (a + b + run.term === 0) return nb + nc - 2;
    const runPart = run.term === 0 ? 0 : run.term ** 2 / run.df;
    return smallSideDf((a + b + run.term) ** 2 / (a ** 2 / (nb - 1) + b ** 2 / (nc - 1) + runPart), nb, nc);
  };
  const tCI = (df: number): number => studentTQuantile(1 - (1 - level) / 2, df);
  const tFamily = (df: number): number => studentTQuantile(1 - alpha / (2 * Math.max(1, familySize)), df);
  const tPower = (df: number): number => studentTQuantile(PLANNING_POWER, df);

  const nowSe = se(bootsBaseline, bootsCandidate);
  const nowDf = dfOf(bootsBaseline, bootsCandidate);
  // Smallest upward log change called "regressed/improved" with PLANNING_POWER at this n.
  const needed = Math.max(band.upper + widen + tCI(nowDf) * nowSe, tFamily(nowDf) * nowSe) + tPower(nowDf) * nowSe;
  const detectableChange = Math.expm1(needed);

  const decides = (n: number): boolean => {
    const s = se(n, n);
    const df = dfOf(n, n);
    const half = tCI(df) * s + widen;
    if (estimate - half >= band.lower && estimate + half <= band.upper) return true; // equivalent
    const significant = Math.abs(estimate) > tFamily(df) * s;
    return significant && (estimate - half > band.upper || estimate + half < band.lower);
  };
  if (!withBoots) return { detectableChange, bootsToDecide: null };
  // Every count up to 20, then coarser steps: "about N" needs no finer answer.
  let bootsToDecide: number | null = null;
  for (const n of BOOT_COUNTS_TO_TRY)
    if (decides(n)) {
      bootsToDecide = n;
      break;
    }
  return { detectableChange, bootsToDecide };
}

function untested(
  common: Pick<MetricComparison, 'key' | 'direction' | 'baseline' | 'candidate' | 'noiseThreshold' | 'problems'>,
  note: string,
  bootsToDecide: number | null = null,
): MetricComparison {
  const ratio = Number.isFinite(common.baseline.center) && common.baseline.center > 0 ? common.candidate.center / common.baseline.center : Number.NaN;
  return {
    ...common,
    method: 'none',
    ratio,
    ratioCI: null,
    deltaPercent: (ratio - 1) * 100,
    speedup: speedupOf(common.direction, ratio),
    p: Number.NaN,
    adjustedP: Number.NaN,
    df: Number.NaN,
    inFamily: false,
    verdict: 'inconclusive',
    detectableChange: null,
    bootsToDecide,
    note,
  };
}

function distinctValues(samples: readonly NestedSample[]): number {
  return new Set(samples.map((s) => s.value)).size;
}

type Prepared =
  | { kind: 'final'; result: MetricComparison }
  | {
      kind: 'test';
      common: Pick<MetricComparison, 'key' | 'direction' | 'baseline' | 'candidate' | 'noiseThreshold' | 'problems'>;
      logsBaseline: number[];
      logsCandidate: number[];
      /** Log boot summaries grouped by run, per side. */
      runsBaseline: number[][];
      runsCandidate: number[][];
      band: Band;
      /** Each side's resolution relative to its center (0 = none declared). */
      resolution: { baseline: number; candidate: number; floor: boolean };
    };

function prepare(input: MetricComparisonInput, threshold: number, level: number): Prepared {
  const baseline = summarizeSide(input.baseline, level);
  const candidate = summarizeSide(input.candidate, level);
  const problems: string[] = [];
  const common = { key: input.key, direction: input.direction, baseline, candidate, noiseThreshold: threshold, problems };
  const band = noiseBand(threshold);
  if (baseline.n === 0 || candidate.n === 0) {
    const empty = baseline.n === 0 && candidate.n === 0 ? 'both sides have no samples' : `${baseline.n === 0 ? 'baseline' : 'candidate'} has no samples`;
    return { kind: 'final', result: untested(common, empty) };
  }
  const constantBaseline = distinctValues(input.baseline) === 1;
  const constantCandidate = distinctValues(input.candidate) === 1;
  if (input.exact === true) {
    for (const [side, constant, summary] of [
      ['baseline', constantBaseline, baseline],
      ['candidate', constantCandidate, candidate],
    ] as const)
      if (!constant) problems.push(`declared exact, but the ${side} has ${distinctValues(input[side])} different values over ${summary.boots} boots`);
  }
  const exactByDeclaration = input.exact === true && constantBaseline && constantCandidate;
  const exactByObservation = input.exact !== true && constantBaseline && constantCandidate && baseline.boots >= 2 && candidate.boots >= 2;
  if (exactByDeclaration || exactByObservation) {
    const b = input.baseline[0]!.value;
    const c = input.candidate[0]!.value;
    const ratio = b === 0 ? (c === 0 ? 1 : Infinity) : c / b;
    const logRatio = Math.log(ratio);
    const relB = relativeResolution(input.resolution, b);
    const relC = relativeResolution(input.resolution, c);
    const logInterval =
      b > 0 && c > 0 ? widenForResolution({ low: logRatio, high: logRatio }, relB, relC, input.resolution?.floor === true) : { low: logRatio, high: logRatio };
    const point = { low: Math.exp(logInterval.low), high: Math.exp(logInterval.high) };
    const verdict = classify(input.direction, logInterval, 0, 1, band);
    const widened = relB > 0 || relC > 0;
    const stepText = input.resolution?.step !== undefined ? `a reporting step of ${input.resolution.step}` : `a resolution of ${percent(Math.max(relB, relC))}`;
    return {
      kind: 'final',
      result: {
        ...common,
        method: 'exact',
        ratio,
        ratioCI: point,
        deltaPercent: (ratio - 1) * 100,
        speedup: speedupOf(input.direction, ratio),
        p: Number.NaN,
        adjustedP: Number.NaN,
        df: Number.NaN,
        inFamily: false,
        verdict,
        detectableChange: 0,
        bootsToDecide: null,
        note: exactByDeclaration
          ? 'deterministic: compared exactly'
          : widened
            ? `identical on every boot (${baseline.boots} + ${candidate.boots}) at ${stepText}: the true ratio lies in ${point.low.toPrecision(3)}–${point.high.toPrecision(3)}`
            : `identical on every boot (${baseline.boots} + ${candidate.boots}): compared exactly`,
      },
    };
  }
  const unitsBaseline = summarizeUnits(input.baseline).map((u) => u.value);
  const unitsCandidate = summarizeUnits(input.candidate).map((u) => u.value);
  if (![...unitsBaseline, ...unitsCandidate].every((v) => v > 0))
    return { kind: 'final', result: untested(common, 'zero values: a ratio of zeros cannot be tested') };
  if (unitsBaseline.length < 2 || unitsCandidate.length < 2) {
    const few = unitsBaseline.length < 2 ? `baseline has ${unitsBaseline.length} boot` : `candidate has ${unitsCandidate.length} boot`;
    return { kind: 'final', result: untested(common, `${few}: boot-to-boot noise needs >= 2 boots per side`, 3) };
  }
  const resolution = {
    baseline: relativeResolution(input.resolution, baseline.center),
    candidate: relativeResolution(input.resolution, candidate.center),
    floor: input.resolution?.floor === true,
  };
  const logged = (samples: readonly NestedSample[]) => byRun(summarizeUnits(samples).map((u) => ({ unit: u.unit, log: Math.log(u.value) })));
  return {
    kind: 'test',
    common,
    logsBaseline: unitsBaseline.map(Math.log),
    logsCandidate: unitsCandidate.map(Math.log),
    runsBaseline: logged(input.baseline),
    runsCandidate: logged(input.candidate),
    band,
    resolution,
  };
}

export function compareMetrics(inputs: MetricComparisonInput[], options: CompareOptions = {}): MetricComparison[] {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  const defaultThreshold = options.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD;
  const prepared = inputs.map((input) => prepare(input, validate(input, defaultThreshold), level));

  const levels = familyRunLevels(
    prepared.map((p, i) => (p.kind === 'test' && inputs[i]!.acrossRuns === true ? runLevelOf(p.runsBaseline, p.runsCandidate, inputs[i]!.runVariance) : null)),
    inputs.map((input) => input.driftGroup ?? ''),
  );
  const tests = prepared.map((p, i) => {
    if (p.kind !== 'test') return null;
    const welch = smallSideTest(welchTTest(p.logsBaseline, p.logsCandidate), p.logsBaseline.length, p.logsCandidate.length);
    const level = levels[i];
    return level === null || level === undefined || level.variance === null ? welch : withRunLevel(welch, p.logsBaseline, p.logsCandidate, level);
  });
  const familyIndexes = tests.flatMap((t, i) => (t === null ? [] : [i]));
  const familySize = familyIndexes.length;
  const adjusted = holmAdjust(familyIndexes.map((i) => tests[i]!.p));
  const adjustedByIndex = new Map(familyIndexes.map((index, k) => [index, adjusted[k]!]));

  return prepared.map((p, i): MetricComparison => {
    if (p.kind === 'final') return p.result;
    const test = tests[i]!;
    const adjustedP = adjustedByIndex.get(i)!;
    const statisticalCI = welchInterval(test, level);
    const logCI = widenForResolution(statisticalCI, p.resolution.baseline, p.resolution.candidate, p.resolution.floor);
    const widen = Math.max(statisticalCI.low - logCI.low, logCI.high - statisticalCI.high);
    const ratio = Math.exp(test.difference);
    let verdict = classify(p.common.direction, logCI, adjustedP, alpha, p.band);
    const called = verdict === 'regressed' || verdict === 'improved';
    let modes: (Modes & { prior?: string; lowShare?: number; inModes?: boolean }) | null = detectModes(p.logsBaseline, p.logsCandidate);
    let explainsChange = false;
    if (modes !== null && called) {
      explainsChange = !sidesShareAMode(modes) || modeAdjustedVerdict(p, modes, levels[i] ?? null, alpha, level, familySize) !== verdict;
      if (explainsChange) verdict = 'inconclusive';
    }
    // MODE PRIOR: this comparison's boots show one mode (or each side only one); stored boots show two.
    const priors = inputs[i]!.modePrior;
    const placed = modes === null && priors !== undefined ? placeInPriorModes(p.logsBaseline, p.logsCandidate, priors) : null;
    if (placed !== null) {
      modes = placed;
      // Only boots that lie in a stored mode (PRIOR MODE REACH) can be explained by which mode they landed in.
      if (called && placed.inModes) {
        explainsChange = priorAdjustedVerdict(p, priors!, placed.shift, levels[i] ?? null, alpha, level, familySize) !== verdict;
        if (explainsChange) verdict = 'inconclusive';
      }
    }
    const outlook = decisionOutlook(
      test.difference,
      sampleVariance(p.logsBaseline),
      sampleVariance(p.logsCandidate),
      p.logsBaseline.length,
      p.logsCandidate.length,
      p.band,
      alpha,
      familySize,
      level,
      verdict === 'inconclusive' && options.bootsToDecide !== false,
      Number.isFinite(widen) ? widen : 10,
      runTermOf(levels[i] ?? null),
    );
    let note: string | null = null;
    let bootsToDecide = outlook.bootsToDecide;
    const have = Math.max(p.logsBaseline.length, p.logsCandidate.length);
    if (explainsChange && placed !== null) {
      const more = bootsToShareAMode(placed.lowShare);
      if (more !== null) bootsToDecide = Math.max(have + more, outlook.bootsToDecide ?? 0);
      note =
        `the boots stored in ${placed.prior} fall into two modes ×${Math.exp(placed.shift).toFixed(2)} apart, and which mode each side's boots landed in explains the change alone: not called; ` +
        (more === null
          ? 'boots of both sides in one mode would decide it'
          : `about ${bootsToDecide} boots per side would put boots of both sides in one mode (${percent(MODE_SHARE_CHANCE)} chance) and decide it (have ${have})`);
    } else if (explainsChange)
      note = `the boots fall into two modes and only which boots landed in which mode explains the change: not called; boots of both sides in the same mode would decide it`;
    else if (verdict === 'inconclusive') {
      const beyond = logCI.low > p.band.upper || logCI.high < p.band.lower;
      const decideText =
        outlook.bootsToDecide === null
          ? `more than ${MAX_BOOTS_TO_SUGGEST} boots per side would be needed (the estimate sits at the ±${percent(p.common.noiseThreshold)} band edge)`
          : `about ${outlook.bootsToDecide} boots per side would decide it at this variance (have ${have})`;
      const why = beyond
        ? `beyond the ±${percent(p.common.noiseThreshold)} band but adjusted p ${Number(adjustedP.toPrecision(2))} >= ${alpha} (Holm over ${familySize})`
        : `CI straddles the ±${percent(p.common.noiseThreshold)} band`;
      // With 2 boots a side the t quantile makes the detectable change astronomic: past 1000% it only means "nothing".
      const detectable = outlook.detectableChange ?? Number.NaN;
      const stepText =
        widen > 0.001 ? `; its resolution adds ${Number.isFinite(widen) ? `±${percent(Math.expm1(widen))}` : 'an unbounded end'} to the interval` : '';
      note = `${why}; detects ${detectable > 10 ? 'only changes > 1000%' : `>= ${percent(detectable)}`} here; ${decideText}${stepText}`;
    }
    return {
      ...p.common,
      method: 'welch-log-boots',
      ratio,
      ratioCI: { low: Math.exp(logCI.low), high: Math.exp(logCI.high) },
      deltaPercent: (ratio - 1) * 100,
      speedup: speedupOf(p.common.direction, ratio),
      p: test.p,
      adjustedP,
      df: test.df,
      inFamily: true,
      verdict,
      detectableChange: outlook.detectableChange,
      bootsToDecide: verdict === 'inconclusive' ? bootsToDecide : null,
      note,
      ...(inputs[i]!.acrossRuns === true ? { runLevel: levels[i] ?? null } : {}),
      ...(modes === null ? {} : { modes: { ...modes, explainsChange } }),
    };
  });
}

/**
 * MODE ASSIGNMENT: the verdict at a fixed mode (every low-mode boot moved up by the distance
 * between the mode centers), tested at Bonferroni's alpha / family size (Holm's bound for the
 * last-ranked metric, so never easier than the family). A call that does not survive it is only
 * the mode assignment and is not made.
 */
function modeAdjustedVerdict(
  p: Extract<Prepared, { kind: 'test' }>,
  modes: Modes,
  runLevel: RunLevel | null,
  alpha: number,
  level: number,
  familySize: number,
): Verdict {
  return fixedModeVerdict(p, withinModeLogs(p.logsBaseline, modes), withinModeLogs(p.logsCandidate, modes), runLevel, alpha, level, familySize);
}

/**
 * MODE PRIOR: the same verdict at a fixed mode, each side's boots placed by its stored prior's
 * cut and moved by the stored distance between the modes. Unlike the within-run rule it needs no
 * mode shared by the sides: the distance is known from outside, so a change other than the mode
 * ratio (+25% with both sides in one mode, or on top of the mode) is still called.
 */
function priorAdjustedVerdict(
  p: Extract<Prepared, { kind: 'test' }>,
  priors: NonNullable<MetricComparisonInput['modePrior']>,
  shift: number,
  runLevel: RunLevel | null,
  alpha: number,
  level: number,
  familySize: number,
): Verdict {
  const baselinePrior = (priors.baseline ?? priors.candidate)!;
  const candidatePrior = (priors.candidate ?? priors.baseline)!;
  return fixedModeVerdict(
    p,
    withinPriorModeLogs(p.logsBaseline, baselinePrior, shift),
    withinPriorModeLogs(p.logsCandidate, candidatePrior, shift),
    runLevel,
    alpha,
    level,
    familySize,
  );
}

function fixedModeVerdict(
  p: Extract<Prepared, { kind: 'test' }>,
  baseline: number[],
  candidate: number[],
  runLevel: RunLevel | null,
  alpha: number,
  level: number,
  familySize: number,
): Verdict {
  let test = smallSideTest(welchTTest(baseline, candidate), baseline.length, candidate.length);
  if (runLevel !== null && runLevel.variance !== null) test = withRunLevel(test, baseline, candidate, runLevel);
  const logCI = widenForResolution(welchInterval(test, level), p.resolution.baseline, p.resolution.candidate, p.resolution.floor);
  return classify(p.common.direction, logCI, Math.min(1, test.p * Math.max(1, familySize)), alpha, p.band);
}

/**
 * RUN LEVEL: the between-run variance of a comparison across runs. Estimated from the sides' own
 * runs (a baseline pooled from >= 2 runs, method of moments) or given by a calibration over
 * earlier runs, whichever has more degrees of freedom (they are not pooled: a calibration is
 * usually made from the very runs the baseline pools). Null variance: not estimable here.
 */
export function runLevelOf(runsBaseline: number[][], runsCandidate: number[][], external?: RunVarianceEstimate & { source: string }): RunLevel {
  const own = poolRunVariance([runVarianceOf(runsBaseline), runVarianceOf(runsCandidate)]);
  const counts = { runsBaseline: runsBaseline.length, runsCandidate: runsCandidate.length };
  const ownSource = [
    runsBaseline.length >= 2 ? `the baseline's ${runsBaseline.length} runs` : '',
    runsCandidate.length >= 2 ? `the candidate's ${runsCandidate.length} runs` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  if (external !== undefined && external.df > 0 && (own === null || external.df > own.df))
    return { ...counts, variance: external.variance, df: external.df, source: external.source };
  if (own !== null) return { ...counts, variance: own.variance, df: own.df, source: ownSource };
  return { ...counts, variance: null, df: null, source: null };
}

/**
 * FAMILY RUN VARIANCE: a metric is never taken as steadier across runs than the drift pooled over
 * the family's metrics that share its clock (its drift group; df-weighted). Why: run-to-run drift
 * is the host's state between runs and moves every metric timed by it; one metric's estimate from
 * 2-5 runs has 1-4 df and comes out near 0 by chance often enough that, over 21 metrics, some
 * metric always loses its protection (a calibration of 4 runs per metric alone left 15% of A/A
 * commands with a false call at run CV 3%). The pooled estimate has the group's df. It only ever
 * raises a metric's own estimate. Why per group: under an instruction-counting clock the host's
 * state moves only what the host times; a baseline pooled from an idle and a loaded run drifted
 * 73% in `boot.host_to_ssh` and 0.0-0.9% in every guest-timed metric (2026-12-04), and one pool
 * over all of them widened every ZFS interval to [-25%, +33%].
 */
export function familyRunLevels(levels: readonly (RunLevel | null)[], groups: readonly string[] = []): (RunLevel | null)[] {
  const groupOf = (i: number) => groups[i] ?? '';
  const pooledByGroup = new Map<string, RunVarianceEstimate | null>();
  for (const group of new Set(levels.map((_, i) => groupOf(i))))
    pooledByGroup.set(
      group,
      poolRunVariance(
        levels.map((l, i) => (groupOf(i) !== group || l === null || l.variance === null || l.df === null ? null : { variance: l.variance, df: l.df })),
      ),
    );
  return levels.map((level, i) => {
    const pooled = pooledByGroup.get(groupOf(i)) ?? null;
    if (pooled === null || level === null || level.variance === null || level.variance >= pooled.variance) return level;
    const among = groupOf(i) === '' ? "the family's metrics" : `the family's ${groupOf(i)} metrics`;
    return {
      ...level,
      variance: pooled.variance,
      df: pooled.df,
      source: `${level.source}, raised to the drift pooled over ${pooled.df} df of ${among}`,
    };
  });
}

function runTermOf(level: RunLevel | null): { term: number; df: number } {
  if (level === null || level.variance === null || level.df === null) return { term: 0, df: Infinity };
  return { term: level.variance * (1 / level.runsBaseline + 1 / level.runsCandidate), df: level.df };
}

/** Welch's test with the between-run term added to its variance and to Satterthwaite's df. */
function withRunLevel(welch: WelchResult, logsBaseline: number[], logsCandidate: number[], level: RunLevel): WelchResult {
  const run = runTermOf(level);
  if (run.term === 0) return welch;
  const a = sampleVariance(logsBaseline) / logsBaseline.length;
  const b = sampleVariance(logsCandidate) / logsCandidate.length;
  const total = a + b + run.term;
  const df = smallSideDf(
    total ** 2 / (a ** 2 / (logsBaseline.length - 1) + b ** 2 / (logsCandidate.length - 1) + run.term ** 2 / run.df),
    logsBaseline.length,
    logsCandidate.length,
  );
  const standardError = Math.sqrt(total);
  const t = welch.difference / standardError;
  return { difference: welch.difference, standardError, df, t, p: studentTTwoSidedP(t, df) };
}

/** Boot-level variance of a side, for plans and calibration (re-exported for convenience). */
export { varianceComponents };
