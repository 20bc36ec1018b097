/**
 * Sizing a run so that it ends in verdicts: how many boots, how many iterations per boot, and
 * how many extra boot-only rounds, from the noise and the costs measured on this host (a
 * baseline or an earlier run), within a time budget. Pure.
 *
 * The two-level design follows Kalibera & Jones (ISMM 2013): per workload, iterations per boot
 * from the ratio of within-boot to between-boot variance and of boot cost to iteration cost;
 * the boot count from the precision the verdict needs. Per-boot metrics (boot time, memory)
 * get boot-only rounds: a boot that measures only them costs a fraction of a full round.
 */
import { nestedSamples } from '../compare/pairing.ts';
import type { KernelVariant, ResultsFile } from '../results/schema.ts';
import {
  decisionOutlook,
  DEFAULT_ALPHA,
  expectedHalfWidth,
  median,
  relativeResolution,
  widenForResolution,
  DEFAULT_NOISE_THRESHOLD,
  noiseBand,
  optimalIterationsPerBoot,
  varianceComponents,
} from '../stats/index.ts';
import type { Workload } from '../../suites/types.ts';

export interface MetricNoise {
  /** Between-boot CV (sd of logs). */
  bootCv: number;
  /** Within-boot CV between iterations; null for per-boot metrics. */
  iterationCv: number | null;
  source: string;
  /** The band an A/A calibration measured (kbench calibrate), when there is one. */
  calibratedThreshold?: number | null;
  /** The metric's declared resolution relative to its typical value (a whole-MiB/s kstat at 21: 0.048). */
  relativeResolution?: number;
  /** Whether that resolution is a truncation (one step upward only). */
  resolutionFloor?: boolean;
}

export interface WorkloadCost {
  /** Setup plus warm-up, once per boot. */
  setupSeconds: number;
  iterationSeconds: number;
}

export interface CostModel {
  /** Shutdown of one VM to the first measurement of the next (boot, SSH, facts, per-boot metrics). */
  bootSeconds: number;
  workloads: Record<string, WorkloadCost>;
  source: string;
}

export interface PlanChoice {
  fullRounds: number;
  bootOnlyRounds: number;
  /** Measured iterations per boot, per iterated workload. */
  iterations: Record<string, number>;
}

export interface MetricOutlook {
  metricId: string;
  workloadId: string;
  bootsPerSide: number;
  iterationsPerBoot: number;
  threshold: number;
  exact: boolean;
  /** Smallest change the plan would call with PLANNING_POWER (90%); 0 for exact metrics; null with no noise estimate. */
  detectableChange: number | null;
  /** Whether a true zero difference would be shown "equivalent" (expected CI inside the band). */
  canShowEquivalence: boolean | null;
  noiseSource: string;
}

export interface RunPlan extends PlanChoice {
  variants: KernelVariant[];
  /** Expected wall time of the run work (no image build), or null when costs are unknown. */
  expectedSeconds: number | null;
  costSource: string | null;
  familySize: number;
  metrics: MetricOutlook[];
  /** What more full rounds would buy the iterated metrics this plan leaves short (see reachOf). */
  reach?: PlanReach;
}

/**
 * The full rounds at which every iterated metric with a noise estimate could detect twice its
 * band with PLANNING_POWER, run as `--runs N` runs them. `beyond` are the metrics that could not
 * within MAX_ROUNDS_TO_SUGGEST: their noise dwarfs their band.
 */
export interface PlanReach {
  fullRounds: number;
  expectedSeconds: number | null;
  beyond: string[];
}

export const MAX_ROUNDS_TO_SUGGEST = 30;

/** Priors used when nothing was measured on this host: typical of the Debian testbed under TCG. */
export const PRIOR_NOISE: MetricNoise = { bootCv: 0.05, iterationCv: 0.04, source: 'prior (nothing measured on this host yet)' };

function sd(variance: number | null): number | null {
  return variance === null ? null : Math.sqrt(variance);
}

