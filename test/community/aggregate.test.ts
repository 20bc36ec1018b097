/** The across-machines statistics: t quantiles against scipy, machines (not runs) as the unit. */
import { describe, expect, it } from 'vitest';
import { aggregateSpeedups, logMeanInterval, robustLogSummary, type RunSpeedup } from '../../harness/community/aggregate.ts';
import { measurementsFromCells } from '../../harness/claims/measurements.ts';
import { studentTQuantile } from '../../harness/stats/index.ts';

describe('studentTQuantile', () => {
  it('matches scipy.stats.t.ppf (scipy 1.17.1) to 1e-9', () => {
    // python3 -c "from scipy.stats import t; print([t.ppf(0.975, d) for d in (1,2,3,4,5,10,30,100)]); print(t.ppf(0.9, 7), t.ppf(0.025, 3))"
    const scipy975: [number, number][] = [
      [1, 12.706204736175],
      [2, 4.302652729749],
      [3, 3.182446305284],
      [4, 2.776445105198],
      [5, 2.570581835636],
      [10, 2.228138851986],
      [30, 2.042272456301],
      [100, 1.983971518524],
    ];
    for (const [df, q] of scipy975) expect(Math.abs(studentTQuantile(0.975, df) - q), `df ${df}`).toBeLessThan(1e-9);
    expect(Math.abs(studentTQuantile(0.9, 7) - 1.4149239276505)).toBeLessThan(1e-9);
    expect(Math.abs(studentTQuantile(0.025, 3) + 3.182446305284)).toBeLessThan(1e-9);
    expect(() => studentTQuantile(1, 3)).toThrow(RangeError);
  });
});

const run = (machineId: string, speedup: number, chipClass: RunSpeedup['chipClass'] = 'M2'): RunSpeedup => ({
  machineId,
  runId: `${machineId}-${speedup}`,
  chipClass,
  platform: 'Apple M2, arm64, vz',
  guestOs: 'alpine',
  guestArch: 'aarch64',
  acceleration: 'vz',
  emulated: false,
  kernelPair: 'stock 6.6.58-0-virt (config aaaaaaaa) vs custom 6.6.58-fc (config bbbbbbbb)',
  metricId: 'zfs.pool_create.seconds',
  unit: 's',
  direction: 'lower',
  speedup,
  ci: { low: speedup * 0.9, high: speedup * 1.1 },
  samples: { stock: 9, custom: 9 },
});

describe('aggregateSpeedups', () => {
  it('summarizes each machine first: twenty runs of one machine weigh as much as one run of another', () => {
    const runs = [...Array.from({ length: 20 }, () => run('busy', 2)), run('quiet', 1)];
    const [cell] = aggregateSpeedups(runs);
    expect(cell).toMatchObject({ machines: 2, runs: 21, ciBasis: 'machines' });
    expect(cell!.speedup).toBeCloseTo(Math.SQRT2, 12); // two machines: geometric mean of 2 and 1, not of 21 runs
    const expected = logMeanInterval([Math.log(2), 0])!;
    expect(cell!.ci!.low).toBeCloseTo(expected.low, 12);
    expect(cell!.ci!.high).toBeCloseTo(expected.high, 12);
  });

  it('t interval on log speedups: exp(mean ± t(0.975, k-1) s / sqrt k)', () => {
    const logs = [Math.log(1.2), Math.log(1.3), Math.log(1.25)];
    const mean = logs.reduce((a, b) => a + b) / 3;
    const sd = Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
    const half = 4.302652729749 * (sd / Math.sqrt(3));
    const ci = logMeanInterval(logs)!;
    expect(ci.low).toBeCloseTo(Math.exp(mean - half), 9);
    expect(ci.high).toBeCloseTo(Math.exp(mean + half), 9);
    expect(logMeanInterval([0.1])).toBeNull();
  });

  it('one machine: its runs give the interval, one run its own CI, and the cell says which', () => {
    expect(aggregateSpeedups([run('a', 1.5), run('a', 1.6)])[0]).toMatchObject({ machines: 1, runs: 2, ciBasis: 'one machine, its runs' });
    expect(aggregateSpeedups([run('a', 1.5)])[0]).toMatchObject({ machines: 1, ciBasis: 'one run', ci: { low: 1.5 * 0.9, high: 1.5 * 1.1 } });
  });

  it('keeps chips apart and orders M1..M5 then other', () => {
    const cells = aggregateSpeedups([run('x', 1, 'other'), run('y', 1, 'M4'), run('z', 1, 'M1')]);
    expect(cells.map((c) => c.chipClass)).toEqual(['M1', 'M4', 'other']);
  });
});

