/**
 * Two-level data: iterations nested in boots (and boots in runs). Iterations of one boot share
 * that boot's state (memory layout, ARC, host scheduling), so they are not independent
 * replicates; the boot is. Everything here turns raw samples into one summary per boot and
 * measures the variance at each level (Kalibera & Jones, "Rigorous Benchmarking in Reasonable
 * Time", ISMM 2013), which is what the test and the run plan need.
 */
import { medianOfSorted, sampleVariance, sortedCopy } from './descriptive.ts';

/** One measured value and the unit of replication it came from ("<run>/<boot>"). */
export interface NestedSample {
  value: number;
  unit: string;
}

export interface UnitSummary {
  unit: string;
  /** Median of the unit's iterations: one slow iteration does not move the boot's value. */
  value: number;
  iterations: number;
}

/** One summary per unit, in first-seen order. */
export function summarizeUnits(samples: readonly NestedSample[]): UnitSummary[] {
  const byUnit = new Map<string, number[]>();
  for (const sample of samples) {
    const values = byUnit.get(sample.unit);
    if (values === undefined) byUnit.set(sample.unit, [sample.value]);
    else values.push(sample.value);
  }
  return [...byUnit].map(([unit, values]) => ({ unit, value: medianOfSorted(sortedCopy(values)), iterations: values.length }));
}

export interface VarianceComponents {
  /** Units (boots) with at least one value. */
  units: number;
  /** Mean iterations per unit. */
  iterationsPerUnit: number;
  /**
   * Variance of log values between iterations of one unit, pooled over units (null with no
   * unit of >= 2 iterations). Its square root reads as a CV: 0.04 = 4% within a boot.
   */
  withinUnitLogVariance: number | null;
  /**
   * Variance of the boots' own level (log), after removing what the within-boot noise adds to
   * a unit's summary (method of moments, floored at 0); null with fewer than 2 units.
   */
  betweenUnitLogVariance: number | null;
  /** Observed variance of the log unit summaries (what the test sees); null with < 2 units. */
  unitSummaryLogVariance: number | null;
}

/** Variance per level of positive samples (zeros and negatives have no log and are skipped). */
export function varianceComponents(samples: readonly NestedSample[]): VarianceComponents {
  const byUnit = new Map<string, number[]>();
  for (const { value, unit } of samples) {
    if (!(value > 0)) continue;
    const logs = byUnit.get(unit);
    if (logs === undefined) byUnit.set(unit, [Math.log(value)]);
    else logs.push(Math.log(value));
  }
  const groups = [...byUnit.values()];
  let withinSquares = 0;
  let withinDf = 0;
  for (const logs of groups) {
    if (logs.length < 2) continue;
    withinSquares += sampleVariance(logs) * (logs.length - 1);
    withinDf += logs.length - 1;
  }
  const withinUnitLogVariance = withinDf > 0 ? withinSquares / withinDf : null;
  const iterationsPerUnit = groups.length === 0 ? 0 : groups.reduce((n, g) => n + g.length, 0) / groups.length;
  if (groups.length < 2) return { units: groups.length, iterationsPerUnit, withinUnitLogVariance, betweenUnitLogVariance: null, unitSummaryLogVariance: null };
  const summaries = groups.map((logs) => medianOfSorted(sortedCopy(logs)));
  const unitSummaryLogVariance = sampleVariance(summaries);
  const fromIterations = withinUnitLogVariance === null ? 0 : withinUnitLogVariance / iterationsPerUnit;
  return {
    units: groups.length,
    iterationsPerUnit,
    withinUnitLogVariance,
    betweenUnitLogVariance: Math.max(0, unitSummaryLogVariance - fromIterations),
    unitSummaryLogVariance,
  };
}

/**
 * Kalibera & Jones's optimum (ISMM 2013, eq. for two levels): iterations per boot that give the
 * most precision for the time, sqrt((bootCost / iterationCost) * (within / between)), at least 1.
 * A boot that costs much more than an iteration, with little boot-to-boot noise, is worth many
 * iterations; noisy boots are better spent on more boots.
 */
export function optimalIterationsPerBoot(
  bootSeconds: number,
  iterationSeconds: number,
  withinUnitLogVariance: number,
  betweenUnitLogVariance: number,
  maxIterations = 10,
): number {
  if (!(iterationSeconds > 0) || !(bootSeconds >= 0)) return 1;
  if (betweenUnitLogVariance <= 0) return maxIterations;
  const optimum = Math.sqrt((bootSeconds / iterationSeconds) * (withinUnitLogVariance / betweenUnitLogVariance));
  return Math.max(1, Math.min(maxIterations, Math.round(optimum)));
}
