/**
 * The verdict method kbench used before the boot became the unit ("pooled MWU" in
 * bench/stats-verdicts.ts and the README): every iteration an independent sample, a two-sided
 * Mann-Whitney U, Holm, and a percentile bootstrap CI of the ratio of medians. No command uses
 * it any more; it lives here, in bench/ only, so the simulation can still show what
 * pseudo-replication cost. (harness/stats/ had a full Mann-Whitney with scipy's exact branch and
 * bootstrap median CIs, reached only from tests and bench: removed in issue 23.)
 *
 * Mann-Whitney here is the normal approximation with tie and 0.5 continuity corrections, which is
 * what scipy's method='auto' uses, and what kbench used, when both sides have more than 8 values
 * (the bench's pooled sides have 9). Bootstrap: seeded, so the same data and seed give the same
 * interval.
 */
import { assertFiniteSamples, midpoint, quantileOfSorted, sortedCopy } from '../harness/stats/descriptive.ts';
import { normalSurvival } from '../harness/stats/normal.ts';
import { createRng, DEFAULT_SEED, type Rng } from '../harness/stats/random.ts';

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

const DEFAULT_RESAMPLES = 10_000;
const DEFAULT_CONFIDENCE_LEVEL = 0.95;

interface ResolvedBootstrapOptions {
  seed: number;
  resamples: number;
  level: number;
}

function resolveBootstrapOptions(options: BootstrapOptions = {}): ResolvedBootstrapOptions {
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
export function bootstrapRatioOfMediansCI(baseline: readonly number[], candidate: readonly number[], options: BootstrapOptions = {}): ConfidenceInterval {
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

/**
 * Two-sided Mann-Whitney p-value by the normal approximation (tie-corrected variance, 0.5
 * continuity correction): p = 2 * P(U' >= max(U_x, U_y)), capped at 1.
 */
export function mannWhitneyNormalP(x: readonly number[], y: readonly number[]): number {
  if (x.length === 0 || y.length === 0) throw new RangeError('Mann-Whitney U needs at least one value on each side');
  assertFiniteSamples(x, 'x');
  assertFiniteSamples(y, 'y');
  const n = x.length;
  const m = y.length;
  const pooled = [...x.map((value) => ({ value, fromX: true })), ...y.map((value) => ({ value, fromX: false }))].sort((a, b) => a.value - b.value);
  let firstRankSum = 0;
  let tieTerm = 0;
  for (let start = 0; start < pooled.length; ) {
    let end = start + 1;
    while (end < pooled.length && pooled[end]!.value === pooled[start]!.value) end++;
    // Ranks start+1 .. end share their average.
    const averageRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (pooled[i]!.fromX) firstRankSum += averageRank;
    const group = end - start;
    tieTerm += group ** 3 - group;
    start = end;
  }
  const u = firstRankSum - (n * (n + 1)) / 2;
  const largerU = Math.max(u, n * m - u);
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  // Every value tied: U sits exactly at its mean and there is no evidence of a difference.
  if (!(variance > 0)) return 1;
  const z = (largerU - (n * m) / 2 - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalSurvival(z));
}
