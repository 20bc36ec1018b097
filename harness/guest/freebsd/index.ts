/**
 * FreeBSD guests: OpenZFS in base; kstats under the hidden sysctl tree kstat.zfs.misc (query by
 * full name), tunables as vfs.zfs.* sysctls, file vdevs as md(4) vnode devices.
 */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { parseSysctlKstat } from '../common/arcstats.ts';
import { uptimeFromBoottime } from '../common/boottime.ts';
import { applySysctlTunables, readSysctlImplementations, readSysctlTunables } from '../common/bsd-sysctl.ts';
import { EMPTY_INPUT_SHA256, KSTAT_READ_TIMEOUT_MS, MODULE_RELOAD_TIMEOUT_MS, checkFileVdevRequest } from '../common/constants.ts';
import { parseKstatBenchTable } from '../common/kstat.ts';
import { ensureNoPoolImported } from '../common/pools.ts';
import { GuestOutputError, expectParsed, okOutput, runChecked, runSections } from '../common/run.ts';
import { parseSha256Output, parseUnsignedInteger, parseZfsVersion } from '../common/zfs.ts';
import type { GuestAdapter, GuestFacts, KstatBenchName, KstatTable, ZfsSupport } from '../types.ts';
import { parseFreebsdBoottime, parseFreebsdMemory, parseFreebsdVersion, parseKldstatHasModule, parseMdconfigAttach } from './parse.ts';

export function createFreebsdAdapter(): GuestAdapter {
  return {
    os: 'freebsd',

    async zfsSupport(shell: RemoteShell): Promise<ZfsSupport> {
      const out = await runSections(shell, {
        zpool: 'command -v zpool',
        kldstat: 'kldstat',
        module_file: 'test -e /boot/kernel/zfs.ko',
      });
      if (out.zpool!.code !== 0) return { supported: false, reason: 'zpool is not installed in the guest' };
      const loaded = expectParsed(parseKldstatHasModule(okOutput(out.kldstat) ?? '', 'zfs'), 'kldstat');
      if (!loaded && out.module_file!.code !== 0)
        return { supported: false, reason: 'zfs.ko is neither loaded nor in /boot/kernel' };
      return { supported: true };
    },

    async facts(shell: RemoteShell): Promise<GuestFacts> {
      const out = await runSections(shell, {
        userland: 'freebsd-version -u',
        kernel_release: 'uname -r',
        vcpus: 'sysctl -n hw.ncpu',
        physmem: 'sysctl -n hw.physmem',
        // kern.conftxt exists when the kernel was built with INCLUDE_CONFIG_FILE (GENERIC is).
        config_sha256: 'sysctl -n kern.conftxt | sha256 -q',
        kernel_image_bytes: 'stat -f %z "$(sysctl -n kern.bootfile)"',
        zfs_version: 'zfs version',
      });
      const userland = expectParsed(parseFreebsdVersion(okOutput(out.userland) ?? ''), 'freebsd-version -u');
      const kernelRelease = okOutput(out.kernel_release)?.trim();
      if (!kernelRelease) throw new GuestOutputError('uname -r', 'no output');
      const vcpus = expectParsed(parseUnsignedInteger(okOutput(out.vcpus) ?? '', 'hw.ncpu'), 'sysctl hw.ncpu');
      if (vcpus < 1) throw new GuestOutputError('sysctl hw.ncpu', 'reported 0 CPUs');
      const memoryBytes = expectParsed(parseUnsignedInteger(okOutput(out.physmem) ?? '', 'hw.physmem'), 'sysctl hw.physmem');
      const configText = okOutput(out.config_sha256);
      const configSha = configText === null ? null : parseSha256Output(configText);
      const imageText = okOutput(out.kernel_image_bytes);
      const imageBytes = imageText === null ? null : parseUnsignedInteger(imageText, 'kernel image size');
      const versionText = okOutput(out.zfs_version);
      const zfsVersion = versionText === null ? null : parseZfsVersion(versionText);
      return {
        osVersion: `FreeBSD ${userland}`,
        kernelRelease,
        kernelConfigSha256: configSha?.ok && configSha.value !== EMPTY_INPUT_SHA256 ? configSha.value : null,
        zfsVersion: zfsVersion?.ok ? (zfsVersion.value.kernel ?? zfsVersion.value.userland) : null,
        vcpus,
        memoryBytes,
        kernelImageBytes: imageBytes?.ok && imageBytes.value > 0 ? imageBytes.value : null,
      };
    },

    async uptimeSeconds(shell: RemoteShell): Promise<number> {
      const out = await runSections(shell, { boottime: 'sysctl -n kern.boottime', now: 'date +%s' });
      const boottime = okOutput(out.boottime) ?? '';
      expectParsed(parseFreebsdBoottime(boottime), 'sysctl kern.boottime');
      return expectParsed(uptimeFromBoottime(boottime, okOutput(out.now) ?? ''), 'sysctl kern.boottime');
    },

    async bootBreakdown(): Promise<null> {
      return null;
    },

    async memoryInUseBytes(shell: RemoteShell): Promise<number> {
      const text = await runChecked(shell, 'sysctl -n hw.physmem vm.stats.vm.v_free_count hw.pagesize');
      const memory = expectParsed(parseFreebsdMemory(text), 'sysctl hw.physmem vm.stats.vm.v_free_count hw.pagesize');
      return memory.physicalBytes - memory.freePages * memory.pageSizeBytes;
    },

    async readKstatTable(shell: RemoteShell, name: KstatBenchName): Promise<KstatTable> {
      const text = await runChecked(shell, `sysctl -n kstat.zfs.misc.${name}`, { timeoutMs: KSTAT_READ_TIMEOUT_MS });
      return expectParsed(parseKstatBenchTable(text, 'sysctl'), `sysctl kstat.zfs.misc.${name}`);
    },

    async readArcstats(shell: RemoteShell): Promise<Record<string, number>> {
      const prefix = 'kstat.zfs.misc.arcstats';
      return expectParsed(parseSysctlKstat(await runChecked(shell, `sysctl ${prefix}`), prefix), `sysctl ${prefix}`);
    },

    async reloadZfsModule(shell: RemoteShell): Promise<void> {
      const loaded = (await shell.exec('kldstat -q -m zfs')).code === 0;
      if (loaded) {
        await ensureNoPoolImported(shell);
        await runChecked(shell, 'kldunload zfs && kldload zfs', { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
      } else {
        await runChecked(shell, 'kldload zfs', { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
      }
    },

    async createFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
      checkFileVdevRequest(filePath, sizeMiB);
      const file = shellQuote(filePath);
      const text = await runChecked(shell, `truncate -s ${sizeMiB}M ${file} && mdconfig -a -t vnode -f ${file}`);
      return `/dev/${expectParsed(parseMdconfigAttach(text), `mdconfig -a -t vnode -f ${filePath}`)}`;
    },

    async removeFileVdev(shell: RemoteShell, vdev: string, filePath: string): Promise<void> {
      const unit = /^\/dev\/(md[0-9]+)$/.exec(vdev)?.[1];
      if (!unit && vdev !== filePath) throw new Error(`${JSON.stringify(vdev)} is neither an md device nor ${filePath}`);
      await runChecked(shell, `${unit ? `mdconfig -d -u ${unit} && ` : ''}rm -f ${shellQuote(filePath)}`);
    },

    applyZfsTunables: applySysctlTunables,

    readZfsTunables: readSysctlTunables,

    zfsImplementations: readSysctlImplementations,

    /** `date` has whole seconds only and there is no scripting runtime: the host times it minus RTT. */
    monotonicClockCommand(): string | null {
      return null;
    },
  };
}
