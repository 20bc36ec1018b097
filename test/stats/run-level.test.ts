import { describe, expect, it } from 'vitest';
import { byRun, compareMetrics, familyRunLevels, runLevelOf, runOfUnit, runVarianceOf, type NestedSample } from '../../harness/stats/index.ts';

/** One value per boot, runs given as arrays: [[run 0 boots], [run 1 boots]]. */
const runs = (perRun: number[][], firstRun = 0): NestedSample[] =>
  perRun.flatMap((values, r) => values.map((value, boot) => ({ value, unit: `${firstRun + r}/${boot}` })));

describe('RUN LEVEL: the run variance', () => {
  it('reads the run from "<run>/<boot>" and groups boot summaries by it', () => {
    expect(runOfUnit('1/3')).toBe('1');
    expect(runOfUnit('3')).toBe('');
    expect(
      byRun([
        { unit: '0/0', log: 1 },
        { unit: '1/0', log: 2 },
        { unit: '0/1', log: 3 },
      ]),
    ).toEqual([[1, 3], [2]]);
  });

  it('method of moments: variance of run means minus within-run variance over boots per run, floored at 0', () => {
    // Run means 0 and 0.1 (variance 0.005); within-run variance 0.0002 over 2 boots adds 0.0001.
    const estimate = runVarianceOf([
      [-0.01, 0.01],
      [0.09, 0.11],
    ])!;
    expect(estimate.df).toBe(1);
    expect(estimate.variance).toBeCloseTo(0.005 - 0.0002 / 2, 12);
    expect(
      runVarianceOf([
        [0, 0.2],
        [0.001, 0.199],
      ])!.variance,
    ).toBe(0);
    expect(runVarianceOf([[1, 2, 3]])).toBeNull();
  });

  it('a baseline pooled from 2 runs that disagree by 8% widens the interval of a run against it', () => {
    const baseline = runs([
      [100, 101, 99, 100],
      [108, 109, 107, 108],
    ]);
    const candidate = runs([[115, 114, 116, 115]], 2);
    const within = compareMetrics([{ key: 't', direction: 'lower', baseline, candidate, noiseThreshold: 0.02 }])[0]!;
    const across = compareMetrics([{ key: 't', direction: 'lower', baseline, candidate, noiseThreshold: 0.02, acrossRuns: true }])[0]!;
    expect(across.runLevel).toMatchObject({ runsBaseline: 2, runsCandidate: 1, df: 1, source: "the baseline's 2 runs" });
    expect(across.runLevel!.variance).toBeGreaterThan(0.001);
    expect(across.ratio).toBeCloseTo(within.ratio, 12);
    expect(across.ratioCI!.high - across.ratioCI!.low).toBeGreaterThan(5 * (within.ratioCI!.high - within.ratioCI!.low));
    expect(within.verdict).toBe('regressed');
    expect(across.verdict).toBe('inconclusive');
    expect(within.runLevel).toBeUndefined();
  });

  it('one run a side: no estimate, said as such; a calibration with more df is used instead', () => {
    const none = runLevelOf([[0, 0.01]], [[0.02, 0.03]]);
    expect(none).toEqual({ runsBaseline: 1, runsCandidate: 1, variance: null, df: null, source: null });
    const calibrated = runLevelOf(
      [
        [0, 0.01],
        [0.02, 0.01],
      ],
      [[0.02]],
      { variance: 0.0004, df: 3, source: 'calibration of 4 runs' },
    );
    expect(calibrated).toMatchObject({ variance: 0.0004, df: 3, source: 'calibration of 4 runs' });
  });

  it('FAMILY RUN VARIANCE raises a metric whose own estimate came out lower than the family pool, never lowers one', () => {
    const level = (variance: number | null) => ({
      runsBaseline: 2,
      runsCandidate: 1,
      variance,
      df: variance === null ? null : 1,
      source: variance === null ? null : 'own',
    });
    const [low, high, none] = familyRunLevels([level(0), level(0.0008), level(null)]);
    expect(low!.variance).toBeCloseTo(0.0004, 12);
    expect(low!.df).toBe(2);
    expect(low!.source).toMatch(/raised to the drift pooled over 2 df/);
    expect(high!.variance).toBe(0.0008);
    expect(none!.variance).toBeNull();
  });

  it('FAMILY RUN VARIANCE pools within a drift group only: a host-clock drift does not widen guest-clock metrics', () => {
    const level = (variance: number) => ({ runsBaseline: 2, runsCandidate: 1, variance, df: 1, source: 'own' });
    const [host, guestLow, guestHigh] = familyRunLevels([level(0.3), level(0), level(0.0002)], ['host clock', 'guest clock', 'guest clock']);
    expect(host!.variance).toBe(0.3);
    expect(guestLow!.variance).toBeCloseTo(0.0001, 12);
    expect(guestLow!.source).toMatch(/raised to the drift pooled over 2 df of the family's guest clock metrics/);
    expect(guestHigh!.variance).toBe(0.0002);
    // Without groups the one host-timed drift lands in every metric.
    const [, ungrouped] = familyRunLevels([level(0.3), level(0), level(0.0002)]);
    expect(ungrouped!.variance).toBeCloseTo(0.3002 / 3, 12);
  });
});
