import { describe, expect, it } from 'vitest';
import { kbench, workdir } from '../helpers/cli.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';

// Reconstructed: three runs of the same kernels, 4 boots × 3 iterations of one timing; the runs
// sit at 1.00, 1.06 and 1.03 (run-to-run drift of a few %), the boots inside a run within 1%.
const level = (scale: number) => [1.0, 1.01, 0.99, 1.005, 0.995, 1.0, 1.01, 0.99, 1.0, 1.0, 1.01, 0.99].map((v) => v * scale);
const run = (scale: number, runId: string) =>
  runFile([target('custom', [metric('zfs.pool_create.seconds', level(scale)), metric('zfs.scrub.seconds', level(scale * 0.5))])], { runId });

describe('kbench compare across runs', () => {
  it('with a one-run baseline says that run-to-run drift is not estimated and that only the uncalibrated band protects', async () => {
    const dir = workdir({ 'r1.json': run(1, 'r1'), 'r3.json': run(1.03, 'r3') });
    expect((await kbench(dir, ['baseline', 'update', 'r1.json'])).code).toBe(0);
    const result = await kbench(dir, ['compare', 'r3.json']);
    expect(result.stdout).toContain(
      'across runs (baseline 1 run, candidate 1): run-to-run drift cannot be estimated for 2 metrics (too few runs); the only protection against it is the band, which is not calibrated',
    );
  });

  it("a baseline pooled from 2 runs keeps each boot's run and puts their drift into every interval", async () => {
    const dir = workdir({ 'r1.json': run(1, 'r1'), 'r2.json': run(1.06, 'r2'), 'r3.json': run(1.15, 'r3') });
    expect((await kbench(dir, ['baseline', 'update', 'r1.json', 'r2.json'])).code).toBe(0);
    const shown = JSON.parse((await kbench(dir, ['baseline', 'show', '--json'])).stdout);
    const runsOfBoots = new Set(shown.targets[0].metrics[0].samples.map((s: { run: number; boot: number }) => `${s.run}/${s.boot}`));
    expect(runsOfBoots.size).toBe(8);
    // Boots alone would call +12% at 1% noise "regressed"; two runs 6% apart say the run level is noisier than that.
    const result = await kbench(dir, ['compare', 'r3.json']);
    expect(result.stdout).toMatch(
      /across runs \(baseline 2 runs, candidate 1\): between-run variance \(run CV [\d.]+%–[\d.]+%\) from the baseline's 2 runs is in the intervals of 2 metrics/,
    );
    expect(result.stdout).toMatch(/Regressions \(0\)/);
    expect(result.code).toBe(0);
  });

  it('kbench calibrate over 3 runs stores the run CV with the baseline, and compare uses it (more df)', async () => {
    const dir = workdir({ 'r1.json': run(1, 'r1'), 'r2.json': run(1.06, 'r2'), 'r4.json': run(0.97, 'r4'), 'r3.json': run(1.03, 'r3') });
    await kbench(dir, ['baseline', 'update', 'r1.json', 'r2.json']);
    expect((await kbench(dir, ['calibrate', 'r1.json', 'r2.json', 'r4.json'])).code).toBe(0);
    const noise = JSON.parse((await kbench(dir, ['baseline', 'show', '--json'])).stdout).targets[0].metrics[0].noise;
    expect(noise.runCvDf).toBe(2);
    expect(noise.runCv).toBeGreaterThan(0.02);
    const result = await kbench(dir, ['compare', 'r3.json']);
    expect(result.stdout).toMatch(/from kbench calibrate \(A\/A of 3 runs\) is in the intervals of 2 metrics/);
  });
});
