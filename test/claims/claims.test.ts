/** Claims judged on constructed results that must confirm, refute and stay inconclusive, and on the real testbed run. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClaimsSync, parseClaims } from '../../harness/claims/file.ts';
import { judgeClaim, judgeClaims } from '../../harness/claims/judge.ts';
import { measurementsFromCells, measurementsFromRun, runSpeedupRows } from '../../harness/claims/measurements.ts';
import { aggregateSpeedups } from '../../harness/community/aggregate.ts';
import { runSpeedups } from '../../harness/community/measure.ts';
import { parseResults } from '../../harness/results/store.ts';
import { renderClaimsTable } from '../../harness/cli/claims-command.ts';
import { HOST, metric, runFile, target } from '../helpers/results-factory.ts';

const claims = loadClaimsSync();
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');

/** 9 pool-create samples per kernel around `stock` and `custom` seconds, with a little spread. */
const spread = (centre: number, n = 9): number[] => Array.from({ length: n }, (_, i) => centre * (1 + ((i % 3) - 1) * 0.01));
/** The custom side is the seed's M-series kernel (its release ends "-m-series") unless `customRelease` says otherwise. */
function poolRun(stockSeconds: number, customSeconds: number, os: 'debian' | 'alpine' = 'debian', chip = 'Apple M2', customRelease = '6.12.117-m-series') {
  const custom = target('custom', [metric('zfs.pool_create.seconds', spread(customSeconds))], os);
  return runFile(
    [target('stock', [metric('zfs.pool_create.seconds', spread(stockSeconds))], os), { ...custom, guest: { ...custom.guest, kernelRelease: customRelease } }],
    { host: { ...HOST, chip, arch: 'arm64', acceleration: 'vz', hypervisor: 'lima' } },
  );
}
const judgeRun = (run: ReturnType<typeof poolRun>) =>
  judgeClaims(claims, measurementsFromRun(runSpeedupRows(runSpeedups(run, 'm')), run, 'constructed.json')).filter(
    (r) => r.metricId === 'zfs.pool_create.seconds',
  );

describe('judgeClaim', () => {
  it('confirmed at or above, refuted wholly below, inconclusive when the CI contains the claim or there is none', () => {
    expect(judgeClaim(1.5, { low: 1.6, high: 1.9 })).toBe('confirmed');
    expect(judgeClaim(1.5, { low: 1.5, high: 1.9 })).toBe('confirmed');
    expect(judgeClaim(1.5, { low: 1.2, high: 1.7 })).toBe('inconclusive');
    expect(judgeClaim(1.5, { low: 1.1, high: 1.3 })).toBe('refuted');
    expect(judgeClaim(1.5, null)).toBe('inconclusive');
  });
});

