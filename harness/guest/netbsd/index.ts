/**
 * NetBSD guests: ZFS is the `zfs` kernel module (modload zfs), a port of FreeBSD's ZFS from before
 * OpenZFS 2.0. It exposes only named kstats (kstat.zfs.misc.arcstats.*), so the checksum
 * benchmark tables are reported unsupported when the sysctl is missing. File vdevs are vnd(4).
 */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { parseSysctlKstat } from '../common/arcstats.ts';
import { uptimeFromBoottime } from '../common/boottime.ts';
import { applySysctlTunables, readSysctlImplementations, readSysctlTunables } from '../common/bsd-sysctl.ts';
import { EMPTY_INPUT_SHA256, KSTAT_READ_TIMEOUT_MS, MODULE_RELOAD_TIMEOUT_MS, checkFileVdevRequest } from '../common/constants.ts';
import { parseKstatBenchTable } from '../common/kstat.ts';
import { ensureNoPoolImported } from '../common/pools.ts';
import { GuestOutputError, GuestUnsupportedError, expectParsed, okOutput, runChecked, runSections } from '../common/run.ts';
import { parseVmstatSummary } from '../common/uvm.ts';
import { parseSha256Output, parseUnsignedInteger, parseZfsVersion } from '../common/zfs.ts';
import type { GuestAdapter, GuestFacts, KstatBenchName, KstatTable, ZfsSupport } from '../types.ts';
import { parseModstatHasModule, parseNetbsdBoottime, parsePhysmem, parseRawPartition, parseVndconfigList } from './parse.ts';

/** The booted kernel's path (x86 reports it; elsewhere the default /netbsd). */
const BOOTED_KERNEL =
  'k=$(sysctl -n machdep.booted_kernel 2>/dev/null || echo /netbsd); case $k in /*) ;; *) k=/$k ;; esac';

