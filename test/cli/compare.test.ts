import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { metric, runFile, target } from '../helpers/results-factory.ts';

const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');

async function kbench(cwd: string, ...args: string[]) {
  const result = await execa('node', [KBENCH, ...args], { cwd, reject: false });
  return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
}

function workdir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

// Ten samples each, in 4 boots (3+3+3+1): the test sees the 4 boot medians per side.
const steady = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0, 1.02];
const slower = steady.map((v) => v * 1.3);
const faster = [200, 202, 198, 201, 199, 200, 203, 197, 200, 201];

const baselineRun = runFile([
  target('custom', [metric('zfs.pool_create.seconds', steady), metric('zfs.send_recv.mb_per_s', faster, { unit: 'MB/s', direction: 'higher' })]),
]);
const regressedRun = runFile([
  target('custom', [metric('zfs.pool_create.seconds', slower), metric('zfs.send_recv.mb_per_s', faster, { unit: 'MB/s', direction: 'higher' })]),
]);

describe('kbench compare and baseline', () => {
  it('exits 1 on a regression and lists it separately', async () => {
    const dir = workdir({ 'base-run.json': baselineRun, 'new.json': regressedRun });
    expect((await kbench(dir, 'baseline', 'update', 'base-run.json')).code).toBe(0);
    const result = await kbench(dir, 'compare', 'new.json');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/zfs\.pool_create\.seconds .*\+30% \[\+2\d%, \+3\d%\] +±5% .*✗ regressed/);
    expect(result.stdout).toMatch(/Regressions \(1\):\n {2}debian\/custom vs baseline: zfs\.pool_create\.seconds/);
    expect(result.stdout).toMatch(/zfs\.send_recv\.mb_per_s .*= equivalent/);
  });

  it('exits 0 when nothing regressed, and --json has the verdicts', async () => {
    const dir = workdir({ 'base-run.json': baselineRun, 'same.json': baselineRun });
    await kbench(dir, 'baseline', 'update', 'base-run.json');
    const result = await kbench(dir, 'compare', 'same.json', '--json');
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.sets[0].rows.map((row: { verdict: string }) => row.verdict)).toEqual(['equivalent', 'equivalent']);
    expect(outcome.sets[0].rows[0].p).toBe(1);
    for (const row of outcome.sets[0].rows) {
      expect(row.metricId).toMatch(/^zfs\./);
      expect(row.ratioCI.low).toBeLessThanOrEqual(1);
      expect(row.ratioCI.high).toBeGreaterThanOrEqual(1);
      expect(row.noiseThreshold).toBe(0.05);
    }
  });

  it('prints the custom-vs-stock speedup table inside one run', async () => {
    const run = runFile([target('stock', [metric('zfs.pool_create.seconds', slower)]), target('custom', [metric('zfs.pool_create.seconds', steady)])]);
    const result = await kbench(workdir({ 'run.json': run }), 'compare', 'run.json', '--stock-vs-custom');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/debian: custom vs stock kernel/);
    expect(result.stdout).toMatch(/zfs\.pool_create\.seconds .*-23%.*✓ improved/);
  });

  it('never compares guest times on different clocks, not even with --allow-mismatch (exit 2, one line naming the field)', async () => {
    const icount = structuredClone(regressedRun);
    icount.host!.guestClock = { kind: 'icount', shift: 0 };
    const dir = workdir({ 'base-run.json': baselineRun, 'icount.json': icount });
    await kbench(dir, 'baseline', 'update', 'base-run.json');
    for (const extra of [[], ['--allow-mismatch']]) {
      const refused = await kbench(dir, 'compare', 'icount.json', ...extra);
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim()).toBe(
        'kbench: icount.json: field host.guestClock: "QEMU icount shift=0 (1 ns of guest time per guest instruction, idle skipped to the next timer)", but baseline.json ran on "host wall clock": times on different guest clocks are never compared (re-measure the baseline on this clock)',
      );
    }
  });

  it('refuses results from another machine unless --allow-mismatch', async () => {
    const other = structuredClone(regressedRun);
    other.host!.chip = 'Apple M2';
    const dir = workdir({ 'base-run.json': baselineRun, 'other.json': other });
    await kbench(dir, 'baseline', 'update', 'base-run.json');
    const refused = await kbench(dir, 'compare', 'other.json');
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'kbench: other.json: fingerprint differs from baseline.json: host.chip "AMD EPYC 7B13" vs "Apple M2" (use --allow-mismatch to compare anyway)',
    );
    expect((await kbench(dir, 'compare', 'other.json', '--allow-mismatch')).code).toBe(1);
  });

  it.each([
    ['bad JSON', '{"format": "kbench-results",', /not valid JSON/],
    ['a negative time', JSON.stringify(baselineRun).replace('"value":1.01', '"value":-1.01'), /samples\[1\]\.value: must not be negative/],
    ['empty samples', JSON.stringify(runFile([target('custom', [metric('zfs.pool_create.seconds', [])])])), null],
  ])('exits 2 on %s, with one line', async (name, text, pattern) => {
    const dir = workdir({ 'base-run.json': baselineRun, 'bad.json': text });
    await kbench(dir, 'baseline', 'update', 'base-run.json');
    const result = await kbench(dir, 'compare', 'bad.json');
    if (pattern === null) {
      // Empty samples are valid input; the metric cannot be judged and says why.
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/\? inconclusive/);
      return;
    }
    expect(result.code, name).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
  });

  it('exits 2 on bad options', async () => {
    const dir = workdir({ 'run.json': baselineRun });
    const result = await kbench(dir, 'compare', 'run.json', '--alpha', 'lots');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--alpha must be a number in/);
  });

  it('baseline update writes nothing when any input is bad', async () => {
    const unfinished = { ...baselineRun, complete: false };
    const dir = workdir({ 'ok.json': baselineRun, 'unfinished.json': unfinished });
    const result = await kbench(dir, 'baseline', 'update', 'ok.json', 'unfinished.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unfinished\.json: field complete: the run is unfinished/);
    expect(existsSync(path.join(dir, 'baseline.json'))).toBe(false);
  });

  it('baseline show describes an empty baseline and the real one at the repo root is valid and empty of fabricated samples', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const result = await kbench(root, 'baseline', 'show');
    expect(result.code).toBe(0);
    const data = JSON.parse(readFileSync(path.join(root, 'baseline.json'), 'utf8'));
    for (const t of data.targets) for (const m of t.metrics) expect(data.sources.length, `${t.id} ${m.id} has samples with no source run`).toBeGreaterThan(0);
  });

  it('--help works for every command', async () => {
    const dir = workdir({});
    for (const args of [
      ['--help'],
      ['compare', '--help'],
      ['run', '--help'],
      ['baseline', 'update', '--help'],
      ['baseline', 'show', '--help'],
      ['report', '--help'],
    ]) {
      const result = await kbench(dir, ...args);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/Usage: kbench/);
    }
  });
});
