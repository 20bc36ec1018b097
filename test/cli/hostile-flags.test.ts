/**
 * Hostile flags and resumed settings through the real CLI: strict integers, settings read from
 * a --resume file named by file and field, flags that contradict the file, numbers at the limit.
 */
import { describe, expect, it } from 'vitest';
import { kbench, workdir } from '../helpers/cli.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';
import { goodBaseline, goodRun, refused, resumable } from './hostile.ts';

describe.concurrent('strict numeric flags', { timeout: 240_000 }, () => {
  it.each([
    [['run', '--runs', '0x3'], /^error: option '--runs <n>' argument '0x3' is invalid\. --runs must be an integer in \[1, 100\], got "0x3"$/],
    [['run', '--runs', ' 3'], /--runs must be an integer in \[1, 100\], got " 3"/],
    [['run', '--runs', '1e1'], /--runs must be an integer/],
    [['run', '--runs', '3.0'], /--runs must be an integer/],
    [['run', '--seed', '0b101'], /--seed must be an integer/],
    [['compare', 'r.json', '--alpha', '0x1'], /--alpha must be a number in/],
    [['compare', 'r.json', '--alpha', 'Infinity'], /--alpha must be a number in/],
    [['compare', 'r.json', '--threshold', '-0'], /--threshold must be a number in/],
    [['baseline', 'update', 'r.json', '--wait', '1_0'], /--wait must be a number in/],
  ])('%j is refused', async (args, pattern) => {
    await refused(workdir({ 'r.json': goodRun() }), args, pattern);
  });
});

describe.concurrent('--resume: settings come from the file and are checked as the file', { timeout: 240_000 }, () => {
  const withSettings = (change: Record<string, unknown>) => {
    const file = resumable();
    Object.assign(file.settings!, change);
    return workdir({ 'r.json': file });
  };
  it.each([
    [{ target: 'evil\u001b]0;x\u0007' }, /^kbench: r\.json: field settings\.target: unknown target "evil\\u001b\]0;x\\u0007" \(known: debian-testbed/],
    [{ target: 'openbsd', backend: 'lima' }, /^kbench: r\.json: field settings\.backend: target openbsd cannot run on "lima"/],
    [{ suite: 'x'.repeat(3000) } as Record<string, unknown>, /^kbench: r\.json: field settings\.suite: unknown suite "x+…" \(known: zfs\)$/],
    [{ workloads: ['pool_create', 'rm -rf'] }, /^kbench: r\.json: field settings\.workloads\[1\]: unknown workload "rm -rf" in suite zfs$/],
    [{ kernels: ['stock', 'stock'] }, /^kbench: r\.json: field settings\.kernels: must list stock and\/or custom once each/],
  ])('hostile settings name the file and field (case %#)', async (change, pattern) => {
    await refused(withSettings(change), ['run', '--resume', 'r.json'], pattern);
  });

  it.each([
    [
      ['--backend', 'ssh'],
      /^kbench: --backend: contradicts r\.json \(field settings\.backend is "qemu"\); drop --backend to resume as recorded, or add --override to change it$/,
    ],
    [['--target', 'freebsd'], /^kbench: --target: contradicts r\.json \(field settings\.target is "debian-testbed"\)/],
    [['--kernels', 'custom,stock'], /^kbench: --kernels: contradicts r\.json \(field settings\.kernels is \["stock","custom"\]\)/],
    [['--suite', 'other'], /^kbench: --suite: contradicts r\.json/],
    [['--only', 'pool_create'], /^kbench: --only: contradicts r\.json \(field settings\.workloads is null\)/],
    [['--runs', '5'], /^kbench: --runs: contradicts r\.json \(field settings\.runs is \{"kind":"fixed","count":2\}\)/],
    [['--out', 'x.json'], /^kbench: --out: --resume r\.json writes to r\.json; drop --out$/],
  ])('refuses %j that contradicts the file', async (flags, pattern) => {
    await refused(withSettings({}), ['run', '--resume', 'r.json', ...flags], pattern);
  });

  it('takes a contradicting --backend with --override (and then uses it: here ssh, with no machine set)', async () => {
    const line = await refused(
      withSettings({}),
      ['run', '--resume', 'r.json', '--backend', 'ssh', '--override'],
      /^kbench: backend ssh: no machine given; set KBENCH_SSH_TARGET/,
    );
    expect(line).not.toMatch(/qemu|testbed/);
  });

  it('accepts flags that agree with the file', async () => {
    const line = await refused(
      withSettings({}),
      ['run', '--resume', 'r.json', '--backend', 'qemu', '--kernels', 'stock,custom', '--runs', '2', '--target', 'debian-testbed', '--only', 'nope'],
      /--only: contradicts/,
    );
    expect(line).toMatch(/settings\.workloads is null/);
  });
});

describe.concurrent('numbers at the limit of a double', { timeout: 240_000 }, () => {
  it('samples equal to Number.MAX_VALUE compare without Infinity or ±NaN%', async () => {
    const values = Array.from({ length: 10 }, () => Number.MAX_VALUE);
    const run = runFile([target('custom', [metric('zfs.pool_create.seconds', values)])]);
    const baseline = { ...structuredClone(run), kind: 'baseline' as const, runId: 'baseline', settings: null };
    const result = await kbench(workdir({ 'run.json': run, 'baseline.json': baseline }), ['compare', 'run.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/NaN|Infinity/);
    expect(result.stdout).toMatch(/zfs\.pool_create\.seconds .*±0\.0% \(4 boots, n=10\).*\+0\.0%.*= equivalent/);
    expect(goodBaseline().kind).toBe('baseline');
  });
});
