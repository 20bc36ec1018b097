import { describe, expect, it } from 'vitest';
import { buildQemuArgs, LINUX_APPEND, type QemuLaunchConfig } from '../../harness/backends/qemu/args.ts';
import { acceleratorCandidates } from '../../harness/backends/qemu/accel.ts';
import { parseQemuVersion } from '../../harness/backends/qemu/backend.ts';

const linuxX86 = (accel: QemuLaunchConfig['accel']): QemuLaunchConfig => ({
  arch: 'x86_64',
  accel,
  vcpus: 2,
  memoryMiB: 2048,
  boot: { kind: 'linux-kernel', kernelPath: '/c/vmlinuz', initrdPath: '/c/initrd.img', append: LINUX_APPEND },
  disks: [
    { path: '/run/root.qcow2', format: 'qcow2' },
    { path: '/run/scratch.raw', format: 'raw' },
  ],
  sshHostPort: 40222,
  serial: { kind: 'file', path: '/run/serial-custom-1.log' },
  qmpSocketPath: '/run/qmp.sock',
});

/** The value following `flag` each time it occurs. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((arg, i) => (arg === flag && i + 1 < args.length ? [args[i + 1]!] : []));
}

describe('buildQemuArgs', () => {
  it('x86_64 under TCG: direct kernel boot, overlay + scratch disks, loopback SSH forward, serial file, QMP', () => {
    const { binary, args } = buildQemuArgs(linuxX86('tcg'));
    expect(binary).toBe('qemu-system-x86_64');
    expect(valuesOf(args, '-accel')).toEqual(['tcg']);
    expect(args).not.toContain('-cpu'); // TCG keeps qemu's default CPU model on x86
    expect(valuesOf(args, '-smp')).toEqual(['2']);
    expect(valuesOf(args, '-m')).toEqual(['2048']);
    expect(valuesOf(args, '-kernel')).toEqual(['/c/vmlinuz']);
    expect(valuesOf(args, '-initrd')).toEqual(['/c/initrd.img']);
    expect(valuesOf(args, '-append')).toEqual(['console=ttyS0 root=/dev/vda rw quiet']);
    expect(valuesOf(args, '-drive')).toEqual(['file=/run/root.qcow2,if=virtio,format=qcow2', 'file=/run/scratch.raw,if=virtio,format=raw']);
    expect(valuesOf(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:40222-:22']);
    expect(valuesOf(args, '-device')).toEqual(['virtio-net-pci,netdev=net0']);
    expect(valuesOf(args, '-serial')).toEqual(['file:/run/serial-custom-1.log']);
    expect(valuesOf(args, '-qmp')).toEqual(['unix:/run/qmp.sock,server=on,wait=off']);
    expect(args).toContain('-no-reboot');
    expect(args).not.toContain('-daemonize'); // qemu must stay our child so it can be tracked and killed
    expect(args).not.toContain('-bios');
  });

  it('x86_64 under KVM uses the host CPU model', () => {
    const { args } = buildQemuArgs(linuxX86('kvm'));
    expect(valuesOf(args, '-accel')).toEqual(['kvm']);
    expect(valuesOf(args, '-cpu')).toEqual(['host']);
  });

  it('aarch64 under HVF booting a BSD disk through UEFI firmware', () => {
    const { binary, args } = buildQemuArgs({
      arch: 'aarch64',
      accel: 'hvf',
      vcpus: 4,
      memoryMiB: 4096,
      boot: { kind: 'uefi-disk', firmwarePath: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd' },
      disks: [{ path: '/run/freebsd.qcow2', format: 'qcow2' }],
      sshHostPort: 2222,
      serial: { kind: 'file', path: '/run/serial.log' },
      qmpSocketPath: null,
    });
    expect(binary).toBe('qemu-system-aarch64');
    expect(valuesOf(args, '-machine')[0]).toMatch(/^virt,/);
    expect(valuesOf(args, '-cpu')).toEqual(['host']);
    expect(valuesOf(args, '-accel')).toEqual(['hvf']);
    expect(valuesOf(args, '-bios')).toEqual(['/opt/homebrew/share/qemu/edk2-aarch64-code.fd']);
    expect(args).not.toContain('-kernel');
    expect(args).not.toContain('-qmp');
  });

  it('aarch64 under TCG emulates the most capable CPU', () => {
    const config: QemuLaunchConfig = { ...linuxX86('tcg'), arch: 'aarch64' };
    const { args } = buildQemuArgs(config);
    expect(valuesOf(args, '-cpu')).toEqual(['max,pauth-impdef=on']);
    expect(valuesOf(args, '-machine')[0]).toMatch(/^virt/);
  });

  it('doubles commas in disk paths so they cannot inject drive options', () => {
    const config = linuxX86('tcg');
    config.disks = [{ path: '/tmp/a,format=raw/x.qcow2', format: 'qcow2' }];
    expect(valuesOf(buildQemuArgs(config).args, '-drive')).toEqual(['file=/tmp/a,,format=raw/x.qcow2,if=virtio,format=qcow2']);
  });

  it('no network when there is no SSH port', () => {
    const config = linuxX86('tcg');
    config.sshHostPort = null;
    const { args } = buildQemuArgs(config);
    expect(valuesOf(args, '-nic')).toEqual(['none']);
    expect(args).not.toContain('-netdev');
  });

  it('rejects impossible sizes and ports', () => {
    expect(() => buildQemuArgs({ ...linuxX86('tcg'), vcpus: 0 })).toThrow(/vcpus/);
    expect(() => buildQemuArgs({ ...linuxX86('tcg'), memoryMiB: 32 })).toThrow(/memoryMiB/);
    expect(() => buildQemuArgs({ ...linuxX86('tcg'), sshHostPort: 70000 })).toThrow(/sshHostPort/);
  });
});

describe('acceleratorCandidates', () => {
  it('tries hvf on macOS, kvm on Linux only when /dev/kvm is usable, and always ends in tcg', () => {
    expect(acceleratorCandidates('darwin', false)).toEqual(['hvf', 'tcg']);
    expect(acceleratorCandidates('linux', true)).toEqual(['kvm', 'tcg']);
    expect(acceleratorCandidates('linux', false)).toEqual(['tcg']);
    expect(acceleratorCandidates('freebsd', true)).toEqual(['tcg']);
  });
});

describe('parseQemuVersion', () => {
  it('reads the version from qemu --version', () => {
    expect(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022')).toBe('7.2.22');
    expect(parseQemuVersion('QEMU emulator version 9.1.0\n')).toBe('9.1.0');
    expect(parseQemuVersion('something else')).toBeNull();
  });
});
