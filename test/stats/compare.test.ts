import { describe, expect, it } from 'vitest';
import {
  compareMetrics,
  createRng,
  geomeanSpeedup,
  holmAdjust,
  noiseBand,
  welchTTest,
  type MetricComparisonInput,
  type NestedSample,
} from '../../harness/stats/index.ts';

/** Samples from per-boot arrays: boots([[1, 2], [3]]) = boot 0 has 1 and 2, boot 1 has 3. */
const boots = (perBoot: number[][]): NestedSample[] => perBoot.flatMap((values, boot) => values.map((value) => ({ value, unit: `0/${boot}` })));
const perBootOnce = (values: number[]): NestedSample[] => boots(values.map((v) => [v]));

/** k boots x m iterations: value = center * exp(bootEffect + iterationNoise), seeded normal draws. */
function nested(center: number, bootCv: number, iterationCv: number, k: number, m: number, seed: number): NestedSample[] {
  const rng = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  const samples: NestedSample[] = [];
  for (let b = 0; b < k; b++) {
    const bootEffect = bootCv * normal();
    for (let i = 0; i < m; i++) samples.push({ value: center * Math.exp(bootEffect + iterationCv * normal()), unit: `0/${b}` });
  }
  return samples;
}

const one = (input: MetricComparisonInput, options = {}) => compareMetrics([input], options)[0]!;

describe('the boot is the unit', () => {
  it('tests per-boot medians, not iterations: 3 boots x 3 iterations give df about 4, not 16', () => {
    const result = one({ key: 'scrub', direction: 'lower', baseline: nested(1, 0.06, 0.04, 3, 3, 1), candidate: nested(1, 0.06, 0.04, 3, 3, 2) });
    expect(result.method).toBe('welch-log-boots');
    expect(result.baseline.boots).toBe(3);
    expect(result.baseline.n).toBe(9);
    expect(result.df).toBeLessThanOrEqual(4);
  });

  it('the ratio is of geometric means of per-boot medians and its CI is the Welch interval on logs', () => {
    const baseline = boots([[10, 11, 30], [12], [11]]);
    const candidate = boots([[13], [14], [12.5]]);
    const result = one({ key: 'x', direction: 'lower', baseline, candidate });
    // boot medians 11, 12, 11 vs 13, 14, 12.5
    const expected = Math.exp((Math.log(13) + Math.log(14) + Math.log(12.5)) / 3 - (Math.log(11) + Math.log(12) + Math.log(11)) / 3);
    expect(result.ratio).toBeCloseTo(expected, 12);
    const welch = welchTTest([11, 12, 11].map(Math.log), [13, 14, 12.5].map(Math.log));
    expect(result.p).toBeCloseTo(welch.p, 14);
    expect(result.ratioCI!.low).toBeLessThan(result.ratio);
    expect(result.ratioCI!.high).toBeGreaterThan(result.ratio);
  });
});