/** Noise per metric id measured in a results or baseline file: the noisier kernel variant wins. */
export function noiseFromResults(results: ResultsFile, label: string): Map<string, MetricNoise> {
  const noise = new Map<string, MetricNoise>();
  for (const target of results.targets)
    for (const metric of target.metrics) {
      let measured: MetricNoise | null = null;
      if (metric.noise !== undefined)
        measured = { bootCv: metric.noise.bootCv, iterationCv: metric.noise.iterationCv, source: label, calibratedThreshold: metric.noise.calibratedThreshold };
      else {
        const components = varianceComponents(nestedSamples(metric));
        const between = components.unitSummaryLogVariance === null ? null : (components.betweenUnitLogVariance ?? 0);
        if (between === null) continue;
        measured = { bootCv: sd(between)!, iterationCv: components.iterationsPerUnit > 1 ? sd(components.withinUnitLogVariance) : null, source: label };
      }
      const values = metric.samples.map((s) => s.value);
      const resolution = values.length === 0 ? 0 : relativeResolution(metric.resolution, median(values));
      if (resolution > 0) {
        measured.relativeResolution = resolution;
        if (metric.resolution?.floor === true) measured.resolutionFloor = true;
      }
      const known = noise.get(metric.id);
      if (known === undefined || measured.bootCv > known.bootCv)
        noise.set(metric.id, { ...measured, calibratedThreshold: Math.max(measured.calibratedThreshold ?? 0, known?.calibratedThreshold ?? 0) || null });
      else if ((measured.calibratedThreshold ?? 0) > (known.calibratedThreshold ?? 0)) known.calibratedThreshold = measured.calibratedThreshold ?? null;
    }
  return noise;
}

/** Median, or null for nothing. */
const medianOf = (xs: number[]): number | null => (xs.length === 0 ? null : median(xs));

/**
 * Costs from the sample timestamps of a finished run: per boot, when each workload's first and
 * last iteration ended; between boots, the gap from the last sample of one to the first of the
 * next. Null when the file has too little to say (fewer than two boots).
 */
export function costsFromResults(results: ResultsFile, suite: readonly Workload[], label: string): CostModel | null {
  const workloadOf = new Map(suite.flatMap((w) => w.metrics.map((m) => [m.id, w.id] as const)));
  // boot key -> workload -> sorted distinct times (ms)
  const boots = new Map<string, Map<string, Set<number>>>();
  for (const target of results.targets)
    for (const metric of target.metrics) {
      const workload = workloadOf.get(metric.id);
      if (workload === undefined) continue;
      for (const sample of [...metric.warmup, ...metric.samples, ...metric.failures]) {
        const key = `${target.id}#${sample.run ?? 0}#${sample.boot}`;
        const perWorkload = boots.get(key) ?? new Map<string, Set<number>>();
        boots.set(key, perWorkload);
        const times = perWorkload.get(workload) ?? new Set<number>();
        perWorkload.set(workload, times);
        times.add(Date.parse(sample.at));
      }
    }
  if (boots.size < 2) return null;
  const spans = [...boots.values()].map((perWorkload) => {
    const all = [...perWorkload.values()].flatMap((t) => [...t]);
    return { start: Math.min(...all), end: Math.max(...all), perWorkload };
  });
  spans.sort((a, b) => a.start - b.start);
  const gaps: number[] = [];
  for (let i = 1; i < spans.length; i++) gaps.push((spans[i]!.start - spans[i - 1]!.end) / 1000);
  const bootSeconds = medianOf(gaps.filter((g) => g > 0));
  if (bootSeconds === null) return null;
  const iterationSamples = new Map<string, number[]>();
  const setupSamples = new Map<string, number[]>();
  for (const span of spans) {
    const order = [...span.perWorkload.entries()].map(([w, t]) => ({ w, times: [...t].sort((a, b) => a - b) })).sort((a, b) => a.times[0]! - b.times[0]!);
    let previousEnd = span.start;
    for (const { w, times } of order) {
      if (times.length >= 2) {
        const iteration = (times.at(-1)! - times[0]!) / (times.length - 1) / 1000;
        (iterationSamples.get(w) ?? iterationSamples.set(w, []).get(w)!).push(iteration);
        // First recorded time is the end of the warm-up: setup + one iteration after the previous workload.
        (setupSamples.get(w) ?? setupSamples.set(w, []).get(w)!).push(Math.max(0, (times[0]! - previousEnd) / 1000));
      }
      previousEnd = times.at(-1)!;
    }
  }
  const workloads: Record<string, WorkloadCost> = {};
  for (const [w, samples] of iterationSamples) workloads[w] = { iterationSeconds: medianOf(samples)!, setupSeconds: medianOf(setupSamples.get(w) ?? []) ?? 0 };
  return { bootSeconds, workloads, source: label };
}

