/** Statistics at the limits of a double: Number.MAX_VALUE, subnormals and zeros (all valid samples per the schema). */
import { describe, expect, it } from 'vitest';
import { compareSets } from '../../harness/compare/index.ts';
import { renderOutcomeText } from '../../harness/render/exporters/text.ts';
import { mad, median, midpoint, modifiedZScores, quantileOfSorted } from '../../harness/stats/descriptive.ts';

const MAX = Number.MAX_VALUE;
const TINY = Number.MIN_VALUE; // 5e-324, the smallest subnormal

describe('midpoint and median', () => {
  it.each([
    [MAX, MAX, MAX],
    [0, MAX, MAX / 2],
    [TINY, TINY, TINY],
    [0, 0, 0],
    [-MAX, MAX, 0],
    [1, 3, 2],
  ])('midpoint(%d, %d) = %d', (a, b, expected) => {
    expect(midpoint(a, b)).toBe(expected);
  });

  it('keeps an even-sized sample of MAX_VALUE finite (the old (a+b)/2 gave Infinity)', () => {
    expect(median([MAX, MAX, MAX, MAX])).toBe(MAX);
    expect(median([TINY, TINY])).toBe(TINY);
    expect(median([0, 0])).toBe(0);
    expect(mad([0, 0, MAX, MAX])).toBe(MAX / 2);
  });

  it('quantiles and modified z-scores stay finite at the limits', () => {
    expect(quantileOfSorted([-MAX, MAX], 0.5)).toBe(0);
    expect(quantileOfSorted([MAX, MAX], 0.3)).toBe(MAX);
    // The mean absolute deviation of [0,0,MAX,MAX,MAX] would overflow as a plain sum.
    expect(modifiedZScores([0, 0, MAX, MAX, MAX]).every(Number.isFinite)).toBe(true);
  });
});

describe('the comparison at the limits', () => {
  it('prints no Infinity and no NaN in the table for samples of MAX_VALUE', () => {
    const values = Array.from({ length: 10 }, (_, i) => ({ value: i % 2 === 0 ? MAX : MAX * 0.999, unit: `0/${Math.floor(i / 2)}` }));
    const outcome = compareSets([
      {
        title: 'debian/custom vs baseline',
        baselineLabel: 'baseline',
        candidateLabel: 'run',
        pairs: [
          {
            key: 'k',
            guestOs: 'debian',
            metricId: 'zfs.pool_create.seconds',
            unit: 's',
            direction: 'lower',
            noiseThreshold: undefined,
            calibratedThreshold: undefined,
            exact: false,
            baseline: values,
            candidate: values,
          },
        ],
        skipped: [],
        incomparable: [],
      },
    ]);
    const table = renderOutcomeText(outcome, 'vs-baseline');
    expect(table).not.toMatch(/NaN|Infinity/);
    expect(table).toMatch(/zfs\.pool_create\.seconds .*±0\.0% \(5×2\)/);
    expect(outcome.sets[0]!.rows[0]!.ratio).toBe(1);
    expect(outcome.sets[0]!.rows[0]!.verdict).toBe('equivalent');
  });
});
