import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baselineFromRuns } from '../../harness/baseline/index.ts';
import { compareSets, pairRunVsBaseline, pairStockVsCustom } from '../../harness/compare/index.ts';
import { ResultsFile } from '../../harness/results/schema.ts';

// Recorded: two default `npm run main` runs (3 full + 3 boot-only rounds per kernel) of the Debian
// testbed under QEMU TCG on this project's host (x86_64 Debian 12, 2 cores), 2026-12-01, one after
// the other with the same kernels (6.1.0-57-amd64 and 6.1.0-57-cloud-amd64).
const load = (name: string) => ResultsFile.parse(JSON.parse(readFileSync(new URL(`../fixtures/results/${name}`, import.meta.url), 'utf8')));
const runA = load('testbed-run-a.json');
const runB = load('testbed-run-b.json');

describe('two real runs of the same kernels', () => {
  it('record the plan, the host load per boot and the boot-only rounds', () => {
    expect(runB.settings!.bootOnlyRounds).toBe(3);
    expect(runB.hostLoad).toHaveLength(12);
    const memory = runB.targets[0]!.metrics.find((m) => m.id === 'memory.used_after_boot.bytes')!;
    expect(new Set(memory.samples.map((s) => s.boot)).size).toBe(6);
    const scrub = runB.targets[0]!.metrics.find((m) => m.id === 'zfs.scrub.seconds')!;
    expect(new Set(scrub.samples.map((s) => s.boot)).size).toBe(3);
  });

  it('A/A: the second against the first as baseline raises no false call', () => {
    const outcome = compareSets(pairRunVsBaseline(runB, baselineFromRuns([{ file: 'a.json', results: runA }])));
    expect(outcome.regressions).toEqual([]);
    expect(outcome.improvements).toEqual([]);
    expect(outcome.equivalent.map((r) => r.metricId)).toContain('kernel.image.bytes');
  });

  it('custom vs stock: kernel size, memory and boot kernel time are decided', () => {
    const rows = compareSets(pairStockVsCustom(runB)).sets[0]!.rows;
    const verdict = (id: string) => rows.find((r) => r.metricId === id)!.verdict;
    expect(verdict('kernel.image.bytes')).toBe('regressed');
    expect(verdict('boot.kernel.seconds')).toBe('improved');
    expect(verdict('memory.used_after_boot.bytes')).toBe('improved');
  });
});
