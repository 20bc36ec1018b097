/**
 * The comparison rows every presenter shows: `kbench compare`'s text table, and the HTML,
 * Markdown and JUnit reports. Built once from a ComparisonOutcome; JSON-safe (no NaN or
 * Infinity: missing numbers are null). Pure.
 */
import type { ComparedMetric, ComparisonOutcome, ThresholdSource } from '../compare/index.ts';
import type { Unit } from '../results/schema.ts';
import { speedupInterval, toSpeedup, type ComparisonMethod, type Verdict } from '../stats/index.ts';
import { formatValue } from '../format/index.ts';

/** The one interval type (stats/welch.ts). */
import type { Interval } from '../stats/index.ts';
export type { Interval };

export type ComparisonKind = 'custom-vs-stock' | 'vs-baseline';

export interface SideSummary {
  label: string;
  /** Samples. */
  n: number;
  /** Boots (units of replication). */
  boots: number;
  /** Geometric mean of the per-boot medians. */
  center: number | null;
  /** 95% CI of the center over boots. */
  ci: Interval | null;
  outliers: number;
}

export interface ComparedRow {
  kind: 'compared';
  setId: string;
  setTitle: string;
  comparison: ComparisonKind;
  guestOs: string;
  metricId: string;
  unit: Unit;
  direction: 'lower' | 'higher';
  noiseThreshold: number;
  thresholdSource: ThresholdSource;
  baseline: SideSummary;
  candidate: SideSummary;
  /** center(candidate) / center(baseline). */
  ratio: number | null;
  ratioCI: Interval | null;
  /** (ratio - 1) * 100 and its CI in percent. */
  deltaPercent: number | null;
  deltaCI: Interval | null;
  /** Direction-adjusted: > 1 means the candidate is better (faster, or more throughput). */
  speedup: number | null;
  speedupCI: Interval | null;
  p: number | null;
  adjustedP: number | null;
  method: ComparisonMethod;
  inFamily: boolean;
  verdict: Verdict;
  /** Smallest change (percent) the data could call with PLANNING_POWER (90%). */
  detectablePercent: number | null;
  bootsToDecide: number | null;
  note: string | null;
  problems: string[];
  /** "two modes, 1.00 GB/s and 1.50 GB/s; 4 of 4 run boots in the slow one, …" when the boots fall into modes. */
  modes?: string | null;
  /** Its two sides were measured under different conditions (the set's conditionsNote says which). */
  conditionsDiffer?: boolean;
}

export interface SkippedRow {
  kind: 'skipped';
  setId: string;
  setTitle: string;
  comparison: ComparisonKind;
  metricId: string;
  reason: string;
}

export interface ReportSet {
  id: string;
  title: string;
  comparison: ComparisonKind;
  baselineLabel: string;
  candidateLabel: string;
  /** Geometric mean of the speedups of the tested rows (> 1 better); deterministic rows apart. */
  geomeanSpeedup: number | null;
  rows: ComparedRow[];
  skipped: SkippedRow[];
  /** Across runs: how the run level entered, or which protection stands in (absent within one run). */
  runLevelNote?: string | null;
  /** "conditions differ: …; verdicts may reflect the host, not the kernel", shown above the verdicts; null when they agree. */
  conditionsNote?: string | null;
}

export const VERDICT_ORDER: readonly Verdict[] = ['regressed', 'improved', 'equivalent', 'inconclusive'];

export const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function finiteInterval(ci: Interval | null): Interval | null {
  if (ci === null) return null;
  const low = finite(ci.low);
  const high = finite(ci.high);
  return low === null || high === null ? null : { low, high };
}

/** "How many times better", > 1 = better: the one helper in stats/speedup.ts. */
export { toSpeedup };

export const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function sideSummary(label: string, side: ComparedMetric['baseline']): SideSummary {
  return { label, n: side.n, boots: side.boots, center: finite(side.center), ci: finiteInterval(side.ci), outliers: side.outliers.length };
}

