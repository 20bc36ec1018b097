/**
 * Step detection on a history of per-run medians: where did a metric move to a new level and
 * stay there? Pure functions, no I/O.
 *
 * Method: optimal partitioning into constant-mean segments, solved exactly with PELT (Killick,
 * Fearnhead & Eckley, JASA 107(500), 2012). Cost of a segment = squared error around its mean
 * divided by sigma^2, i.e. -2 log-likelihood of a normal with known variance. Every extra
 * segment pays the modified-BIC penalty 3 ln n (Zhang & Siegmund, Biometrics 63(1), 2007), the
 * default of R's changepoint package: plain BIC (2 ln n) flags a false step in roughly one of
 * five flat histories of 50 runs. sigma is estimated robustly from the first differences
 * (median |x[i] - x[i-1]| scaled to a standard deviation), so the steps being searched for do
 * not inflate it (Fryzlewicz, Annals of Statistics 42(6), 2014, uses the same estimator).
 * asv takes the same approach with an L1 cost; the inputs here are already run medians.
 *
 * A squared-error cost lets one wild run buy itself a two-run segment. So before segmenting, a
 * value further than 3 sigma from the median of its 5-run neighbourhood is replaced by that
 * median (a Hampel filter, Hampel, JASA 69(346), 1974): spikes of one or two runs vanish, while a
 * real step keeps its values because 3+ runs at a new level move the neighbourhood median along. Levels are reported as the
 * median of each segment's raw values.
 */
import { MAD_TO_STANDARD_DEVIATION, median } from './descriptive.ts';

export interface ChangePointOptions {
  /** Multiplies the 3 ln n penalty; > 1 finds fewer steps. Default 1. */
  penaltyScale?: number;
  /** Shortest segment, in runs. Default 2: one odd run is an outlier, not a new level. */
  minSegmentLength?: number;
  /**
   * Floor for sigma relative to the series' median (default 0.001 = 0.1%). Without it a
   * perfectly flat history would call any wiggle in the last digit a step.
   */
  minRelativeNoise?: number;
  /**
   * Steps smaller than this relative change (0.02 = 2%) are merged away after segmentation,
   * smallest first: statistically real but too small to matter. Default 0 (keep every step).
   */
  minRelativeChange?: number;
}

export interface Segment {
  /** First index of the segment (inclusive). */
  start: number;
  /** One past the last index. */
  end: number;
  /** Median of the segment's values. */
  level: number;
}

export interface ChangePoint {
  /** Index of the first value at the new level. */
  index: number;
  before: number;
  after: number;
  /** after / before - 1; NaN when before is 0. */
  relativeChange: number;
}

export interface ChangePointResult {
  changePoints: ChangePoint[];
  segments: Segment[];
  /** The noise level the costs were scaled by. */
  sigma: number;
  penalty: number;
}

export const DEFAULT_MIN_SEGMENT_LENGTH = 2;
export const DEFAULT_MIN_RELATIVE_NOISE = 0.001;
/** Modified BIC: 3 ln n per additional segment. */
export const PENALTY_PER_LOG_N = 3;
/** Hampel filter: half-width of the neighbourhood and the clip distance in sigmas. */
export const SPIKE_WINDOW_HALF_WIDTH = 2;
export const SPIKE_CLIP_SIGMAS = 3;
/** Scaling that turns median |x[i] - x[i-1]| into sigma: differences have variance 2 sigma^2. */
const DIFFERENCE_TO_SIGMA = MAD_TO_STANDARD_DEVIATION / Math.SQRT2;

/** Robust noise level of a series whose level may step: scaled median absolute first difference. */
export function differenceSigma(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const differences: number[] = [];
  for (let i = 1; i < values.length; i++) differences.push(Math.abs(values[i]! - values[i - 1]!));
  return DIFFERENCE_TO_SIGMA * median(differences);
}

/** Hampel filter: a value further than SPIKE_CLIP_SIGMAS sigma from its neighbourhood median becomes that median. */
export function flattenSpikes(values: readonly number[], sigma: number): number[] {
  return values.map((value, i) => {
    const centre = median(values.slice(Math.max(0, i - SPIKE_WINDOW_HALF_WIDTH), i + SPIKE_WINDOW_HALF_WIDTH + 1));
    return Math.abs(value - centre) > SPIKE_CLIP_SIGMAS * sigma ? centre : value;
  });
}