function iterationsFor(workload: Workload, choice: PlanChoice): number {
  return choice.iterations[workload.id] ?? 1;
}

function metricOutlook(
  workload: Workload,
  definition: Workload['metrics'][number],
  bootsPerSide: number,
  iterationsPerBoot: number,
  noise: MetricNoise | undefined,
  familySize: number,
  alpha: number,
): MetricOutlook {
  // The band a comparison against this baseline will use: the suite's, or the A/A one when larger.
  const threshold = Math.max(definition.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD, noise?.calibratedThreshold ?? 0);
  const base = { metricId: definition.id, workloadId: workload.id, bootsPerSide, iterationsPerBoot, threshold, exact: definition.exact === true };
  if (definition.exact === true) return { ...base, detectableChange: 0, canShowEquivalence: true, noiseSource: 'exact' };
  const known = noise ?? PRIOR_NOISE;
  if (bootsPerSide < 2) return { ...base, detectableChange: null, canShowEquivalence: false, noiseSource: known.source };
  const perBootVariance = known.bootCv ** 2 + (workload.schedule === 'iterated' ? (known.iterationCv ?? 0) ** 2 / iterationsPerBoot : 0);
  const band = noiseBand(threshold);
  // RESOLUTION WIDENING (stats/compare.ts): one step each side, in log terms.
  const step = Math.min(known.relativeResolution ?? 0, 0.99);
  const widen = widenForResolution({ low: 0, high: 0 }, step, step, known.resolutionFloor === true).high;
  const { detectableChange } = decisionOutlook(0, perBootVariance, perBootVariance, bootsPerSide, bootsPerSide, band, alpha, familySize, 0.95, false, widen);
  const halfWidth = expectedHalfWidth(perBootVariance, bootsPerSide) + widen;
  return { ...base, detectableChange, canShowEquivalence: halfWidth <= band.upper && -halfWidth >= band.lower, noiseSource: known.source };
}

export interface PlanContext {
  suite: readonly Workload[];
  variants: KernelVariant[];
  noise: Map<string, MetricNoise>;
  costs: CostModel | null;
  alpha?: number;
}

/** What a given plan would cost and could detect. */
export function evaluatePlan(choice: PlanChoice, context: PlanContext): RunPlan {
  const alpha = context.alpha ?? DEFAULT_ALPHA;
  const familySize = context.suite.flatMap((w) => w.metrics).filter((m) => m.exact !== true).length;
  const metrics = context.suite.flatMap((workload) =>
    workload.metrics.map((definition) => {
      const perBoot = workload.schedule === 'per-boot';
      const boots = perBoot ? choice.fullRounds + choice.bootOnlyRounds : choice.fullRounds;
      return metricOutlook(workload, definition, boots, perBoot ? 1 : iterationsFor(workload, choice), context.noise.get(definition.id), familySize, alpha);
    }),
  );
  let expectedSeconds: number | null = null;
  if (context.costs !== null) {
    const costs = context.costs;
    let fullRound = costs.bootSeconds;
    for (const workload of context.suite) {
      if (workload.schedule === 'per-boot') continue;
      const cost = costs.workloads[workload.id];
      if (cost === undefined) {
        fullRound = Number.NaN;
        break;
      }
      fullRound += cost.setupSeconds + iterationsFor(workload, choice) * cost.iterationSeconds;
    }
    const seconds = context.variants.length * (choice.fullRounds * fullRound + choice.bootOnlyRounds * costs.bootSeconds);
    expectedSeconds = Number.isFinite(seconds) ? seconds : null;
  }
  return { ...choice, variants: context.variants, expectedSeconds, costSource: context.costs?.source ?? null, familySize, metrics };
}

export interface PlanLimits {
  fullRounds: number;
  defaultIterations: number;
  /** Wall-time budget for the run work, seconds. */
  budgetSeconds: number;
  maxBootOnlyRounds?: number;
  maxFullRounds?: number;
  /** Boot-only rounds when costs are unknown. */
  fallbackBootOnlyRounds?: number;
}

/**
 * How well a plan serves its metrics, 0..1 each: 1 once a metric could detect twice its band
 * with PLANNING_POWER (90%) and show equivalence; less in proportion to how far its detectable change is
 * from that. Exact metrics are always served.
 */
