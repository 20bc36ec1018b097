/**
 * Student's t distribution to near double precision: two-sided tail probabilities and quantiles
 * for any real degrees of freedom (Welch's test has fractional ones). Checked against
 * scipy.stats.t (sf, ppf) to 1e-9 in test/stats/welch.test.ts.
 *
 * P(|T| > t) = I_x(df/2, 1/2) with x = df / (df + t^2), I the regularized incomplete beta
 * function (Abramowitz & Stegun 26.7.1 and 26.5.2), evaluated by its continued fraction
 * (A&S 26.5.8) with the modified Lentz method.
 */
import { normalSurvival } from './normal.ts';

const LANCZOS_G = 7;
/** Lanczos coefficients for g = 7, n = 9 (Godfrey's table): |relative error| < 1e-15 for x > 0. */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  // Reflection keeps the approximation in its accurate range for small x.
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const FRACTION_TOLERANCE = 1e-16;
const FRACTION_MAX_TERMS = 10_000;
const TINY = 1e-300;

/** Continued fraction of I_x(a, b) (A&S 26.5.8), converging fast for x < (a + 1) / (a + b + 2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = Math.abs(d) < TINY ? TINY : d;
  d = 1 / d;
  let value = d;
  for (let m = 1; m <= FRACTION_MAX_TERMS; m++) {
    const twoM = 2 * m;
    const even = (m * (b - m) * x) / ((a + twoM - 1) * (a + twoM));
    d = 1 + even * d;
    d = Math.abs(d) < TINY ? TINY : d;
    c = 1 + even / c;
    c = Math.abs(c) < TINY ? TINY : c;
    d = 1 / d;
    value *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + twoM) * (a + twoM + 1));
    d = 1 + odd * d;
    d = Math.abs(d) < TINY ? TINY : d;
    c = 1 + odd / c;
    c = Math.abs(c) < TINY ? TINY : c;
    d = 1 / d;
    const delta = d * c;
    value *= delta;
    if (Math.abs(delta - 1) < FRACTION_TOLERANCE) return value;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (a=${a}, b=${b}, x=${x})`);
}

/** Regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incomplete beta needs a, b > 0, got a=${a}, b=${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1, got ${x}`);
  if (x === 0 || x === 1) return x;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(logFront);
  // The fraction converges for x below the mean of the beta distribution; use symmetry above it.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

function requireDegreesOfFreedom(df: number): void {
  if (!(df > 0) || Number.isNaN(df)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
}

/** P(|T| >= |t|) for T ~ Student t with df degrees of freedom (df may be fractional or Infinity). */
export function studentTTwoSidedP(t: number, df: number): number {
  requireDegreesOfFreedom(df);
  if (Number.isNaN(t)) throw new RangeError('t is NaN');
  const absT = Math.abs(t);
  if (absT === Infinity) return 0;
  if (df === Infinity) return normalTwoSided(absT);
  // x = df / (df + t^2) loses precision for huge t; df / (df + t^2) written to avoid overflow.
  const x = df / (df + absT * absT);
  return Math.min(1, regularizedIncompleteBeta(x, df / 2, 0.5));
}

function normalTwoSided(absZ: number): number {
  return Math.min(1, 2 * normalSurvival(absZ));
}

/** Density of Student's t at t. */
function studentTDensity(t: number, df: number): number {
  const logDensity = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df);
  return Math.exp(logDensity);
}

/**
 * Standard normal quantile, Acklam's rational approximation (|relative error| < 1.2e-9): only the
 * starting point of the t quantile's Newton iteration, which then converges to full precision.
 */
function normalQuantileApproximation(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -normalQuantileApproximation(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * The t with P(T <= t) = probability (scipy.stats.t.ppf). Newton's method on the two-sided tail
 * from a Cornish-Fisher start, kept inside a bisection bracket so it cannot diverge.
 */
export function studentTQuantile(probability: number, df: number): number {
  requireDegreesOfFreedom(df);
  if (!(probability > 0 && probability < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${probability}`);
  if (probability === 0.5) return 0;
  const upperTail = probability > 0.5 ? 1 - probability : probability;
  const sign = probability > 0.5 ? 1 : -1;
  const target = 2 * upperTail;
  if (df === Infinity) return sign * -normalQuantileApproximation(upperTail);
  const z = -normalQuantileApproximation(upperTail);
  // Cornish-Fisher expansion of t in z (A&S 26.7.5), good for df >= 3; Newton does the rest.
  let t = z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
  if (!(t > 0) || !Number.isFinite(t)) t = 1;
  let low = 0;
  let high = Infinity;
  for (let i = 0; i < 300; i++) {
    const f = studentTTwoSidedP(t, df) - target;
    if (f === 0) break;
    if (f > 0) low = t;
    else high = t;
    const newton = t + f / (2 * studentTDensity(t, df));
    const next = newton > low && newton < high ? newton : high === Infinity ? t * 2 : (low + high) / 2;
    if (Math.abs(next - t) <= 1e-14 * Math.max(1, Math.abs(t))) {
      t = next;
      break;
    }
    t = next;
    if (t > 1e300) return sign * Infinity;
  }
  return sign * t;
}
