import { describe, expect, it } from 'vitest';
import { detectChangePoints, differenceSigma, flattenSpikes } from '../../harness/stats/index.ts';
import { createRng } from '../../harness/stats/random.ts';

/** Normal draws (Box-Muller) from the seeded generator, so every series is reproducible. */
function normalSeries(seed: number, levels: number[], sigma: number): number[] {
  const rng = createRng(seed);
  return levels.map((level) => {
    const u = 1 - rng.nextFloat();
    const v = rng.nextFloat();
    return level + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

const steps = (...parts: [level: number, count: number][]): number[] => parts.flatMap(([level, count]) => Array.from({ length: count }, () => level));

describe('detectChangePoints', () => {
  it('finds the exact index of a clean step and reports the levels on both sides', () => {
    const result = detectChangePoints(steps([10, 20], [12, 15]));
    expect(result.changePoints).toHaveLength(1);
    expect(result.changePoints[0]!.index).toBe(20);
    expect(result.changePoints[0]!.before).toBeCloseTo(10, 12);
    expect(result.changePoints[0]!.after).toBeCloseTo(12, 12);
    expect(result.changePoints[0]!.relativeChange).toBeCloseTo(0.2, 12);
    expect(result.segments.map((s) => [s.start, s.end])).toEqual([
      [0, 20],
      [20, 35],
    ]);
  });

  it('finds two steps (up then back down) in noisy data at or next to the true indexes', () => {
    let found = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const series = normalSeries(seed, steps([100, 30], [104, 25], [100, 30]), 1);
      const indexes = detectChangePoints(series).changePoints.map((c) => c.index);
      if (indexes.length === 2 && Math.abs(indexes[0]! - 30) <= 1 && Math.abs(indexes[1]! - 55) <= 1) found++;
    }
    // A 4-sigma step over 25+ runs is found almost always.
    expect(found).toBeGreaterThanOrEqual(36);
  });

  it('rarely calls a step in flat noise (modified BIC keeps false alarms low)', () => {
    let falseAlarms = 0;
    for (let seed = 100; seed < 200; seed++) {
      const series = normalSeries(seed, steps([50, 60]), 2);
      if (detectChangePoints(series).changePoints.length > 0) falseAlarms++;
    }
    expect(falseAlarms).toBeLessThanOrEqual(5);
  });

  it('ignores one or two wild runs (spikes) but sees three runs at a new level', () => {
    const series = normalSeries(7, steps([10, 30]), 0.05);
    series[7] = 14;
    expect(detectChangePoints(series).changePoints).toEqual([]);
    series[8] = 14.2;
    expect(detectChangePoints(series).changePoints).toEqual([]);
    series[9] = 13.9;
    expect(detectChangePoints(series).changePoints.map((c) => c.index)).toEqual([7, 10]);
  });

  it('replaces a spike by its neighbourhood median and leaves a step and ordinary noise alone', () => {
    expect(flattenSpikes([1, 1, 9, 1.2, 1], 0.5)).toEqual([1, 1, 1, 1.2, 1]);
    expect(flattenSpikes([1, 1, 1, 5, 5, 5], 0.5)).toEqual([1, 1, 1, 5, 5, 5]);
    expect(flattenSpikes([1, 2, 1, 2, 1], 0.5)).toEqual([1, 2, 1, 2, 1]);
  });

  it('treats a perfectly flat history as flat and still sees a 1% step on it', () => {
    expect(detectChangePoints(steps([3, 30])).changePoints).toEqual([]);
    const result = detectChangePoints(steps([3, 15], [3.03, 15]));
    expect(result.changePoints.map((c) => c.index)).toEqual([15]);
    // sigma falls back to 0.1% of the series median, (3 + 3.03) / 2.
    expect(result.sigma).toBeCloseTo(0.001 * 3.015, 12);
  });

  it('a larger penalty scale suppresses a marginal step', () => {
    const series = normalSeries(3, steps([100, 12], [101.5, 12]), 0.6);
    expect(detectChangePoints(series).changePoints.length).toBeGreaterThan(0);
    expect(detectChangePoints(series, { penaltyScale: 20 }).changePoints).toEqual([]);
  });

  it('merges away steps smaller than minRelativeChange, smallest first, keeping the big one', () => {
    const series = steps([100, 10], [101, 10], [130, 10]);
    expect(detectChangePoints(series).changePoints.map((c) => c.index)).toEqual([10, 20]);
    const merged = detectChangePoints(series, { minRelativeChange: 0.02 });
    expect(merged.changePoints.map((c) => c.index)).toEqual([20]);
    expect(merged.segments.map((s) => [s.start, s.end, s.level])).toEqual([
      [0, 20, 100.5],
      [20, 30, 130],
    ]);
  });

  it('handles empty, one-value and too-short series, and rejects non-finite values', () => {
    expect(detectChangePoints([])).toEqual({ changePoints: [], segments: [], sigma: 0, penalty: 0 });
    expect(detectChangePoints([5]).segments).toEqual([{ start: 0, end: 1, level: 5 }]);
    expect(detectChangePoints([1, 9, 1]).changePoints).toEqual([]);
    expect(() => detectChangePoints([1, Number.NaN, 2])).toThrow(/\[1\] is NaN/);
  });

  it('estimates sigma from first differences, unaffected by one large step', () => {
    const noisy = normalSeries(11, steps([0, 400]), 1);
    expect(differenceSigma(noisy)).toBeGreaterThan(0.85);
    expect(differenceSigma(noisy)).toBeLessThan(1.15);
    const stepped = noisy.map((x, i) => (i >= 200 ? x + 50 : x));
    expect(Math.abs(differenceSigma(stepped) - differenceSigma(noisy))).toBeLessThan(0.02);
  });
});
