/**
 * Linux guests (the Debian testbed and Alpine): ZFS from /proc/spl/kstat and
 * /sys/module/zfs/parameters, boot phases from systemd-analyze when systemd is there.
 */
import type { GuestOs } from '../../results/schema.ts';
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { EMPTY_INPUT_SHA256, KSTAT_READ_TIMEOUT_MS, MODULE_RELOAD_TIMEOUT_MS, checkFileVdevRequest } from '../common/constants.ts';
import { parseKstatBenchTable } from '../common/kstat.ts';
import { parseNamedKstat } from '../common/arcstats.ts';
import { describeOsRelease, parseOsRelease } from '../common/os-release.ts';
import { ensureNoPoolImported } from '../common/pools.ts';
import { GuestOutputError, expectParsed, okOutput, runChecked, runSections } from '../common/run.ts';
import { IMPLEMENTATION_PARAMETERS, validateTunables } from '../common/tunables.ts';
import { parseImplSelector, parseSha256Output, parseUnsignedInteger, parseZfsVersion } from '../common/zfs.ts';
import type { BootBreakdown, GuestAdapter, GuestFacts, KstatBenchName, KstatTable, ZfsSupport } from '../types.ts';
import { parseLosetupShow, parseMeminfo, parseProcUptime, parseSystemdAnalyze } from './parse.ts';

const KSTAT_DIR = '/proc/spl/kstat/zfs';
const PARAMETER_DIRS = ['/sys/module/zfs/parameters', '/sys/module/zcommon/parameters'];
/** How long bootBreakdown waits for systemd to finish starting units before giving up. */
const BOOT_FINISH_WAIT_MS = 60_000;

/**
 * Prints the named module parameter from the first directory that has it (zcommon held some
 * before zfs 2.2); exits 1 when none does. Runs inside its own subshell (a section).
 */
export function moduleParameterReadScript(name: string, dirs: readonly string[] = PARAMETER_DIRS): string {
  return `for d in ${dirs.map(shellQuote).join(' ')}; do if [ -e "$d/${name}" ]; then cat "$d/${name}"; exit; fi; done; exit 1`;
}