describe('four verdicts', () => {
  it('a clear 20% increase over 3 vs 3 boots: regressed when lower is better, improved when higher is better', () => {
    const baseline = nested(100, 0.01, 0.01, 3, 3, 3);
    const candidate = nested(120, 0.01, 0.01, 3, 3, 4);
    const lower = one({ key: 'time', direction: 'lower', baseline, candidate });
    expect(lower.verdict).toBe('regressed');
    expect(lower.ratioCI!.low).toBeGreaterThan(1.05);
    expect(lower.note).toBeNull();
    expect(one({ key: 'tput', direction: 'higher', baseline, candidate }).verdict).toBe('improved');
    expect(lower.speedup).toBeCloseTo(1 / lower.ratio, 12);
  });

  it('a +25% shift at 1% noise, 3 boots x 3 iterations, is called even among 20 metrics', () => {
    const inputs: MetricComparisonInput[] = Array.from({ length: 20 }, (_, i) => ({
      key: `m${i}`,
      direction: 'lower',
      baseline: nested(100, 0.01, 0.01, 3, 3, 100 + i),
      candidate: nested(i === 0 ? 125 : 100, 0.01, 0.01, 3, 3, 200 + i),
    }));
    const results = compareMetrics(inputs);
    expect(results[0]!.verdict).toBe('regressed');
    expect(results.slice(1).every((r) => r.verdict !== 'regressed' && r.verdict !== 'improved')).toBe(true);
  });

  it('a significant 2% drift inside a 5% band is equivalent; with a 1% band it is a regression', () => {
    const baseline = nested(100, 0.002, 0.002, 8, 3, 6);
    const candidate = nested(102, 0.002, 0.002, 8, 3, 7);
    const result = one({ key: 'drift', direction: 'lower', baseline, candidate });
    expect(result.adjustedP).toBeLessThan(0.001);
    expect(result.verdict).toBe('equivalent');
    expect(one({ key: 'drift', direction: 'lower', baseline, candidate, noiseThreshold: 0.01 }).verdict).toBe('regressed');
  });

  it('+37% with a CI of about [-15%, +92%] is inconclusive, never "unchanged" or "equivalent", and says what would decide it', () => {
    const baseline = perBootOnce([100, 70, 130]);
    const candidate = perBootOnce([137, 95, 180]);
    const result = one({ key: 'blake3', direction: 'higher', baseline, candidate });
    expect(result.verdict).toBe('inconclusive');
    expect(result.ratioCI!.low).toBeLessThan(1);
    expect(result.ratioCI!.high).toBeGreaterThan(1.5);
    expect(result.detectableChange).toBeGreaterThan(0.37);
    expect(result.bootsToDecide).toBeGreaterThan(3);
    expect(result.note).toMatch(/CI straddles the ±5% band; detects >= \d+% here; about \d+ boots per side would decide it at this variance \(have 3\)/);
  });

  it('an estimate right at the band edge says it is undecidable within 200 boots', () => {
    const baseline = perBootOnce([100, 101, 99, 100]);
    const candidate = perBootOnce([105, 106.05, 103.95, 105]);
    const result = one({ key: 'edge', direction: 'lower', baseline, candidate });
    expect(result.verdict).toBe('inconclusive');
    expect(result.bootsToDecide).toBeNull();
    expect(result.note).toMatch(/more than 200 boots per side/);
  });

  it('never equivalent while the ratio CI reaches beyond the band (1000 random comparisons)', () => {
    const rng = createRng(77);
    let equivalents = 0;
    for (let trial = 0; trial < 1000; trial++) {
      const cv = 0.005 + rng.nextFloat() * 0.1;
      const shift = 1 + (rng.nextFloat() - 0.5) * 0.2;
      const k = 2 + rng.nextIndex(6);
      const result = one({ key: 't', direction: 'lower', baseline: nested(1, cv, cv, k, 2, trial), candidate: nested(shift, cv, cv, k, 2, trial + 5000) });
      const band = noiseBand(0.05);
      if (result.verdict === 'equivalent') {
        equivalents++;
        expect(Math.log(result.ratioCI!.low)).toBeGreaterThanOrEqual(band.lower);
        expect(Math.log(result.ratioCI!.high)).toBeLessThanOrEqual(band.upper);
      }
      if (result.verdict === 'regressed') expect(result.ratioCI!.low).toBeGreaterThan(1.05);
      if (result.verdict === 'improved') expect(result.ratioCI!.high).toBeLessThan(0.95);
    }
    expect(equivalents).toBeGreaterThan(20);
  });
});