describe('claims on constructed runs (the pool-create claim is 1.75x)', () => {
  it('confirms a 2x faster pool create', () => {
    const [general, alpine, freebsd] = judgeRun(poolRun(2.0, 1.0));
    expect(general).toMatchObject({
      claimGuestOs: null,
      verdict: 'confirmed',
      measuredGuestOs: 'debian',
      onClaimedPlatform: true,
      onClaimedKernel: true,
      measuredKernel: '6.12.117-m-series',
    });
    expect(general!.speedup).toBeCloseTo(2, 5);
    expect(general!.ci!.low).toBeGreaterThanOrEqual(1.75);
    expect(general!.n).toBe('9+9 samples, 3+3 boots (stock+custom)');
    expect(alpine!.verdict).toBe('not measured');
    expect(freebsd!.verdict).toBe('not measured');
  });

  it('gives no verdict on the claim when the custom kernel measured is not the claimed one, and says what its CI shows', () => {
    const [general] = judgeRun(poolRun(2.0, 1.0, 'debian', 'Apple M2', '6.1.0-57-cloud-amd64'));
    expect(general).toMatchObject({
      verdict: 'measured on another kernel',
      ciAgainstClaim: 'confirmed',
      onClaimedKernel: false,
      measuredKernel: '6.1.0-57-cloud-amd64',
    });
    expect(general!.note).toMatch(
      /^measured kernel 6\.1\.0-57-cloud-amd64 is not the seed's M-series kernel .*: no verdict on the claim; on that kernel the whole 95% CI \[/,
    );
  });

  it('judges, saying it cannot tell the kernel, on a guest OS whose release carries no kernel ident (a BSD)', () => {
    const freebsd = judgeClaims(claims, [
      {
        guestOs: 'freebsd',
        metricId: 'zfs.pool_create.seconds',
        speedup: 2,
        ci: { low: 1.8, high: 2.2 },
        n: '9+9',
        chipClasses: ['M2'],
        platform: 'Apple M2, arm64, vz',
        source: 'x.json',
        ciBasis: null,
        kernelRelease: '15.1-RELEASE',
      },
    ]).find((r) => r.claimGuestOs === 'freebsd' && r.metricId === 'zfs.pool_create.seconds')!;
    expect(freebsd).toMatchObject({ verdict: 'confirmed', onClaimedKernel: null, measuredKernel: '15.1-RELEASE' });
    expect(freebsd.note).toMatch(/kernel 15\.1-RELEASE: its release cannot tell whether it is the seed's M-series kernel/);
  });

  it('judges as before when the claims file names no claimed kernel', () => {
    const { claimedKernel: _dropped, ...withoutKernel } = claims;
    const run = poolRun(2.0, 1.0, 'debian', 'Apple M2', '6.1.0-57-cloud-amd64');
    const [general] = judgeClaims(withoutKernel, measurementsFromRun(runSpeedupRows(runSpeedups(run, 'm')), run, 'x.json')).filter(
      (r) => r.metricId === 'zfs.pool_create.seconds',
    );
    expect(general).toMatchObject({ verdict: 'confirmed', onClaimedKernel: null });
  });

  it('refutes no speedup at all', () => {
    const [general] = judgeRun(poolRun(2.0, 2.0));
    expect(general!.verdict).toBe('refuted');
    expect(general!.ci!.high).toBeLessThan(1.75);
  });

  it('stays inconclusive when machines disagree around the claim', () => {
    // Four M2 machines: 1.4x, 2.2x, 1.5x, 2.0x. Mean log speedup ~1.75x, the t interval spans it.
    const runs = [1.4, 2.2, 1.5, 2.0].map((s, i) => ({ run: poolRun(2.0 * s, 2.0), machine: `machine-${i}` }));
    const cells = aggregateSpeedups(runs.flatMap(({ run, machine }) => runSpeedups(run, machine)));
    expect(cells).toHaveLength(1);
    expect(cells[0]).toMatchObject({ chipClass: 'M2', guestOs: 'debian', machines: 4, runs: 4, ciBasis: 'machines' });
    const [general] = judgeClaims(claims, measurementsFromCells(cells)).filter((r) => r.metricId === 'zfs.pool_create.seconds');
    expect(general!.verdict).toBe('inconclusive');
    expect(general!.ci!.low).toBeLessThan(1.75);
    expect(general!.ci!.high).toBeGreaterThan(1.75);
    expect(general!.n).toBe('4 machines (4 runs)');
  });

  it('uses the claim made for the guest OS over the general one, and says when the platform is not the claimed one', () => {
    const rows = judgeRun(poolRun(2.0, 1.0, 'alpine', 'AMD EPYC'));
    const [general, alpine] = rows;
    expect(general!.verdict).toBe('not measured'); // alpine has its own claim
    expect(alpine).toMatchObject({ claimGuestOs: 'alpine', verdict: 'confirmed', onClaimedPlatform: false });
    expect(alpine!.note).toMatch(/measured on AMD EPYC, arm64, vz \(alpine guest\), not on the Apple M-series hosts/);
  });
});

describe('claims on the real testbed run (x86_64 Debian under QEMU TCG)', () => {
  it('judges every claim on the kernel it is about: the testbed custom side is Debian cloud + ZFS tuning, so no verdict', () => {
    const run = parseResults(readFileSync(FIXTURE, 'utf8'), FIXTURE);
    const rows = judgeClaims(claims, measurementsFromRun(runSpeedupRows(runSpeedups(run, 'testbed')), run, 'testbed-run.json'));
    expect(rows).toHaveLength(Object.values(claims.claims).flat().length);
    const measured = rows.filter((r) => r.verdict !== 'not measured');
    expect(measured.map((r) => r.metricId).sort()).toEqual([
      'boot.host_to_ssh.seconds',
      'kernel.image.bytes',
      'memory.used_after_boot.bytes',
      'zfs.checksum.fletcher4_fastest.bytes_per_s',
      'zfs.pool_create.seconds',
      'zfs.scrub.seconds',
    ]);
    for (const row of measured) {
      expect(row.platform).toBe('AMD EPYC, x64, qemu-tcg');
      expect(row.onClaimedPlatform).toBe(false);
      expect(row).toMatchObject({
        verdict: 'measured on another kernel',
        measuredKernel: run.targets.find((t) => t.id === 'debian/custom')!.guest.kernelRelease,
        onClaimedKernel: false,
      });
    }
    // A 4x checksum speedup is far outside what the testbed measured, but on a kernel the claim is not about.
    expect(rows.find((r) => r.metricId === 'zfs.checksum.fletcher4_fastest.bytes_per_s' && r.claimGuestOs === null)!.ciAgainstClaim).toBe('refuted');
    expect(rows.filter((r) => r.claimGuestOs === 'freebsd').every((r) => r.verdict === 'not measured')).toBe(true);
  });
});

describe('kbench claims text output', () => {
  it('names the kernel measured and gives no verdict on the claim for another kernel', () => {
    const file = path.resolve(import.meta.dirname, '../fixtures/results/testbed-icount-run.json');
    const run = parseResults(readFileSync(file, 'utf8'), file);
    const text = renderClaimsTable(
      judgeClaims(claims, measurementsFromRun(runSpeedupRows(runSpeedups(run, 'icount')), run, 'testbed-icount-run.json')),
      'kernels/claims.json',
    );
    expect(text.split('\n')[0]).toBe(
      'kernels/claims.json: 11 claim rows: 0 confirmed, 0 refuted, 0 inconclusive, 6 measured on another kernel, 5 not measured',
    );
    const fletcher = text.split('\n').find((line) => line.startsWith('zfs.checksum.fletcher4_fastest.bytes_per_s  4.0x for any guest'))!;
    expect(fletcher).toMatch(/measured on another kernel +1\.00× \[1\.00×, 1\.00×\] .*kernel 6\.1\.0-57-cloud-amd64 \(not the claimed kernel\)$/);
    expect(text).toContain("measured kernel 6.1.0-57-cloud-amd64 is not the seed's M-series kernel");
  });
});

describe("claims on the real debian-arm64 run (the seed's M-series kernel, aarch64 under QEMU TCG)", () => {
  it('judges the claims: the measured custom kernel is the claimed one', () => {
    const file = path.resolve(import.meta.dirname, '../fixtures/results/debian-arm64-run.json');
    const run = parseResults(readFileSync(file, 'utf8'), file);
    const measured = judgeClaims(claims, measurementsFromRun(runSpeedupRows(runSpeedups(run, 'arm64')), run, 'debian-arm64-run.json')).filter(
      (r) => r.verdict !== 'not measured',
    );
    expect(measured.length).toBeGreaterThan(0);
    for (const row of measured) {
      expect(row).toMatchObject({ measuredKernel: '6.12.117-m-series', onClaimedKernel: true });
      expect(row.verdict).toBe(row.ciAgainstClaim);
    }
    expect(measured.find((r) => r.metricId === 'zfs.checksum.fletcher4_fastest.bytes_per_s')!.verdict).toBe('refuted');
  });
});

describe('kernels/claims.json', () => {
  it('names the platform the claims were made for', () => {
    expect(claims.version).toBe(2);
    expect(claims.platform.chipClasses).toEqual(['M1', 'M2', 'M3', 'M4', 'M5']);
  });
  it('rejects a version-1 file and unknown fields with the field named', () => {
    expect(() => parseClaims('{"format":"kbench-claims","version":1}', 'c.json')).toThrow(/^c\.json: field version:/);
  });
});
