/** The benchstat-style text table printed by `kbench compare`. Pure: returns a string. */
import type { Unit } from '../results/schema.ts';
import type { ComparedMetric, ComparisonOutcome } from './index.ts';

const VERDICT_MARK: Record<ComparedMetric['verdict'], string> = {
  regressed: '✗ regressed',
  improved: '✓ improved',
  unchanged: '~ unchanged',
  inconclusive: '? inconclusive',
};

const SI_PREFIXES: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

function threeDigits(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/** Formats a value in its unit, scaling raw bytes to k/M/G so columns stay readable. */
export function formatValue(value: number, unit: Unit): string {
  if (unit === 'B' || unit === 'B/s') {
    for (const [factor, prefix] of SI_PREFIXES)
      if (Math.abs(value) >= factor) return `${threeDigits(value / factor)} ${prefix}${unit}`;
  }
  if (unit === 's' && Math.abs(value) < 1 && value !== 0) return `${threeDigits(value * 1000)} ms`;
  return `${threeDigits(value)} ${unit}`;
}

function formatSide(summary: ComparedMetric['baseline'], unit: Unit): string {
  if (summary.n === 0) return '—';
  const median = formatValue(summary.median, unit);
  if (summary.ci === null || summary.median === 0) return `${median} (n=${summary.n})`;
  const halfWidth = ((summary.ci.high - summary.ci.low) / 2 / Math.abs(summary.median)) * 100;
  return `${median} ±${halfWidth < 10 ? halfWidth.toFixed(1) : halfWidth.toFixed(0)}% (n=${summary.n})`;
}

const percent = (ratio: number): string => {
  const delta = (ratio - 1) * 100;
  return `${delta >= 0 ? '+' : ''}${Math.abs(delta) < 10 ? delta.toFixed(1) : delta.toFixed(0)}%`;
};

function formatDelta(row: ComparedMetric): string {
  if (!Number.isFinite(row.ratio)) return '—';
  const ci = row.ratioCI === null ? '' : ` [${percent(row.ratioCI.low)}, ${percent(row.ratioCI.high)}]`;
  return `${percent(row.ratio)}${ci}`;
}

function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p < 0.001) return 'p<0.001';
  return `p=${p.toFixed(3)}`;
}

function layout(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length)));
  const pad = (cell: string, column: number): string => cell + ' '.repeat(widths[column]! + 2 - [...cell].length);
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : pad(cell, column)))
      .join('')
      .trimEnd(),
  );
}

export function renderComparisonTable(outcome: ComparisonOutcome): string {
  const lines: string[] = [];
  for (const set of outcome.sets) {
    lines.push(set.title);
    const header = ['metric', set.baselineLabel, set.candidateLabel, `delta vs ${set.baselineLabel} [95% CI]`, 'adj. p', 'verdict'];
    const body = set.rows.map((row) => [
      row.metricId,
      formatSide(row.baseline, row.unit),
      formatSide(row.candidate, row.unit),
      formatDelta(row),
      formatP(row.adjustedP),
      VERDICT_MARK[row.verdict],
    ]);
    lines.push(...layout([header, ...body]).map((line) => `  ${line}`));
    if (set.geomean !== null) lines.push(`  geomean ratio ${set.candidateLabel}/${set.baselineLabel}: ${set.geomean.toFixed(3)}`);
    for (const row of set.rows) if (row.note !== null) lines.push(`  note: ${row.metricId}: ${row.note}`);
    for (const skipped of set.skipped) lines.push(`  skipped: ${skipped.key}: ${skipped.reason}`);
    lines.push('');
  }
  const list = (title: string, rows: ComparedMetric[]): void => {
    lines.push(`${title} (${rows.length}):`);
    for (const row of rows) lines.push(`  ${row.key}  ${formatDelta(row)}  ${formatP(row.adjustedP)}`);
  };
  list('Regressions', outcome.regressions);
  list('Improvements', outcome.improvements);
  const { alpha, noiseThreshold, seed } = outcome.options;
  lines.push(
    `alpha ${alpha} (Holm-adjusted per set), noise threshold ${(noiseThreshold * 100).toFixed(1)}% unless set per metric, ` +
      `bootstrap seed ${seed}; Mann-Whitney U, median and 95% bootstrap CI`,
  );
  return `${lines.join('\n')}\n`;
}