describe('exact metrics', () => {
  it('kernel.image.bytes 8.25 MB vs 14.2 MB is decided from one boot per side, outside the family', () => {
    const results = compareMetrics([
      { key: 'size', direction: 'lower', exact: true, noiseThreshold: 0.01, baseline: perBootOnce([8_247_000]), candidate: perBootOnce([14_190_000]) },
      { key: 'other', direction: 'lower', baseline: nested(1, 0.01, 0.01, 3, 3, 8), candidate: nested(1, 0.01, 0.01, 3, 3, 9) },
    ]);
    const size = results[0]!;
    expect(size.method).toBe('exact');
    expect(size.verdict).toBe('regressed');
    expect(size.ratio).toBeCloseTo(14_190_000 / 8_247_000, 12);
    expect(size.inFamily).toBe(false);
    expect(Number.isNaN(size.p)).toBe(true);
    // The other metric is alone in its family: its adjusted p is its raw p.
    expect(results[1]!.adjustedP).toBe(results[1]!.p);
    expect(one({ key: 'same', direction: 'lower', exact: true, baseline: perBootOnce([5]), candidate: perBootOnce([5]) }).verdict).toBe('equivalent');
  });

  it('identical values on every boot of both sides are compared exactly without a declaration', () => {
    const result = one({ key: 'pages', direction: 'lower', baseline: perBootOnce([4096, 4096, 4096]), candidate: perBootOnce([16384, 16384]) });
    expect(result.method).toBe('exact');
    expect(result.note).toMatch(/identical on every boot/);
  });

  it('spread where exactness was declared is a problem, and the metric is then tested', () => {
    const result = one({ key: 'size', direction: 'lower', exact: true, baseline: perBootOnce([100, 100, 100]), candidate: perBootOnce([120, 121, 120]) });
    expect(result.problems).toEqual(['declared exact, but the candidate has 2 different values over 3 boots']);
    expect(result.method).toBe('welch-log-boots');
  });
});

describe('the family', () => {
  it('metrics that cannot be called leave the family up front', () => {
    const results = compareMetrics([
      { key: 'a', direction: 'lower', baseline: nested(1, 0.01, 0.01, 3, 3, 10), candidate: nested(1.3, 0.01, 0.01, 3, 3, 11) },
      { key: 'b', direction: 'lower', baseline: nested(1, 0.01, 0.01, 3, 3, 12), candidate: nested(1.01, 0.01, 0.01, 3, 3, 13) },
      { key: 'one boot', direction: 'lower', baseline: perBootOnce([1]), candidate: perBootOnce([2]) },
      { key: 'empty', direction: 'lower', baseline: [], candidate: perBootOnce([2]) },
      { key: 'zeros', direction: 'lower', baseline: perBootOnce([0, 1]), candidate: perBootOnce([1, 2]) },
    ]);
    expect(results.map((r) => r.inFamily)).toEqual([true, true, false, false, false]);
    const adjusted = holmAdjust([results[0]!.p, results[1]!.p]);
    expect(results[0]!.adjustedP).toBe(adjusted[0]);
    expect(results[1]!.adjustedP).toBe(adjusted[1]);
    expect(results[2]!.note).toBe('baseline has 1 boot: boot-to-boot noise needs >= 2 boots per side');
    expect(results[3]!.note).toBe('baseline has no samples');
    expect(results[4]!.note).toMatch(/zero values/);
    expect(results.slice(2).every((r) => r.verdict === 'inconclusive')).toBe(true);
  });

  it('refuses impossible input', () => {
    expect(() => one({ key: 'x', direction: 'lower', baseline: perBootOnce([-1, 1]), candidate: perBootOnce([1, 1]) })).toThrow(/non-negative/);
    expect(() => one({ key: 'x', direction: 'sideways' as 'lower', baseline: [], candidate: [] })).toThrow(/direction/);
    expect(() => one({ key: 'x', direction: 'lower', baseline: [], candidate: [], noiseThreshold: 0 })).toThrow(/threshold/);
  });
});

describe('geomean of speedups', () => {
  it('is direction-aware: a 10% shorter time and a 10% higher throughput are both better', () => {
    expect(geomeanSpeedup([1 / 0.9, 1.1])).toBeCloseTo(Math.sqrt((1 / 0.9) * 1.1), 12);
    expect(geomeanSpeedup([1 / 0.9, 1.1])!).toBeGreaterThan(1.1);
    expect(geomeanSpeedup([])).toBeNull();
    const results = compareMetrics([
      { key: 'time', direction: 'lower', baseline: perBootOnce([1, 1.01, 0.99]), candidate: perBootOnce([0.9, 0.91, 0.89]) },
      { key: 'tput', direction: 'higher', baseline: perBootOnce([1, 1.01, 0.99]), candidate: perBootOnce([1.1, 1.11, 1.09]) },
    ]);
    expect(results.every((r) => r.speedup > 1.09)).toBe(true);
  });
});
