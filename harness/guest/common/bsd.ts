/**
 * The BSD guests share one shape: facts, boot time and memory through sysctl, no boot-phase
 * breakdown, whole-second date(1), and, where there is ZFS, a loadable module with its kstats and
 * tunables as sysctls. Each OS folder passes in only what differs, as data.
 */
import type { Result } from '../../errors/index.ts';
import type { GuestOs } from '../../results/schema.ts';
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import type { GuestAdapter, KstatBenchName, ZfsSupport } from '../types.ts';
import { uptimeFromBoottime } from './boottime.ts';
import { applySysctlTunables, readSysctlArcstats, readSysctlImplementations, readSysctlKstatTable, readSysctlTunables } from './bsd-sysctl.ts';
import { checkFileVdevRequest } from './constants.ts';
import { identityMismatch, readFacts, sysctlFact, type Fact, type FactsSpec } from './facts.ts';
import { removeFileVdevWith, type FileVdevDevice } from './file-vdev.ts';
import { GuestUnsupportedError, expectParsed, okOutput, runSections } from './run.ts';
import { parseVmstatSummary } from './uvm.ts';
import { parseUnsignedInteger } from './zfs.ts';
import { reloadZfsModuleWith, type ZfsModuleTools } from './zfs-module.ts';

/** ZFS as a loadable kernel module with sysctl kstats and tunables (FreeBSD, NetBSD). */
export interface SysctlZfs {
  /** Lists loaded kernel modules; `hasZfs` reads whether ZFS is among them. */
  moduleList: { command: string; hasZfs(text: string): Result<boolean> };
  /** Exits 0 when the module file is installed, so it could be loaded. */
  moduleFileTest: string;
  moduleMissingReason: string;
  moduleTools: ZfsModuleTools;
  /** When set, a missing benchmark kstat means this OS's ZFS lacks it: the reason to report. */
  missingKstatReason?: (name: KstatBenchName) => string;
  /** Makes the backing file and attaches it; the request has already been checked. */
  attachFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string>;
  fileVdevDevice: FileVdevDevice;
}

export interface BsdGuestSpec {
  os: GuestOs;
  /** mount(8) of a tmpfs at a quoted folder (FreeBSD and NetBSD have tmpfs(5)); null where there is none. */
  tmpfsMount: ((quotedDir: string) => string) | null;
  /** Every BSD counts CPUs in hw.ncpu. */
  facts: Omit<FactsSpec, 'vcpus'>;
  /** kern.boottime as this OS prints it; `parse` refuses another BSD's form. */
  boottime: Fact<number>;
  memoryInUseBytes(shell: RemoteShell): Promise<number>;
  zfs: SysctlZfs | { absentReason: string };
}

type ZfsMethods = Pick<
  GuestAdapter,
  | 'zfsSupport'
  | 'readKstatTable'
  | 'readArcstats'
  | 'reloadZfsModule'
  | 'createFileVdev'
  | 'removeFileVdev'
  | 'applyZfsTunables'
  | 'readZfsTunables'
  | 'zfsImplementations'
>;

const NCPU = sysctlFact('hw.ncpu', (text) => parseUnsignedInteger(text, 'hw.ncpu'));

/** Memory in use on UVM (NetBSD, OpenBSD): physical memory minus `vmstat -s` free pages. */
export function uvmMemoryInUse(physmem: Fact<number>): BsdGuestSpec['memoryInUseBytes'] {
  return async (shell) => {
    const out = await runSections(shell, { physmem: physmem.command, vmstat: 'vmstat -s' });
    const physical = expectParsed(physmem.parse(okOutput(out.physmem) ?? ''), physmem.source);
    const uvm = expectParsed(parseVmstatSummary(okOutput(out.vmstat) ?? ''), 'vmstat -s');
    return Math.max(0, physical - uvm.pagesFree * uvm.pageSizeBytes);
  };
}

