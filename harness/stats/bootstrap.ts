/**
 * Percentile bootstrap confidence intervals for a median and for a ratio of medians.
 * Seeded, so the same data and seed always give the same interval.
 *
 * Small samples: a percentile bootstrap of a median can only return values (or midpoints of
 * values) present in the data, so with fewer than about 6 samples it is too narrow for its
 * nominal level. Verdicts therefore also require a Mann-Whitney p-value, which is exact there.
 */
import { assertFiniteSamples, midpoint, quantileOfSorted, sortedCopy } from './descriptive.ts';
import { createRng, DEFAULT_SEED, type Rng } from './random.ts';

export interface ConfidenceInterval {
  low: number;
  high: number;
}

export interface BootstrapOptions {
  /** PRNG seed; report it with the interval. Default DEFAULT_SEED. */
  seed?: number;
  /** Number of bootstrap resamples. Default 10 000. */
  resamples?: number;
  /** Confidence level in (0, 1). Default 0.95. */
  level?: number;
}

export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_CONFIDENCE_LEVEL = 0.95;

interface ResolvedBootstrapOptions {
  seed: number;
  resamples: number;
  level: number;
}

export function resolveBootstrapOptions(options: BootstrapOptions = {}): ResolvedBootstrapOptions {
  const seed = options.seed ?? DEFAULT_SEED;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? DEFAULT_CONFIDENCE_LEVEL;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  return { seed, resamples, level };
}

/**
 * Draws one resample (with replacement) of a sorted sample and returns its median. Counting how
 * often each sorted position was drawn gives the median in O(n) without sorting the resample.
 */
function resampleMedian(sorted: readonly number[], rng: Rng, drawCounts: Uint32Array): number {
  const n = sorted.length;
  drawCounts.fill(0);
  for (let i = 0; i < n; i++) drawCounts[rng.nextIndex(n)]!++;
  const lowerRank = Math.floor((n - 1) / 2);
  const upperRank = Math.floor(n / 2);
  let seen = 0;
  let lower = Number.NaN;
  for (let position = 0; position < n; position++) {
    seen += drawCounts[position]!;
    if (Number.isNaN(lower) && seen > lowerRank) lower = sorted[position]!;
    if (seen > upperRank) return midpoint(lower, sorted[position]!);
  }
  throw new Error('resample median: draw counts do not add up to the sample size');
}

function percentileInterval(replicates: Float64Array, level: number): ConfidenceInterval {
  const sorted = Array.from(replicates.sort());
  const tail = (1 - level) / 2;
  return { low: quantileOfSorted(sorted, tail), high: quantileOfSorted(sorted, 1 - tail) };
}

function requireSample(xs: readonly number[], what: string): number[] {
  if (xs.length === 0) throw new RangeError(`${what} is empty; a bootstrap needs at least one value`);
  assertFiniteSamples(xs, what);
  return sortedCopy(xs);
}

/** Percentile bootstrap CI of the median of xs. */
export function bootstrapMedianCI(xs: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval {
  const { seed, resamples, level } = resolveBootstrapOptions(options);
  const sorted = requireSample(xs, 'sample');
  const rng = createRng(seed);
  const drawCounts = new Uint32Array(sorted.length);
  const medians = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) medians[b] = resampleMedian(sorted, rng, drawCounts);
  return percentileInterval(medians, level);
}

/**
 * candidate / baseline for non-negative medians: 0/0 is "no change" (1), x/0 is +Infinity, so a
 * metric whose baseline is 0 still yields an orderable interval instead of NaN.
 */
export function ratioOfMedians(candidateMedian: number, baselineMedian: number): number {
  if (baselineMedian === 0) return candidateMedian === 0 ? 1 : candidateMedian > 0 ? Infinity : -Infinity;
  return candidateMedian / baselineMedian;
}

/**
 * Percentile bootstrap CI of median(candidate) / median(baseline). Each side is resampled
 * independently (they are independent runs), from one seeded stream.
 */
export function bootstrapRatioOfMediansCI(
  baseline: readonly number[],
  candidate: readonly number[],
  options: BootstrapOptions = {},
): ConfidenceInterval {
  const { seed, resamples, level } = resolveBootstrapOptions(options);
  const baselineSorted = requireSample(baseline, 'baseline');
  const candidateSorted = requireSample(candidate, 'candidate');
  const rng = createRng(seed);
  const baselineCounts = new Uint32Array(baselineSorted.length);
  const candidateCounts = new Uint32Array(candidateSorted.length);
  const ratios = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const baselineMedian = resampleMedian(baselineSorted, rng, baselineCounts);
    const candidateMedian = resampleMedian(candidateSorted, rng, candidateCounts);
    ratios[b] = ratioOfMedians(candidateMedian, baselineMedian);
  }
  return percentileInterval(ratios, level);
}
