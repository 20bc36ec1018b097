import { describe, expect, it } from 'vitest';
import {
  erfc,
  MAD_TO_STANDARD_DEVIATION,
  mad,
  median,
  MODIFIED_Z_OUTLIER_THRESHOLD,
  modifiedZScores,
  normalSurvival,
  outlierIndexes,
  quantileOfSorted,
  scaledMad,
} from '../../harness/stats/index.ts';
import { reference } from './reference.ts';

describe('median and MAD', () => {
  it('median of odd, even, unsorted and single samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([-1, -5, 10, 2, 2])).toBe(2);
  });

  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    mad(xs);
    expect(xs).toEqual([3, 1, 2]);
  });

  it('raw MAD by hand: [1,1,2,2,4,6,9] has median 2, deviations 0,0,1,1,2,4,7, MAD 1', () => {
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
    expect(scaledMad([1, 1, 2, 2, 4, 6, 9])).toBe(1.4826);
    expect(MAD_TO_STANDARD_DEVIATION).toBe(1.4826);
  });

  it('scaled MAD estimates the SD of normal data (deterministic normal quantiles, SD 3)', () => {
    // Evenly spaced normal quantiles via inverting normalSurvival by bisection.
    const quantile = (p: number): number => {
      let lo = -10;
      let hi = 10;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (1 - normalSurvival(mid) < p) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    const xs = Array.from({ length: 2001 }, (_, i) => 3 * quantile((i + 0.5) / 2001));
    expect(scaledMad(xs)).toBeCloseTo(3, 2);
  });

  it('agrees with numpy.median and scipy.stats.median_abs_deviation', () => {
    for (const row of reference.descriptive) {
      expect(median(row.xs)).toBeCloseTo(row.median, 12);
      expect(mad(row.xs)).toBeCloseTo(row.mad, 12);
    }
  });

  it('rejects empty and non-finite samples', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => median([1, Number.NaN])).toThrow(/\[1\] is NaN/);
    expect(() => mad([Infinity])).toThrow(/Infinity/);
  });
});

describe('quantileOfSorted (type 7)', () => {
  it('interpolates like numpy.quantile', () => {
    expect(quantileOfSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileOfSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileOfSorted([5], 0.3)).toBe(5);
  });

  it('keeps Infinity when both neighbours are infinite', () => {
    expect(quantileOfSorted([1, Infinity, Infinity], 0.9)).toBe(Infinity);
  });
});

describe('modified z-scores and outliers (Iglewicz-Hoaglin)', () => {
  it('by hand: [10,11,12,12,13,14,35] has median 12, MAD 1; 35 scores 0.6745*23', () => {
    const xs = [10, 11, 12, 12, 13, 14, 35];
    const z = modifiedZScores(xs);
    expect(z[6]).toBeCloseTo(0.6745 * 23, 12);
    expect(z[0]).toBeCloseTo(-0.6745 * 2, 12);
    expect(z[2]).toBe(0);
    expect(outlierIndexes(xs)).toEqual([6]);
    expect(MODIFIED_Z_OUTLIER_THRESHOLD).toBe(3.5);
  });

  it('flags both tails and reports indexes in input order', () => {
    expect(outlierIndexes([500, 100, 101, 99, 100, 102, 98, 1])).toEqual([0, 7]);
  });

  it('uses a strict threshold: a score exactly on it is not an outlier', () => {
    // Sorted [-1,-1,0,0,0,1,1,x]: median 0, MAD 1, so z(x) = 0.6745 x.
    const xs = [-1, -1, 0, 0, 0, 1, 1, 3];
    const z = modifiedZScores(xs);
    expect(z[7]).toBeCloseTo(0.6745 * 3, 14);
    expect(outlierIndexes(xs, z[7])).toEqual([]);
    expect(outlierIndexes(xs, z[7]! - 1e-9)).toEqual([7]);
    expect(outlierIndexes([-1, -1, 0, 0, 0, 1, 1, 5.1])).toEqual([]);
    expect(outlierIndexes([-1, -1, 0, 0, 0, 1, 1, 5.2])).toEqual([7]);
  });

  it('MAD = 0 falls back to 1.253314 * mean absolute deviation', () => {
    // [5,5,5,6,6]: MAD 0, mean |x - 5| = 0.4, z(6) = 1/(1.253314*0.4) ≈ 1.995: not an outlier.
    const z = modifiedZScores([5, 5, 5, 6, 6]);
    expect(z[3]).toBeCloseTo(1 / (1.253314 * 0.4), 12);
    expect(outlierIndexes([5, 5, 5, 6, 6])).toEqual([]);
    // Nine identical values and one far away: MAD 0, mean |d| = 4.5, z = 45/(1.253314*4.5) ≈ 7.98.
    const spiky = [5, 5, 5, 5, 5, 5, 5, 5, 5, 50];
    expect(modifiedZScores(spiky)[9]).toBeCloseTo(45 / (1.253314 * 4.5), 12);
    expect(outlierIndexes(spiky)).toEqual([9]);
  });

  it('identical values and empty samples have no outliers', () => {
    expect(modifiedZScores([4, 4, 4])).toEqual([0, 0, 0]);
    expect(outlierIndexes([4, 4, 4])).toEqual([]);
    expect(modifiedZScores([])).toEqual([]);
  });
});

describe('normal tail (erfc) against scipy.special.ndtr', () => {
  it.each(reference.normalSurvival.map((row) => [row.z, row.sf] as const))('P(Z > %d)', (z, sf) => {
    const actual = normalSurvival(z);
    if (sf === 0) expect(actual).toBe(0);
    else expect(Math.abs(actual - sf) / sf).toBeLessThan(1e-12);
  });

  it('erfc edge values', () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(Infinity)).toBe(0);
    expect(erfc(-Infinity)).toBe(2);
    expect(erfc(Number.NaN)).toBeNaN();
  });
});
