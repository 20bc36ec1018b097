/**
 * The plain-text comparison table `kbench compare` and `kbench run` print: the same rows as the
 * HTML, Markdown and JUnit reports (render/rows.ts), in a benchstat-like layout. Every string
 * that came from a file is stripped of terminal control characters before it is printed.
 */
import { formatDelta, formatP, layoutColumns, formatSide, formatSpeedup, formatThreshold, VERDICT_LABEL, VERDICT_MARK } from '../format.ts';
import type { ComparisonOutcome } from '../../compare/index.ts';
import { terminalSafe } from '../../errors/index.ts';
import { reportSets, type ComparedRow, type ComparisonKind, type ReportSet } from '../rows.ts';

export interface TextTableInput {
  sets: ReportSet[];
  alpha: number;
  procedure: string;
  /** Lines to print after the table (host noise, fingerprints). */
  warnings?: string[];
  /**
   * Verdicts made under different conditions (compare/conditions.ts): 'mark' (CI mode) marks each
   * in the table and the lists; 'strict' (--strict-conditions) also says the regressed and
   * improved ones are not counted. Without it, only the line above the set's verdicts says so.
   */
  conditions?: ConditionsMarking;
}

export type ConditionsMarking = 'line' | 'mark' | 'strict';

/** Marks a verdict whose two sides were measured under different conditions. */
export const CONDITIONS_MARK = '†';

const pValue = (row: ComparedRow): string => (row.method === 'exact' ? 'exact' : row.adjustedP === null ? '—' : formatP(row.adjustedP));

export function renderTextTable(input: TextTableInput): string {
  const lines: string[] = [];
  const marking = input.conditions ?? 'line';
  const differs = (row: ComparedRow): boolean => marking !== 'line' && row.conditionsDiffer === true;
  const mark = (row: ComparedRow): string => (differs(row) ? ` ${CONDITIONS_MARK}` : '');
  for (const set of input.sets) {
    lines.push(terminalSafe(set.title));
    if (set.runLevelNote !== undefined && set.runLevelNote !== null) lines.push(`  ${terminalSafe(set.runLevelNote)}`);
    if (set.conditionsNote !== undefined && set.conditionsNote !== null)
      lines.push(`  ${terminalSafe(set.conditionsNote)}${marking === 'line' ? '' : ` (verdicts marked ${CONDITIONS_MARK})`}`);
    const header = ['metric', set.baselineLabel, set.candidateLabel, `delta [95% CI]`, 'band', 'adj. p', 'verdict'];
    const body = set.rows.map((row) => [
      row.metricId,
      formatSide(row.baseline, row.unit),
      formatSide(row.candidate, row.unit),
      formatDelta(row),
      formatThreshold(row),
      pValue(row),
      `${VERDICT_MARK[row.verdict]} ${VERDICT_LABEL[row.verdict]}${mark(row)}`,
    ]);
    lines.push(...layoutColumns([header, ...body].map((cells) => cells.map(terminalSafe))).map((line) => `  ${line}`));
    const tested = set.rows.filter((row) => row.method === 'welch-log-boots').length;
    if (set.geomeanSpeedup !== null)
      lines.push(
        `  geomean speedup ${terminalSafe(set.candidateLabel)} over ${terminalSafe(set.baselineLabel)}: ${formatSpeedup(set.geomeanSpeedup)} over ${tested} tested metrics (> 1 = better; deterministic sizes apart)`,
      );
    for (const row of set.rows.filter((r) => r.method === 'exact'))
      lines.push(`  deterministic: ${terminalSafe(row.metricId)} ${formatDelta(row)} (${VERDICT_LABEL[row.verdict]}, compared exactly)`);
    for (const row of set.rows) {
      if (row.note !== null && row.verdict === 'inconclusive') lines.push(`  note: ${terminalSafe(row.metricId)}: ${terminalSafe(row.note)}`);
      if (row.modes !== undefined && row.modes !== null) lines.push(`  modes: ${terminalSafe(row.metricId)}: ${terminalSafe(row.modes)}`);
      for (const problem of row.problems) lines.push(`  problem: ${terminalSafe(row.metricId)}: ${terminalSafe(problem)}`);
    }
    for (const skipped of set.skipped) lines.push(`  skipped: ${terminalSafe(skipped.metricId)}: ${terminalSafe(skipped.reason)}`);
    lines.push('');
  }
  const all = input.sets.flatMap((set) => set.rows);
  const list = (title: string, rows: ComparedRow[]): void => {
    lines.push(`${title} (${rows.length}):`);
    for (const row of rows)
      lines.push(
        `  ${terminalSafe(row.setTitle)}: ${terminalSafe(row.metricId)}  ${formatDelta(row)}  ${pValue(row)}${
          differs(row) ? ` ${CONDITIONS_MARK} conditions differ${marking === 'strict' ? ': not counted (--strict-conditions)' : ''}` : ''
        }`,
      );
  };
  list(
    'Regressions',
    all.filter((row) => row.verdict === 'regressed'),
  );
  list(
    'Improvements',
    all.filter((row) => row.verdict === 'improved'),
  );
  const count = (verdict: ComparedRow['verdict']): number => all.filter((row) => row.verdict === verdict).length;
  lines.push(`Equivalent (within the band): ${count('equivalent')}; inconclusive: ${count('inconclusive')}`);
  const uncounted = all.filter((row) => (row.verdict === 'regressed' || row.verdict === 'improved') && differs(row)).length;
  if (marking === 'strict' && uncounted > 0)
    lines.push(
      `--strict-conditions: ${uncounted} regressed/improved verdict${uncounted === 1 ? '' : 's'} made under different conditions ${uncounted === 1 ? 'is' : 'are'} not counted toward the exit code`,
    );
  for (const warning of input.warnings ?? []) lines.push(`warning: ${terminalSafe(warning)}`);
  lines.push(
    `Welch's t on log per-boot medians (the boot is the unit); ${input.procedure}, alpha ${input.alpha}; ` +
      `a change needs adj. p < alpha and the whole 95% CI beyond the band, "equivalent" the whole CI inside it`,
  );
  return `${lines.join('\n')}\n`;
}

/** The table for a ComparisonOutcome straight from harness/compare (every set of one kind). */
export function renderOutcomeText(outcome: ComparisonOutcome, kind: ComparisonKind, warnings: string[] = [], conditions: ConditionsMarking = 'line'): string {
  const sets = reportSets(
    outcome,
    outcome.sets.map(() => kind),
  );
  return renderTextTable({ sets, alpha: outcome.options.alpha, procedure: outcome.options.procedure, warnings, conditions });
}
