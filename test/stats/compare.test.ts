import { describe, expect, it } from 'vitest';
import {
  classifyChange,
  compareMetrics,
  createRng,
  geomeanRatio,
  holmAdjust,
  mannWhitneyU,
  type MetricComparisonInput,
} from '../../harness/stats/index.ts';

/** n values spread uniformly over center ± spread, from a seeded stream. */
function noisy(center: number, spread: number, n: number, seed: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => center + spread * (2 * rng.nextFloat() - 1));
}

const one = (input: MetricComparisonInput, options = {}) => compareMetrics([input], options)[0]!;

describe('compareMetrics verdicts', () => {
  it('identical samples: p = 1, unchanged, ratio 1', () => {
    const xs = noisy(50, 2, 10, 1);
    const result = one({ key: 'same', direction: 'lower', baseline: xs, candidate: [...xs] });
    expect(result.p).toBe(1);
    expect(result.adjustedP).toBe(1);
    expect(result.ratio).toBe(1);
    expect(result.deltaPercent).toBe(0);
    expect(result.verdict).toBe('unchanged');
    expect(result.note).toBeNull();
    expect(result.ratioCI!.low).toBeLessThanOrEqual(1);
    expect(result.ratioCI!.high).toBeGreaterThanOrEqual(1);
  });

  it('a clear 20% increase: regressed when lower is better, improved when higher is better', () => {
    const baseline = noisy(100, 1, 8, 2);
    const candidate = noisy(120, 1, 8, 3);
    const lower = one({ key: 'time', direction: 'lower', baseline, candidate });
    expect(lower.method).toBe('exact');
    expect(lower.p).toBeCloseTo(2 / 12870, 15);
    expect(lower.ratioCI!.low).toBeGreaterThan(1.05);
    expect(lower.deltaPercent).toBeCloseTo((lower.ratio - 1) * 100, 12);
    expect(lower.verdict).toBe('regressed');
    expect(lower.note).toBeNull();
    expect(one({ key: 'throughput', direction: 'higher', baseline, candidate }).verdict).toBe('improved');
  });

  it('a clear 20% decrease: improved when lower is better, regressed when higher is better', () => {
    const baseline = noisy(100, 1, 10, 4);
    const candidate = noisy(80, 1, 10, 5);
    expect(one({ key: 'time', direction: 'lower', baseline, candidate }).verdict).toBe('improved');
    expect(one({ key: 'throughput', direction: 'higher', baseline, candidate }).verdict).toBe('regressed');
  });

  it('a significant 2% shift inside a 5% noise band is unchanged, and says why', () => {
    const baseline = noisy(100, 0.2, 10, 6);
    const candidate = noisy(102, 0.2, 10, 7);
    const result = one({ key: 'drift', direction: 'lower', baseline, candidate });
    expect(result.adjustedP).toBeLessThan(0.001);
    expect(result.verdict).toBe('unchanged');
    expect(result.note).toMatch(/^CI of ratio \[1\.0\d\d, 1\.0\d\d\] overlaps the 5% noise band$/);
    // The same shift counts once the metric's own threshold is 1%.
    expect(one({ key: 'drift', direction: 'lower', baseline, candidate, noiseThreshold: 0.01 }).verdict).toBe('regressed');
    expect(one({ key: 'drift', direction: 'lower', baseline, candidate }, { noiseThreshold: 0.01 }).verdict).toBe('regressed');
  });

  it('threshold boundary end to end: a CI exactly at 1 + t is not beyond it', () => {
    const baseline = new Array<number>(10).fill(100);
    const up = new Array<number>(10).fill(105);
    const down = new Array<number>(10).fill(95);
    const atBand = one({ key: 'up', direction: 'lower', baseline, candidate: up });
    expect(atBand.ratioCI).toEqual({ low: 1.05, high: 1.05 });
    expect(atBand.adjustedP).toBeLessThan(0.05);
    expect(atBand.verdict).toBe('unchanged');
    expect(atBand.note).toBe('CI of ratio [1.050, 1.050] overlaps the 5% noise band');
    expect(one({ key: 'up', direction: 'lower', baseline, candidate: up, noiseThreshold: 0.0499 }).verdict).toBe('regressed');
    expect(one({ key: 'up', direction: 'higher', baseline, candidate: up, noiseThreshold: 0.0499 }).verdict).toBe('improved');
    expect(one({ key: 'down', direction: 'higher', baseline, candidate: down }).verdict).toBe('unchanged');
    expect(one({ key: 'down', direction: 'higher', baseline, candidate: down, noiseThreshold: 0.0499 }).verdict).toBe('regressed');
    expect(one({ key: 'down', direction: 'lower', baseline, candidate: down, noiseThreshold: 0.0499 }).verdict).toBe('improved');
  });

  it('n = m = 3 is inconclusive even at complete separation, and says how many samples are needed', () => {
    const result = one({ key: 'tiny', direction: 'lower', baseline: [1, 2, 3], candidate: [10, 11, 12] });
    expect(result.p).toBeCloseTo(0.1, 15);
    expect(result.verdict).toBe('inconclusive');
    expect(result.note).toBe('need >= 4 samples per side to reach p < 0.05 (have 3 baseline, 3 candidate)');
  });

  it('n = m = 3 with ties stays inconclusive though the normal approximation says p = 0.047', () => {
    const result = one({ key: 'tied', direction: 'lower', baseline: [1, 1, 1], candidate: [2, 2, 2] });
    expect(result.method).toBe('normal');
    expect(result.p).toBeLessThan(0.05);
    expect(result.verdict).toBe('inconclusive');
  });

  it('n = m = 4 at complete separation can be called (exact p = 2/70)', () => {
    const result = one({ key: 'four', direction: 'lower', baseline: [10, 10.1, 10.2, 10.3], candidate: [20, 20.1, 20.2, 20.3] });
    expect(result.p).toBeCloseTo(2 / 70, 15);
    expect(result.verdict).toBe('regressed');
  });

  it('an empty side is inconclusive, untested, and left out of the Holm family', () => {
    const [empty, tested] = compareMetrics([
      { key: 'empty', direction: 'lower', baseline: [1, 2, 3], candidate: [] },
      { key: 'tested', direction: 'lower', baseline: [10, 10.1, 10.2, 10.3], candidate: [20, 20.1, 20.2, 20.3] },
    ]);
    expect(empty!.verdict).toBe('inconclusive');
    expect(empty!.note).toBe('candidate has no samples');
    expect(empty!.p).toBeNaN();
    expect(empty!.adjustedP).toBeNaN();
    expect(empty!.ratio).toBeNaN();
    expect(empty!.ratioCI).toBeNull();
    expect(empty!.candidate).toEqual({ n: 0, median: Number.NaN, ci: null, mad: Number.NaN, outliers: [] });
    expect(empty!.baseline.n).toBe(3);
    expect(tested!.adjustedP).toBe(tested!.p);
    expect(tested!.verdict).toBe('regressed');
    const both = one({ key: 'none', direction: 'higher', baseline: [], candidate: [] });
    expect(both.note).toBe('both sides have no samples');
  });
});

