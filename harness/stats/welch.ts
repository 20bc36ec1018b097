/**
 * Welch's unequal-variance t-test and the matching confidence interval of a difference of
 * means, as scipy.stats.ttest_ind(x, y, equal_var=False) computes them (statistic, pvalue, df,
 * confidence_interval). kbench applies it to log per-boot summaries (see index.ts for why).
 */
import { mean, sampleVariance } from './descriptive.ts';
import { studentTQuantile, studentTTwoSidedP } from './student-t.ts';

export interface WelchResult {
  /** mean(y) - mean(x). */
  difference: number;
  standardError: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  df: number;
  /** difference / standardError; +-Infinity when the difference is exact (both variances 0). */
  t: number;
  /** Two-sided p-value. */
  p: number;
}

export interface Interval {
  low: number;
  high: number;
}

/** Welch's test of mean(y) vs mean(x); both sides need at least 2 values. */
export function welchTTest(x: readonly number[], y: readonly number[]): WelchResult {
  if (x.length < 2 || y.length < 2) throw new RangeError(`Welch's test needs >= 2 values per side, got ${x.length} and ${y.length}`);
  for (const [side, xs] of [
    ['x', x],
    ['y', y],
  ] as const)
    xs.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new RangeError(`${side}[${i}] is ${v}; Welch's test needs finite values`);
    });
  const va = sampleVariance(x) / x.length;
  const vb = sampleVariance(y) / y.length;
  const difference = mean(y) - mean(x);
  const standardError = Math.sqrt(va + vb);
  // With no spread on either side the Satterthwaite formula is 0/0; the pooled df is the limit
  // that keeps quantiles finite (the interval has zero width anyway).
  const df = va + vb === 0 ? x.length + y.length - 2 : (va + vb) ** 2 / (va ** 2 / (x.length - 1) + vb ** 2 / (y.length - 1));
  if (standardError === 0) {
    const t = difference === 0 ? 0 : difference > 0 ? Infinity : -Infinity;
    return { difference, standardError, df, t, p: difference === 0 ? 1 : 0 };
  }
  const t = difference / standardError;
  return { difference, standardError, df, t, p: studentTTwoSidedP(t, df) };
}

/** Two-sided confidence interval of the difference at the given level (0.95 = 95%). */
export function welchInterval(result: Pick<WelchResult, 'difference' | 'standardError' | 'df'>, level: number): Interval {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  if (result.standardError === 0) return { low: result.difference, high: result.difference };
  const halfWidth = studentTQuantile(1 - (1 - level) / 2, result.df) * result.standardError;
  return { low: result.difference - halfWidth, high: result.difference + halfWidth };
}

/**
 * Welch–Satterthwaite df at equal variances: a function of the side sizes alone, 2n - 2 when
 * the sides are balanced, near 1.5 for 8 boots against 2.
 */
export function equalVarianceDf(n1: number, n2: number): number {
  return (1 / n1 + 1 / n2) ** 2 / (1 / (n1 ** 2 * (n1 - 1)) + 1 / (n2 ** 2 * (n2 - 1)));
}

/**
 * SMALL-SIDE DEGREES OF FREEDOM: Welch's df, never more than equalVarianceDf(n1, n2). Why:
 * Satterthwaite's df is estimated from the two sample variances; with 2 or 3 boots on one side
 * that side's variance is often far too small by chance, and then the df jumps towards the big
 * side's n while the standard error is too small as well, so the test is anti-conservative
 * exactly when the sides are unbalanced (8 boots against 2: 18.9% of A/A commands with a false
 * call). Capping at the df the sizes themselves allow removes that; on balanced sides the cap is
 * 2n - 2, which Welch's df never exceeds, so nothing changes there (bench/stats-beyond-one-run.ts).
 */
export function smallSideDf(df: number, n1: number, n2: number): number {
  return Math.min(df, equalVarianceDf(n1, n2));
}

/** Welch's result with SMALL-SIDE DEGREES OF FREEDOM applied to its df and p. */
export function smallSideTest(result: WelchResult, n1: number, n2: number): WelchResult {
  const df = smallSideDf(result.df, n1, n2);
  if (df === result.df || result.standardError === 0) return result;
  return { ...result, df, p: studentTTwoSidedP(result.t, df) };
}
