/**
 * `kbench compare` on the recorded testbed runs (test/fixtures/results/testbed-run-{a,b}.json,
 * two real runs on the same idle host): run a is the baseline; run b is made into the kind of
 * run the issue saw, measured on a loaded host (other processes at 86% of the host's CPU time,
 * every timing 1.6× slower). The line above the verdicts names the busy host, CI mode marks the
 * verdicts, and --strict-conditions takes them out of the exit code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResultsFile } from '../../harness/results/schema.ts';
import { kbench, workdir } from '../helpers/cli.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/results');
const fixture = (name: string): ResultsFile => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as ResultsFile;

/** Run b with every timing 1.6× slower; `busy` sets other processes' share of the host's CPU in every boot. */
function slowerRunB(busy: number | null): ResultsFile {
  const run = fixture('testbed-run-b.json');
  for (const target of run.targets)
    for (const metric of target.metrics) if (metric.direction === 'lower' && metric.unit === 's') for (const sample of metric.samples) sample.value *= 1.6;
  if (busy !== null) for (const load of run.hostLoad ?? []) load.otherBusyFraction = busy;
  return run;
}

// Not CI mode unless a test asks for it: the host's own $CI must not change what is printed.
const NOT_CI = { CI: '' };

async function setUp(candidate: ResultsFile): Promise<string> {
  const dir = workdir({ 'run-a.json': fixture('testbed-run-a.json'), 'candidate.json': candidate });
  expect((await kbench(dir, ['baseline', 'update', 'run-a.json'], NOT_CI)).code).toBe(0);
  return dir;
}

describe('kbench compare: conditions compared', () => {
  it('a run on a loaded host against an idle baseline: one line above the verdicts, exit 1; --strict-conditions: exit 0 and says why', async () => {
    const dir = await setUp(slowerRunB(0.86));
    const plain = await kbench(dir, ['compare', 'candidate.json'], NOT_CI);
    expect(plain.code).toBe(1);
    const line =
      "conditions differ: run host busy 86% vs baseline 0% (other processes' share of the host's CPU time, median per boot); verdicts may reflect the host, not the kernel";
    const lines = plain.stdout.split('\n');
    const at = lines.findIndex((l) => l.trim() === line);
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toMatch(/^ {2}metric +baseline +run /);
    expect(plain.stdout).toMatch(/boot\.kernel\.seconds .*✗ regressed\n/);
    expect(plain.stdout).not.toContain('†');

    const ci = await kbench(dir, ['compare', 'candidate.json', '--ci'], NOT_CI);
    expect(ci.code).toBe(1);
    expect(ci.stdout).toContain(`${line} (verdicts marked †)`);
    expect(ci.stdout).toMatch(/boot\.kernel\.seconds .*✗ regressed †/);
    expect((await kbench(dir, ['compare', 'candidate.json'], { CI: 'true' })).stdout).toMatch(/✗ regressed †/);

    const strict = await kbench(dir, ['compare', 'candidate.json', '--strict-conditions'], NOT_CI);
    expect(strict.code).toBe(0);
    expect(strict.stdout).toMatch(/debian\/custom vs baseline: boot\.kernel\.seconds .* † conditions differ: not counted \(--strict-conditions\)/);
    expect(strict.stdout).toMatch(/--strict-conditions: \d+ regressed\/improved verdicts made under different conditions are not counted toward the exit code/);

    const json = await kbench(dir, ['compare', 'candidate.json', '--json', '--strict-conditions'], NOT_CI);
    expect(json.code).toBe(0);
    const outcome = JSON.parse(json.stdout);
    expect(outcome.conditions.strict).toBe(true);
    expect(outcome.conditions.differ.map((d: { set: string }) => d.set)).toEqual(['debian/stock vs baseline', 'debian/custom vs baseline']);
    expect(outcome.conditions.notCounted).toContain('debian/custom boot.kernel.seconds');
    expect(outcome.sets[1].conditions.candidate.hostBusy).toBe(0.86);
    expect(outcome.regressions.every((row: { conditionsDiffer: boolean }) => row.conditionsDiffer)).toBe(true);
  });

  it('the same slowdown on an idle host: no line, and --strict-conditions still fails the gate', async () => {
    const dir = await setUp(slowerRunB(null));
    const strict = await kbench(dir, ['compare', 'candidate.json', '--strict-conditions', '--ci'], NOT_CI);
    expect(strict.stdout).not.toContain('conditions differ');
    expect(strict.stdout).toMatch(/Regressions \([1-9]\d*\)/);
    expect(strict.code).toBe(1);
  });
});