function planScore(plan: RunPlan): number {
  return plan.metrics.reduce((sum, m) => {
    if (m.exact) return sum + 1;
    if (m.detectableChange === null) return sum;
    const reach = Math.min(1, (2 * m.threshold) / m.detectableChange);
    return sum + (m.canShowEquivalence ? reach : reach * 0.9);
  }, 0);
}

/**
 * The default plan: iterations per workload from Kalibera & Jones's optimum (when noise and
 * costs were measured; never more than the suite's size, since extra iterations buy little once
 * boot noise dominates), then, greedily within the budget, one more full round or one more
 * boot-only round, whichever serves the metrics more per second, until neither helps.
 */
export function choosePlan(context: PlanContext, limits: PlanLimits): RunPlan {
  const iterations: Record<string, number> = {};
  for (const workload of context.suite) {
    if (workload.schedule === 'per-boot') continue;
    const cost = context.costs?.workloads[workload.id];
    const ratios = workload.metrics
      .map((m) => context.noise.get(m.id))
      .filter((n): n is MetricNoise => n !== undefined && n.iterationCv !== null)
      .map((n) => ({ within: n.iterationCv! ** 2, between: n.bootCv ** 2 }));
    if (cost === undefined || context.costs === null || ratios.length === 0) {
      iterations[workload.id] = limits.defaultIterations;
      continue;
    }
    const within = medianOf(ratios.map((r) => r.within))!;
    const between = medianOf(ratios.map((r) => r.between))!;
    const optimum = optimalIterationsPerBoot(context.costs.bootSeconds + cost.setupSeconds, cost.iterationSeconds, within, between, limits.defaultIterations);
    iterations[workload.id] = Math.max(2, optimum);
  }
  if (context.costs === null) return evaluatePlan({ fullRounds: limits.fullRounds, bootOnlyRounds: limits.fallbackBootOnlyRounds ?? 3, iterations }, context);
  // The minimum full rounds over budget at these iterations: fewer iterations first (down to 2,
  // the fewest that still measure within-boot noise), the costliest workload first. Where the
  // boots barely differ (an instruction-counting clock) an extra iteration buys almost nothing.
  // Room for one boot-only round is made the same way while per-boot metrics would be short of
  // boots: at 3 boots a side Welch's df on a per-boot metric is 2-4 (t quantile 4.3 at 2 df, 2.8
  // at 4), so memory's -8% at 1% boot noise was called idle and missed under a CPU hog
  // (adjusted p 0.023 vs 0.082, 2026-12-03); a fourth boot a side is worth more than a third
  // iteration of every workload.
  const roomForBoots = perBootServed(evaluatePlan({ fullRounds: limits.fullRounds, bootOnlyRounds: 0, iterations }, context), context.suite)
    ? 0
    : context.variants.length * context.costs.bootSeconds;
  for (;;) {
    const atMinimum = evaluatePlan({ fullRounds: limits.fullRounds, bootOnlyRounds: 0, iterations }, context);
    if (atMinimum.expectedSeconds === null || atMinimum.expectedSeconds + roomForBoots <= limits.budgetSeconds) break;
    const reducible = Object.keys(iterations)
      .filter((id) => iterations[id]! > 2)
      .sort((a, b) => (context.costs!.workloads[b]?.iterationSeconds ?? 0) - (context.costs!.workloads[a]?.iterationSeconds ?? 0));
    if (reducible.length === 0) break;
    iterations[reducible[0]!]! -= 1;
  }
  const maxBootOnly = limits.maxBootOnlyRounds ?? 12;
  const maxFull = limits.maxFullRounds ?? 10;
  let plan = evaluatePlan({ fullRounds: limits.fullRounds, bootOnlyRounds: 0, iterations }, context);
  // Per-boot metrics (boot time, memory) are the cheapest verdicts: a share of the budget is
  // kept for boot-only rounds, so full rounds cannot crowd them out.
  const greedyBudget = limits.budgetSeconds * (1 - BOOT_ONLY_BUDGET_SHARE);
  for (;;) {
    const score = planScore(plan);
    const moves = [
      plan.fullRounds < maxFull ? evaluatePlan({ ...plan, fullRounds: plan.fullRounds + 1 }, context) : null,
      plan.bootOnlyRounds < maxBootOnly ? evaluatePlan({ ...plan, bootOnlyRounds: plan.bootOnlyRounds + 1 }, context) : null,
    ].filter((next): next is RunPlan => next !== null && next.expectedSeconds !== null && next.expectedSeconds <= greedyBudget);
    let best: RunPlan | null = null;
    let bestGain = 1e-9;
    for (const next of moves) {
      const gain = (planScore(next) - score) / Math.max(1, next.expectedSeconds! - plan.expectedSeconds!);
      if (gain > bestGain) {
        best = next;
        bestGain = gain;
      }
    }
    if (best === null) break;
    plan = best;
  }
  while (plan.bootOnlyRounds < maxBootOnly && !perBootServed(plan, context.suite)) {
    const next = evaluatePlan({ ...plan, bootOnlyRounds: plan.bootOnlyRounds + 1 }, context);
    if (next.expectedSeconds === null || next.expectedSeconds > limits.budgetSeconds) break;
    plan = next;
  }
  return plan;
}

