/**
 * Runs the statistics over comparison sets and shapes the outcome for the table, --json and
 * reports. Holm–Bonferroni is applied per comparison set (one set = one pair of targets).
 */
import { compareMetrics, geomeanRatio, type CompareOptions, type MetricComparison } from '../stats/index.ts';
import type { ComparisonSet, MetricPair, SkippedMetric } from './pairing.ts';

export * from './pairing.ts';
export * from './fingerprint.ts';

export interface ComparedMetric extends MetricComparison {
  metricId: string;
  guestOs: string;
  unit: MetricPair['unit'];
  noiseThreshold: number;
}

export interface ComparedSet {
  title: string;
  baselineLabel: string;
  candidateLabel: string;
  rows: ComparedMetric[];
  skipped: SkippedMetric[];
  /** Geometric mean of candidate/baseline ratios over the compared rows (benchstat's geomean). */
  geomean: number | null;
}

export interface ComparisonOutcome {
  options: Required<Pick<CompareOptions, 'alpha' | 'noiseThreshold' | 'seed'>>;
  sets: ComparedSet[];
  regressions: ComparedMetric[];
  improvements: ComparedMetric[];
}

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_NOISE_THRESHOLD = 0.05;
/** Fixed so that the same files always give the same CIs; printed with every comparison. */
export const DEFAULT_SEED = 20261125;

export function compareSets(
  sets: ComparisonSet[],
  options: { alpha?: number; noiseThreshold?: number; seed?: number } = {},
): ComparisonOutcome {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const noiseThreshold = options.noiseThreshold ?? DEFAULT_NOISE_THRESHOLD;
  const seed = options.seed ?? DEFAULT_SEED;
  const compared: ComparedSet[] = sets.map((set) => {
    const results = compareMetrics(
      set.pairs.map((pair) => ({
        key: pair.key,
        direction: pair.direction,
        baseline: pair.baseline,
        candidate: pair.candidate,
        noiseThreshold: pair.noiseThreshold ?? noiseThreshold,
      })),
      { alpha, noiseThreshold, seed },
    );
    const rows = results.map((result, i) => {
      const pair = set.pairs[i]!;
      return {
        ...result,
        metricId: pair.metricId,
        guestOs: pair.guestOs,
        unit: pair.unit,
        noiseThreshold: pair.noiseThreshold ?? noiseThreshold,
      };
    });
    const measurable = rows.filter((row) => Number.isFinite(row.ratio) && row.ratio > 0);
    return {
      title: set.title,
      baselineLabel: set.baselineLabel,
      candidateLabel: set.candidateLabel,
      rows,
      skipped: set.skipped,
      geomean: measurable.length > 0 ? geomeanRatio(measurable) : null,
    };
  });
  const allRows = compared.flatMap((set) => set.rows);
  return {
    options: { alpha, noiseThreshold, seed },
    sets: compared,
    regressions: allRows.filter((row) => row.verdict === 'regressed'),
    improvements: allRows.filter((row) => row.verdict === 'improved'),
  };
}
