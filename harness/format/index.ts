/**
 * Number and column formatting that needs no report row: values in their units, percents,
 * speedups, p-values, verdict labels, padded columns. Below render/ (ARCHITECTURE.md) so that
 * `--plan` (run/plan-text.ts) and the community report use the same words as the exporters.
 * The row-shaped formatters (formatDelta, formatSide, formatThreshold) stay in render/format.ts,
 * which re-exports all of these.
 */
import type { Unit } from '../results/schema.ts';
import type { Interval, Verdict } from '../stats/index.ts';

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
    for (const [factor, prefix] of SI_PREFIXES) if (Math.abs(value) >= factor) return `${threeDigits(value / factor)} ${prefix}${unit}`;
  }
  if (unit === 's' && Math.abs(value) < 1 && value !== 0) return `${threeDigits(value * 1000)} ms`;
  return `${threeDigits(value)} ${unit}`;
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  regressed: 'regressed',
  improved: 'improved',
  equivalent: 'equivalent',
  inconclusive: 'inconclusive',
};

/** Marks for plain text and Markdown: "=" is "the same, within the threshold". */
export const VERDICT_MARK: Record<Verdict, string> = {
  regressed: '✗',
  improved: '✓',
  equivalent: '=',
  inconclusive: '?',
};

/** What a missing number shows. */
export const DASH = '—';

export function formatMaybeValue(value: number | null, unit: Unit): string {
  return value === null ? DASH : formatValue(value, unit);
}

/** "+12.3%", "-4.1%", "+150%". */
export function formatPercent(percent: number | null): string {
  if (percent === null) return DASH;
  const magnitude = Math.abs(percent);
  const digits = magnitude < 10 ? percent.toFixed(1) : percent.toFixed(0);
  return `${percent >= 0 ? '+' : ''}${digits === '-0.0' ? '0.0' : digits}%`;
}

export function formatPercentInterval(ci: Interval | null): string {
  return ci === null ? '' : `[${formatPercent(ci.low)}, ${formatPercent(ci.high)}]`;
}

/** "1.23×". */
export function formatSpeedup(speedup: number | null): string {
  if (speedup === null) return DASH;
  return `${speedup >= 10 ? speedup.toFixed(1) : speedup.toFixed(2)}×`;
}

export function formatSpeedupInterval(ci: Interval | null): string {
  return ci === null ? '' : `[${formatSpeedup(ci.low)}, ${formatSpeedup(ci.high)}]`;
}

export function formatP(p: number | null): string {
  if (p === null) return DASH;
  if (p < 0.001) return '<0.001';
  return p.toFixed(3);
}

export function formatDirection(direction: 'lower' | 'higher'): string {
  return direction === 'lower' ? 'lower is better' : 'higher is better';
}

/** Rows of cells padded into columns (code points, so "×" and "±" count once); the last column is not padded. */
export function layoutColumns(rows: string[][]): string[] {
  const width = (cell: string): number => [...cell].length;
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => width(row[column] ?? ''))));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat(widths[column]! + 2 - width(cell))))
      .join('')
      .trimEnd(),
  );
}
