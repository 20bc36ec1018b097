/**
 * Verdicts for baseline-vs-candidate metric samples: median, bootstrap CI of the ratio of
 * medians, two-sided Mann-Whitney p-value, Holm across the metrics of one call.
 *
 * A change is called only when it is both significant (Holm-adjusted p < alpha) and larger than
 * the noise threshold with confidence (the whole ratio CI lies beyond 1 ± threshold): a
 * significant 1% drift is "unchanged", and so is a big but unconfirmed jump.
 */
import { bootstrapMedianCI, bootstrapRatioOfMediansCI, ratioOfMedians, resolveBootstrapOptions, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.ts';
import { mad, median, outlierIndexes } from './descriptive.ts';
import { holmAdjust } from './holm.ts';
import { canReachSignificance, mannWhitneyU, samplesNeededForSignificance, type MannWhitneyMethod } from './mann-whitney.ts';

export type Verdict = 'regressed' | 'improved' | 'unchanged' | 'inconclusive';
export type Direction = 'lower' | 'higher';

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_NOISE_THRESHOLD = 0.05;

export interface SampleSummary {
  n: number;
  /** NaN when n = 0. */
  median: number;
  /** Bootstrap CI of the median; null when n < 2 (one value says nothing about spread). */
  ci: ConfidenceInterval | null;
  /** Raw (unscaled) median absolute deviation; multiply by 1.4826 for a normal-SD estimate. NaN when n = 0. */
  mad: number;
  /** Indexes of values with |modified z-score| > 3.5, flagged and still used. */
  outliers: number[];
}

export interface MetricComparisonInput {
  key: string;
  direction: Direction;
  baseline: number[];
  candidate: number[];
  /** Relative change treated as noise for this metric; overrides CompareOptions.noiseThreshold. */
  noiseThreshold?: number;
}

export interface MetricComparison {
  key: string;
  direction: Direction;
  baseline: SampleSummary;
  candidate: SampleSummary;
  /** median(candidate) / median(baseline); NaN when a side is empty, Infinity when only the baseline median is 0. */
  ratio: number;
  ratioCI: ConfidenceInterval | null;
  deltaPercent: number;
  /** Two-sided Mann-Whitney p-value; NaN when a side is empty (no test was run). */
  p: number;
  /** Holm-adjusted over the metrics of the same call that could be tested; NaN when untested. */
  adjustedP: number;
  method: MannWhitneyMethod;
  verdict: Verdict;
  /** Why a verdict is inconclusive or a change was not called; null when nothing needs saying. */
  note: string | null;
}

export interface CompareOptions {
  /** Family-wise significance level. Default 0.05. */
  alpha?: number;
  /** Relative change treated as noise (0.05 = 5%). Default 0.05. */
  noiseThreshold?: number;
  /** Bootstrap seed; report it. Default DEFAULT_SEED. */
  seed?: number;
  /** Bootstrap resamples. Default 10 000. */
  resamples?: number;
  /** Confidence level of every CI. Default 0.95. */
  level?: number;
}

export interface ChangeEvidence {
  direction: Direction;
  adjustedP: number;
  alpha: number;
  ratioCI: ConfidenceInterval | null;
  noiseThreshold: number;
}

/**
 * The verdict for a metric whose samples are large enough to test. Lower-is-better: regressed
 * when ratioCI.low > 1 + t, improved when ratioCI.high < 1 - t; higher-is-better mirrored.
 */
export function classifyChange({ direction, adjustedP, alpha, ratioCI, noiseThreshold }: ChangeEvidence): Verdict {
  if (!(adjustedP < alpha) || ratioCI === null) return 'unchanged';
  const wholeCIAbove = ratioCI.low > 1 + noiseThreshold;
  const wholeCIBelow = ratioCI.high < 1 - noiseThreshold;
  const [worse, better] = direction === 'lower' ? [wholeCIAbove, wholeCIBelow] : [wholeCIBelow, wholeCIAbove];
  return worse ? 'regressed' : better ? 'improved' : 'unchanged';
}

export function summarizeSample(xs: readonly number[], options: BootstrapOptions = {}): SampleSummary {
  if (xs.length === 0) return { n: 0, median: Number.NaN, ci: null, mad: Number.NaN, outliers: [] };
  return {
    n: xs.length,
    median: median(xs),
    ci: xs.length >= 2 ? bootstrapMedianCI(xs, options) : null,
    mad: mad(xs),
    outliers: outlierIndexes(xs),
  };
}

/** Geometric mean of the finite, positive ratios (benchstat's geomean row); null when there are none. */
export function geomeanRatio(comparisons: readonly Pick<MetricComparison, 'ratio'>[]): number | null {
  const logs = comparisons.filter((c) => Number.isFinite(c.ratio) && c.ratio > 0).map((c) => Math.log(c.ratio));
  if (logs.length === 0) return null;
  return Math.exp(logs.reduce((sum, l) => sum + l, 0) / logs.length);
}

const formatRatio = (ratio: number): string => (Number.isFinite(ratio) ? ratio.toFixed(3) : String(ratio));
const formatPercent = (fraction: number): string => `${Number((fraction * 100).toPrecision(3))}%`;
const formatP = (p: number): string => String(Number(p.toPrecision(2)));

function validateInput(input: MetricComparisonInput, defaultNoiseThreshold: number): number {
  if (input.direction !== 'lower' && input.direction !== 'higher')
    throw new RangeError(`metric ${input.key}: direction must be "lower" or "higher", got ${String(input.direction)}`);
  for (const side of ['baseline', 'candidate'] as const)
    input[side].forEach((value, i) => {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`metric ${input.key}: ${side}[${i}] is ${value}; a ratio of medians needs finite, non-negative values`);
    });
  const threshold = input.noiseThreshold ?? defaultNoiseThreshold;
  if (!(Number.isFinite(threshold) && threshold >= 0))
    throw new RangeError(`metric ${input.key}: noise threshold must be a finite number >= 0, got ${threshold}`);
  return threshold;
}