/** A selector reads `[fastest] scalar …`: report the choice; anything else as it reads. */
function effectiveValue(raw: string): string {
  const selector = parseImplSelector(raw);
  return selector.ok ? selector.value.selected : raw.trim();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createLinuxAdapter(os: Extract<GuestOs, 'debian' | 'alpine'>): GuestAdapter {
  return {
    os,

    async zfsSupport(shell: RemoteShell): Promise<ZfsSupport> {
      const found = await runSections(shell, {
        zpool: 'command -v zpool',
        module: 'test -d /sys/module/zfs || modinfo zfs',
      });
      if (found.zpool!.code !== 0) return { supported: false, reason: 'zpool is not installed in the guest' };
      if (found.module!.code !== 0)
        return { supported: false, reason: 'no zfs kernel module for the running kernel (modinfo zfs failed)' };
      return { supported: true };
    },

    async facts(shell: RemoteShell): Promise<GuestFacts> {
      const out = await runSections(shell, {
        os_release: 'cat /etc/os-release',
        kernel_release: 'uname -r',
        vcpus: 'nproc',
        meminfo: 'cat /proc/meminfo',
        // /proc/config.gz describes the running kernel exactly; /boot/config-* is the packaged file.
        config_sha256:
          'if [ -r /proc/config.gz ]; then zcat /proc/config.gz | sha256sum; else sha256sum "/boot/config-$(uname -r)"; fi',
        // Debian: /boot/vmlinuz-<release>; Alpine: /boot/vmlinuz-<flavor> (release ends in -virt, -lts).
        kernel_image_bytes:
          'r=$(uname -r); f=/boot/vmlinuz-$r; [ -e "$f" ] || f=/boot/vmlinuz-${r##*-}; stat -c %s "$f"',
        zfs_version: 'zfs version',
      });
      const osRelease = expectParsed(parseOsRelease(okOutput(out.os_release) ?? ''), '/etc/os-release');
      const kernelRelease = okOutput(out.kernel_release)?.trim();
      if (!kernelRelease) throw new GuestOutputError('uname -r', 'no output');
      const vcpus = expectParsed(parseUnsignedInteger(okOutput(out.vcpus) ?? '', 'nproc'), 'nproc');
      if (vcpus < 1) throw new GuestOutputError('nproc', 'reported 0 CPUs');
      const memory = expectParsed(parseMeminfo(okOutput(out.meminfo) ?? ''), '/proc/meminfo');
      const configText = okOutput(out.config_sha256);
      const configSha = configText === null ? null : parseSha256Output(configText);
      const imageText = okOutput(out.kernel_image_bytes);
      const imageBytes = imageText === null ? null : parseUnsignedInteger(imageText, 'kernel image size');
      const versionText = okOutput(out.zfs_version);
      const zfsVersion = versionText === null ? null : parseZfsVersion(versionText);
      return {
        osVersion: describeOsRelease(osRelease),
        kernelRelease,
        kernelConfigSha256: configSha?.ok && configSha.value !== EMPTY_INPUT_SHA256 ? configSha.value : null,
        zfsVersion: zfsVersion?.ok ? (zfsVersion.value.kernel ?? zfsVersion.value.userland) : null,
        vcpus,
        memoryBytes: memory.totalBytes,
        kernelImageBytes: imageBytes?.ok && imageBytes.value > 0 ? imageBytes.value : null,
      };
    },

    async uptimeSeconds(shell: RemoteShell): Promise<number> {
      return expectParsed(parseProcUptime(await runChecked(shell, 'cat /proc/uptime')), '/proc/uptime');
    },

    async bootBreakdown(shell: RemoteShell): Promise<BootBreakdown | null> {
      const present = await shell.exec('command -v systemd-analyze');
      if (present.code !== 0) return null; // OpenRC (Alpine) has no boot analyzer
      const deadline = Date.now() + BOOT_FINISH_WAIT_MS;
      for (;;) {
        const result = await shell.exec('systemd-analyze');
        const parsed = expectParsed(parseSystemdAnalyze(`${result.stdout}\n${result.stderr}`), 'systemd-analyze');
        if (parsed.kind === 'finished') return parsed.breakdown;
        if (Date.now() >= deadline)
          throw new Error(`systemd-analyze: boot not finished after ${BOOT_FINISH_WAIT_MS / 1000} s (see systemctl list-jobs)`);
        await sleep(1000);
      }
    },

    async memoryInUseBytes(shell: RemoteShell): Promise<number> {
      const memory = expectParsed(parseMeminfo(await runChecked(shell, 'cat /proc/meminfo')), '/proc/meminfo');
      return memory.totalBytes - memory.availableBytes;
    },

    async readKstatTable(shell: RemoteShell, name: KstatBenchName): Promise<KstatTable> {
      const path = `${KSTAT_DIR}/${name}`;
      const text = await runChecked(shell, `cat ${path}`, { timeoutMs: KSTAT_READ_TIMEOUT_MS });
      return expectParsed(parseKstatBenchTable(text, 'spl'), path);
    },

    async readArcstats(shell: RemoteShell): Promise<Record<string, number>> {
      const path = `${KSTAT_DIR}/arcstats`;
      return expectParsed(parseNamedKstat(await runChecked(shell, `cat ${path}`)), path);
    },

    async reloadZfsModule(shell: RemoteShell): Promise<void> {
      const loaded = (await shell.exec('test -d /sys/module/zfs')).code === 0;
      if (loaded) {
        await ensureNoPoolImported(shell);
        // Options in /etc/modprobe.d apply again on load.
        await runChecked(shell, 'modprobe -r zfs && modprobe zfs', { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
      } else {
        await runChecked(shell, 'modprobe zfs', { timeoutMs: MODULE_RELOAD_TIMEOUT_MS });
      }
    },

    async createFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
      checkFileVdevRequest(filePath, sizeMiB);
      const file = shellQuote(filePath);
      // util-linux prints the device with --show; busybox (Alpine) has no --show, so pick the
      // free device first there (the guest is ours alone, so nothing races for it).
      const attach = `{ losetup -f --show ${file} 2>/dev/null || { d=$(losetup -f) && losetup "$d" ${file} && echo "$d"; }; }`;
      const text = await runChecked(shell, `truncate -s ${sizeMiB}M ${file} && ${attach}`);
      return expectParsed(parseLosetupShow(text), `losetup -f --show ${filePath}`);
    },

    async removeFileVdev(shell: RemoteShell, vdev: string, filePath: string): Promise<void> {
      const detach = /^\/dev\/loop[0-9]+$/.test(vdev) ? `losetup -d ${vdev} && ` : '';
      if (!detach && vdev !== filePath) throw new Error(`${JSON.stringify(vdev)} is neither a loop device nor ${filePath}`);
      await runChecked(shell, `${detach}rm -f ${shellQuote(filePath)}`);
    },

    async applyZfsTunables(shell: RemoteShell, tunables: Record<string, string>): Promise<Record<string, string>> {
      validateTunables(tunables, 'module-parameter');
      const names = Object.keys(tunables);
      if (names.length === 0) return {};
      const writes = names.map((name) => {
        const path = `/sys/module/zfs/parameters/${name}`;
        const value = shellQuote(tunables[name]!);
        return (
          `{ [ -e ${path} ] || { echo "no ZFS module parameter ${name} (${path})" >&2; exit 3; }; } && ` +
          `{ { echo ${value} > ${path}; } 2>/dev/null || { echo "ZFS module parameter ${name} refused the value ${value}" >&2; exit 4; }; }`
        );
      });
      await runChecked(shell, writes.join(' && '));
      const readBack = await runSections(
        shell,
        Object.fromEntries(names.map((name) => [name, `cat /sys/module/zfs/parameters/${name}`])),
      );
      return Object.fromEntries(
        names.map((name) => {
          const text = okOutput(readBack[name]);
          if (text === null) throw new GuestOutputError(`/sys/module/zfs/parameters/${name}`, 'unreadable after writing');
          return [name, effectiveValue(text)];
        }),
      );
    },

    async readZfsTunables(shell: RemoteShell, names: string[]): Promise<Record<string, string>> {
      validateTunables(Object.fromEntries(names.map((name) => [name, '0'])), 'module-parameter');
      if (names.length === 0) return {};
      const out = await runSections(
        shell,
        Object.fromEntries(names.map((name) => [name, moduleParameterReadScript(name)])),
      );
      const values: Record<string, string> = {};
      for (const name of names) {
        const text = okOutput(out[name]);
        if (text !== null) values[name] = effectiveValue(text);
      }
      return values;
    },

    async zfsImplementations(shell: RemoteShell): Promise<Record<string, string>> {
      const out = await runSections(
        shell,
        Object.fromEntries(IMPLEMENTATION_PARAMETERS.map((name) => [name, moduleParameterReadScript(name)])),
      );
      const chosen: Record<string, string> = {};
      for (const name of IMPLEMENTATION_PARAMETERS) {
        const text = okOutput(out[name]);
        if (text === null) continue; // parameter absent in this ZFS version
        chosen[name] = expectParsed(parseImplSelector(text), `module parameter ${name}`).selected;
      }
      return chosen;
    },

    /**
     * CLOCK_REALTIME with nanoseconds: neither coreutils nor busybox prints CLOCK_MONOTONIC and
     * the guest has no scripting runtime. Intervals of seconds are fine; an NTP step in between
     * would skew one sample (slewing changes rates by at most 500 ppm).
     */
    monotonicClockCommand(): string | null {
      return 'date +%s.%N';
    },
  };
}
