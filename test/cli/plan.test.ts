import { copyFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');
// Recorded: a real quick run of the Debian testbed under QEMU TCG on this project's host.
const RECORDED_RUN = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');

async function kbench(cwd: string, ...args: string[]) {
  const result = await execa('node', [KBENCH, ...args], { cwd, reject: false });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

describe('kbench run --plan', () => {
  it('sizes the plan from the baseline measured on this host, boots nothing and writes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-plan-'));
    copyFileSync(RECORDED_RUN, path.join(dir, 'run.json'));
    expect((await kbench(dir, 'baseline', 'update', 'run.json')).code).toBe(0);
    const result = await kbench(dir, 'run', '--plan', '--json');
    expect(result.code).toBe(0);
    const { plan, noiseSource } = JSON.parse(result.stdout);
    expect(noiseSource).toMatch(/^baseline\.json \(debian-testbed-/);
    expect(plan.expectedSeconds).toBeGreaterThan(60);
    expect(plan.expectedSeconds).toBeLessThanOrEqual(15 * 60); // the default --budget
    expect(plan.fullRounds).toBeGreaterThanOrEqual(3);
    const memory = plan.metrics.find((m: { metricId: string }) => m.metricId === 'memory.used_after_boot.bytes');
    expect(memory.bootsPerSide).toBe(plan.fullRounds + plan.bootOnlyRounds);
    expect(memory.detectableChange).toBeGreaterThan(0);
    expect(readdirSync(dir).sort()).toEqual(['baseline.json', 'run.json']);

    const text = await kbench(dir, 'run', '--plan', '--runs', '4', '--boot-rounds', '2');
    expect(text.stdout).toMatch(/4 full rounds \+ 2 boot-only rounds = 6 boots per kernel, 12 in all/);
    expect(text.stdout).toMatch(/expected wall time: [\d.]+ (min|s) of run work/);
  });

  it('without a baseline for the guest it plans from priors and says the wall time is unknown', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-plan-'));
    const result = await kbench(dir, 'run', '--plan', '--target', 'freebsd');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/noise from priors \(baseline.json holds no run of freebsd\)/);
    expect(result.stdout).toMatch(/expected wall time: unknown until one run has finished on this host/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
