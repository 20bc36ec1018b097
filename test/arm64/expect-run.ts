/** What a real debian-arm64 run must show: shared by the heavy test and the committed fixture's test. */
import { expect } from 'vitest';
import type { ResultsFile } from '../../harness/results/schema.ts';

export function expectMSeriesRun(results: ResultsFile): void {
  expect(results.complete).toBe(true);
  expect(results.settings?.target).toBe('debian-arm64');
  const byId = new Map(results.targets.map((t) => [t.id, t]));
  const custom = byId.get('debian/custom');
  const stock = byId.get('debian/stock');
  expect(custom?.guest.kernelRelease).toMatch(/-m-series$/);
  expect(custom?.guest.pageSizeBytes).toBe(16384);
  expect(stock?.guest.kernelRelease).toMatch(/-arm64$/);
  expect(stock?.guest.pageSizeBytes).toBe(4096);
  expect(custom?.guest.kernelConfigSha256).not.toBe(stock?.guest.kernelConfigSha256);
  for (const target of [custom!, stock!]) {
    expect(target.guest.zfsVersion).toMatch(/^(zfs-)?2\.3\./);
    const zfsMeasured = target.metrics.filter((m) => m.id.startsWith('zfs.') && m.status.kind === 'measured' && m.samples.length > 0);
    // pool_create, checksum, scrub, send_recv and snapshots each measure at least one metric.
    for (const prefix of ['zfs.pool_create.', 'zfs.checksum.', 'zfs.scrub.', 'zfs.send_recv.', 'zfs.snapshots.']) {
      expect(
        zfsMeasured.some((m) => m.id.startsWith(prefix)),
        `${target.id}: no measured ${prefix}* metric`,
      ).toBe(true);
    }
    for (const metric of zfsMeasured) for (const sample of metric.samples) expect(Number.isFinite(sample.value) && sample.value > 0).toBe(true);
  }
}
