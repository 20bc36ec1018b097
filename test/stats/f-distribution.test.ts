/**
 * F survival against closed forms: d1 = d2 = 2 gives P(F > x) = 1 / (1 + x); d1 = d2 = 4 gives
 * CDF x^2 (x + 3) / (x + 1)^3 (integrating the density x / (1 + x)^4 * 6); and the F(1, d)
 * identity with Student's t: P(F > t^2) = two-sided P(|T| > t).
 */
import { describe, expect, it } from 'vitest';
import { fSurvival, spreadExceedsP, studentTTwoSidedP } from '../../harness/stats/index.ts';

describe('F survival', () => {
  it('matches the closed forms for (2, 2) and (4, 4)', () => {
    for (const x of [0.1, 0.5, 1, 2, 4, 19]) {
      expect(fSurvival(x, 2, 2)).toBeCloseTo(1 / (1 + x), 12);
      expect(fSurvival(x, 4, 4)).toBeCloseTo(1 - (x * x * (x + 3)) / (x + 1) ** 3, 12);
    }
  });

  it('is the square of Student t for one numerator degree of freedom', () => {
    for (const [t, df] of [
      [2.1, 3],
      [1.2, 7],
      [4.3, 2],
    ] as const)
      expect(fSurvival(t * t, 1, df)).toBeCloseTo(studentTTwoSidedP(t, df), 10);
  });

  it('is 1 at and below 0, 0 at infinity, and refuses what has no distribution', () => {
    expect(fSurvival(0, 3, 3)).toBe(1);
    expect(fSurvival(-1, 3, 3)).toBe(1);
    expect(fSurvival(Number.POSITIVE_INFINITY, 3, 3)).toBe(0);
    expect(() => fSurvival(1, 0, 3)).toThrow(RangeError);
    expect(() => fSurvival(Number.NaN, 3, 3)).toThrow(RangeError);
  });
});

describe('a spread more than a factor times another', () => {
  it('is not shown from 3 boots a side at twice the spread, and is at ten times', () => {
    // sd ratio 2 with 2 and 2 df: F = 4 / 2.25 = 1.78, p = 1 / 2.78.
    expect(spreadExceedsP(4, 2, 1, 2, 1.5)).toBeCloseTo(1 / (1 + 4 / 2.25), 12);
    expect(spreadExceedsP(100, 6, 1, 6, 1.5)).toBeLessThan(0.01);
    expect(spreadExceedsP(0, 6, 1, 6, 1.5)).toBe(1);
    expect(() => spreadExceedsP(1, 2, 0, 2, 1.5)).toThrow(RangeError);
  });
});