const relativeStep = (before: number, after: number): number => (before === 0 ? (after === 0 ? 0 : Number.POSITIVE_INFINITY) : Math.abs(after / before - 1));

function mergeSmallSteps(values: readonly number[], segments: Segment[], minRelativeChange: number): Segment[] {
  const merged = [...segments];
  for (;;) {
    let smallest = -1;
    let smallestStep = minRelativeChange;
    for (let i = 1; i < merged.length; i++) {
      const step = relativeStep(merged[i - 1]!.level, merged[i]!.level);
      if (step < smallestStep) {
        smallest = i;
        smallestStep = step;
      }
    }
    if (smallest === -1) return merged;
    const start = merged[smallest - 1]!.start;
    const end = merged[smallest]!.end;
    merged.splice(smallest - 1, 2, { start, end, level: median(values.slice(start, end)) });
  }
}

export function detectChangePoints(values: readonly number[], options: ChangePointOptions = {}): ChangePointResult {
  const n = values.length;
  const minSegment = Math.max(1, Math.floor(options.minSegmentLength ?? DEFAULT_MIN_SEGMENT_LENGTH));
  values.forEach((value, i) => {
    if (!Number.isFinite(value)) throw new RangeError(`history value [${i}] is ${String(value)}; change points need finite numbers`);
  });
  if (n === 0) return { changePoints: [], segments: [], sigma: 0, penalty: 0 };
  const noiseFloor = Math.abs(median(values)) * (options.minRelativeNoise ?? DEFAULT_MIN_RELATIVE_NOISE);
  const sigma = Math.max(differenceSigma(values), noiseFloor, Number.MIN_VALUE);
  const penalty = (options.penaltyScale ?? 1) * PENALTY_PER_LOG_N * Math.log(Math.max(n, 2));
  if (n < 2 * minSegment) return { changePoints: [], segments: [{ start: 0, end: n, level: median(values) }], sigma, penalty };

  const clipped = flattenSpikes(values, sigma);
  const wholeMean = clipped.reduce((sum, x) => sum + x, 0) / n;

  // Prefix sums of the centred values (centring keeps the subtraction below exact enough).
  const sums = new Float64Array(n + 1);
  const squares = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const centred = (clipped[i]! - wholeMean) / sigma;
    sums[i + 1] = sums[i]! + centred;
    squares[i + 1] = squares[i]! + centred * centred;
  }
  const cost = (start: number, end: number): number => {
    const sum = sums[end]! - sums[start]!;
    return Math.max(0, squares[end]! - squares[start]! - (sum * sum) / (end - start));
  };

  const best = new Float64Array(n + 1).fill(Number.POSITIVE_INFINITY);
  const previous = new Int32Array(n + 1).fill(-1);
  best[0] = -penalty;
  let candidates: number[] = [0];
  for (let end = minSegment; end <= n; end++) {
    const newcomer = end - minSegment;
    if (newcomer >= minSegment) candidates.push(newcomer);
    let bestTotal = Number.POSITIVE_INFINITY;
    let bestStart = -1;
    const totals = candidates.map((start) => best[start]! + cost(start, end));
    totals.forEach((total, i) => {
      if (total + penalty < bestTotal) {
        bestTotal = total + penalty;
        bestStart = candidates[i]!;
      }
    });
    best[end] = bestTotal;
    previous[end] = bestStart;
    // PELT pruning: a start that is already worse than the optimum can never become optimal.
    candidates = candidates.filter((_, i) => totals[i]! <= bestTotal);
  }

  const boundaries: number[] = [];
  for (let end = n; end > 0; end = previous[end]!) boundaries.unshift(end);
  let segments: Segment[] = [];
  let start = 0;
  for (const end of boundaries) {
    segments.push({ start, end, level: median(values.slice(start, end)) });
    start = end;
  }
  segments = mergeSmallSteps(values, segments, options.minRelativeChange ?? 0);
  const changePoints = segments.slice(1).map((segment, i): ChangePoint => {
    const before = segments[i]!.level;
    return {
      index: segment.start,
      before,
      after: segment.level,
      relativeChange: before === 0 ? Number.NaN : segment.level / before - 1,
    };
  });
  return { changePoints, segments, sigma, penalty };
}
