/**
 * Noise measured on real boots, kept with the baseline: what run plans are sized from, and an
 * A/A calibration of the noise threshold. Pure.
 *
 * The test already accounts for boot-to-boot noise. What it cannot see is run-to-run drift:
 * the host's state between two runs (other tenants, thermal state, page cache). An A/A
 * comparison, the same kernels in two runs, measures that drift; a difference between kernels
 * smaller than what an identical kernel moved cannot be told from it. So the calibrated
 * threshold is the largest |A/A ratio - 1| seen, rounded up to 0.5%, and it only ever raises the
 * suite's threshold. With a single run, alternate boots (0, 2, 4… against 1, 3, 5…) stand in
 * for two runs; that measures boot noise only, and says so.
 */
import { nestedSamples } from '../compare/pairing.ts';
import type { MeasuredNoise, Metric, ResultsFile } from '../results/schema.ts';
import { compareMetrics, runVarianceOf, summarizeUnits, varianceComponents, type NestedSample } from '../stats/index.ts';

export function measureNoise(metric: Metric): MeasuredNoise | null {
  if (metric.samples.length === 0 || metric.exact === true) return null;
  const components = varianceComponents(nestedSamples(metric));
  if (components.unitSummaryLogVariance === null) return null;
  const round = (x: number): number => Math.round(x * 1e5) / 1e5;
  return {
    bootCv: round(Math.sqrt(components.betweenUnitLogVariance ?? 0)),
    iterationCv: components.iterationsPerUnit > 1 && components.withinUnitLogVariance !== null ? round(Math.sqrt(components.withinUnitLogVariance)) : null,
    boots: components.units,
    iterationsPerBoot: round(components.iterationsPerUnit),
    calibratedThreshold: metric.noise?.calibratedThreshold ?? null,
    calibration: metric.noise?.calibration ?? null,
    ...(metric.noise?.runCv === undefined || metric.noise.runCvDf === undefined ? {} : { runCv: metric.noise.runCv, runCvDf: metric.noise.runCvDf }),
  };
}

export interface AaMeasurement {
  targetId: string;
  metricId: string;
  /** A/A ratios (second / first), one per pair compared. */
  ratios: number[];
  /** max |ratio - 1|, rounded up to 0.5%; null when no pair could be compared. */
  calibratedThreshold: number | null;
  calibration: string;
  /** Between-run CV over the runs (RUN LEVEL, method of moments) and its df; null with one run. */
  run?: { cv: number; df: number } | null;
}

const roundUpToHalfPercent = (x: number): number => Math.ceil(x * 200) / 200;

function aaRatio(a: NestedSample[], b: NestedSample[]): number | null {
  const [result] = compareMetrics([{ key: 'aa', direction: 'lower', baseline: a, candidate: b, noiseThreshold: 1e-9 }]);
  return result !== undefined && Number.isFinite(result.ratio) && result.ratio > 0 ? result.ratio : null;
}

/** A/A drift per target and metric: between consecutive runs, or between alternate boots of one run. */
export function calibrateFromRuns(runs: readonly ResultsFile[]): AaMeasurement[] {
  const byKey = new Map<string, { targetId: string; metricId: string; sides: NestedSample[][]; exact: boolean }>();
  for (const run of runs)
    for (const target of run.targets)
      for (const metric of target.metrics) {
        if (metric.samples.length === 0) continue;
        const key = `${target.id} ${metric.id}`;
        const entry = byKey.get(key) ?? { targetId: target.id, metricId: metric.id, sides: [], exact: metric.exact === true };
        entry.sides.push(nestedSamples(metric));
        byKey.set(key, entry);
      }
  const measurements: AaMeasurement[] = [];
  for (const { targetId, metricId, sides, exact } of byKey.values()) {
    if (exact) continue;
    let pairs: [NestedSample[], NestedSample[]][];
    let calibration: string;
    if (sides.length >= 2) {
      pairs = sides.slice(1).map((side, i) => [sides[i]!, side]);
      calibration = `A/A of ${sides.length} runs`;
    } else {
      const units = summarizeUnits(sides[0]!).map((u) => u.unit);
      const even = new Set(units.filter((_, i) => i % 2 === 0));
      const samples = sides[0]!;
      pairs = [[samples.filter((s) => even.has(s.unit)), samples.filter((s) => !even.has(s.unit))]];
      calibration = 'A/A of alternate boots of 1 run (boot noise only)';
    }
    const ratios = pairs.map(([a, b]) => aaRatio(a, b)).filter((r): r is number => r !== null);
    const drift = ratios.length === 0 ? null : Math.max(...ratios.map((r) => Math.abs(r - 1)));
    // The run level: each run's log boot summaries are one group (units are boots of that run).
    const runs = sides.map((side) =>
      summarizeUnits(side)
        .filter((u) => u.value > 0)
        .map((u) => Math.log(u.value)),
    );
    const between = sides.length >= 2 ? runVarianceOf(runs) : null;
    measurements.push({
      targetId,
      metricId,
      ratios,
      calibratedThreshold: drift === null || drift === 0 ? null : roundUpToHalfPercent(drift),
      calibration,
      run: between === null ? null : { cv: Math.round(Math.sqrt(between.variance) * 1e5) / 1e5, df: between.df },
    });
  }
  return measurements;
}

/** The baseline with every metric's noise measured and, where given, its calibrated threshold. */
export function withMeasuredNoise(baseline: ResultsFile, calibration: readonly AaMeasurement[] = []): ResultsFile {
  const calibrated = new Map(calibration.map((m) => [`${m.targetId} ${m.metricId}`, m]));
  const copy = structuredClone(baseline);
  for (const target of copy.targets)
    for (const metric of target.metrics) {
      const aa = calibrated.get(`${target.id} ${metric.id}`);
      if (aa !== undefined) {
        const { runCv: _cv, runCvDf: _df, ...kept } = metric.noise ?? { bootCv: 0, iterationCv: null, boots: 0, iterationsPerBoot: 0 };
        metric.noise = {
          ...kept,
          calibratedThreshold: aa.calibratedThreshold,
          calibration: aa.calibration,
          ...(aa.run === null || aa.run === undefined ? {} : { runCv: aa.run.cv, runCvDf: aa.run.df }),
        };
      }
      const noise = measureNoise(metric);
      if (noise !== null) metric.noise = noise;
    }
  return copy;
}
