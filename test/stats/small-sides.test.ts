import { describe, expect, it } from 'vitest';
import { compareMetrics, equalVarianceDf, smallSideDf, welchTTest, type NestedSample } from '../../harness/stats/index.ts';

const perBoot = (values: number[]): NestedSample[] => values.map((value, boot) => ({ value, unit: `0/${boot}` }));

describe('SMALL-SIDE DEGREES OF FREEDOM', () => {
  it('the cap depends on the sizes alone: 2n - 2 when balanced, about 1.55 for 8 vs 2', () => {
    expect(equalVarianceDf(3, 3)).toBeCloseTo(4, 12);
    expect(equalVarianceDf(11, 11)).toBeCloseTo(20, 12);
    expect(equalVarianceDf(8, 2)).toBeCloseTo(1.5487, 3);
    expect(equalVarianceDf(2, 8)).toBeCloseTo(equalVarianceDf(8, 2), 12);
  });

  it('leaves balanced sides as Welch had them (Welch df never exceeds 2n - 2)', () => {
    for (const [x, y] of [
      [
        [1, 2, 3],
        [2, 2.1, 2.2],
      ],
      [
        [5, 5.5, 6, 7],
        [5, 9, 13, 20],
      ],
    ]) {
      const welch = welchTTest(x!, y!);
      expect(smallSideDf(welch.df, x!.length, y!.length)).toBe(welch.df);
    }
  });

  it('8 boots against 2 that happen to agree: Welch would call a 12% change, the capped df does not', () => {
    const baseline = perBoot([100, 106, 94, 103, 97, 108, 92, 100]);
    const candidate = perBoot([112.0, 112.2]);
    const logs = (xs: NestedSample[]) => xs.map((x) => Math.log(x.value));
    const welch = welchTTest(logs(baseline), logs(candidate));
    expect(welch.df).toBeGreaterThan(6);
    expect(welch.p).toBeLessThan(0.01);
    const [result] = compareMetrics([{ key: 'scrub', direction: 'lower', baseline, candidate, noiseThreshold: 0.05 }]);
    expect(result!.df).toBeCloseTo(equalVarianceDf(8, 2), 12);
    expect(result!.p).toBeGreaterThan(10 * welch.p);
    expect(result!.ratioCI!.low).toBeLessThan(1.05);
    expect(result!.verdict).toBe('inconclusive');
  });
});