/**
 * Minutes of run work the default plan is sized to. The main job must end within 20 min from a
 * cached image on a 2-core TCG host, whose speed drifts by ~20% from the costs baseline.json
 * recorded (a 14.3-min plan took 16.9 min on 2026-12-01). Under the icount clock baseline.json's
 * costs pool an idle and two loaded runs and so run ahead of an idle host (a 14.0-min plan took
 * 11.9 min, 2026-12-03): 16 min buys the fourth boot a side that per-boot metrics need (see
 * choosePlan) and still ends the idle main job near 15 min with `npm ci` and the report.
 */
export const DEFAULT_BUDGET_MINUTES = 16;

/** The iterations of `--runs N`: the suite's count for every iterated workload. */
export const suiteIterations = (suite: readonly Workload[], iterations: number): Record<string, number> =>
  Object.fromEntries(suite.filter((w) => w.schedule === 'iterated').map((w) => [w.id, iterations]));

const servesTwiceItsBand = (m: MetricOutlook): boolean => m.exact || (m.detectableChange !== null && m.detectableChange <= 2 * m.threshold);

/**
 * How many full rounds the iterated metrics need (PlanReach), as `--runs N` would run them: the
 * suite's iterations per boot, no boot-only rounds. Null when this plan already serves them all.
 */
export function reachOf(plan: RunPlan, context: PlanContext, iterationsPerBoot: number): PlanReach | null {
  const iterated = context.suite.filter((w) => w.schedule === 'iterated').map((w) => w.id);
  const measured = (m: MetricOutlook): boolean => iterated.includes(m.workloadId) && !m.exact && context.noise.has(m.metricId);
  const short = (candidate: RunPlan): MetricOutlook[] => candidate.metrics.filter((m) => measured(m) && !servesTwiceItsBand(m));
  if (short(plan).length === 0) return null;
  const fixed = (fullRounds: number): RunPlan =>
    evaluatePlan({ fullRounds, bootOnlyRounds: 0, iterations: suiteIterations(context.suite, iterationsPerBoot) }, context);
  const beyond = new Set(short(fixed(MAX_ROUNDS_TO_SUGGEST)).map((m) => m.metricId));
  let rounds = plan.fullRounds + 1;
  while (rounds < MAX_ROUNDS_TO_SUGGEST && !short(fixed(rounds)).every((m) => beyond.has(m.metricId))) rounds++;
  return { fullRounds: rounds, expectedSeconds: fixed(rounds).expectedSeconds, beyond: [...beyond] };
}

/**
 * Share of the budget kept for boot-only rounds. Per-boot metrics (boot time, memory) are the
 * cheapest verdicts, a boot-only round costing under a third of a full one here. With a quarter
 * kept, the 14-min plan bought a 4th full round (no iterated metric nearer a verdict: they need
 * ~27 here) and left boot time and memory 8 boots; with a third they get 11.
 */
export const BOOT_ONLY_BUDGET_SHARE = 1 / 3;

/** Per-boot metrics are served once each could detect twice its band and show equivalence. */
function perBootServed(plan: RunPlan, suite: readonly Workload[]): boolean {
  const perBoot = new Set(suite.filter((w) => w.schedule === 'per-boot').map((w) => w.id));
  return plan.metrics
    .filter((m) => perBoot.has(m.workloadId) && !m.exact)
    .every((m) => m.detectableChange !== null && m.detectableChange <= 2 * m.threshold && m.canShowEquivalence === true);
}
