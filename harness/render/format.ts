/** Number formatting shared by the exporters, so HTML, Markdown and JUnit say the same thing. */
import type { Unit } from '../results/schema.ts';
import type { ComparedRow, SideSummary } from './rows.ts';
import { DASH, formatPercent, formatPercentInterval, formatValue } from '../format/index.ts';

/** The row-independent helpers live in harness/format (below run/ and community/); re-exported here. */
export * from '../format/index.ts';

export function formatDelta(row: ComparedRow): string {
  const ci = formatPercentInterval(row.deltaCI);
  return ci === '' ? formatPercent(row.deltaPercent) : `${formatPercent(row.deltaPercent)} ${ci}`;
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
