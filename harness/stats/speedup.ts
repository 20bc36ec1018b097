/**
 * The one speedup helper: a ratio candidate/baseline turned into "how many times better", > 1 =
 * better, for either direction (a time that halves and a throughput that doubles are both 2).
 * speedupOf is the formula (the comparison in stats/compare.ts keeps whatever it gives, Infinity
 * included); toSpeedup is the same formula for display and aggregation, where a missing or
 * degenerate ratio (not finite, not positive) is no speedup at all (null). speedupInterval maps a
 * ratio interval through it, keeping low <= high (the bounds swap for lower-is-better).
 */
import type { Interval } from './welch.ts';

export type SpeedupDirection = 'lower' | 'higher';

export function speedupOf(direction: SpeedupDirection, ratio: number): number {
  return direction === 'lower' ? 1 / ratio : ratio;
}

export function toSpeedup(ratio: number, direction: SpeedupDirection): number | null {
  if (!(Number.isFinite(ratio) && ratio > 0)) return null;
  return speedupOf(direction, ratio);
}

export function speedupInterval(ci: Interval | null | undefined, direction: SpeedupDirection): Interval | null {
  if (ci === null || ci === undefined) return null;
  const a = toSpeedup(ci.low, direction);
  const b = toSpeedup(ci.high, direction);
  return a === null || b === null ? null : { low: Math.min(a, b), high: Math.max(a, b) };
}
