/**
 * The qemu command line, as a pure function of what to boot and how. Everything with side effects
 * (ports, files, processes) is decided by the caller and passed in.
 */
export type HostArch = 'x86_64' | 'aarch64';
export type QemuAccel = 'kvm' | 'hvf' | 'tcg';

export type QemuBootMethod =
  /** Direct Linux boot: no bootloader inside the image. */
  | { kind: 'linux-kernel'; kernelPath: string; initrdPath: string | null; append: string }
  /** Firmware boots the first disk (BSD images on aarch64): `-bios` with an edk2 build. */
  | { kind: 'uefi-disk'; firmwarePath: string }
  /** qemu's default firmware (SeaBIOS on x86_64) boots the first disk. */
  | { kind: 'bios-disk' };

export type QemuDisk =
  /**
   * `cache: 'unsafe'` ignores the guest's flushes: for a throwaway per-boot overlay, so a guest
   * fsync never waits for the host's disk (under icount such a wait shows up in guest time).
   */
  | { path: string; format: 'raw' | 'qcow2'; cache?: 'unsafe' }
  /** A host folder shown as a FAT disk with a volume label (a NoCloud "cidata" seed): qemu's vvfat driver under a throwaway snapshot, no image tool needed. */
  | { fatDir: string; label: string };

/**
 * The guest's clock. `wall`: TCG or hardware acceleration following host time. `icount`: QEMU's
 * instruction counter with align=off (never slowed to host time): every guest time is a count of
 * executed instructions, 2^shift ns each; `sleep` is QEMU's sleep= (see clock.ts for which).
 * TCG only, and one vCPU: icount runs every vCPU round-robin on one host thread, so a second
 * vCPU adds no host parallelism, and a vCPU spinning for another one that is not scheduled hangs
 * the x86 AP bring-up (seen on QEMU 7.2 with every shift/sleep setting).
 */
export type QemuClock = { kind: 'wall' } | { kind: 'icount'; shift: number; sleep: boolean };

export interface QemuLaunchConfig {
  arch: HostArch;
  accel: QemuAccel;
  /** Default wall. */
  clock?: QemuClock;
  vcpus: number;
  memoryMiB: number;
  boot: QemuBootMethod;
  /** In order: the first is the root disk (/dev/vda), the next the scratch disk (/dev/vdb). */
  disks: QemuDisk[];
  /** Loopback port forwarded to the guest's port 22; null = no network. */
  sshHostPort: number | null;
  /** Where the guest's serial console goes: a file, or `stdio` (the probe reads it from a pipe). */
  serial: { kind: 'file'; path: string } | { kind: 'stdio' };
  /** Unix socket for QMP (graceful power-down); null = none. */
  qmpSocketPath: string | null;
  /**
   * The DHCP filename the user network hands out (`bootfile=`); its next-server is the host
   * (10.0.2.2). OpenBSD's autoinstall(8) then fetches http://10.0.2.2/install.conf.
   */
  dhcpBootfile?: string;
}

export interface QemuCommand {
  binary: string;
  args: string[];
}

export const LINUX_APPEND = 'console=ttyS0 root=/dev/vda rw quiet';

export function qemuBinaryFor(arch: HostArch): string {
  return arch === 'x86_64' ? 'qemu-system-x86_64' : 'qemu-system-aarch64';
}

/** Keeps a path from being read as several `-drive` sub-options (qemu escapes ',' by doubling it). */
export function escapeOptionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

export function buildQemuArgs(config: QemuLaunchConfig): QemuCommand {
  if (!Number.isInteger(config.vcpus) || config.vcpus < 1) throw new RangeError(`vcpus must be a positive integer, got ${config.vcpus}`);
  if (!Number.isInteger(config.memoryMiB) || config.memoryMiB < 64) throw new RangeError(`memoryMiB must be an integer >= 64, got ${config.memoryMiB}`);
  const args: string[] = [];
  if (config.arch === 'aarch64') {
    // gic-version=max picks GICv3 where available; hvf and kvm need the host's CPU model.
    args.push('-machine', config.accel === 'tcg' ? 'virt,gic-version=max' : 'virt,gic-version=max,highmem=on');
    // Under TCG, QEMU's own pointer-authentication algorithm is far cheaper to emulate than QARMA.
    args.push('-cpu', config.accel === 'tcg' ? 'max,pauth-impdef=on' : 'host');
  } else if (config.accel !== 'tcg') {
    args.push('-cpu', 'host');
  }
  args.push('-accel', config.accel);
  if (config.clock?.kind === 'icount') {
    const { shift, sleep } = config.clock;
    if (config.accel !== 'tcg') throw new RangeError(`an icount clock needs tcg, got ${config.accel}`);
    if (config.vcpus !== 1) throw new RangeError(`an icount clock runs one vCPU, got ${config.vcpus}`);
    if (!Number.isInteger(shift) || shift < 0 || shift > 10) throw new RangeError(`icount shift must be an integer 0-10, got ${shift}`);
    args.push('-icount', `shift=${shift},sleep=${sleep ? 'on' : 'off'},align=off`);
  }
  args.push('-smp', String(config.vcpus), '-m', String(config.memoryMiB));
  args.push('-display', 'none', '-monitor', 'none', '-parallel', 'none', '-no-reboot');

  if (config.boot.kind === 'linux-kernel') {
    args.push('-kernel', config.boot.kernelPath);
    if (config.boot.initrdPath !== null) args.push('-initrd', config.boot.initrdPath);
    args.push('-append', config.boot.append);
  } else if (config.boot.kind === 'uefi-disk') {
    args.push('-bios', config.boot.firmwarePath);
  }

  for (const disk of config.disks) {
    if ('fatDir' in disk) {
      if (!/^[A-Za-z0-9_-]{1,11}$/.test(disk.label)) throw new RangeError(`FAT volume label must be 1-11 letters/digits, got ${disk.label}`);
      // snapshot=on: writable for the guest (FreeBSD's rc.d/nuageinit mounts the seed read-write,
      // `mount -t $fs $drive /media/nuageinit`), writes go to a throwaway overlay, the folder stays as it is.
      args.push('-drive', `if=virtio,format=raw,snapshot=on,file.driver=vvfat,file.dir=${escapeOptionValue(disk.fatDir)},file.label=${disk.label}`);
    } else {
      args.push('-drive', `file=${escapeOptionValue(disk.path)},if=virtio,format=${disk.format}${disk.cache ? `,cache=${disk.cache}` : ''}`);
    }
  }

  if (config.sshHostPort !== null) {
    const port = config.sshHostPort;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`sshHostPort must be a TCP port, got ${port}`);
    const bootfile = config.dhcpBootfile;
    if (bootfile !== undefined && !/^[A-Za-z0-9_./-]{1,64}$/.test(bootfile)) throw new RangeError(`dhcpBootfile must be a plain file name, got ${bootfile}`);
    args.push('-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:22${bootfile === undefined ? '' : `,bootfile=${bootfile}`}`);
    args.push('-device', 'virtio-net-pci,netdev=net0');
  } else {
    args.push('-nic', 'none');
  }

  args.push('-serial', config.serial.kind === 'stdio' ? 'stdio' : `file:${config.serial.path}`);
  if (config.qmpSocketPath !== null) {
    args.push('-qmp', `unix:${escapeOptionValue(config.qmpSocketPath)},server=on,wait=off`);
  }
  return { binary: qemuBinaryFor(config.arch), args };
}
