import { describe, expect, it } from 'vitest';
import { describeOsRelease, parseOsRelease } from '../../harness/guest/common/os-release.ts';
import { parseImplSelector, parsePoolNames, parseSha256Output, parseUnsignedInteger, parseZfsVersion } from '../../harness/guest/common/zfs.ts';
import { expectRefused, fixture } from './fixtures.ts';

describe('parseZfsVersion', () => {
  it('reads the testbed (Debian backports) output', () => {
    expect(parseZfsVersion(fixture('linux', 'zfs-version.testbed.txt'))).toEqual({
      ok: true,
      value: { userland: '2.3.2-2~bpo12+2', kernel: '2.3.2-2~bpo12+2' },
    });
  });

  it('reads FreeBSD base ZFS', () => {
    expect(parseZfsVersion(fixture('freebsd', 'zfs-version.txt'))).toEqual({
      ok: true,
      value: { userland: '2.2.6-FreeBSD_g33174af15', kernel: '2.2.6-FreeBSD_g33174af15' },
    });
  });

  it('reads userland only when no module is loaded', () => {
    expect(parseZfsVersion('zfs-2.3.2-2~bpo12+2\n')).toEqual({ ok: true, value: { userland: '2.3.2-2~bpo12+2', kernel: null } });
    expect(parseZfsVersion('zfs-2.3.2-1\nzfs-kmod-unknown\n')).toEqual({ ok: true, value: { userland: '2.3.2-1', kernel: null } });
  });

  it('refuses other text', () => {
    expectRefused(parseZfsVersion, ['', "unrecognized command 'version'\n", 'zfs-kmod-\n']);
  });
});

describe('parseImplSelector', () => {
  it('reads the chosen implementation in brackets', () => {
    expect(parseImplSelector(fixture('linux', 'zfs_fletcher_4_impl.txt'))).toEqual({
      ok: true,
      value: { selected: 'fastest', choices: ['fastest', 'scalar', 'superscalar', 'superscalar4', 'sse2', 'ssse3'] },
    });
    const raidz = parseImplSelector(fixture('linux', 'zfs_vdev_raidz_impl.txt'));
    expect(raidz.ok && raidz.value.selected).toBe('fastest');
    expect(raidz.ok && raidz.value.choices[0]).toBe('cycle');
    expect(parseImplSelector('cycle fastest [generic] x86_64')).toEqual({
      ok: true,
      value: { selected: 'generic', choices: ['cycle', 'fastest', 'generic', 'x86_64'] },
    });
    const freebsd = parseImplSelector(fixture('freebsd', 'fletcher_4_impl.sysctl.txt'));
    expect(freebsd.ok && freebsd.value.choices.at(-1)).toBe('avx2');
  });

  it('refuses zero or two choices, and odd characters', () => {
    expectRefused(parseImplSelector, ['fastest scalar', '[fastest] [scalar]', '', '[fastest] sca;lar']);
  });
});

describe('small parsers', () => {
  it('parsePoolNames reads zpool list -H -o name', () => {
    expect(parsePoolNames('')).toEqual([]);
    expect(parsePoolNames('kb\nzroot\n')).toEqual(['kb', 'zroot']);
  });

  it('parseSha256Output finds one digest in sha256sum, sha256 -q and cksum styles', () => {
    const digest = `${'a'.repeat(63)}b`;
    expect(parseSha256Output(`${digest}  -\n`)).toEqual({ ok: true, value: digest });
    expect(parseSha256Output(`${digest}\n`)).toEqual({ ok: true, value: digest });
    expect(parseSha256Output(`SHA256 (-) = ${digest.toUpperCase()}\n`)).toEqual({ ok: true, value: digest });
    expect(parseSha256Output('sha256sum: /boot/config-x: No such file').ok).toBe(false);
    expect(parseSha256Output(`${digest}  a\n${digest}  b\n`).ok).toBe(false);
  });

  it('parseUnsignedInteger refuses everything but digits', () => {
    expect(parseUnsignedInteger(' 4\n', 'nproc')).toEqual({ ok: true, value: 4 });
    expect(parseUnsignedInteger('4.5', 'nproc').ok).toBe(false);
    expect(parseUnsignedInteger('', 'nproc')).toEqual({ ok: false, error: 'nproc is "", not a non-negative integer' });
    expect(parseUnsignedInteger('99999999999999999999', 'x').ok).toBe(false);
  });
});

describe('parseOsRelease', () => {
  it('reads the host Debian 12 file and an Alpine one', () => {
    const debian = parseOsRelease(fixture('linux', 'os-release.debian12.host.txt'));
    expect(debian.ok && describeOsRelease(debian.value)).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(debian.ok && debian.value.VERSION_ID).toBe('12');
    const alpine = parseOsRelease(fixture('linux', 'os-release.alpine.txt'));
    expect(alpine.ok && alpine.value.ID).toBe('alpine');
    expect(alpine.ok && describeOsRelease(alpine.value)).toBe('Alpine Linux v3.20');
    expect(describeOsRelease({ NAME: 'Foo', VERSION_ID: '1' })).toBe('Foo 1');
  });

  it('unescapes double-quoted values and refuses garbage', () => {
    expect(parseOsRelease('NAME="A \\"B\\""\n# comment\n')).toEqual({ ok: true, value: { NAME: 'A "B"' } });
    expectRefused(parseOsRelease, ['<html>', 'NAME=two words', 'HOME_URL=x']);
  });
});
