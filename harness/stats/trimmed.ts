/**
 * Intervals across machines (community/aggregate.ts is the user; its header names the choices):
 * the t interval of a mean of logs, and TRIMMED_LOG_MEAN — a trimmed mean of log speedups as the
 * headline with Tukey and McLaughlin's trimmed t interval (winsorized sd). Pure; here so that
 * every statistic of kbench is in stats/ and uses the one Student t.
 */
import { mean } from './descriptive.ts';
import { studentTQuantile } from './student-t.ts';
import type { Interval } from './welch.ts';

/** The confidence level of the community intervals unless a caller says otherwise. */
const DEFAULT_CONFIDENCE = 0.95;

/** t interval of the mean of logs, back on the ratio scale; null below two values. */
export function logMeanInterval(logs: readonly number[], confidence = DEFAULT_CONFIDENCE): Interval | null {
  const k = logs.length;
  if (k < 2) return null;
  const m = mean(logs);
  const variance = logs.reduce((s, x) => s + (x - m) ** 2, 0) / (k - 1);
  const half = studentTQuantile(1 - (1 - confidence) / 2, k - 1) * Math.sqrt(variance / k);
  return { low: Math.exp(m - half), high: Math.exp(m + half) };
}

/** Machines dropped at each end for the headline (TRIMMED_LOG_MEAN). */
export const headlineTrim = (k: number): number => (k >= 3 ? Math.max(1, Math.floor(0.2 * k)) : 0);
/** Machines trimmed at each end for the interval (Tukey-McLaughlin, 10%: at 20% it covered 92.5% at k = 5). */
export const intervalTrim = (k: number): number => Math.floor(0.1 * k);

function trimmedMean(sorted: readonly number[], g: number): number {
  return mean(sorted.slice(g, sorted.length - g));
}

/** TRIMMED_LOG_MEAN on log speedups: the headline and its interval, both on the log scale. */
export function robustLogSummary(logs: readonly number[], confidence = DEFAULT_CONFIDENCE): { center: number; low: number | null; high: number | null } {
  const sorted = [...logs].sort((a, b) => a - b);
  const k = sorted.length;
  const center = trimmedMean(sorted, headlineTrim(k));
  if (k < 2) return { center, low: null, high: null };
  const g = intervalTrim(k);
  const winsorized = sorted.map((x, i) => (i < g ? sorted[g]! : i >= k - g ? sorted[k - g - 1]! : x));
  const wm = mean(winsorized);
  const sw = Math.sqrt(winsorized.reduce((s, x) => s + (x - wm) ** 2, 0) / (k - 1));
  const half = (studentTQuantile(1 - (1 - confidence) / 2, k - 2 * g - 1) * sw) / ((1 - (2 * g) / k) * Math.sqrt(k));
  const middle = trimmedMean(sorted, g);
  // The headline always lies inside its interval (bench/community-coverage.ts counts how often this widens it).
  return { center, low: Math.min(middle - half, center), high: Math.max(middle + half, center) };
}
