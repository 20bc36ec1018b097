/**
 * Two-sided Mann-Whitney U test, written to agree with
 * scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method='auto') (scipy 1.17):
 * - U is the statistic of x: (sum of x's ranks in the pooled sample) - n(n+1)/2, ranks averaged
 *   over ties;
 * - 'auto' uses the exact null distribution when there are no ties anywhere in the pooled sample
 *   and at least one side has <= 8 values; otherwise the normal approximation with tie correction
 *   and a 0.5 continuity correction;
 * - p = 2 * P(U' >= max(U_x, U_y)), capped at 1.
 */
import { assertFiniteSamples } from './descriptive.ts';
import { normalSurvival } from './normal.ts';

export type MannWhitneyMethod = 'exact' | 'normal';

export interface MannWhitneyResult {
  /** U statistic of x (scipy's `statistic`); U of y is n*m - u. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: MannWhitneyMethod;
}

/** scipy's 'auto' rule: the exact distribution is used while a side has at most this many values. */
export const EXACT_MAX_SMALLER_SIDE = 8;

interface Ranking {
  /** Sum of the ranks (1-based, ties averaged) of the first sample. */
  firstRankSum: number;
  /** Sizes of the groups of tied values (only groups larger than 1). */
  tieGroupSizes: number[];
}

function rankPooled(x: readonly number[], y: readonly number[]): Ranking {
  const pooled = [...x.map((value) => ({ value, fromX: true })), ...y.map((value) => ({ value, fromX: false }))];
  pooled.sort((a, b) => a.value - b.value);
  let firstRankSum = 0;
  const tieGroupSizes: number[] = [];
  for (let start = 0; start < pooled.length; ) {
    let end = start + 1;
    while (end < pooled.length && pooled[end]!.value === pooled[start]!.value) end++;
    const groupSize = end - start;
    // Ranks start+1 .. end share their average.
    const averageRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (pooled[i]!.fromX) firstRankSum += averageRank;
    if (groupSize > 1) tieGroupSizes.push(groupSize);
    start = end;
  }
  return { firstRankSum, tieGroupSizes };
}

/**
 * Counts, for every u in 0..maxU, how many of the C(n+m, n) orderings of two tie-free samples
 * give U = u. These counts are the coefficients of the Gaussian binomial [n+m choose n]_q
 * = prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i), built one factor at a time on a power series
 * truncated at maxU. BigInt keeps every count exact however large C(n+m, n) grows.
 */
function exactUCounts(n: number, m: number, maxU: number): bigint[] {
  const smaller = Math.min(n, m);
  const larger = Math.max(n, m);
  const counts: bigint[] = new Array<bigint>(maxU + 1).fill(0n);
  counts[0] = 1n;
  for (let i = 1; i <= smaller; i++) {
    const shift = larger + i;
    for (let k = maxU; k >= shift; k--) counts[k]! -= counts[k - shift]!;
    for (let k = i; k <= maxU; k++) counts[k]! += counts[k - i]!;
  }
  return counts;
}

function binomial(n: number, k: number): bigint {
  let result = 1n;
  for (let i = 1; i <= k; i++) result = (result * BigInt(n - k + i)) / BigInt(i);
  return result;
}

/** Two-sided exact p-value for U = max(U_x, U_y) (>= n*m/2), using the symmetry of the null law. */
function exactTwoSidedP(largerU: number, n: number, m: number): number {
  const mirrored = n * m - largerU;
  const atOrBelow = exactUCounts(n, m, mirrored).reduce((sum, count) => sum + count, 0n);
  return Math.min(1, (2 * Number(atOrBelow)) / Number(binomial(n + m, Math.min(n, m))));
}

function normalTwoSidedP(largerU: number, n: number, m: number, tieGroupSizes: readonly number[]): number {
  const total = n + m;
  const tieTerm = tieGroupSizes.reduce((sum, t) => sum + (t ** 3 - t), 0);
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  // Every value tied: U sits exactly at its mean and there is no evidence of a difference.
  if (!(variance > 0)) return 1;
  const z = (largerU - (n * m) / 2 - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalSurvival(z));
}

export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  if (x.length === 0 || y.length === 0) throw new RangeError('Mann-Whitney U needs at least one value on each side');
  assertFiniteSamples(x, 'x');
  assertFiniteSamples(y, 'y');
  const n = x.length;
  const m = y.length;
  const { firstRankSum, tieGroupSizes } = rankPooled(x, y);
  const u = firstRankSum - (n * (n + 1)) / 2;
  const largerU = Math.max(u, n * m - u);
  const useExact = tieGroupSizes.length === 0 && Math.min(n, m) <= EXACT_MAX_SMALLER_SIDE;
  return useExact
    ? { u, p: exactTwoSidedP(largerU, n, m), method: 'exact' }
    : { u, p: normalTwoSidedP(largerU, n, m, tieGroupSizes), method: 'normal' };
}

/**
 * The smallest two-sided exact p-value samples of sizes n and m can produce (complete
 * separation): 2 / C(n+m, n), capped at 1. n = m = 3 gives 0.1, n = m = 5 gives 2/252.
 */
export function minimumAchievablePValue(n: number, m: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 0 || m < 0)
    throw new RangeError(`sample sizes must be non-negative integers, got ${n} and ${m}`);
  return Math.min(1, 2 / Number(binomial(n + m, Math.min(n, m))));
}

/**
 * Samples per side needed before an exact two-sided Mann-Whitney test can reach p < alpha, when
 * the p-value is later multiplied by up to `familySize` (Holm over that many metrics: the
 * smallest adjusted p-value is familySize * the smallest raw one). alpha 0.05 needs 4 per side.
 */
export function samplesNeededForSignificance(alpha: number, familySize = 1): number {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
  if (!Number.isInteger(familySize) || familySize < 1) throw new RangeError(`familySize must be a positive integer, got ${familySize}`);
  let perSide = 1;
  while (!canReachSignificance(perSide, perSide, alpha, familySize)) perSide++;
  return perSide;
}

/** True when samples of sizes n and m can ever give a (Holm-adjusted) p-value below alpha. */
export function canReachSignificance(n: number, m: number, alpha: number, familySize = 1): boolean {
  return minimumAchievablePValue(n, m) * familySize < alpha;
}
