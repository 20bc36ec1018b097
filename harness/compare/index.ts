/**
 * Runs the statistics over comparison sets and shapes the outcome for the table, --json and
 * reports. One command is one multiple-testing family: every set its exit code depends on is
 * compared in a single call, so Holm sees all of them at once.
 */
import { compareMetrics, DEFAULT_ALPHA, DEFAULT_NOISE_THRESHOLD, geomeanSpeedup, type MetricComparison } from '../stats/index.ts';
import type { ComparisonSet, MetricPair, SkippedMetric, StoredModes } from './pairing.ts';
import { fingerprintDifferences } from './fingerprint.ts';
import type { ResultsFile } from '../results/schema.ts';
import { compareConditions, type ConditionsComparison } from './conditions.ts';

export * from './pairing.ts';
export * from './fingerprint.ts';
export * from './conditions.ts';

export type ThresholdSource = 'suite' | 'default' | 'calibrated' | 'flag';

export interface ComparedMetric extends MetricComparison {
  metricId: string;
  guestOs: string;
  unit: MetricPair['unit'];
  /** Where the noise threshold came from. */
  thresholdSource: ThresholdSource;
  /** The two sides of its set were measured under different conditions (CONDITIONS COMPARED, conditions.ts). */
  conditionsDiffer: boolean;
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
  /** Across runs: how the run level entered (RUN LEVEL) or which protection stands in for it; null within one run. */
  runLevelNote: string | null;
  /** Both sides' conditions and where they differ; null when the set carried none. */
  conditions: ConditionsComparison | null;
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
/** The seed a comparison records when given none (--seed): printed with it; no statistic draws from it. */
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
  const declared =
    override !== undefined
      ? { value: override, source: 'flag' as const }
      : pair.noiseThreshold !== undefined
        ? { value: pair.noiseThreshold, source: 'suite' as const }
        : { value: defaultThreshold, source: 'default' as const };
  if (pair.calibratedThreshold !== undefined && pair.calibratedThreshold > declared.value) return { value: pair.calibratedThreshold, source: 'calibrated' };
  return declared;
}

/**
 * The stored boots a stock-vs-custom comparison of `run` may take its metrics' modes from (MODE
 * PRIOR, stats/modes.ts): the baseline when it was measured on the same host, hypervisor,
 * acceleration and guest clock (modes are the emulator's, not the kernel's, so the kernels may
 * differ); null otherwise or without a baseline.
 */
export function storedModesFor(run: ResultsFile, stored: ResultsFile | null, source: string, variants?: StoredModes['variants']): StoredModes | null {
  if (stored === null || stored.host === null || run.host === null) return null;
  if (fingerprintDifferences(run, stored).some((d) => d.field.startsWith('host.'))) return null;
  return { stored, source, ...(variants === undefined ? {} : { variants }) };
}

const cvText = (variance: number): string => `${Number((Math.sqrt(variance) * 100).toPrecision(2))}%`;

/**
 * One line for a set compared across runs: the between-run variance that is in its intervals and
 * where it came from, or, with too few runs to estimate it, that only the band protects, and
 * whether that band was calibrated (kbench calibrate measures run-to-run drift, not only boots).
 */
export function runLevelNote(rows: readonly ComparedMetric[]): string | null {
  const across = rows.filter((row) => row.runLevel !== undefined && row.runLevel !== null);
  if (across.length === 0) return null;
  const first = across[0]!.runLevel!;
  const shape = `baseline ${first.runsBaseline} run${first.runsBaseline === 1 ? '' : 's'}, candidate ${first.runsCandidate}`;
  const estimated = across.filter((row) => row.runLevel!.variance !== null);
  const missing = across.filter((row) => row.runLevel!.variance === null);
  const parts: string[] = [];
  if (estimated.length > 0) {
    const cvs = estimated.map((row) => row.runLevel!.variance!).sort((a, b) => a - b);
    const sources = [...new Set(estimated.map((row) => row.runLevel!.source!.replace(/, raised to .*$/, '')))].join('; ');
    parts.push(
      `between-run variance (run CV ${cvText(cvs[0]!)}–${cvText(cvs[cvs.length - 1]!)}) from ${sources} is in the intervals of ${estimated.length} metrics`,
    );
  }
  if (missing.length > 0) {
    const calibrated = missing.filter((row) => row.thresholdSource === 'calibrated').length;
    const band =
      calibrated === missing.length
        ? 'the band kbench calibrate measured from run-to-run drift'
        : calibrated === 0
          ? 'the band, which is not calibrated (kbench calibrate over >= 2 runs measures run-to-run drift and widens it)'
          : `the band, calibrated by kbench calibrate for ${calibrated} of them and not for ${missing.length - calibrated}`;
    parts.push(`run-to-run drift cannot be estimated for ${missing.length} metrics (too few runs); the only protection against it is ${band}`);
  }
  return `across runs (${shape}): ${parts.join('; ')}`;
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
      acrossRuns: pair.acrossRuns === true,
      ...(pair.runCv === undefined ? {} : { runVariance: { variance: pair.runCv.cv ** 2, df: pair.runCv.df, source: pair.runCv.source } }),
      ...(pair.driftGroup === undefined ? {} : { driftGroup: pair.driftGroup }),
      ...(pair.modePrior === undefined ? {} : { modePrior: pair.modePrior }),
    })),
    { alpha, noiseThreshold },
  );
  let next = 0;
  const compared: ComparedSet[] = sets.map((set) => {
    const conditions = set.conditions === undefined ? null : compareConditions(set.conditions.baseline, set.conditions.candidate);
    const conditionsDiffer = conditions !== null && conditions.differences.length > 0;
    const rows = set.pairs.map((pair): ComparedMetric => {
      const index = next++;
      return {
        ...results[index]!,
        metricId: pair.metricId,
        guestOs: pair.guestOs,
        unit: pair.unit,
        thresholdSource: flat[index]!.threshold.source,
        conditionsDiffer,
      };
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
      runLevelNote: runLevelNote(rows),
      conditions,
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
