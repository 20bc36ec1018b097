/** A unit or direction that changed against the baseline fails the gate: never a silent exit 0. */
import { describe, expect, it } from 'vitest';
import { kbench, workdir } from '../helpers/cli.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';

const steady = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.02];
const baselineOf = (run: ReturnType<typeof runFile>) => ({ ...structuredClone(run), kind: 'baseline' as const, runId: 'baseline', settings: null });
const base = runFile([target('custom', [metric('zfs.pool_create.seconds', steady), metric('zfs.scrub.seconds', steady)])]);
const inMs = runFile([
  target('custom', [
    metric(
      'zfs.pool_create.seconds',
      steady.map((v) => v * 1000),
      { unit: 'ms' },
    ),
    metric('zfs.scrub.seconds', steady),
  ]),
]);
const flipped = runFile([target('custom', [metric('zfs.pool_create.seconds', steady, { direction: 'higher' }), metric('zfs.scrub.seconds', steady)])]);

describe.concurrent('the unit-change gate', { timeout: 240_000 }, () => {
  it('s in the baseline, ms in the run: exit 2 naming both units', async () => {
    const result = await kbench(workdir({ 'baseline.json': baselineOf(base), 'run.json': inMs }), ['compare', 'run.json']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe(
      'kbench: run.json: debian/custom zfs.pool_create.seconds is ms (lower is better) but baseline.json has s (lower is better); ' +
        'accept the new unit with kbench baseline update, or gate on it with --fail-on-incomparable (exit 1)',
    );
  });

  it('--fail-on-incomparable: exit 1 with the table, the metric shown as incomparable', async () => {
    const result = await kbench(workdir({ 'baseline.json': baselineOf(base), 'run.json': inMs }), ['compare', 'run.json', '--fail-on-incomparable']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/skipped: zfs\.pool_create\.seconds: incomparable: run is ms\/lower, baseline is s\/lower/);
    expect(result.stdout).toMatch(/zfs\.scrub\.seconds .*= equivalent/);
    expect(result.stderr.trim()).toBe(
      'kbench: run.json: debian/custom zfs.pool_create.seconds is ms (lower is better) but baseline.json has s (lower is better)',
    );
  });

  it('a direction that flipped is refused the same way, also with --json', async () => {
    const dir = workdir({ 'baseline.json': baselineOf(base), 'run.json': flipped });
    const result = await kbench(dir, ['compare', 'run.json', '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/zfs\.pool_create\.seconds is s \(higher is better\) but baseline\.json has s \(lower is better\)/);
    const gated = await kbench(dir, ['compare', 'run.json', '--json', '--fail-on-incomparable']);
    expect(gated.code).toBe(1);
    expect(JSON.parse(gated.stdout).sets[0].skipped).toEqual([
      { key: 'debian/custom zfs.pool_create.seconds', reason: 'incomparable: run is s/higher, baseline is s/lower' },
    ]);
  });

  it('same units pass as before (exit 0)', async () => {
    expect((await kbench(workdir({ 'baseline.json': baselineOf(base), 'run.json': base }), ['compare', 'run.json'])).code).toBe(0);
  });
});