describe('compareMetrics and Holm', () => {
  it('adjusted p-values are Holm over the metrics of one call, in input order', () => {
    const inputs: MetricComparisonInput[] = [
      { key: 'a', direction: 'lower', baseline: noisy(100, 5, 8, 10), candidate: noisy(103, 5, 8, 11) },
      { key: 'b', direction: 'lower', baseline: noisy(100, 5, 8, 12), candidate: noisy(130, 5, 8, 13) },
      { key: 'c', direction: 'higher', baseline: noisy(100, 5, 8, 14), candidate: noisy(100, 5, 8, 15) },
    ];
    const results = compareMetrics(inputs);
    const raw = inputs.map((input) => mannWhitneyU(input.baseline, input.candidate).p);
    expect(results.map((r) => r.p)).toEqual(raw);
    expect(results.map((r) => r.adjustedP)).toEqual(holmAdjust(raw));
    expect(results.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(results[1]!.verdict).toBe('regressed');
  });

  it('a family of 7 metrics makes n = m = 5 inconclusive (7 * 2/252 > 0.05) and says so', () => {
    const separated: MetricComparisonInput = {
      key: 'sep',
      direction: 'lower',
      baseline: [10, 11, 12, 13, 14],
      candidate: [20, 21, 22, 23, 24],
    };
    expect(one(separated).verdict).toBe('regressed');
    const family = compareMetrics([separated, ...Array.from({ length: 6 }, (_, i) => ({ ...separated, key: `m${i}` }))]);
    expect(family[0]!.verdict).toBe('inconclusive');
    expect(family[0]!.note).toBe(
      'need >= 6 samples per side to reach p < 0.05 after Holm correction over 7 metrics (have 5 baseline, 5 candidate)',
    );
  });

  it('a big jump that Holm leaves unconfirmed is unchanged, with a hint to run more', () => {
    const [jump] = compareMetrics([
      { key: 'jump', direction: 'lower', baseline: [10, 11, 12, 13, 21], candidate: [14, 20, 22, 23, 24], noiseThreshold: 0.04 },
      { key: 'flat', direction: 'lower', baseline: noisy(5, 1, 5, 20), candidate: noisy(5, 1, 5, 21) },
    ]);
    expect(jump!.p).toBeCloseTo(0.031746031746031744, 15);
    expect(jump!.adjustedP).toBeGreaterThan(0.05);
    expect(jump!.verdict).toBe('unchanged');
    expect(jump!.note).toMatch(/^CI of ratio \[\d\.\d{3}, \d\.\d{3}\] lies beyond the 4% noise band but adjusted p 0\.06\d? >= 0\.05; more runs may confirm it$/);
  });
});

describe('compareMetrics summaries and reproducibility', () => {
  it('flags outliers by index and keeps them in the sample', () => {
    const baseline = [100, 101, 99, 100, 1000, 100, 102, 98];
    const result = one({ key: 'spiky', direction: 'lower', baseline, candidate: noisy(100, 1, 8, 30) });
    expect(result.baseline.outliers).toEqual([4]);
    expect(result.baseline.n).toBe(8);
    expect(result.baseline.median).toBe(100);
    expect(result.baseline.mad).toBe(1);
  });

  it('same inputs and seed give identical output; the seed reaches the CIs', () => {
    const inputs: MetricComparisonInput[] = [
      { key: 'a', direction: 'lower', baseline: noisy(100, 5, 12, 40), candidate: noisy(104, 5, 12, 41) },
    ];
    const first = compareMetrics(inputs, { seed: 5 });
    expect(compareMetrics(inputs, { seed: 5 })).toEqual(first);
    const seeds = new Set([1, 2, 3, 4, 5, 6].map((seed) => JSON.stringify(compareMetrics(inputs, { seed, resamples: 200 })[0]!.ratioCI)));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('a single value per side has no CI of its own', () => {
    const result = one({ key: 'single', direction: 'lower', baseline: [3], candidate: [4] });
    expect(result.baseline.ci).toBeNull();
    expect(result.verdict).toBe('inconclusive');
  });

  it('a zero baseline median gives an infinite ratio, not NaN', () => {
    const result = one({ key: 'errors', direction: 'lower', baseline: [0, 0, 0, 0, 0], candidate: [3, 4, 5, 6, 7] });
    expect(result.ratio).toBe(Infinity);
    expect(result.verdict).toBe('regressed');
  });

  it('rejects values and options that cannot be compared', () => {
    expect(() => one({ key: 'neg', direction: 'lower', baseline: [1, -2], candidate: [1] })).toThrow(/metric neg: baseline\[1\] is -2/);
    expect(() => one({ key: 'nan', direction: 'lower', baseline: [1], candidate: [Number.NaN] })).toThrow(/candidate\[0\] is NaN/);
    expect(() => compareMetrics([], { alpha: 0 })).toThrow(/alpha/);
    expect(() => one({ key: 't', direction: 'lower', baseline: [1], candidate: [1], noiseThreshold: -0.1 })).toThrow(/noise threshold/);
    expect(compareMetrics([])).toEqual([]);
  });
});

describe('classifyChange at the noise-band boundaries', () => {
  const t = 0.05;
  const significant = { adjustedP: 0.01, alpha: 0.05, noiseThreshold: t };
  const above = 1 + t;
  const below = 1 - t;
  const justAbove = above + Number.EPSILON * 2;
  const justBelow = below - Number.EPSILON;

  it('lower is better: regressed only when ratioCI.low > 1 + t', () => {
    expect(classifyChange({ ...significant, direction: 'lower', ratioCI: { low: above, high: 1.2 } })).toBe('unchanged');
    expect(classifyChange({ ...significant, direction: 'lower', ratioCI: { low: justAbove, high: 1.2 } })).toBe('regressed');
  });

  it('lower is better: improved only when ratioCI.high < 1 - t', () => {
    expect(classifyChange({ ...significant, direction: 'lower', ratioCI: { low: 0.8, high: below } })).toBe('unchanged');
    expect(classifyChange({ ...significant, direction: 'lower', ratioCI: { low: 0.8, high: justBelow } })).toBe('improved');
  });

  it('higher is better: regressed only when ratioCI.high < 1 - t, improved only when ratioCI.low > 1 + t', () => {
    expect(classifyChange({ ...significant, direction: 'higher', ratioCI: { low: 0.8, high: below } })).toBe('unchanged');
    expect(classifyChange({ ...significant, direction: 'higher', ratioCI: { low: 0.8, high: justBelow } })).toBe('regressed');
    expect(classifyChange({ ...significant, direction: 'higher', ratioCI: { low: above, high: 1.2 } })).toBe('unchanged');
    expect(classifyChange({ ...significant, direction: 'higher', ratioCI: { low: justAbove, high: 1.2 } })).toBe('improved');
  });

  it('a CI straddling the band is unchanged whichever way it leans', () => {
    for (const direction of ['lower', 'higher'] as const) {
      expect(classifyChange({ ...significant, direction, ratioCI: { low: 1.01, high: 1.3 } })).toBe('unchanged');
      expect(classifyChange({ ...significant, direction, ratioCI: { low: 0.7, high: 0.99 } })).toBe('unchanged');
    }
  });

  it('needs adjusted p strictly below alpha', () => {
    const ratioCI = { low: 1.5, high: 1.6 };
    expect(classifyChange({ direction: 'lower', adjustedP: 0.05, alpha: 0.05, ratioCI, noiseThreshold: t })).toBe('unchanged');
    expect(classifyChange({ direction: 'lower', adjustedP: 0.0499, alpha: 0.05, ratioCI, noiseThreshold: t })).toBe('regressed');
    expect(classifyChange({ direction: 'lower', adjustedP: 0.0499, alpha: 0.05, ratioCI: null, noiseThreshold: t })).toBe('unchanged');
  });
});

describe('geomeanRatio', () => {
  it('is the geometric mean of the finite positive ratios', () => {
    expect(geomeanRatio([{ ratio: 2 }, { ratio: 0.5 }])).toBeCloseTo(1, 15);
    expect(geomeanRatio([{ ratio: 1.1 }, { ratio: 1.21 }])).toBeCloseTo(Math.sqrt(1.1 * 1.21), 15);
    expect(geomeanRatio([{ ratio: 4 }, { ratio: Number.NaN }, { ratio: Infinity }, { ratio: 0 }])).toBe(4);
    expect(geomeanRatio([])).toBeNull();
    expect(geomeanRatio([{ ratio: Number.NaN }])).toBeNull();
  });

  it('takes compareMetrics output directly', () => {
    const results = compareMetrics([
      { key: 'a', direction: 'lower', baseline: [10, 10, 10], candidate: [20, 20, 20] },
      { key: 'b', direction: 'lower', baseline: [10, 10, 10], candidate: [5, 5, 5] },
    ]);
    expect(geomeanRatio(results)).toBeCloseTo(1, 15);
  });
});
