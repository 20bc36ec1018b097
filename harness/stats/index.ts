/**
 * kbench statistics: pure functions, no I/O.
 *
 * Why median + Mann-Whitney: benchmark timings are not normal. They are skewed to the right
 * (a run can be much slower than typical, never much faster), often multi-modal (caches warm or
 * cold, the host scheduler, a ZFS transaction group flushing mid-run) and carry outliers. Means
 * and t-tests assume a shape these data do not have, and one bad run drags a mean and inflates
 * a standard deviation. The median, a bootstrap CI of it and the rank-based Mann-Whitney U test
 * assume nothing about the shape (golang/perf's benchmath makes the same choice).
 *
 * The cost: with well-behaved normal data a rank test is less powerful than a t-test (about 95%
 * as efficient asymptotically), and small samples have a hard floor on the p-value they can
 * reach: with 3 runs per side p can never go below 0.1, so at alpha 0.05 kbench answers
 * "inconclusive: need >= 4 samples per side" instead of guessing. Bootstrap CIs of a median are
 * coarse for very small samples and cost about resamples * n random draws each (10 000 by
 * default; seeded, so the same inputs and seed always give the same numbers).
 *
 * Many metrics compared at once are corrected with Holm–Bonferroni, and a change is called only
 * when it is both significant and, with confidence, larger than the noise threshold.
 */
export {
  MAD_TO_STANDARD_DEVIATION,
  MEAN_AD_TO_STANDARD_DEVIATION,
  MODIFIED_Z_OUTLIER_THRESHOLD,
  MODIFIED_Z_SCALE,
  mad,
  median,
  modifiedZScores,
  outlierIndexes,
  quantileOfSorted,
  scaledMad,
} from './descriptive.ts';
export { createRng, DEFAULT_SEED, type Rng } from './random.ts';
export {
  bootstrapMedianCI,
  bootstrapRatioOfMediansCI,
  DEFAULT_CONFIDENCE_LEVEL,
  DEFAULT_RESAMPLES,
  ratioOfMedians,
  type BootstrapOptions,
  type ConfidenceInterval,
} from './bootstrap.ts';
export { erfc, normalSurvival } from './normal.ts';
export {
  canReachSignificance,
  EXACT_MAX_SMALLER_SIDE,
  mannWhitneyU,
  minimumAchievablePValue,
  samplesNeededForSignificance,
  type MannWhitneyMethod,
  type MannWhitneyResult,
} from './mann-whitney.ts';
export { holmAdjust } from './holm.ts';
export {
  classifyChange,
  compareMetrics,
  DEFAULT_ALPHA,
  DEFAULT_NOISE_THRESHOLD,
  geomeanRatio,
  summarizeSample,
  type ChangeEvidence,
  type CompareOptions,
  type Direction,
  type MetricComparison,
  type MetricComparisonInput,
  type SampleSummary,
  type Verdict,
} from './compare.ts';
export {
  decideMoreRuns,
  DEFAULT_MAX_RUNS,
  DEFAULT_MIN_RUNS,
  DEFAULT_TARGET_RELATIVE_HALF_WIDTH,
  type AdaptiveRunOptions,
  type RunDecision,
  type RunDecisionReason,
} from './adaptive.ts';
