/**
 * The recorded icount run (test/fixtures/results/testbed-icount-run.json): recorded from a real
 * system, this repository's Debian ZFS testbed (OpenZFS 2.3.2, kernels 6.1.0-57-amd64 and
 * -cloud-amd64) under QEMU 7.2 TCG with `-icount shift=0,sleep=off,align=off -smp 1` on the
 * 2-core x86_64 Debian 12 host, 2026-12-02, `kbench run --runs 3`. What it shows is checked here
 * on the data itself, so a change to the workloads or the statistics that loses it fails.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSets, nestedSamples, pairStockVsCustom } from '../../harness/compare/index.ts';
import { loadResults } from '../../harness/results/index.ts';
import { guestClockOf } from '../../harness/results/schema.ts';
import { varianceComponents } from '../../harness/stats/index.ts';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'results', 'testbed-icount-run.json');

describe('the recorded icount run', async () => {
  const run = await loadResults(FIXTURE);

  it('records its clock, one vCPU, and guest-RAM pools for every ZFS metric', () => {
    expect(guestClockOf(run.host)).toEqual({ kind: 'icount', shift: 0 });
    for (const target of run.targets) {
      expect(target.guest.vcpus).toBe(1);
      for (const metric of target.metrics.filter((m) => m.id.startsWith('zfs.'))) expect(metric.scratch, metric.id).toBe('guest-ram');
    }
  });

  it('measures every *_1m checksum (no "not run in time")', () => {
    for (const target of run.targets)
      for (const algorithm of ['sha256', 'sha512', 'blake3']) {
        const metric = target.metrics.find((m) => m.id === `zfs.checksum.${algorithm}_1m.mib_per_s`)!;
        expect(metric.samples.length, `${target.id} ${metric.id}`).toBeGreaterThanOrEqual(6);
        expect(metric.failures).toEqual([]);
      }
  });

  it('the in-kernel checksum benchmarks vary by at most 0.5% between boots (sd of log boot medians)', () => {
    for (const target of run.targets)
      for (const metric of target.metrics.filter((m) => /fletcher4_|_256k/.test(m.id))) {
        const between = varianceComponents(nestedSamples(metric)).unitSummaryLogVariance!;
        expect(Math.sqrt(between), `${target.id} ${metric.id}`).toBeLessThanOrEqual(0.005);
      }
  });

  it('stock vs custom: no ZFS metric is left inconclusive because of noise it could not average away', () => {
    const outcome = compareSets(pairStockVsCustom(run));
    const decided = outcome.sets[0]!.rows.filter((row) => row.verdict !== 'inconclusive');
    expect(decided.length).toBeGreaterThanOrEqual(18);
  });
});
