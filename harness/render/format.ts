/** Number formatting shared by the exporters, so HTML, Markdown and JUnit say the same thing. */
import { formatValue } from '../compare/table.ts';
import type { Unit } from '../results/schema.ts';
import type { Verdict } from '../stats/index.ts';
import type { ComparedRow, Interval, SideSummary } from './model.ts';

export { formatValue };

export const VERDICT_LABEL: Record<Verdict, string> = {
  regressed: 'regressed',
  improved: 'improved',
  unchanged: 'unchanged',
  inconclusive: 'inconclusive',
};

/** Marks for plain text and Markdown; benchstat's "~" for no significant change. */
export const VERDICT_MARK: Record<Verdict, string> = {
  regressed: '✗',
  improved: '✓',
  unchanged: '~',
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

/** "933 ms ±4.6% (n=10)" – median with the CI half-width relative to it. */
export function formatSide(side: SideSummary, unit: Unit): string {
  if (side.n === 0 || side.median === null) return DASH;
  const median = formatValue(side.median, unit);
  if (side.ci === null || side.median === 0) return `${median} (n=${side.n})`;
  const halfWidth = ((side.ci.high - side.ci.low) / 2 / Math.abs(side.median)) * 100;
  return `${median} ±${halfWidth < 10 ? halfWidth.toFixed(1) : halfWidth.toFixed(0)}% (n=${side.n})`;
}

export function formatDirection(direction: 'lower' | 'higher'): string {
  return direction === 'lower' ? 'lower is better' : 'higher is better';
}
