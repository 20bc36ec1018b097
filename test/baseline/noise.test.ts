import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baselineFromRuns } from '../../harness/baseline/index.ts';
import { calibrateFromRuns, withMeasuredNoise } from '../../harness/baseline/noise.ts';
import { compareSets, pairRunVsBaseline } from '../../harness/compare/index.ts';
import { ResultsFile } from '../../harness/results/schema.ts';

// Recorded: a real quick run of the Debian testbed under QEMU TCG on this project's host.
const run = ResultsFile.parse(JSON.parse(readFileSync(new URL('../fixtures/results/testbed-run.json', import.meta.url), 'utf8')));

describe('measured noise with the baseline', () => {
  it('baseline update stores between- and within-boot noise per metric, and the run of every sample', () => {
    const baseline = ResultsFile.parse(baselineFromRuns([{ file: 'a.json', results: run }]));
    const scrub = baseline.targets[0]!.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    expect(scrub.noise).toMatchObject({ boots: 3, iterationsPerBoot: 3, calibratedThreshold: null });
    expect(scrub.noise!.bootCv).toBeGreaterThanOrEqual(0);
    expect(scrub.samples.every((s) => s.run === 0)).toBe(true);
    const twice = baselineFromRuns([
      { file: 'a.json', results: run },
      { file: 'b.json', results: run },
    ]);
    const pooled = twice.targets[0]!.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    expect(new Set(pooled.samples.map((s) => `${s.run}/${s.boot}`)).size).toBe(6);
  });

  it('an A/A of two identical runs finds no drift; alternate boots of one run stand in for two runs', () => {
    expect(calibrateFromRuns([run, run]).every((m) => m.calibratedThreshold === null)).toBe(true);
    const single = calibrateFromRuns([run]);
    const scrub = single.find((m) => m.targetId === 'debian/stock' && m.metricId === 'zfs.scrub.seconds')!;
    expect(scrub.calibration).toMatch(/alternate boots of 1 run/);
    expect(scrub.calibratedThreshold! * 200).toBeCloseTo(Math.round(scrub.calibratedThreshold! * 200), 9);
  });

  it('a calibrated threshold raises the band a comparison uses, and the table says where it came from', () => {
    const baseline = withMeasuredNoise(baselineFromRuns([{ file: 'a.json', results: run }]), [
      { targetId: 'debian/custom', metricId: 'zfs.scrub.seconds', ratios: [1.12], calibratedThreshold: 0.12, calibration: 'A/A of 2 runs' },
    ]);
    const outcome = compareSets(pairRunVsBaseline(run, baseline));
    const scrub = outcome.sets.find((s) => s.title.startsWith('debian/custom'))!.rows.find((r) => r.metricId === 'zfs.scrub.seconds')!;
    expect(scrub.noiseThreshold).toBe(0.12);
    expect(scrub.thresholdSource).toBe('calibrated');
    const pool = outcome.sets[0]!.rows.find((r) => r.metricId === 'zfs.pool_create.seconds')!;
    expect(pool.thresholdSource).toBe('default');
  });
});
