/**
 * Snedecor's F: the ratio of two independent variance estimates, each over its degrees of
 * freedom. It answers "is this spread larger than that one by more than a factor?" from the
 * sample variances alone, which is what comparing a loaded run's boot-to-boot spread with an
 * idle run's needs: with 3-4 boots a side the ratio of two sample SDs ranges over a factor of
 * ~6 either way when the true spreads are equal, so a point ratio above a target says nothing
 * until the test says the true ratio exceeds it. Pure.
 */
import { regularizedIncompleteBeta } from './student-t.ts';

/** P(F > x) for F with (d1, d2) degrees of freedom: 1 - I_{d1 x / (d1 x + d2)}(d1/2, d2/2). */
export function fSurvival(x: number, d1: number, d2: number): number {
  if (!(d1 > 0 && d2 > 0)) throw new RangeError(`F needs degrees of freedom > 0, got ${d1} and ${d2}`);
  if (Number.isNaN(x)) throw new RangeError('F survival of NaN');
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  return 1 - regularizedIncompleteBeta((d1 * x) / (d1 * x + d2), d1 / 2, d2 / 2);
}

/**
 * One-sided test that a spread exceeds `factor` times another: H0 sd_a <= factor * sd_b, from
 * variances va (df da) and vb (df db). Returns the p-value; small p = sd_a is more than
 * `factor` times sd_b.
 */
export function spreadExceedsP(va: number, da: number, vb: number, db: number, factor: number): number {
  if (!(va >= 0 && vb > 0 && factor > 0)) throw new RangeError(`spread test needs va >= 0, vb > 0, factor > 0, got ${va}, ${vb}, ${factor}`);
  return fSurvival(va / vb / (factor * factor), da, db);
}
