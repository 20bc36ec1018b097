/**
 * Every parser on output recorded from the Debian ZFS testbed (OpenZFS 2.3.2 on Debian 12,
 * kernel 6.1.0-56-amd64, QEMU TCG, 2 vCPUs, 2 GiB): the formats exactly as a real guest prints them.
 */
import { describe, expect, it } from 'vitest';
import { parseNamedKstat } from '../../harness/guest/common/arcstats.ts';
import { parseKstatBenchTable } from '../../harness/guest/common/kstat.ts';
import { describeOsRelease, parseOsRelease } from '../../harness/guest/common/os-release.ts';
import { parseImplSelector, parseZfsVersion } from '../../harness/guest/common/zfs.ts';
import { parseMeminfo, parseProcUptime, parseSystemdAnalyze } from '../../harness/guest/linux/parse.ts';
import { fixture } from './fixtures.ts';

const recorded = (name: string) => fixture('linux', `testbed/${name}`);

function value<T>(result: { ok: true; value: T } | { ok: false; error: string }): T {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('testbed kstats', () => {
  it('fletcher_4_bench: four implementations, superscalar fastest both ways', () => {
    const table = value(parseKstatBenchTable(recorded('fletcher_4_bench.txt'), 'spl'));
    expect(Object.keys(table.rows)).toEqual(['scalar', 'superscalar', 'superscalar4', 'sse2']);
    expect(table.rows.scalar).toEqual({ native: 1581097565, byteswap: 1595483974 });
    expect(table.fastest).toEqual({ native: 'superscalar', byteswap: 'superscalar' });
  });

  it('chksum_bench: eight implementations, the 1m-16m columns not measured under TCG', () => {
    const table = value(parseKstatBenchTable(recorded('chksum_bench.txt'), 'spl'));
    expect(Object.keys(table.rows)).toEqual([
      'edonr-generic',
      'skein-generic',
      'sha256-generic',
      'sha256-x64',
      'sha512-generic',
      'sha512-x64',
      'blake3-generic',
      'blake3-sse2',
    ]);
    expect(table.notMeasured).toHaveLength(8 * 3);
    expect(table.notMeasured.every((cell) => ['1m', '4m', '16m'].includes(cell.column))).toBe(true);
    expect(table.rows['sha512-x64']).toEqual({ '1k': 74, '4k': 138, '16k': 138, '64k': 146, '256k': 142 });
  });

  it('vdev_raidz_bench: a fastest implementation per operation', () => {
    const table = value(parseKstatBenchTable(recorded('vdev_raidz_bench.txt'), 'spl'));
    expect(Object.keys(table.rows)).toEqual(['original', 'scalar', 'sse2']);
    expect(table.fastest).toMatchObject({ gen_p: 'original', gen_pqr: 'sse2', rec_pqr: 'scalar' });
    expect(table.rows.original!.rec_r).toBe(725394);
  });

  it('arcstats: 147 statistics', () => {
    const stats = value(parseNamedKstat(recorded('arcstats.txt')));
    expect(Object.keys(stats)).toHaveLength(147);
    expect(stats.c_max).toBe(1289041920);
    expect(stats.hits).toBe(0);
  });
});

describe('testbed system output', () => {
  it('systemd-analyze, zfs version, meminfo, uptime, os-release', () => {
    const boot = value(parseSystemdAnalyze(recorded('systemd-analyze.txt')));
    expect(boot).toEqual({
      kind: 'finished',
      breakdown: {
        firmwareSeconds: null,
        loaderSeconds: null,
        kernelSeconds: 10.747,
        initrdSeconds: null,
        userspaceSeconds: 18.225,
        totalSeconds: 28.972,
      },
    });
    expect(value(parseZfsVersion(recorded('zfs-version.txt')))).toEqual({
      userland: '2.3.2-2~bpo12+2',
      kernel: '2.3.2-2~bpo12+2',
    });
    const memory = value(parseMeminfo(recorded('meminfo.txt')));
    expect(memory.totalBytes).toBe(2062467072);
    expect(memory.totalBytes - memory.availableBytes).toBeGreaterThan(100 * 1024 * 1024);
    expect(value(parseProcUptime(recorded('uptime.txt')))).toBeGreaterThan(19);
    expect(describeOsRelease(value(parseOsRelease(recorded('os-release.txt'))))).toBe('Debian GNU/Linux 12 (bookworm)');
  });

  it.each([
    ['zfs_fletcher_4_impl', ['fastest', 'scalar', 'superscalar', 'superscalar4', 'sse2']],
    ['zfs_vdev_raidz_impl', ['cycle', 'fastest', 'original', 'scalar', 'sse2']],
    ['zfs_sha256_impl', ['cycle', 'fastest', 'generic', 'x64']],
    ['zfs_sha512_impl', ['cycle', 'fastest', 'generic', 'x64']],
    ['zfs_blake3_impl', ['cycle', 'fastest', 'generic', 'sse2']],
  ])('%s selector', (name, choices) => {
    expect(value(parseImplSelector(recorded(`${name}.txt`)))).toEqual({ selected: 'fastest', choices });
  });
});
