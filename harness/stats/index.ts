/**
 * kbench statistics: pure functions, no I/O.
 *
 * The unit of replication is the boot. Iterations inside one boot share its state (memory
 * layout, ARC, where the host scheduled the vCPUs), so they are correlated: in kbench's own
 * testbed run scrub's between-boot CV was 6-10% against 4-6% within a boot. Treating every
 * iteration as independent ("pseudo-replication") made simulated A/A suites raise a false call
 * 12.8% of the time. So each boot is reduced to one value, the median of its iterations (robust
 * to one slow iteration), and the test sees boots (bench/stats-verdicts.ts shows the figures).
 *
 * Why Welch's t on log boot summaries (and not Mann-Whitney on them): a run has 3-10 boots per
 * kernel. A rank test on 3 vs 3 can never go below p = 0.1, and after a Holm correction over ~20
 * metrics needs >= 7 per side, so per-boot metrics could never be called. A t-test uses the
 * size of the difference, not only its order, and reaches significance at 3 vs 3 when the
 * effect is large against the noise. Logs make ratios symmetric and tame the right skew of
 * timings; the per-boot median tames outlier iterations. Welch (unequal variances) because the
 * two kernels need not be equally noisy. Simulation (bench/) shows it keeps its error rate on
 * normal, lognormal-skewed and heavy-tailed (t with 3 df) boot effects. (kbench had a
 * Mann-Whitney U and percentile bootstrap CIs too; no command used them, so they are gone; the
 * pooled method the old verdicts used lives on in bench/pooled-method.ts for the comparison.)
 *
 * Alternatives considered: a hierarchical bootstrap (Saravanan et al. 2022) is too coarse at
 * 3 boots (only 10 distinct resamples per side) and undercovers; a mixed model adds nothing
 * over per-boot summaries when every boot has the same number of iterations (the balanced
 * case, where both give the same test) and is harder to explain.
 *
 * Small and unbalanced sides (SMALL-SIDE DEGREES OF FREEDOM, welch.ts): the CI case is a baseline
 * pooled from runs (11-22 boots) against a candidate of 2-3. Welch's Satterthwaite df, estimated
 * from the two sample variances, jumps towards the big side's n whenever the small side's
 * variance comes out small by chance, just when its standard error is too small too: 8 boots
 * against 2 gave 18.9% of A/A commands a false call, 16 vs 3 8.9%. kbench caps the df at
 * Welch's df at equal variances (a function of the sizes alone: 1.55 for 8 vs 2, 2n - 2 when
 * balanced). Chosen by simulation (bench/stats-beyond-one-run.ts, 1000 A/A commands a line) over
 * min(n1, n2) - 1 (Welch's own conservative rule: also 0% false calls, but it takes the df of
 * balanced sides from 2n - 2 to n - 1 and +25% at 3×3 fell from 96% to 68% called) and over a
 * permutation test on boot summaries (exact, but 8 vs 2 has 45 arrangements, p >= 0.022, never
 * below Holm's 0.05/21: it could not call at all). The cap leaves balanced sides exactly as they
 * were (Welch's df never exceeds 2n - 2) and took 8 vs 2, 16 vs 3 and 11 vs 3 to 0.0-0.2%.
 *
 * Across runs (RUN LEVEL, compare.ts and runs.ts; Kalibera & Jones, ISMM 2013: iterations in
 * boots in runs): two runs of the same kernels differ by more than their boots do, so when the
 * two sides come from different runs (a run against a baseline) a boot summary is
 * log y = mu + R[run] + B[run, boot] and each side's mean carries Var R / runs on top of its
 * boots. Var R is estimated by the method of moments from a side with >= 2 runs (a pooled
 * baseline keeps which run each boot came from) or taken from `kbench calibrate` over earlier
 * runs, whichever has more df; it is added to the Welch variance and to Satterthwaite's df, and
 * no metric is taken as steadier across runs than the pooled drift of the family's metrics on
 * its clock (FAMILY RUN VARIANCE: one metric's estimate from 2-5 runs is 0 by chance too often;
 * under icount the host's drift moves only what the host times). With one run a side
 * and no calibration there is nothing to estimate it from: the table says so, and the only
 * protection is the band (calibrated or not, which it also says). In the bench, a baseline of
 * 2 runs × 8 boots against a run of 8 at run CV 2% went from 9.4% to 0.7% false calls; one run
 * of 11 against another at run CV 3% from 85.6% to 0.9% after a calibration over 4 runs.
 *
 * Boots in modes (GAP RULE and MODE ASSIGNMENT, modes.ts and compare.ts): a metric whose boots
 * settle in one of two states (fletcher4 under TCG, 30% of boots at 0.67×) shows a "change"
 * whenever one kernel happens to get the slow boots. A side's boot summaries are two modes when
 * their largest gap is >= 6 within-group SDs and >= 10%; every boot of both sides is then
 * assigned to a mode, and a call is made only if it survives at a fixed mode (low-mode boots
 * moved by the distance between modes measured inside the sides that have both, Bonferroni over
 * the family) and the sides share a mode at all. The table and report say "two modes, …; k of n
 * boots in the slow one". Limit of any within-run rule, measured: 3 boots a side all in one mode
 * each cannot be told from a real change (3 × 2 a side ~30% false calls, 4 × 2 ~7-8%).
 *
 * Modes known from stored boots (MODE PRIOR, PRIOR MODE REACH, MODE SHARE CHANCE; modes.ts): so
 * the modes come from outside the run. baseline.json pools runs per metric (11-22 boots a
 * kernel); the GAP RULE on those boots gives the cut between the modes and their distance, and a
 * stock-vs-custom comparison (`compare --stock-vs-custom`, `run`, `gate`, the report) whose own
 * boots show no modes places each side's boots by its kernel's stored cut. A call is then not
 * made when every boot lies in a stored mode (within a third of the modes' distance from its
 * center) and the call does not survive at a fixed mode (low-mode boots moved by the stored
 * distance, Bonferroni over the family): "two modes in baseline.json, 1.00 and 1.50 GB/s; 3 of
 * 3 custom boots in the slow one", with the boots per side that would put boots of both sides in
 * one mode with 95% chance. A change other than the mode ratio is still called: +25% with both
 * sides in one mode, −25% below the slow mode, or a side between the modes (in neither).
 * Why not use the prior to call more: it only ever takes a call back, so it cannot add false
 * calls; testing at a fixed mode from stored distances would add the stored estimate's error to
 * every moded comparison. Measured (bench/stats-beyond-one-run.ts, stored baseline of 11 boots
 * a kernel from the same distribution): 3 × 2 a side 29.7% → under 1%, 4 × 2 7.1% → under 1%,
 * every split tried (2 × 2 … 6 × 2, 3 × 2 vs 5 × 2) under 1%; power for a real +25% on the same
 * commands is the same with and without the prior (it is low for moded metrics either way:
 * their boot-to-boot spread is the mode mixture). Used only when the baseline was measured on the
 * same host, hypervisor, acceleration and guest clock (modes are the emulator's).
 *
 * Deterministic metrics (kernel image size) have no distribution (benchmath's AssumeExact):
 * they are compared exactly from one boot per side, outside the multiple-testing family.
 *
 * Resolution (RESOLUTION WIDENING, compare.ts): every metric declares the finest difference its
 * source can show (a kstat in whole MiB/s: step 1, truncated; a nanosecond clock over >= 1 ms:
 * 1e-6 relative), and every interval is widened by one step of each side's value. Why: under an
 * instruction-counting clock a metric repeats exactly from boot to boot, so its rounding repeats
 * too and boots cannot average it away; sha256 at 5 MiB/s reads "5" on every boot, and without
 * the step it looked exact to 0% although a change under 20% could not show. A metric identical
 * on every boot is then "exact" only to its step. Widening is conservative (it assumes the worst
 * rounding on both sides) and costs nothing where the step is far below the band.
 *
 * Inside an iteration (SHORTEST OF A BATCH, suites/zfs/pool-create.ts): an operation too short
 * to be timed alone is repeated in one guest command and the iteration reports the shortest, and
 * only where the measured noise is one-sided: under icount a `zpool create` loses whole ~60 ms
 * quanta (0.280 s, then 0.340/0.395/0.455 s), never less than its code path. The boot summary
 * stays the median of those iterations.
 *
 * Multiple testing: Holm-Bonferroni over every tested metric of one command (all the sets its
 * exit code depends on). Holm keeps the family-wise error at alpha under any dependence between
 * metrics (they share boots, so they are dependent), and is uniformly more powerful than
 * Bonferroni. Benjamini-Hochberg would control the false discovery rate instead, which is the
 * wrong promise for a CI gate: one false "regressed" fails a build.
 *
 * A change is called only when it is significant and the whole 95% CI of the ratio lies beyond
 * the noise threshold; "equivalent" only when the whole CI lies inside it. Anything else is
 * inconclusive, with the smallest detectable change and the boots that would decide it.
 *
 * Spread against spread (F TEST OF SPREADS, f-distribution.ts; bench/workload-precision.ts): is a
 * loaded run's boot-to-boot spread more than 1.5x an idle run's? Both are sample variances of
 * log boot medians pooled over the kernels (each kernel its own mean), so their ratio is F
 * distributed; the one-sided test says "over" only when p < 0.05. Why: with 3-4 boots a side two
 * equal spreads give sample-SD ratios from ~0.2 to ~5, so reading the point ratio against 1.5
 * calls noise a failure about half the time.
 */
