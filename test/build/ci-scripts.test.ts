/**
 * .ci/record.sh (the trend job on main) run here on recorded results: a runner class with no
 * stored baseline passes with a notice and leaves the run as that class's baseline for upload;
 * a class that has one is compared for the summary and never fails the job. The results are
 * the recorded testbed runs in test/fixtures/results (wall clock: a class with no baseline
 * here; icount: the class of baseline.json). KBENCH_RECORD_RESULTS skips the run itself.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const project = path.resolve(import.meta.dirname, '../..');

async function record(results: string, cwd: string) {
  const summary = path.join(cwd, 'step-summary.md');
  writeFileSync(summary, '');
  const env = {
    KBENCH_RECORD_RESULTS: results,
    KBENCH_RECORD_OUT: path.join(cwd, 'main'),
    KBENCH_BASELINES: path.join(cwd, 'baselines'),
    GITHUB_STEP_SUMMARY: summary,
    KBENCH_DB: path.join(cwd, 'kbench.db'),
  };
  const run = await execa('sh', [path.join(project, '.ci/record.sh')], { cwd, env, reject: false, timeout: 120_000 });
  return { ...run, summary: readFileSync(summary, 'utf8') };
}

describe('.ci/record.sh', { timeout: 180_000 }, () => {
  it('a runner class with no stored baseline: exit 0, a notice, the run written as its baseline, the summary written', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'kbench-record-'));
    const result = await record(path.join(project, 'test/fixtures/results/testbed-run.json'), cwd);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^::notice title=kbench trend::no stored baseline for debian-testbed on runner class linux-x64-qemu-tcg-wall: this run passes and is uploaded as baseline-debian-testbed-linux-x64-qemu-tcg-wall\.json/m,
    );
    const baseline = JSON.parse(readFileSync(path.join(cwd, 'main', 'baseline-debian-testbed-linux-x64-qemu-tcg-wall.json'), 'utf8'));
    expect(baseline.kind).toBe('baseline');
    expect(result.summary).toMatch(/^## kbench trend \(main\)\n\nno stored baseline for debian-testbed/);
    expect(result.summary).toMatch(/^## kbench: /m);
    expect(existsSync(path.join(cwd, 'main', 'report.html'))).toBe(true);
  });

  it('the class of baseline.json (this host): compared for the summary, exit 0 whatever the trend says', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'kbench-record-'));
    writeFileSync(path.join(cwd, 'baseline.json'), readFileSync(path.join(project, 'baseline.json')));
    const result = await record(path.join(project, 'test/fixtures/results/testbed-icount-sleep-idle-run.json'), cwd);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^::(notice|warning) title=kbench trend::(no regression|a regression|kbench compare) against baseline\.json/m);
    expect(result.summary).toMatch(/against baseline/);
    expect(existsSync(path.join(cwd, 'main', 'baseline-debian-testbed-linux-x64-qemu-tcg-icount0-sleep.json'))).toBe(false);
  });
});
