/** kbench doctor's verdicts from probe outputs (pure), with the install lines per platform. */
import { describe, expect, it } from 'vitest';
import { evaluate, limaMajorMinor, type Probe } from '../../harness/cli/doctor-command.ts';

const ran = (output: string): Probe => ({ source: 'x', exitCode: 0, output });
const absent: Probe = { source: 'x', exitCode: null, output: 'spawn ENOENT' };
const base = { firmware: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd', freeBytes: 100 * 2 ** 30, cacheDir: '/Users/a/.cache/kbench', knownHosts: '/Users/a/.ssh/known_hosts', knownHostsExists: true };
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
    const checks = evaluate({ platform: 'darwin', arch: 'arm64', probes: macProbes, ...base });
    expect(checks.filter((check) => !check.ok)).toEqual([]);
    expect(checks.map((check) => check.id)).toEqual(['limactl', 'qemu-system-aarch64', 'qemu-img', 'aarch64-firmware', 'accel-hvf', 'xz', 'ssh', 'ssh-keygen', 'known_hosts', 'disk']);
  });

  it('Lima older than 2.1 cannot run FreeBSD; missing parts get the Homebrew line on macOS, apt on Debian', () => {
    const old = evaluate({ platform: 'darwin', arch: 'arm64', probes: { ...macProbes, limactl: ran('limactl version 2.0.3\n') }, ...base });
    expect(old[0]).toEqual({ id: 'limactl', ok: false, detail: 'limactl version 2.0.3: FreeBSD guests need Lima 2.1 or newer', neededFor: 'lima', fix: 'brew upgrade lima' });
    const bare = evaluate({ platform: 'darwin', arch: 'arm64', probes: { ...macProbes, 'qemu-system-aarch64': absent, 'qemu-img': absent, xz: absent }, ...base, firmware: null });
    expect(bare.filter((check) => !check.ok).map((check) => [check.id, check.fix])).toEqual([
      ['qemu-system-aarch64', 'brew install qemu'],
      ['qemu-img', 'brew install qemu'],
      ['aarch64-firmware', 'brew install qemu'],
      ['xz', 'brew install xz'],
    ]);
    const debian = evaluate({ platform: 'debian', arch: 'x64', probes: { 'qemu-system-x86_64': absent, 'accel-kvm': { source: 'x', exitCode: 1, output: 'Could not access KVM kernel module: No such file or directory\n', stillRunning: false } }, ...base, firmware: null, knownHostsExists: false, freeBytes: 2 ** 30 });
    const fix = Object.fromEntries(debian.map((check) => [check.id, check.fix]));
    expect(fix['qemu-system-x86_64']).toBe('sudo apt-get install qemu-system-x86 qemu-system-arm qemu-utils');
    expect(fix['aarch64-firmware']).toBe('sudo apt-get install qemu-efi-aarch64');
    expect(debian.find((check) => check.id === 'accel-kvm')!.detail).toBe('qemu -accel kvm failed: Could not access KVM kernel module: No such file or directory; runs fall back to tcg (slow)');
    expect(fix.known_hosts).toBe('ssh -o StrictHostKeyChecking=accept-new <user@machine> true');
    expect(debian.find((check) => check.id === 'disk')!.ok).toBe(false);
  });

  it('reads Lima versions, development builds included', () => {
    expect(limaMajorMinor('limactl version 2.2.0-153-g183a60d7.m')).toEqual([2, 2]);
    expect(limaMajorMinor('limactl version 1.2.1')).toEqual([1, 2]);
    expect(limaMajorMinor('command not found')).toBeNull();
  });
});
