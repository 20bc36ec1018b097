/** A real results file from the Debian testbed (kbench run, 3 boots per kernel, QEMU TCG). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSets, pairStockVsCustom } from '../../harness/compare/index.ts';
import { renderOutcomeText } from '../../harness/render/exporters/text.ts';
import { parseResults } from '../../harness/results/store.ts';
import { metricIds, SUITES } from '../../suites/index.ts';

const file = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');
const results = parseResults(readFileSync(file, 'utf8'), file);

// The suite gained this metric after the run was recorded (2026-12-02, commit 226609a):
// the fixture is a real run and stays as recorded, so it is expected to lack exactly these.
const ADDED_AFTER_RECORDING = new Set(['boot.kernel_to_init.seconds']);

describe('the recorded testbed run', () => {
  it('is a complete run of the whole suite on both kernels, with warm-ups kept apart', () => {
    expect(results.complete).toBe(true);
    expect(results.host!.acceleration).toBe('qemu-tcg');
    expect(results.targets.map((t) => t.id)).toEqual(['debian/stock', 'debian/custom']);
    for (const target of results.targets) {
      expect(target.metrics.map((m) => m.id).sort()).toEqual([...metricIds(SUITES.zfs!)].filter((id) => !ADDED_AFTER_RECORDING.has(id)).sort());
      expect(target.guest.poolProperties).toMatchObject({ ashift: '12', compression: 'off', recordsize: '128k' });
      const poolCreate = target.metrics.find((m) => m.id === 'zfs.pool_create.seconds')!;
      expect(poolCreate.samples).toHaveLength(9);
      expect(poolCreate.warmup).toHaveLength(3);
      expect(new Set(poolCreate.samples.map((s) => s.boot))).toEqual(new Set([0, 1, 2]));
    }
    // Only the custom kernel carries the M-series ZFS tuning (ARC as a share of RAM).
    const custom = results.targets.find((t) => t.id === 'debian/custom')!;
    const stock = results.targets.find((t) => t.id === 'debian/stock')!;
    expect(custom.guest.zfsTunables.zfs_arc_max).not.toBe(stock.guest.zfsTunables.zfs_arc_max);
  });

  it('gives the custom-vs-stock table, with unmeasured chksum columns skipped and explained', () => {
    const outcome = compareSets(pairStockVsCustom(results));
    const table = renderOutcomeText(outcome, 'custom-vs-stock');
    expect(table).toMatch(/debian: custom vs stock kernel/);
    expect(table).toMatch(/skipped: zfs\.checksum\.sha256_1m\.mib_per_s: no samples on either side: chksum_bench did not measure sha256 at 1m/);
    // The cloud kernel image is larger than the generic one (drivers built in): a measured fact, not the seed's -33%.
    const size = outcome.sets[0]!.rows.find((row) => row.metricId === 'kernel.image.bytes')!;
    expect(size.ratio).toBeGreaterThan(1.5);
    // Deterministic: decided exactly (larger is worse), outside the multiple-testing family.
    expect(size.method).toBe('exact');
    expect(size.verdict).toBe('regressed');
    expect(table).toMatch(/deterministic: kernel\.image\.bytes \+72%/);
  });
});
