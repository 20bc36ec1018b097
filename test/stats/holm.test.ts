import { describe, expect, it } from 'vitest';
import { createRng, holmAdjust } from '../../harness/stats/index.ts';

describe('holmAdjust', () => {
  it('worked example: [0.01, 0.04, 0.03, 0.005]', () => {
    // Ascending: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06.
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    const expected = [0.03, 0.06, 0.06, 0.02];
    adjusted.forEach((p, i) => expect(p).toBeCloseTo(expected[i]!, 15));
  });

  it('caps at 1', () => {
    expect(holmAdjust([0.5, 0.6])).toEqual([1, 1]);
    const adjusted = holmAdjust([0.2, 0.9, 0.3]);
    [0.6, 0.9, 0.6].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 15));
    expect(holmAdjust([0.4, 0.45, 0.9])).toEqual([1, 1, 1]);
  });

  it('a single test is left alone; no tests give no values', () => {
    expect(holmAdjust([0.03])).toEqual([0.03]);
    expect(holmAdjust([])).toEqual([]);
  });

  it('equal p-values get equal adjusted values', () => {
    expect(holmAdjust([0.02, 0.02])).toEqual([0.04, 0.04]);
  });

  it('7 metrics at a raw 0.01 each are no longer significant at 0.05', () => {
    expect(holmAdjust(new Array(7).fill(0.01)).every((p) => p >= 0.05)).toBe(true);
  });

  it('properties: adjusted >= raw, <= 1, and the raw order is preserved', () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 200; trial++) {
      const ps = Array.from({ length: 1 + rng.nextIndex(12) }, () => rng.nextFloat() ** 3);
      const adjusted = holmAdjust(ps);
      ps.forEach((p, i) => {
        expect(adjusted[i]).toBeGreaterThanOrEqual(p);
        expect(adjusted[i]).toBeLessThanOrEqual(1);
        ps.forEach((q, j) => {
          if (p <= q) expect(adjusted[i]).toBeLessThanOrEqual(adjusted[j]!);
        });
      });
    }
  });

  it('rejects values that are not p-values', () => {
    expect(() => holmAdjust([0.1, Number.NaN])).toThrow(/\[1\] is NaN/);
    expect(() => holmAdjust([1.2])).toThrow(RangeError);
  });
});