describe('TRIMMED_LOG_MEAN and the cells', () => {
  it('one 10x machine among five at ~1.02x leaves the headline at ~1.02x (the plain mean said 1.49x)', () => {
    const runs = [run('a', 1.01), run('b', 1.02), run('c', 1.03), run('d', 1.02), run('e', 10)];
    const [cell] = aggregateSpeedups(runs);
    expect(cell!.speedup).toBeCloseTo(Math.exp((Math.log(1.02) * 2 + Math.log(1.03)) / 3), 12);
    const plainMean = Math.exp(runs.reduce((s, r) => s + Math.log(r.speedup), 0) / 5);
    expect(plainMean).toBeGreaterThan(1.5);
    // The outlier widens the interval (plain t at k < 10) instead of moving the headline.
    expect(cell!.ci!.low).toBeLessThan(1);
    expect(cell!.ci!.high).toBeGreaterThan(3);
  });

  it('the headline is the median at 3 and 4 machines and always inside its interval', () => {
    expect(robustLogSummary([0, 0.1, 5]).center).toBe(0.1);
    expect(robustLogSummary([0, 0.1, 0.2, 5]).center).toBeCloseTo(0.15, 12);
    for (const logs of [
      [0, 0.1, 5],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 3],
      [0.1, 0.11, 0.5],
    ]) {
      const s = robustLogSummary(logs);
      expect(s.low!).toBeLessThanOrEqual(s.center);
      expect(s.high!).toBeGreaterThanOrEqual(s.center);
    }
  });

  it('never pools across guest arch, accelerator or kernel pair', () => {
    const cells = aggregateSpeedups([
      run('a', 1.5),
      { ...run('b', 1.5), kernelPair: 'stock 6.6.58-0-virt (config aaaaaaaa) vs custom 6.6.58-fc2 (config cccccccc)' },
      { ...run('c', 1.5), acceleration: 'qemu-hvf' },
      { ...run('d', 1.5), acceleration: 'qemu-tcg', guestArch: 'x86_64', emulated: true },
    ]);
    expect(cells).toHaveLength(4);
    expect(cells.every((c) => c.machines === 1)).toBe(true);
  });

  it('confirmed or refuted needs 3 machines; emulated cells never judge a hardware claim', () => {
    const tight = (id: string, s: number) => ({ ...run(id, s), ci: { low: s * 0.99, high: s * 1.01 } });
    const two = measurementsFromCells(aggregateSpeedups([tight('a', 2), tight('b', 2.01)]));
    expect(two[0]!.inconclusiveBecause).toBe('2 machine(s); confirmed or refuted needs at least 3');
    const three = measurementsFromCells(aggregateSpeedups([tight('a', 2), tight('b', 2.01), tight('c', 1.99)]));
    expect(three[0]!.inconclusiveBecause).toBeNull();
    const emulated = measurementsFromCells(aggregateSpeedups(['a', 'b', 'c'].map((id) => ({ ...tight(id, 2), acceleration: 'qemu-tcg', emulated: true }))));
    expect(emulated[0]!.inconclusiveBecause).toMatch(/^emulated \(qemu-tcg, aarch64 guest\): says nothing about hardware$/);
  });
});
