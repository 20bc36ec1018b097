/**
 * Runs the statistics over comparison sets and shapes the outcome for the table, --json and
 * reports. One command is one multiple-testing family: every set its exit code depends on is
 * compared in a single call, so Holm sees all of them at once.
 */
import { compareMetrics, DEFAULT_ALPHA, DEFAULT_NOISE_THRESHOLD, geomeanSpeedup, type MetricComparison } from '../stats/index.ts';
import type { ComparisonSet, MetricPair, SkippedMetric } from './pairing.ts';

export * from './pairing.ts';
export * from './fingerprint.ts';

export type ThresholdSource = 'suite' | 'default' | 'calibrated' | 'flag';

export interface ComparedMetric extends MetricComparison {
  metricId: string;
  guestOs: string;
  unit: MetricPair['unit'];
  /** Where the noise threshold came from. */
  thresholdSource: ThresholdSource;
}

export interface ComparedSet {
  title: string;
  baselineLabel: string;
  candidateLabel: string;
  rows: ComparedMetric[];
  skipped: SkippedMetric[];
  /** Geometric mean of the speedups (> 1 better) of the tested metrics; deterministic ones apart. */
  geomeanSpeedup: number | null;
  /** Deterministic (exact) rows, shown apart from the geomean: sizes are not speeds. */
  exactRows: ComparedMetric[];
}

export interface ComparisonOutcome {
  options: { alpha: number; noiseThreshold: number; seed: number; familySize: number; procedure: string };
  sets: ComparedSet[];
  regressions: ComparedMetric[];
  improvements: ComparedMetric[];
  equivalent: ComparedMetric[];
  inconclusive: ComparedMetric[];
}

export { DEFAULT_ALPHA, DEFAULT_NOISE_THRESHOLD };
/** Kept for the reports' resampling (history charts); printed with every comparison. */
export const DEFAULT_SEED = 20261125;

export interface CompareSetsOptions {
  alpha?: number;
  /** Default threshold for metrics whose suite sets none. */
  noiseThreshold?: number;
  /** Set explicitly on the command line: overrides suite thresholds too (never a calibrated one, which is measured). */
  thresholdOverride?: number;
  seed?: number;
}

/** The suite's (or default) threshold, raised to the calibrated one when an A/A measured more noise. */
export function effectiveThreshold(pair: MetricPair, defaultThreshold: number, override?: number): { value: number; source: ThresholdSource } {
  const declared = override !== undefined ? { value: override, source: 'flag' as const } : pair.noiseThreshold !== undefined ? { value: pair.noiseThreshold, source: 'suite' as const } : { value: defaultThreshold, source: 'default' as const };
  if (pair.calibratedThreshold !== undefined && pair.calibratedThreshold > declared.value) return { value: pair.calibratedThreshold, source: 'calibrated' };
  return declared;
}

export function compareSets(sets: ComparisonSet[], options: CompareSetsOptions = {}): ComparisonOutcome {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const noiseThreshold = options.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD;
  const seed = options.seed ?? DEFAULT_SEED;
  const flat = sets.flatMap((set) => set.pairs.map((pair) => ({ pair, threshold: effectiveThreshold(pair, noiseThreshold, options.thresholdOverride) })));
  const results = compareMetrics(
    flat.map(({ pair, threshold }) => ({
      key: pair.key,
      direction: pair.direction,
      baseline: pair.baseline,
      candidate: pair.candidate,
      noiseThreshold: threshold.value,
      exact: pair.exact,
      ...(pair.resolution === undefined ? {} : { resolution: pair.resolution }),
    })),
    { alpha, noiseThreshold },
  );
  let next = 0;
  const compared: ComparedSet[] = sets.map((set) => {
    const rows = set.pairs.map((pair): ComparedMetric => {
      const index = next++;
      return { ...results[index]!, metricId: pair.metricId, guestOs: pair.guestOs, unit: pair.unit, thresholdSource: flat[index]!.threshold.source };
    });
    const tested = rows.filter((row) => row.method === 'welch-log-boots');
    return {
      title: set.title,
      baselineLabel: set.baselineLabel,
      candidateLabel: set.candidateLabel,
      rows,
      skipped: set.skipped,
      geomeanSpeedup: geomeanSpeedup(tested.map((row) => row.speedup)),
      exactRows: rows.filter((row) => row.method === 'exact'),
    };
  });
  const allRows = compared.flatMap((set) => set.rows);
  const familySize = allRows.filter((row) => row.inFamily).length;
  return {
    options: { alpha, noiseThreshold, seed, familySize, procedure: `Holm-Bonferroni over ${familySize} tested metrics (one family for the whole command)` },
    sets: compared,
    regressions: allRows.filter((row) => row.verdict === 'regressed'),
    improvements: allRows.filter((row) => row.verdict === 'improved'),
    equivalent: allRows.filter((row) => row.verdict === 'equivalent'),
    inconclusive: allRows.filter((row) => row.verdict === 'inconclusive'),
  };
}
