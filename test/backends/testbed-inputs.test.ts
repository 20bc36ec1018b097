import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, detectMirrors, extractAptProxySettings, testbedCacheKey, type TestbedInputs } from '../../custom-os/debian-testbed/inputs.ts';
import { ZFS_TUNING_PATH } from '../../custom-os/debian-testbed/testbed.ts';
import { itNeeding } from '../helpers/needs.ts';
import { parseZfsTuning, renderZfsTuning } from '../../custom-os/debian-testbed/zfs-tuning.ts';

/** detectMirrors of one apt file `name` holding `lines`. */
const mirrorsOf = (name: string, lines: string[]) => detectMirrors([{ name, text: lines.join('\n') }]);

describe('detectMirrors', () => {
  it('reads deb822 .sources files (the host format on Debian 12)', () => {
    const deb822 = [
      'Types: deb',
      '# http://snapshot.debian.org/archive/debian/20250520T000000Z',
      'URIs: http://mirror.example.org/debian/',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
      'Types: deb',
      'URIs: http://security.example.org/debian-security',
      'Suites: bookworm-security',
      'Components: main',
    ];
    expect(mirrorsOf('/etc/apt/sources.list.d/debian.sources', deb822)).toEqual({
      mirror: 'http://mirror.example.org/debian',
      securityMirror: 'http://security.example.org/debian-security',
    });
  });

  it('reads one-line sources.list entries, skipping comments, deb-src and other suites', () => {
    const oneLine = mirrorsOf('/etc/apt/sources.list', [
      '# deb http://old.example.org/debian bookworm main',
      'deb-src http://src.example.org/debian bookworm main',
      'deb http://other.example.org/debian trixie main',
      'deb [arch=amd64 signed-by=/k.gpg] http://ftp.example.org/debian bookworm main contrib',
    ]);
    expect(oneLine).toEqual({ mirror: 'http://ftp.example.org/debian', securityMirror: 'http://deb.debian.org/debian-security' });
  });

  it('falls back to deb.debian.org when the host has no Debian sources', () => {
    expect(detectMirrors([])).toEqual({ mirror: 'http://deb.debian.org/debian', securityMirror: 'http://deb.debian.org/debian-security' });
  });
});

describe('extractAptProxySettings', () => {
  it('copies only proxy lines', () => {
    const out = extractAptProxySettings([
      { name: '01proxy', text: 'Acquire::http::Proxy "http://10.0.0.1:3142";\nAPT::Install-Recommends "0";\n' },
      { name: '99other', text: 'Acquire::Check-Valid-Until "false";\n' },
    ]);
    expect(out).toContain('Acquire::http::Proxy "http://10.0.0.1:3142";');
    expect(out).not.toContain('Install-Recommends');
    expect(out).not.toContain('Check-Valid-Until');
  });
});

const baseInputs: TestbedInputs = {
  suite: 'bookworm',
  components: 'main contrib',
  mirror: 'http://deb.debian.org/debian',
  securityMirror: 'http://deb.debian.org/debian-security',
  hostname: 'kbench-debian',
  imageSize: '4G',
  basePackages: ['openssh-server'],
  kernelPackages: { stock: ['linux-image-amd64'], custom: ['linux-image-cloud-amd64'] },
  zfsPackages: ['zfs-dkms'],
  builderScriptSha256: 'a'.repeat(64),
  builderLibSha256: 'd'.repeat(64),
  tuningFileSha256: 'b'.repeat(64),
  renderedTuningSha256: 'c'.repeat(64),
};

describe('testbedCacheKey', () => {
  it('is the same for equal inputs whatever the key order, and changes with any nested input', () => {
    const reordered = Object.fromEntries(Object.entries(baseInputs).reverse()) as unknown as TestbedInputs;
    expect(testbedCacheKey(reordered)).toBe(testbedCacheKey(baseInputs));
    expect(testbedCacheKey(baseInputs)).toMatch(/^[0-9a-f]{64}$/);
    const changedNested = { ...baseInputs, kernelPackages: { stock: ['linux-image-amd64'], custom: ['linux-image-rt-amd64'] } };
    expect(testbedCacheKey(changedNested)).not.toBe(testbedCacheKey(baseInputs));
    expect(testbedCacheKey({ ...baseInputs, mirror: 'http://ftp.de.debian.org/debian' })).not.toBe(testbedCacheKey(baseInputs));
  });

  it('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});

describe('ZFS tuning file', () => {
  it('parses kernels/zfs-m-series-tuning.conf: ARC as RAM shares, the rest fixed', () => {
    const parsed = parseZfsTuning(readFileSync(ZFS_TUNING_PATH, 'utf8'), 'kernels/zfs-m-series-tuning.conf');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const byName = Object.fromEntries(parsed.value.map((e) => [e.name, e.value]));
    expect(byName.zfs_arc_max).toEqual({ kind: 'ram-share', basisPoints: 7500 });
    expect(byName.zfs_arc_min).toEqual({ kind: 'ram-share', basisPoints: 1875 });
    expect(byName.zfs_txg_timeout).toEqual({ kind: 'fixed', text: '5' });
    expect(byName.l2arc_write_max).toEqual({ kind: 'fixed', text: '0' });
  });

  it('names file and line for bad input', () => {
    expect(parseZfsTuning('zfs_txg_timeout=5\nno equals here\n', 't.conf')).toEqual({
      ok: false,
      error: 't.conf:2: expected name=value, got "no equals here"',
    });
    expect(parseZfsTuning('zfs_arc_max=150%', 't.conf')).toMatchObject({ ok: false, error: expect.stringMatching(/^t\.conf:1: zfs_arc_max share of RAM/) });
    expect(parseZfsTuning('a=1\na=2', 't.conf')).toMatchObject({ ok: false, error: expect.stringMatching(/^t\.conf:2: .*set twice/) });
    expect(parseZfsTuning('a=$(reboot)', 't.conf')).toMatchObject({ ok: false, error: expect.stringMatching(/^t\.conf:1: value for a/) });
  });

  // The helper runs in the Linux guest; here it runs on the host, so it needs the host's /proc/meminfo.
  itNeeding(['linux'], 'the rendered helper prints byte values from MemTotal, and nothing under a non-custom kernel', () => {
    const parsed = parseZfsTuning('zfs_arc_max=75%\nzfs_arc_min=18.75%\nzfs_txg_timeout=5\n', 'x.conf');
    if (!parsed.ok) throw new Error(parsed.error);
    const rendered = renderZfsTuning(parsed.value, 'x.conf', '*');
    expect(rendered.modprobeConf).toMatch(/^install zfs \/sbin\/modprobe --ignore-install zfs \$CMDLINE_OPTS \$\(\/usr\/local\/sbin\/kbench-zfs-options\)$/m);
    // Run the real script here: this host's kernel matches the glob '*'.
    const printed = execFileSync('sh', ['-c', rendered.optionsHelper], { encoding: 'utf8' }).trim();
    const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    const memBytes = memKiB * 1024;
    const values = Object.fromEntries(printed.split(' ').map((kv) => kv.split('=') as [string, string]));
    expect(Number(values.zfs_arc_max)).toBe(Math.floor(memBytes / 10000) * 7500);
    expect(Number(values.zfs_arc_min)).toBe(Math.floor(memBytes / 10000) * 1875);
    expect(values.zfs_txg_timeout).toBe('5');

    const customOnly = renderZfsTuning(parsed.value, 'x.conf', '*-no-such-kernel-flavour');
    expect(execFileSync('sh', ['-c', customOnly.optionsHelper], { encoding: 'utf8' })).toBe('');
  });
});
