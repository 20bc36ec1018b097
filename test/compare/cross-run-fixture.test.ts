/**
 * A run compared with a baseline pooled from two earlier runs, on real data: three main-job runs
 * of this repository's Debian ZFS testbed in the default mode (QEMU 7.2 TCG, `-icount
 * shift=0,sleep=on,align=off -smp 1`, 2-core x86_64 Debian 12 host, 2026-12-04), kept as
 * test/fixtures/results/testbed-icount-sleep-{idle,hog,idle2}-run.json: idle, under `stress-ng
 * --cpu 2`, idle again. The baseline pools the first two (as `kbench baseline update` does); the
 * third is the candidate. Same kernels throughout, so every regressed/improved would be false.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineFromRuns } from '../../harness/baseline/index.ts';
import { compareSets, pairRunVsBaseline } from '../../harness/compare/index.ts';
import { loadResults } from '../../harness/results/index.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'results');
const load = async (name: string) => ({ file: name, results: await loadResults(path.join(FIXTURES, name)) });

describe('a third run against a baseline pooled from an idle and a loaded run (real runs, icount sleep=on)', async () => {
  const idle = await load('testbed-icount-sleep-idle-run.json');
  const hog = await load('testbed-icount-sleep-hog-run.json');
  const third = await load('testbed-icount-sleep-idle2-run.json');
  const baseline = baselineFromRuns([idle, hog], new Date('2026-12-04T20:00:00Z'));
  const sets = pairRunVsBaseline(third.results, baseline);
  const rows = compareSets(sets).sets.flatMap((set) => set.rows);

  it('calls nothing regressed or improved', () => {
    expect(rows.length).toBe(50);
    expect(rows.filter((row) => row.verdict === 'regressed' || row.verdict === 'improved').map((row) => row.key)).toEqual([]);
  });

  it('keeps the host clock drift of the loaded run out of the guest-timed intervals, so the ZFS metrics are decided', () => {
    const zfs = rows.filter((row) => row.metricId.startsWith('zfs.'));
    expect(zfs.length).toBe(36);
    for (const row of zfs) expect(row.verdict, row.key).toBe('equivalent');
    const scrub = rows.find((row) => row.metricId === 'zfs.scrub.seconds')!;
    expect(Math.log(scrub.ratioCI!.high / scrub.ratioCI!.low)).toBeLessThan(0.05);
    // boot.host_to_ssh is the host's clock: its 73% drift between the idle and the loaded run stays in its own interval.
    const ssh = rows.find((row) => row.metricId === 'boot.host_to_ssh.seconds')!;
    expect(ssh.verdict).toBe('inconclusive');
    expect(ssh.runLevel!.variance!).toBeGreaterThan(0.1);
  });

  it('with one drift group for every metric (as before), the same comparison decides no ZFS metric', () => {
    const ungrouped = sets.map((set) => ({ ...set, pairs: set.pairs.map(({ driftGroup: _, ...pair }) => pair) }));
    const zfs = compareSets(ungrouped)
      .sets.flatMap((set) => set.rows)
      .filter((row) => row.metricId.startsWith('zfs.') && row.method === 'welch-log-boots');
    expect(zfs.length).toBe(30); // the three 256k kstats are identical on every boot: compared exactly either way
    expect(zfs.filter((row) => row.verdict === 'equivalent')).toEqual([]);
  });
});