export function comparedRow(
  row: ComparedMetric,
  set: { id: string; title: string; comparison: ComparisonKind; baselineLabel: string; candidateLabel: string },
): ComparedRow {
  const ratio = finite(row.ratio);
  const ratioCI = finiteInterval(row.ratioCI);
  return {
    kind: 'compared',
    setId: set.id,
    setTitle: set.title,
    comparison: set.comparison,
    guestOs: row.guestOs,
    metricId: row.metricId,
    unit: row.unit,
    direction: row.direction,
    noiseThreshold: row.noiseThreshold,
    thresholdSource: row.thresholdSource,
    baseline: sideSummary(set.baselineLabel, row.baseline),
    candidate: sideSummary(set.candidateLabel, row.candidate),
    ratio,
    ratioCI,
    deltaPercent: finite(row.deltaPercent),
    deltaCI: ratioCI === null ? null : { low: (ratioCI.low - 1) * 100, high: (ratioCI.high - 1) * 100 },
    speedup: ratio === null ? null : toSpeedup(ratio, row.direction),
    speedupCI: speedupInterval(ratioCI, row.direction),
    p: finite(row.p),
    adjustedP: finite(row.adjustedP),
    method: row.method,
    inFamily: row.inFamily,
    verdict: row.verdict,
    detectablePercent: row.detectableChange === null ? null : finite(row.detectableChange * 100),
    bootsToDecide: row.bootsToDecide,
    note: row.note,
    problems: row.problems,
    modes: describeModes(row, set.baselineLabel, set.candidateLabel),
    conditionsDiffer: row.conditionsDiffer === true,
  };
}

/** The modes of a row in words, slow mode named by the metric's direction (GAP RULE, stats/modes.ts). */
export function describeModes(row: Pick<ComparedMetric, 'modes' | 'unit' | 'direction'>, baselineLabel: string, candidateLabel: string): string | null {
  const modes = row.modes;
  if (modes === undefined || modes === null) return null;
  const slow = row.direction === 'higher' ? 'low' : 'high';
  const count = (label: string, side: { low: number; high: number }) => `${side[slow]} of ${side.low + side.high} ${label} boots`;
  const where = modes.prior === undefined ? 'two modes' : `two modes in ${modes.prior}`;
  return (
    `${where}, ${formatValue(modes.low, row.unit)} and ${formatValue(modes.high, row.unit)}; ` +
    `${count(candidateLabel, modes.candidate)} in the slow one, ${count(baselineLabel, modes.baseline)}; ` +
    (modes.explainsChange
      ? 'only the mode assignment explains the change: not called'
      : modes.inModes === false
        ? 'some boots lie in neither stored mode, so the mode assignment explains nothing: the verdict stands'
        : 'the verdict holds at a fixed mode')
  );
}

/** One ReportSet per compared set; `kinds[i]` and `prefixes[i]` label set i. */
export function reportSets(outcome: ComparisonOutcome, kinds: readonly ComparisonKind[], prefixes: readonly string[] = []): ReportSet[] {
  return outcome.sets.map((compared, s) => {
    const prefix = prefixes[s] ?? '';
    const title = prefix === '' ? compared.title : `${prefix} ${compared.title}`;
    const id = `set-${s + 1}-${slug(title)}`;
    const comparison = kinds[s] ?? 'vs-baseline';
    const labels = { id, title, comparison, baselineLabel: compared.baselineLabel, candidateLabel: compared.candidateLabel };
    return {
      id,
      title,
      comparison,
      baselineLabel: compared.baselineLabel,
      candidateLabel: compared.candidateLabel,
      geomeanSpeedup: finite(compared.geomeanSpeedup),
      runLevelNote: compared.runLevelNote ?? null,
      conditionsNote: compared.conditions?.line ?? null,
      rows: compared.rows.map((row) => comparedRow(row, labels)),
      skipped: compared.skipped.map(
        (skip): SkippedRow => ({
          kind: 'skipped',
          setId: id,
          setTitle: title,
          comparison,
          // pairing keys are "<target or os> <metric id>"; neither part contains a space.
          metricId: skip.key.slice(skip.key.indexOf(' ') + 1),
          reason: skip.reason,
        }),
      ),
    };
  });
}
