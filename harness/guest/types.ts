/**
 * One interface per guest OS (linux, freebsd, netbsd, openbsd). Each method runs commands through
 * a RemoteShell and hands the output to a pure parser in the same folder (tested on real output).
 * Adding a guest OS is one new folder (its index.ts exporting a GuestRegistration) plus one line
 * in harness/guest/registry.ts; its name is spelled in results/names.ts and its own files only.
 */
import type { GuestOs } from '../results/schema.ts';
import type { RemoteShell } from '../ssh/types.ts';

/** A parsed ZFS kstat table: rows by implementation name, values by column name. */
export interface KstatTable {
  columns: string[];
  rows: Record<string, Record<string, number>>;
  /** The `fastest` row, when the table has one: column -> chosen implementation. */
  fastest: Record<string, string> | null;
  /**
   * Cells that read 0: the kernel did not measure them (chksum_bench under TCG leaves the 1m-16m
   * columns at 0). They are absent from `rows`, never a throughput of zero.
   */
  notMeasured: { implementation: string; column: string }[];
}

/** Boot phases as systemd reports them, seconds; a phase the OS did not report is null. */
export interface BootBreakdown {
  firmwareSeconds: number | null;
  loaderSeconds: number | null;
  kernelSeconds: number;
  /** Time spent in the initramfs (before switch-root), when there was one. */
  initrdSeconds: number | null;
  userspaceSeconds: number;
  totalSeconds: number;
}

export type KstatBenchName = 'fletcher_4_bench' | 'chksum_bench' | 'vdev_raidz_bench';

export type ZfsSupport = { supported: true } | { supported: false; reason: string };

export interface GuestFacts {
  osVersion: string;
  kernelRelease: string;
  kernelConfigSha256: string | null;
  zfsVersion: string | null;
  vcpus: number;
  memoryBytes: number;
  /** The kernel's page size (`getconf PAGESIZE`), or null if the guest cannot say. */
  pageSizeBytes: number | null;
  /** The guest's machine architecture (`uname -m`, normalized: aarch64, x86_64), or null. */
  arch: string | null;
  /** Bytes of the booted kernel image file in the guest, or null if it cannot be found. */
  kernelImageBytes: number | null;
}

export interface GuestAdapter {
  readonly os: GuestOs;
  /** Whether ZFS can be measured on this guest at all (OpenBSD: never, with the reason). */
  zfsSupport(shell: RemoteShell): Promise<ZfsSupport>;
  facts(shell: RemoteShell): Promise<GuestFacts>;
  /** Seconds since boot, read in the guest (guest-side boot time at first login). */
  uptimeSeconds(shell: RemoteShell): Promise<number>;
  /** Kernel + userspace boot time when the OS reports it (systemd-analyze), else null. */
  bootBreakdown(shell: RemoteShell): Promise<BootBreakdown | null>;
  /**
   * Seconds from kernel start until it hands over to init, by the kernel's own clock, when its log
   * says (Linux printk time), else null. A RAM-only phase: no disk wait in it.
   */
  kernelHandoverSeconds(shell: RemoteShell): Promise<number | null>;
  /** Memory in use (total - available), bytes. */
  memoryInUseBytes(shell: RemoteShell): Promise<number>;
  /** fletcher_4_bench, chksum_bench, vdev_raidz_bench. */
  readKstatTable(shell: RemoteShell, name: KstatBenchName): Promise<KstatTable>;
  /** arcstats as name -> value. */
  readArcstats(shell: RemoteShell): Promise<Record<string, number>>;
  /** Unloads and loads the ZFS module (re-runs its checksum self-benchmarks). No pool may be imported. */
  reloadZfsModule(shell: RemoteShell): Promise<void>;
  /** Makes a block device (or plain file path) of `sizeMiB` backed by `filePath`, usable as a vdev. */
  createFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string>;
  /** Undoes createFileVdev (detaches loop/md device, removes file). */
  removeFileVdev(shell: RemoteShell, vdev: string, filePath: string): Promise<void>;
  /** Applies ZFS tunables (module parameter name -> value); returns what is now in effect. */
  applyZfsTunables(shell: RemoteShell, tunables: Record<string, string>): Promise<Record<string, string>>;
  /** Current values of ZFS tunables by name (Linux module parameters, FreeBSD vfs.zfs sysctls); absent names are left out. */
  readZfsTunables(shell: RemoteShell, names: string[]): Promise<Record<string, string>>;
  /** Implementations in use (fletcher_4, sha256, …) as the OS reports them. */
  zfsImplementations(shell: RemoteShell): Promise<Record<string, string>>;
  /**
   * Shell commands that mount (idempotently) and unmount a RAM-backed file system at `dir`, for
   * scratch pools the host's disk never touches; null when this OS has none kbench can use.
   */
  ramScratchCommands(dir: string): { mount: string; unmount: string } | null;
  /**
   * Run right before a timed region starts: waits for background work the previous commands
   * queued (udev events, dirty pages of the root disk) so it does not run inside the region;
   * null when there is nothing to wait for.
   */
  quiesceCommand(): string | null;
  /**
   * Stops scheduled background jobs (systemd timers, cron) for the rest of a boot kbench made:
   * under an instruction-counting clock an idle guest's time races ahead (hours per run), so
   * daily jobs (apt-daily, dpkg-db-backup, tmpfiles-clean) would otherwise fire inside timed
   * regions at random. Null when the OS has none kbench knows.
   */
  quietBackgroundCommand(): string | null;
  /** A monotonic clock in the guest, seconds with sub-millisecond resolution, or null if none. */
  monotonicClockCommand(): string | null;
  /**
   * The guest kernel's own CPU accounting (the aggregate line of Linux's /proc/stat), read before
   * and after a boot's measurements for the steal time the guest saw; null or absent when the
   * guest OS keeps no such count. Never inside a timed region.
   */
  cpuTicks?(shell: RemoteShell): Promise<GuestCpuTicks | null>;
}

/** All ticks of all guest CPUs, and how many of them the hypervisor stole. */
export interface GuestCpuTicks {
  total: number;
  idle: number;
  steal: number;
}

/** A guest folder's entry in guest/registry.ts: the name it answers to and how to make its adapter. */
export interface GuestRegistration<O extends GuestOs = GuestOs> {
  os: O;
  create: () => GuestAdapter;
}

export function defineGuest<const O extends GuestOs>(os: O, create: () => GuestAdapter): GuestRegistration<O> {
  return { os, create };
}
