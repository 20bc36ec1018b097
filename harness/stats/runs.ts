/**
 * The run as a level (Kalibera & Jones, ISMM 2013: iterations in boots in runs). Two runs of the
 * same kernels differ by more than their boots do (host state between runs: other tenants,
 * thermal state, page cache), so across runs the boot is no longer the unit. A boot summary is
 *   log y[run, boot] = mu + R[run] + B[run, boot],   Var R = runVariance, Var B = boot variance,
 * and the mean of a side with r runs carries runVariance / r on top of what its boots carry.
 * Pure.
 */
import { mean, sampleVariance } from './descriptive.ts';

/** The run part of a unit "<run>/<boot>" (everything before the last slash; "" when there is none). */
export function runOfUnit(unit: string): string {
  const slash = unit.lastIndexOf('/');
  return slash < 0 ? '' : unit.slice(0, slash);
}

/** Log boot summaries grouped by run, in first-seen order. */
export function byRun(units: readonly { unit: string; log: number }[]): number[][] {
  const groups = new Map<string, number[]>();
  for (const { unit, log } of units) {
    const run = runOfUnit(unit);
    const group = groups.get(run);
    if (group === undefined) groups.set(run, [log]);
    else group.push(log);
  }
  return [...groups.values()];
}

/** An estimate of the between-run variance of log boot summaries, with its degrees of freedom. */
export interface RunVarianceEstimate {
  /** Variance of the run effect R (log scale; its square root reads as a CV). */
  variance: number;
  /** Degrees of freedom of the estimate (runs - 1, summed over the sets it pools). */
  df: number;
}

/**
 * Method of moments on one side's runs (one-way random effects): the variance of the run means
 * minus what the boots inside a run add to a run mean (pooled within-run variance over the
 * harmonic mean of boots per run), floored at 0. Null with fewer than 2 runs.
 */
export function runVarianceOf(runs: readonly (readonly number[])[]): RunVarianceEstimate | null {
  const used = runs.filter((r) => r.length > 0);
  if (used.length < 2) return null;
  const means = used.map((r) => mean(r));
  let squares = 0;
  let withinDf = 0;
  for (const r of used)
    if (r.length >= 2) {
      squares += sampleVariance(r) * (r.length - 1);
      withinDf += r.length - 1;
    }
  const within = withinDf > 0 ? squares / withinDf : 0;
  const harmonicBoots = used.length / used.reduce((sum, r) => sum + 1 / r.length, 0);
  return { variance: Math.max(0, sampleVariance(means) - within / harmonicBoots), df: used.length - 1 };
}

/** Estimates pooled by their degrees of freedom; null when there are none. */
export function poolRunVariance(estimates: readonly (RunVarianceEstimate | null)[]): RunVarianceEstimate | null {
  const present = estimates.filter((e): e is RunVarianceEstimate => e !== null && e.df > 0);
  if (present.length === 0) return null;
  const df = present.reduce((n, e) => n + e.df, 0);
  return { variance: present.reduce((s, e) => s + e.variance * e.df, 0) / df, df };
}
