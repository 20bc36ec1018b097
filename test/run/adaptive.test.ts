import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareSets, pairStockVsCustom } from '../../harness/compare/index.ts';
import { ResultsFile } from '../../harness/results/schema.ts';
import { adaptiveUnsettled } from '../../harness/run/engine.ts';

// Recorded: a real quick run of the Debian testbed under QEMU TCG on this project's host.
const run = ResultsFile.parse(JSON.parse(readFileSync(new URL('../fixtures/results/testbed-run.json', import.meta.url), 'utf8')));

describe('adaptive stopping', () => {
  it('waits only for inconclusive metrics that more boots (within the cap) would decide', () => {
    const unsettled = adaptiveUnsettled(run, 30, 0.02);
    const rows = compareSets(pairStockVsCustom(run)).sets[0]!.rows;
    for (const id of unsettled) {
      const row = rows.find((r) => r.metricId === id)!;
      expect(row.verdict).toBe('inconclusive');
      expect(row.bootsToDecide).toBeLessThanOrEqual(30);
    }
    // Decided metrics (the exact kernel size) and series whose samples all failed are never waited for.
    expect(unsettled).not.toContain('kernel.image.bytes');
    expect(unsettled.some((id) => id.endsWith('_1m.mib_per_s'))).toBe(false);
    expect(unsettled.length).toBeGreaterThan(0);
  });

  it('with a cap of 3 boots nothing is left that more boots could settle', () => {
    expect(adaptiveUnsettled(run, 3, 0.02)).toEqual([]);
  });

  it('with one kernel it waits until each center is known to the target precision', () => {
    const single = { ...run, targets: run.targets.filter((t) => t.id === 'debian/stock') };
    const loose = adaptiveUnsettled(single, 30, 0.5);
    const strict = adaptiveUnsettled(single, 30, 0.001);
    expect(loose.length).toBeLessThan(strict.length);
    expect(strict).not.toContain('zfs.checksum.sha256_1m.mib_per_s');
  });
});
