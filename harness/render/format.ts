/** Number formatting shared by the exporters, so HTML, Markdown and JUnit say the same thing. */
import type { Unit } from '../results/schema.ts';
import type { Verdict } from '../stats/index.ts';
import type { ComparedRow, Interval, SideSummary } from './rows.ts';

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

const DASH = '—';

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

export function formatDelta(row: ComparedRow): string {
  const ci = formatPercentInterval(row.deltaCI);
  return ci === '' ? formatPercent(row.deltaPercent) : `${formatPercent(row.deltaPercent)} ${ci}`;
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

/** "933 ms ±4.6% (3×3)": the center with its CI half-width relative to it, boots × iterations per boot. */
export function formatSide(side: SideSummary, unit: Unit): string {
  if (side.n === 0 || side.center === null) return DASH;
  const center = formatValue(side.center, unit);
  const perBoot = side.boots > 0 ? side.n / side.boots : 0;
  const shape = Number.isInteger(perBoot) ? `${side.boots}×${perBoot}` : `${side.boots} boots, n=${side.n}`;
  if (side.ci === null || side.center === 0) return `${center} (${shape})`;
  const halfWidth = ((side.ci.high - side.ci.low) / 2 / Math.abs(side.center)) * 100;
  const spread = !Number.isFinite(halfWidth) ? '' : halfWidth >= 1000 ? ' ±>999%' : ` ±${halfWidth < 10 ? halfWidth.toFixed(1) : halfWidth.toFixed(0)}%`;
  return `${center}${spread} (${shape})`;
}

/** "5%" or "7.2% A/A": the band and where it came from. */
export function formatThreshold(row: Pick<ComparedRow, 'noiseThreshold' | 'thresholdSource'>): string {
  const value = `±${Number((row.noiseThreshold * 100).toPrecision(2))}%`;
  return row.thresholdSource === 'calibrated' ? `${value} A/A` : row.thresholdSource === 'flag' ? `${value} flag` : value;
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
