/** kbench doctor's verdicts from probe outputs (pure), with the install lines per platform. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backendsNeeding,
  evaluate,
  limaMajorMinor,
  macosMajorMinor,
  parseDoctorBackends,
  renderDoctor,
  selectBackends,
  type Check,
  type Probe,
} from '../../harness/cli/doctor-command.ts';
import { HV_SUPPORT, LIMACTL_VERSION, SW_VERS } from './fixtures/doctor-mac-outputs.ts';

const ran = (output: string): Probe => ({ source: 'x', exitCode: 0, output });
const absent: Probe = { source: 'x', exitCode: null, output: 'spawn ENOENT' };
const base = {
  firmware: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd',
  freeBytes: 100 * 2 ** 30,
  cacheDir: '/Users/a/.cache/kbench',
  knownHosts: '/Users/a/.ssh/known_hosts',
  knownHostsExists: true,
};
const macProbes = {
  limactl: ran('limactl version 2.2.0\n'),
  'qemu-system-aarch64': ran('QEMU emulator version 10.1.0\n'),
  'qemu-img': ran('qemu-img version 10.1.0\n'),
  'accel-hvf': { source: 'x', exitCode: 0, output: '', stillRunning: true },
  xz: ran('xz (XZ Utils) 5.8.1\n'),
  ssh: ran('OpenSSH_9.9p2, LibreSSL 3.3.6\n'),
  'ssh-keygen': { source: 'x', exitCode: 255, output: '' },
};

describe('kbench doctor', () => {
  it('a complete Mac: every check ok', () => {
    const checks = evaluate({ platform: 'darwin', arch: 'arm64', probes: { ...macProbes, sw_vers: SW_VERS.sonoma, hv_support: HV_SUPPORT.yes }, ...base });
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    expect(checks.map((check) => check.id)).toEqual([
      'macos-version',
      'hv_support',
      'limactl',
      'qemu-system-aarch64',
      'qemu-img',
      'aarch64-firmware',
      'accel-hvf',
      'xz',
      'ssh',
      'ssh-keygen',
      'known_hosts',
      'disk',
    ]);
  });

  it('Lima older than 2.1 cannot run FreeBSD; missing parts get the Homebrew line on macOS, apt on Debian', () => {
    const old = evaluate({ platform: 'darwin', arch: 'arm64', probes: { ...macProbes, limactl: ran('limactl version 2.0.3\n') }, ...base });
    expect(old.find((check) => check.id === 'limactl')).toEqual({
      id: 'limactl',
      ok: false,
      detail: 'limactl version 2.0.3: FreeBSD guests need Lima 2.1 or newer',
      neededFor: 'lima',
      fix: 'brew upgrade lima',
    });
    const bare = evaluate({
      platform: 'darwin',
      arch: 'arm64',
      probes: { ...macProbes, 'qemu-system-aarch64': absent, 'qemu-img': absent, xz: absent },
      ...base,
      firmware: null,
    });
    expect(bare.filter((check) => !check.ok).map((check) => [check.id, check.fix])).toEqual([
      ['macos-version', 'run kbench doctor on macOS 13 or newer'],
      ['hv_support', 'run on the Mac itself (not inside a VM), Apple silicon or an Intel Mac with VT-x'],
      ['qemu-system-aarch64', 'brew install qemu'],
      ['qemu-img', 'brew install qemu'],
      ['aarch64-firmware', 'brew install qemu'],
      ['xz', 'brew install xz'],
    ]);
    const debian = evaluate({
      platform: 'debian',
      arch: 'x64',
      probes: {
        'qemu-system-x86_64': absent,
        'accel-kvm': { source: 'x', exitCode: 1, output: 'Could not access KVM kernel module: No such file or directory\n', stillRunning: false },
      },
      ...base,
      firmware: null,
      knownHostsExists: false,
      freeBytes: 2 ** 30,
    });
    const fix = Object.fromEntries(debian.map((check) => [check.id, check.fix]));
    expect(fix['qemu-system-x86_64']).toBe('sudo apt-get install qemu-system-x86 qemu-system-arm qemu-utils');
    expect(fix['aarch64-firmware']).toBe('sudo apt-get install qemu-efi-aarch64');
    expect(debian.find((check) => check.id === 'accel-kvm')!.detail).toBe(
      'qemu -accel kvm failed: Could not access KVM kernel module: No such file or directory; runs fall back to tcg (slow)',
    );
    expect(fix.known_hosts).toBe('ssh -o StrictHostKeyChecking=accept-new <user@machine> true');
    expect(debian.find((check) => check.id === 'disk')!.ok).toBe(false);
  });

  it('reads Lima versions, development builds included', () => {
    expect(limaMajorMinor('limactl version 2.2.0-153-g183a60d7.m')).toEqual([2, 2]);
    expect(limaMajorMinor('limactl version 1.2.1')).toEqual([1, 2]);
    expect(limaMajorMinor('command not found')).toBeNull();
  });
});

describe('kbench doctor on a Mac: macOS version, kern.hv_support, Lima version (outputs in fixtures/doctor-mac-outputs.ts)', () => {
  const mac = (overrides: Record<string, Probe>) =>
    evaluate({ platform: 'darwin', arch: 'arm64', probes: { ...macProbes, sw_vers: SW_VERS.sonoma, hv_support: HV_SUPPORT.yes, ...overrides }, ...base });
  const byId = (checks: Check[], id: string) => checks.find((check) => check.id === id)!;

  it('reads sw_vers -productVersion', () => {
    expect(macosMajorMinor(SW_VERS.sonoma.output)).toEqual([14, 5]);
    expect(macosMajorMinor(SW_VERS.sequoiaPoint.output)).toEqual([15, 3]);
    expect(macosMajorMinor(SW_VERS.tahoe.output)).toEqual([26, 0]);
    expect(macosMajorMinor('13\n')).toEqual([13, 0]);
    expect(macosMajorMinor('ProductName: macOS\n')).toBeNull();
    expect(macosMajorMinor('')).toBeNull();
  });

  it('macOS 14.5 with hv_support 1 and Lima 2.2: the two Mac checks come first and pass', () => {
    const checks = mac({});
    expect(checks.map((check) => check.id).slice(0, 3)).toEqual(['macos-version', 'hv_support', 'limactl']);
    expect(byId(checks, 'macos-version')).toEqual({ id: 'macos-version', ok: true, detail: 'macOS 14.5 (vz needs 13+)', neededFor: 'lima (vz)', fix: null });
    expect(byId(checks, 'hv_support').ok).toBe(true);
    expect(selectBackends(checks, ['lima', 'qemu']).ok).toBe(true);
    expect(byId(mac({ sw_vers: SW_VERS.tahoe }), 'macos-version').ok).toBe(true);
  });

  it('macOS 12 fails vz (Lima) but not --backend qemu', () => {
    const checks = mac({ sw_vers: SW_VERS.monterey });
    expect(byId(checks, 'macos-version')).toMatchObject({
      ok: false,
      detail: "macOS 12.7.6: Lima's vz needs macOS 13 or newer (--backend qemu with hvf still runs)",
    });
    expect(selectBackends(checks, ['lima']).ok).toBe(false);
    expect(selectBackends(checks, ['qemu']).ok).toBe(true);
    expect(byId(mac({ sw_vers: { source: 'sw_vers -productVersion', exitCode: null, output: 'spawn sw_vers ENOENT' } }), 'macos-version').ok).toBe(false);
  });

  it('kern.hv_support 0 (a Mac VM without nested virtualization) fails both lima and qemu', () => {
    const checks = mac({ hv_support: HV_SUPPORT.no });
    expect(byId(checks, 'hv_support')).toMatchObject({ ok: false, detail: expect.stringMatching(/^kern\.hv_support = 0: no Hypervisor\.framework here/) });
    expect(selectBackends(checks, ['lima']).ok).toBe(false);
    expect(selectBackends(checks, ['qemu']).ok).toBe(false);
    expect(selectBackends(checks, ['ssh']).ok).toBe(true);
  });

  it('limactl --version as Lima prints it: 1.0.3 is too old for the templates, 2.2.0 and git builds pass', () => {
    expect(byId(mac({ limactl: LIMACTL_VERSION.v1 }), 'limactl')).toMatchObject({
      ok: false,
      detail: 'limactl version 1.0.3: FreeBSD guests need Lima 2.1 or newer',
      fix: 'brew upgrade lima',
    });
    expect(byId(mac({ limactl: LIMACTL_VERSION.v2 }), 'limactl')).toMatchObject({ ok: true, detail: 'limactl version 2.2.0' });
    expect(byId(mac({ limactl: LIMACTL_VERSION.git }), 'limactl').ok).toBe(true);
  });

  it('known_hosts matters only for the ssh backend: a Lima-only user without one passes', () => {
    const checks = evaluate({
      platform: 'darwin',
      arch: 'arm64',
      probes: { ...macProbes, sw_vers: SW_VERS.sonoma, hv_support: HV_SUPPORT.yes },
      ...base,
      knownHostsExists: false,
    });
    const lima = selectBackends(checks, ['lima']);
    expect(lima.ok).toBe(true);
    expect(lima.checks.find((check) => check.id === 'known_hosts')).toMatchObject({ ok: false, needed: false });
    // --json keeps every check, needed or not.
    expect(lima.checks.map((check) => check.id)).toEqual(checks.map((check) => check.id));
    const ssh = selectBackends(checks, ['ssh']);
    expect(ssh.ok).toBe(false);
    expect(ssh.checks.find((check) => check.id === 'known_hosts')!.needed).toBe(true);
    const text = renderDoctor(lima.checks, ['lima']);
    expect(text).toMatch(/^skip known_hosts +\/Users\/a\/\.ssh\/known_hosts does not exist/m);
    expect(text).toMatch(/not needed for --backend lima; fix: ssh -o StrictHostKeyChecking=accept-new/);
    expect(text.trim().split('\n').at(-1)).toBe('everything --backend lima needs is here');
    expect(renderDoctor(ssh.checks, ['ssh'])).toMatch(/^MISS known_hosts/m);
  });

  it('which backends the exit status is about', () => {
    expect(parseDoctorBackends(undefined, {})).toEqual(['lima', 'qemu']);
    expect(parseDoctorBackends(undefined, { KBENCH_SSH_TARGET_STOCK: 'root@a' })).toEqual(['lima', 'qemu', 'ssh']);
    expect(parseDoctorBackends('ssh,lima,ssh', {})).toEqual(['ssh', 'lima']);
    expect(() => parseDoctorBackends('vbox', {})).toThrow('--backend: unknown backend "vbox" (known: lima, qemu, ssh)');
    expect(backendsNeeding('known_hosts')).toEqual(['ssh']);
    expect(backendsNeeding('macos-version')).toEqual(['lima']);
  });
});

describe('kbench doctor (the CLI, with nothing on PATH: no probe can start a VM)', () => {
  const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');
  const doctor = (home: string, ...args: string[]) => {
    const result = spawnSync(process.execPath, [KBENCH, 'doctor', ...args], {
      encoding: 'utf8',
      env: { PATH: path.join(home, 'empty-bin'), HOME: home, KBENCH_CACHE: path.join(home, 'cache') },
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('--json keeps every check with needed per --backend; known_hosts fails only --backend ssh', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'kbench-doctor-'));
    mkdirSync(path.join(home, 'empty-bin'));
    const lima = doctor(home, '--json', '--backend', 'lima');
    expect(lima.stderr).toBe('');
    const limaJson = JSON.parse(lima.stdout) as { backends: string[]; ok: boolean; checks: { id: string; ok: boolean; needed: boolean }[] };
    expect(limaJson.backends).toEqual(['lima']);
    const ids = limaJson.checks.map((check) => check.id);
    expect(ids).toContain('known_hosts');
    expect(limaJson.checks.find((check) => check.id === 'known_hosts')).toMatchObject({ ok: false, needed: false });
    // No limactl on this PATH: Lima's own check fails, so does the doctor.
    expect(limaJson.checks.find((check) => check.id === 'limactl')).toMatchObject({ ok: false, needed: true });
    expect(lima.code).toBe(1);
    const ssh = JSON.parse(doctor(home, '--json', '--backend', 'ssh').stdout) as typeof limaJson;
    expect(ssh.checks.map((check) => check.id)).toEqual(ids);
    expect(ssh.checks.find((check) => check.id === 'known_hosts')).toMatchObject({ ok: false, needed: true });
    expect(ssh.checks.find((check) => check.id === 'limactl')).toMatchObject({ ok: false, needed: false });
    const bad = doctor(home, '--backend', 'vbox');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('kbench: --backend: unknown backend "vbox" (known: lima, qemu, ssh)');
  });
});
