/**
 * Standard normal tail probabilities to near double precision, for the Mann-Whitney normal
 * approximation. (simple-statistics' error function is good to ~1e-7 only; p-values here must
 * match scipy to 1e-9.)
 */

const SQRT_PI = Math.sqrt(Math.PI);
/** Below this the series is used; above it the continued fraction converges in few terms. */
const SERIES_LIMIT = 2;
const RELATIVE_TOLERANCE = 1e-17;
const MAX_TERMS = 1000;

/**
 * erf(x) for 0 <= x < 2 from the all-positive series
 * erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_k (2x^2)^k x / (1*3*...*(2k+1)),
 * which has no cancellation (Abramowitz & Stegun 7.1.6).
 */
function erfBySeries(x: number): number {
  const twoXSquared = 2 * x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < MAX_TERMS; k++) {
    term *= twoXSquared / (2 * k + 1);
    sum += term;
    if (term < sum * RELATIVE_TOLERANCE) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x * x) * sum;
}

/**
 * erfc(x) for x >= 2 from the continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))
 * (Abramowitz & Stegun 7.1.14), evaluated with the modified Lentz method.
 */
function erfcByContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let value = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < MAX_TERMS; k++) {
    const partialNumerator = k / 2;
    d = x + partialNumerator * d;
    d = d === 0 ? tiny : d;
    c = x + partialNumerator / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    value *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * value);
}

/** Complementary error function, erfc(x) = 1 - erf(x). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === Infinity) return 0;
  return x < SERIES_LIMIT ? 1 - erfBySeries(x) : erfcByContinuedFraction(x);
}

/** P(Z > z) for a standard normal Z (scipy's ndtr(-z)). */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
