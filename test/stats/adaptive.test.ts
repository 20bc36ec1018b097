import { describe, expect, it } from 'vitest';
import { bootstrapMedianCI, createRng, decideMoreRuns, median } from '../../harness/stats/index.ts';

function noisy(center: number, relativeSpread: number, n: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => center * (1 + relativeSpread * (2 * rng.nextFloat() - 1)));
}

describe('decideMoreRuns', () => {
  it('keeps going below minRuns even when the samples are tight', () => {
    const decision = decideMoreRuns(noisy(100, 0.001, 4, 1));
    expect(decision).toMatchObject({ enough: false, reason: 'need-min-runs' });
    expect(decision.relativeHalfWidth).toBeLessThan(0.02);
  });

  it('stops as precise once minRuns tight samples are in', () => {
    const decision = decideMoreRuns(noisy(100, 0.001, 5, 2));
    expect(decision).toMatchObject({ enough: true, reason: 'precise' });
  });

  it('reports the relative CI half-width of the median: (high - low) / 2 / median', () => {
    const samples = noisy(50, 0.2, 12, 3);
    const ci = bootstrapMedianCI(samples, { seed: 9 });
    const decision = decideMoreRuns(samples, { seed: 9 });
    expect(decision.relativeHalfWidth).toBeCloseTo((ci.high - ci.low) / 2 / median(samples), 15);
  });

  it('asks for more runs while imprecise, and stops at maxRuns', () => {
    const noisySamples = noisy(100, 0.3, 30, 4);
    expect(decideMoreRuns(noisySamples.slice(0, 10))).toMatchObject({ enough: false, reason: 'imprecise' });
    const atCap = decideMoreRuns(noisySamples);
    expect(atCap).toMatchObject({ enough: true, reason: 'max-runs' });
    expect(atCap.relativeHalfWidth).toBeGreaterThan(0.02);
    expect(decideMoreRuns(noisySamples.slice(0, 12), { maxRuns: 12 })).toMatchObject({ enough: true, reason: 'max-runs' });
  });

  it('precision wins over the caps when both hold', () => {
    expect(decideMoreRuns(noisy(100, 0.001, 30, 5), { maxWallSeconds: 10, elapsedSeconds: 99 }).reason).toBe('precise');
  });

  it('stops at the wall-clock budget, even below minRuns', () => {
    expect(decideMoreRuns([100, 180], { maxWallSeconds: 60, elapsedSeconds: 60 })).toMatchObject({ enough: true, reason: 'max-wall-time' });
    expect(decideMoreRuns([100, 180], { maxWallSeconds: 60, elapsedSeconds: 59.9 })).toMatchObject({ enough: false, reason: 'need-min-runs' });
    expect(decideMoreRuns(noisy(100, 0.3, 8, 6), { maxWallSeconds: 60, elapsedSeconds: 10 }).reason).toBe('imprecise');
  });

  it('has no half-width before two samples; an all-zero metric is perfectly precise', () => {
    expect(decideMoreRuns([])).toEqual({ enough: false, reason: 'need-min-runs', relativeHalfWidth: null });
    expect(decideMoreRuns([5]).relativeHalfWidth).toBeNull();
    expect(decideMoreRuns([0, 0, 0, 0, 0])).toEqual({ enough: true, reason: 'precise', relativeHalfWidth: 0 });
    expect(decideMoreRuns([0, 0, 0, 1, 2]).relativeHalfWidth).toBeNull();
  });

  it('respects a looser target', () => {
    const samples = noisy(100, 0.1, 10, 7);
    const strict = decideMoreRuns(samples, { targetRelativeHalfWidth: 0.001 });
    expect(strict.reason).toBe('imprecise');
    const loose = decideMoreRuns(samples, { targetRelativeHalfWidth: strict.relativeHalfWidth! });
    expect(loose.reason).toBe('precise');
  });

  it('is reproducible for a seed', () => {
    const samples = noisy(100, 0.05, 9, 8);
    expect(decideMoreRuns(samples, { seed: 3 })).toEqual(decideMoreRuns(samples, { seed: 3 }));
  });

  it('rejects contradictory or invalid options', () => {
    expect(() => decideMoreRuns([1], { minRuns: 10, maxRuns: 5 })).toThrow(/maxRuns/);
    expect(() => decideMoreRuns([1], { minRuns: 0 })).toThrow(/minRuns/);
    expect(() => decideMoreRuns([1], { targetRelativeHalfWidth: 0 })).toThrow(/targetRelativeHalfWidth/);
    expect(() => decideMoreRuns([1], { maxWallSeconds: -1 })).toThrow(/maxWallSeconds/);
    expect(() => decideMoreRuns([1], { elapsedSeconds: Number.NaN })).toThrow(/elapsedSeconds/);
    expect(() => decideMoreRuns([Number.NaN])).toThrow(/NaN/);
  });
});
