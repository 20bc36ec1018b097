/**
 * Robust descriptive statistics: median, MAD, modified z-scores and outlier flags.
 * Outliers are flagged, never dropped: a slow run is data about the kernel too.
 */

/**
 * Iglewicz & Hoaglin, "How to Detect and Handle Outliers" (ASQC Basic References in Quality
 * Control, vol. 16, 1993): modified z-score M = 0.6745 (x - median) / MAD, where 0.6745 is the
 * 0.75 quantile of the standard normal, so M reads like an ordinary z-score for normal data.
 */
export const MODIFIED_Z_SCALE = 0.6745;

/** Iglewicz & Hoaglin (1993) recommend labelling |M| > 3.5 as a potential outlier. */
export const MODIFIED_Z_OUTLIER_THRESHOLD = 3.5;

/**
 * Multiplying the raw MAD by 1.4826 (about 1 / 0.6745) makes it estimate the standard deviation
 * of normal data (Rousseeuw & Croux, JASA 88(424), 1993).
 */
export const MAD_TO_STANDARD_DEVIATION = 1.4826;

/**
 * When at least half the values equal the median the MAD is 0 and the modified z-score is
 * undefined; IBM's definition (Cognos Analytics, "Modified z score") then divides by
 * 1.253314 * MeanAD instead, 1.253314 = sqrt(pi/2) being the SD / mean-absolute-deviation ratio of
 * a normal distribution. kbench takes the mean absolute deviation around the median.
 */
export const MEAN_AD_TO_STANDARD_DEVIATION = 1.253314;

/** Throws when a sample holds NaN or an infinity; statistics of such data would be silently wrong. */
export function assertFiniteSamples(xs: readonly number[], what = 'samples'): void {
  xs.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new RangeError(`${what}[${i}] is ${String(x)}; statistics need finite numbers`);
  });
}

export function mean(xs: readonly number[]): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Unbiased sample variance (n - 1); needs at least 2 values. */
export function sampleVariance(xs: readonly number[]): number {
  const center = mean(xs);
  let squares = 0;
  for (const x of xs) squares += (x - center) ** 2;
  return squares / (xs.length - 1);
}

export function sortedCopy(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/**
 * (a + b) / 2 without overflow: (MAX_VALUE + MAX_VALUE) / 2 is Infinity, a + (b - a) / 2 is not,
 * and unlike a / 2 + b / 2 it keeps subnormals (5e-324 / 2 rounds to 0).
 */
export function midpoint(a: number, b: number): number {
  const mid = a + (b - a) / 2;
  return Number.isFinite(mid) ? mid : a / 2 + b / 2;
}

/** Median of an already sorted, non-empty array. */
export function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('median of an empty sample');
  const upper = sorted[Math.floor(n / 2)]!;
  return n % 2 === 1 ? upper : midpoint(sorted[n / 2 - 1]!, upper);
}

export function median(xs: readonly number[]): number {
  assertFiniteSamples(xs);
  return medianOfSorted(sortedCopy(xs));
}

/**
 * Quantile of a sorted array by linear interpolation between order statistics
 * (Hyndman & Fan type 7, the default of R and numpy).
 */
export function quantileOfSorted(sorted: readonly number[], probability: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  if (!(probability >= 0 && probability <= 1)) throw new RangeError(`quantile probability ${probability} is outside [0, 1]`);
  const position = (n - 1) * probability;
  const below = Math.floor(position);
  const fraction = position - below;
  const low = sorted[below]!;
  if (fraction === 0 || below + 1 >= n) return low;
  const high = sorted[below + 1]!;
  // Equal bounds short-circuit so that two infinite ratios give Infinity, not NaN.
  if (low === high) return low;
  const between = low + (high - low) * fraction;
  // high - low overflows only across signs at the limits of a double.
  return Number.isFinite(between) ? between : low * (1 - fraction) + high * fraction;
}

/** Raw median absolute deviation: median(|x - median(x)|), not scaled. */
export function mad(xs: readonly number[]): number {
  const center = median(xs);
  return medianOfSorted(sortedCopy(xs.map((x) => Math.abs(x - center))));
}

/** MAD scaled by 1.4826 so it estimates the standard deviation of normal data. */
export function scaledMad(xs: readonly number[]): number {
  return MAD_TO_STANDARD_DEVIATION * mad(xs);
}

/**
 * Iglewicz–Hoaglin modified z-scores, one per value, in input order. When MAD is 0 the scale
 * falls back to 1.253314 * mean absolute deviation (see MEAN_AD_TO_STANDARD_DEVIATION); when
 * every value is identical all scores are 0.
 */
export function modifiedZScores(xs: readonly number[]): number[] {
  if (xs.length === 0) return [];
  const center = median(xs);
  const deviations = xs.map((x) => x - center);
  const rawMad = medianOfSorted(sortedCopy(deviations.map(Math.abs)));
  if (rawMad > 0) return deviations.map((d) => (MODIFIED_Z_SCALE * d) / rawMad);
  // Each term divided first: a sum of values near MAX_VALUE would overflow.
  const meanAbsoluteDeviation = deviations.reduce((sum, d) => sum + Math.abs(d) / xs.length, 0);
  if (meanAbsoluteDeviation === 0) return deviations.map(() => 0);
  return deviations.map((d) => d / (MEAN_AD_TO_STANDARD_DEVIATION * meanAbsoluteDeviation));
}

/** Indexes (ascending) of values whose |modified z-score| exceeds the threshold. Nothing is removed. */
export function outlierIndexes(xs: readonly number[], threshold = MODIFIED_Z_OUTLIER_THRESHOLD): number[] {
  const indexes: number[] = [];
  modifiedZScores(xs).forEach((z, i) => {
    if (Math.abs(z) > threshold) indexes.push(i);
  });
  return indexes;
}
