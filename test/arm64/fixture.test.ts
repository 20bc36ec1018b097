/**
 * The committed result of a real `npm run test:arm64` on this project's host (x86_64 Debian 12,
 * 2 cores, QEMU 7.2 TCG emulating aarch64, 2026-12-01): Debian's 6.12 arm64 kernel against the
 * seed's M-series kernel, the whole ZFS suite on both. The same checks as the heavy test.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareSets, pairStockVsCustom } from '../../harness/compare/index.ts';
import { emulationWarnings } from '../../harness/env/emulation.ts';
import { ResultsFile } from '../../harness/results/schema.ts';
import { expectMSeriesRun } from './expect-run.ts';

const file = new URL('../fixtures/results/debian-arm64-run.json', import.meta.url);
const run = ResultsFile.parse(JSON.parse(readFileSync(file, 'utf8')));

describe('recorded debian-arm64 run', () => {
  it('booted the M-series kernel with 16K pages and measured ZFS on both kernels', () => {
    expectMSeriesRun(run);
    expect(run.host!.acceleration).toBe('qemu-tcg');
    for (const target of run.targets) expect(target.guest.arch).toBe('aarch64');
  });

  it('custom vs stock: the kernel size is decided exactly, and the report says the ratios are emulated', () => {
    const rows = compareSets(pairStockVsCustom(run)).sets[0]!.rows;
    const size = rows.find((r) => r.metricId === 'kernel.image.bytes')!;
    expect(size.method).toBe('exact');
    expect(['regressed', 'improved']).toContain(size.verdict);
    expect(emulationWarnings('run.json', run)[0]).toMatch(/aarch64 guests were emulated .* say nothing about an Apple M-series Mac/);
  });
});