function sysctlZfsMethods(zfs: SysctlZfs): ZfsMethods {
  return {
    async zfsSupport(shell: RemoteShell): Promise<ZfsSupport> {
      const out = await runSections(shell, {
        zpool: 'command -v zpool',
        modules: zfs.moduleList.command,
        module_file: zfs.moduleFileTest,
      });
      if (out.zpool!.code !== 0) return { supported: false, reason: 'zpool is not installed in the guest' };
      const loaded = expectParsed(zfs.moduleList.hasZfs(okOutput(out.modules) ?? ''), zfs.moduleList.command);
      if (!loaded && out.module_file!.code !== 0) return { supported: false, reason: zfs.moduleMissingReason };
      return { supported: true };
    },
    readKstatTable: (shell, name) => readSysctlKstatTable(shell, name, zfs.missingKstatReason),
    readArcstats: readSysctlArcstats,
    reloadZfsModule: (shell) => reloadZfsModuleWith(shell, zfs.moduleTools),
    async createFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
      checkFileVdevRequest(filePath, sizeMiB);
      return zfs.attachFileVdev(shell, filePath, sizeMiB);
    },
    removeFileVdev: (shell, vdev, filePath) => removeFileVdevWith(shell, zfs.fileVdevDevice, vdev, filePath),
    applyZfsTunables: applySysctlTunables,
    readZfsTunables: readSysctlTunables,
    zfsImplementations: readSysctlImplementations,
  };
}

/** A guest without ZFS: it says why, refuses every ZFS action, and has no tunables or implementations. */
function absentZfsMethods(reason: string): ZfsMethods {
  const refuse = async (): Promise<never> => {
    throw new GuestUnsupportedError(reason);
  };
  return {
    zfsSupport: async () => ({ supported: false, reason }),
    readKstatTable: refuse,
    readArcstats: refuse,
    reloadZfsModule: refuse,
    createFileVdev: refuse,
    removeFileVdev: refuse,
    async applyZfsTunables(_shell: RemoteShell, tunables: Record<string, string>): Promise<Record<string, string>> {
      if (Object.keys(tunables).length > 0) return refuse();
      return {};
    },
    readZfsTunables: async () => ({}),
    zfsImplementations: async () => ({}),
  };
}

export function createBsdAdapter(spec: BsdGuestSpec): GuestAdapter {
  return {
    os: spec.os,
    facts: (shell) => readFacts(shell, { ...spec.facts, vcpus: NCPU, identity: (unameS, osRelease) => identityMismatch(spec.os, unameS, osRelease) }),

    async uptimeSeconds(shell: RemoteShell): Promise<number> {
      const out = await runSections(shell, { boottime: spec.boottime.command, now: 'date +%s' });
      const boottime = okOutput(out.boottime) ?? '';
      expectParsed(spec.boottime.parse(boottime), spec.boottime.source);
      return expectParsed(uptimeFromBoottime(boottime, okOutput(out.now) ?? ''), spec.boottime.source);
    },

    bootBreakdown: async () => null,
    // No BSD kernel timestamps its console messages.
    kernelHandoverSeconds: async () => null,
    memoryInUseBytes: spec.memoryInUseBytes,
    ...('absentReason' in spec.zfs ? absentZfsMethods(spec.zfs.absentReason) : sysctlZfsMethods(spec.zfs)),

    ramScratchCommands(dir: string) {
      if (spec.tmpfsMount === null) return null;
      const quoted = shellQuote(dir);
      // A mounted folder shows as " on <dir> (tmpfs" in mount(8) output on both BSDs.
      const mounted = `mount | grep -q " on ${dir} (tmpfs"`;
      return { mount: `mkdir -p ${quoted} && { ${mounted} || ${spec.tmpfsMount(quoted)}; }`, unmount: `! ${mounted} || umount ${quoted}` };
    },

    quiesceCommand: () => 'sync',
    // cron runs periodic(8) on FreeBSD and NetBSD; onestop works whether or not it is enabled.
    quietBackgroundCommand: () => '{ service cron onestop || /etc/rc.d/cron onestop; } >/dev/null 2>&1; true',

    /** date(1) prints whole seconds only and there is no scripting runtime: the host times it minus RTT. */
    monotonicClockCommand: () => null,
  };
}