function emptySideNote(input: MetricComparisonInput): string {
  const empty = (['baseline', 'candidate'] as const).filter((side) => input[side].length === 0);
  return empty.length === 2 ? 'both sides have no samples' : `${empty[0]} has no samples`;
}

export function compareMetrics(inputs: MetricComparisonInput[], options: CompareOptions = {}): MetricComparison[] {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  const bootstrap = resolveBootstrapOptions(options);
  const thresholds = inputs.map((input) => validateInput(input, options.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD));

  const tests = inputs.map((input) =>
    input.baseline.length > 0 && input.candidate.length > 0 ? mannWhitneyU(input.baseline, input.candidate) : null,
  );
  const testedIndexes = tests.flatMap((test, i) => (test === null ? [] : [i]));
  const familySize = testedIndexes.length;
  const adjusted = holmAdjust(testedIndexes.map((i) => tests[i]!.p));
  const adjustedByIndex = new Map(testedIndexes.map((inputIndex, k) => [inputIndex, adjusted[k]!]));

  return inputs.map((input, i): MetricComparison => {
    const noiseThreshold = thresholds[i]!;
    const baseline = summarizeSample(input.baseline, bootstrap);
    const candidate = summarizeSample(input.candidate, bootstrap);
    const test = tests[i]!;
    const common = { key: input.key, direction: input.direction, baseline, candidate };
    if (test === null) {
      return {
        ...common,
        ratio: Number.NaN,
        ratioCI: null,
        deltaPercent: Number.NaN,
        p: Number.NaN,
        adjustedP: Number.NaN,
        method: 'exact',
        verdict: 'inconclusive',
        note: emptySideNote(input),
      };
    }
    const ratio = ratioOfMedians(candidate.median, baseline.median);
    const ratioCI = bootstrapRatioOfMediansCI(input.baseline, input.candidate, bootstrap);
    const adjustedP = adjustedByIndex.get(i)!;
    const measured = { ...common, ratio, ratioCI, deltaPercent: (ratio - 1) * 100, p: test.p, adjustedP, method: test.method };

    if (!canReachSignificance(baseline.n, candidate.n, alpha, familySize)) {
      const needed = samplesNeededForSignificance(alpha, familySize);
      const correction = familySize > 1 ? ` after Holm correction over ${familySize} metrics` : '';
      return {
        ...measured,
        verdict: 'inconclusive',
        note: `need >= ${needed} samples per side to reach p < ${alpha}${correction} (have ${baseline.n} baseline, ${candidate.n} candidate)`,
      };
    }

    const verdict = classifyChange({ direction: input.direction, adjustedP, alpha, ratioCI, noiseThreshold });
    const ciText = `CI of ratio [${formatRatio(ratioCI.low)}, ${formatRatio(ratioCI.high)}]`;
    let note: string | null = null;
    if (verdict === 'unchanged') {
      const significant = adjustedP < alpha;
      const beyondBand = ratioCI.low > 1 + noiseThreshold || ratioCI.high < 1 - noiseThreshold;
      if (significant) note = `${ciText} overlaps the ${formatPercent(noiseThreshold)} noise band`;
      else if (beyondBand) note = `${ciText} lies beyond the ${formatPercent(noiseThreshold)} noise band but adjusted p ${formatP(adjustedP)} >= ${alpha}; more runs may confirm it`;
    }
    return { ...measured, verdict, note };
  });
}