export {
  MAD_TO_STANDARD_DEVIATION,
  MEAN_AD_TO_STANDARD_DEVIATION,
  MODIFIED_Z_OUTLIER_THRESHOLD,
  MODIFIED_Z_SCALE,
  mad,
  mean,
  median,
  modifiedZScores,
  outlierIndexes,
  quantileOfSorted,
  scaledMad,
} from './descriptive.ts';
export { createRng, DEFAULT_SEED, type Rng } from './random.ts';
export { erfc, normalSurvival } from './normal.ts';
export { holmAdjust } from './holm.ts';
export {
  classify,
  compareMetrics,
  decisionOutlook,
  DEFAULT_CONFIDENCE_LEVEL,
  expectedHalfWidth,
  DEFAULT_ALPHA,
  DEFAULT_NOISE_THRESHOLD,
  geomeanSpeedup,
  MAX_BOOTS_TO_SUGGEST,
  noiseBand,
  PLANNING_POWER,
  relativeResolution,
  familyRunLevels,
  runLevelOf,
  speedupOf,
  widenForResolution,
  summarizeSide,
  type Band,
  type ComparisonMethod,
  type CompareOptions,
  type Direction,
  type MetricComparison,
  type MetricComparisonInput,
  type RunLevel,
  type SampleSummary,
  type Verdict,
} from './compare.ts';
export { fSurvival, spreadExceedsP } from './f-distribution.ts';
export { logGamma, regularizedIncompleteBeta, studentTQuantile, studentTTwoSidedP } from './student-t.ts';
export { speedupInterval, toSpeedup, type SpeedupDirection } from './speedup.ts';
export { headlineTrim, intervalTrim, logMeanInterval, robustLogSummary } from './trimmed.ts';
export { detectChangePoints, differenceSigma, flattenSpikes, type ChangePointOptions, type ChangePointResult } from './changepoints.ts';
export { equalVarianceDf, smallSideDf, smallSideTest, welchInterval, welchTTest, type Interval, type WelchResult } from './welch.ts';
export {
  bootsToShareAMode,
  detectModes,
  MODE_GAP_WITHIN_SDS,
  MODE_MIN_GAP,
  MODE_SHARE_CHANCE,
  modePriorOf,
  placeInPriorModes,
  PRIOR_MODE_REACH,
  sideModeCut,
  sidesShareAMode,
  withinModeLogs,
  withinPriorModeLogs,
  type ModePrior,
  type Modes,
  type PriorModes,
} from './modes.ts';
export { byRun, poolRunVariance, runOfUnit, runVarianceOf, type RunVarianceEstimate } from './runs.ts';
export {
  optimalIterationsPerBoot,
  summarizeUnits,
  varianceComponents,
  type NestedSample,
  type UnitSummary,
  type VarianceComponents,
} from './nested.ts';