export function createNetbsdAdapter(): GuestAdapter {
  return {
    os: 'netbsd',

    async zfsSupport(shell: RemoteShell): Promise<ZfsSupport> {
      const out = await runSections(shell, {
        zpool: 'command -v zpool',
        modstat: 'modstat',
        module_file: 'test -e "/stand/$(uname -m)/$(uname -r)/modules/zfs/zfs.kmod"',
      });
      if (out.zpool!.code !== 0) return { supported: false, reason: 'zpool is not installed in the guest' };
      const loaded = expectParsed(parseModstatHasModule(okOutput(out.modstat) ?? '', 'zfs'), 'modstat');
      if (!loaded && out.module_file!.code !== 0)
        return { supported: false, reason: 'the zfs module is neither loaded nor in /stand/<arch>/<release>/modules' };
      return { supported: true };
    },

    async facts(shell: RemoteShell): Promise<GuestFacts> {
      const out = await runSections(shell, {
        os: 'uname -sr',
        kernel_release: 'uname -r',
        vcpus: 'sysctl -n hw.ncpu',
        physmem: 'sysctl -n hw.physmem64',
        // Kernels built with INCLUDE_CONFIG_FILE carry their config; config -x extracts it.
        config_sha256: `${BOOTED_KERNEL}; config -x "$k" | cksum -a SHA256`,
        kernel_image_bytes: `${BOOTED_KERNEL}; stat -f %z "$k"`,
        zfs_version: 'zfs version',
      });
      const osVersion = okOutput(out.os)?.trim();
      if (!osVersion) throw new GuestOutputError('uname -sr', 'no output');
      const kernelRelease = okOutput(out.kernel_release)?.trim();
      if (!kernelRelease) throw new GuestOutputError('uname -r', 'no output');
      const vcpus = expectParsed(parseUnsignedInteger(okOutput(out.vcpus) ?? '', 'hw.ncpu'), 'sysctl hw.ncpu');
      if (vcpus < 1) throw new GuestOutputError('sysctl hw.ncpu', 'reported 0 CPUs');
      const memoryBytes = expectParsed(parsePhysmem(okOutput(out.physmem) ?? ''), 'sysctl hw.physmem64');
      const configText = okOutput(out.config_sha256);
      const configSha = configText === null ? null : parseSha256Output(configText);
      const imageText = okOutput(out.kernel_image_bytes);
      const imageBytes = imageText === null ? null : parseUnsignedInteger(imageText, 'kernel image size');
      const versionText = okOutput(out.zfs_version);
      const zfsVersion = versionText === null ? null : parseZfsVersion(versionText);
      return {
        osVersion,
        kernelRelease,
        kernelConfigSha256: configSha?.ok && configSha.value !== EMPTY_INPUT_SHA256 ? configSha.value : null,
        zfsVersion: zfsVersion?.ok ? (zfsVersion.value.kernel ?? zfsVersion.value.userland) : null,
        vcpus,
        memoryBytes,
        kernelImageBytes: imageBytes?.ok && imageBytes.value > 0 ? imageBytes.value : null,
      };
    },

    async uptimeSeconds(shell: RemoteShell): Promise<number> {
      // -nn adds microseconds on NetBSD; TZ=UTC makes a date-form answer unambiguous.
      const out = await runSections(shell, { boottime: 'TZ=UTC sysctl -nn kern.boottime', now: 'date +%s' });
      const boottime = okOutput(out.boottime) ?? '';
      expectParsed(parseNetbsdBoottime(boottime), 'sysctl kern.boottime');
      return expectParsed(uptimeFromBoottime(boottime, okOutput(out.now) ?? ''), 'sysctl kern.boottime');
    },

    async bootBreakdown(): Promise<null> {
      return null;
    },

    async memoryInUseBytes(shell: RemoteShell): Promise<number> {
      const out = await runSections(shell, { physmem: 'sysctl -n hw.physmem64', vmstat: 'vmstat -s' });
      const physical = expectParsed(parsePhysmem(okOutput(out.physmem) ?? ''), 'sysctl hw.physmem64');
      const uvm = expectParsed(parseVmstatSummary(okOutput(out.vmstat) ?? ''), 'vmstat -s');
      return Math.max(0, physical - uvm.pagesFree * uvm.pageSizeBytes);
    },

    async readKstatTable(shell: RemoteShell, name: KstatBenchName): Promise<KstatTable> {
      const result = await shell.exec(`sysctl -n kstat.zfs.misc.${name}`, { timeoutMs: KSTAT_READ_TIMEOUT_MS });
      if (result.code !== 0)
        throw new GuestUnsupportedError(
          `NetBSD's ZFS has no kstat.zfs.misc.${name} (its ZFS predates the OpenZFS checksum benchmarks)`,
        );
      return expectParsed(parseKstatBenchTable(result.stdout, 'sysctl'), `sysctl kstat.zfs.misc.${name}`);
    },

    async readArcstats(shell: RemoteShell): Promise<Record<string, number>> {
      const prefix = 'kstat.zfs.misc.arcstats';
      return expectParsed(parseSysctlKstat(await runChecked(shell, `sysctl ${prefix}`), prefix), `sysctl ${prefix}`);
    },

    async reloadZfsModule(shell: RemoteShell): Promise<void> {
      const loaded = expectParsed(parseModstatHasModule(await runChecked(shell, 'modstat'), 'zfs'), 'modstat');
      if (loaded) {
        await ensureNoPoolImported(shell);
        await runChecked(shell, 'modunload zfs && modload zfs', { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
      } else {
        await runChecked(shell, 'modload zfs', { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
      }
    },

    async createFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
      checkFileVdevRequest(filePath, sizeMiB);
      const out = await runSections(shell, { raw: 'sysctl -n kern.rawpartition', units: 'vndconfig -l' });
      const rawLetter = expectParsed(parseRawPartition(okOutput(out.raw) ?? ''), 'sysctl kern.rawpartition');
      const units = expectParsed(parseVndconfigList(okOutput(out.units) ?? ''), 'vndconfig -l');
      const free = units.find((unit) => !unit.inUse);
      if (!free) throw new Error(`no free vnd(4) unit in the guest (vndconfig -l lists ${units.length}, all in use)`);
      const file = shellQuote(filePath);
      // NetBSD has no truncate(1): a zero-count dd that seeks past the end makes the sparse file.
      await runChecked(shell, `dd if=/dev/zero of=${file} bs=1048576 count=0 seek=${sizeMiB} 2>/dev/null && vndconfig ${free.unit} ${file}`);
      return `/dev/${free.unit}${rawLetter}`;
    },

    async removeFileVdev(shell: RemoteShell, vdev: string, filePath: string): Promise<void> {
      const unit = /^\/dev\/(vnd[0-9]+)[a-p]?$/.exec(vdev)?.[1];
      if (!unit && vdev !== filePath) throw new Error(`${JSON.stringify(vdev)} is neither a vnd device nor ${filePath}`);
      await runChecked(shell, `${unit ? `vndconfig -u ${unit} && ` : ''}rm -f ${shellQuote(filePath)}`);
    },

    applyZfsTunables: applySysctlTunables,

    readZfsTunables: readSysctlTunables,

    zfsImplementations: readSysctlImplementations,

    /** NetBSD's date(1) has whole seconds only: the host times it minus RTT. */
    monotonicClockCommand(): string | null {
      return null;
    },
  };
}
