/**
 * Linux guests (the Debian testbed and Alpine): ZFS from /proc/spl/kstat and
 * /sys/module/zfs/parameters, boot phases from systemd-analyze when systemd is there.
 */
import type { GuestOs } from '../../results/schema.ts';
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { parseNamedKstat } from '../common/arcstats.ts';
import { KSTAT_READ_TIMEOUT_MS, checkFileVdevRequest } from '../common/constants.ts';
import { identityMismatch, parseThen, readFacts, type FactsSpec } from '../common/facts.ts';
import { removeFileVdevWith, type FileVdevDevice } from '../common/file-vdev.ts';
import { parseKstatBenchTable } from '../common/kstat.ts';
import { describeOsRelease, parseOsRelease } from '../common/os-release.ts';
import { GuestOutputError, expectParsed, okOutput, runChecked, runEachSucceeded, runSections } from '../common/run.ts';
import { IMPLEMENTATION_PARAMETERS, validateTunables } from '../common/tunables.ts';
import { effectiveTunableValue, parseImplSelector, parseUnsignedInteger } from '../common/zfs.ts';
import { loadedWhenSucceeds, reloadZfsModuleWith, type ZfsModuleTools } from '../common/zfs-module.ts';
import { defineGuest, type BootBreakdown, type GuestAdapter, type GuestCpuTicks, type KstatBenchName, type KstatTable, type ZfsSupport } from '../types.ts';
import { parseProcStat } from './proc-stat.ts';
import { parseKernelHandoverSeconds, parseLosetupShow, parseMeminfo, parseProcUptime, parseSystemdAnalyze } from './parse.ts';

const KSTAT_DIR = '/proc/spl/kstat/zfs';
const PARAMETER_DIRS = ['/sys/module/zfs/parameters', '/sys/module/zcommon/parameters'];
/** A guest that does not print /proc/stat within this long is read as "cannot say" (its steal time is null). */
const GUEST_TICKS_TIMEOUT_MS = 10_000;
/** How long bootBreakdown waits for systemd to finish starting units before giving up. */
const BOOT_FINISH_WAIT_MS = 60_000;

/**
 * Prints the named module parameter from the first directory that has it (zcommon held some
 * before zfs 2.2); exits 1 when none does. Runs inside its own subshell (a section).
 */
export function moduleParameterReadScript(name: string, dirs: readonly string[] = PARAMETER_DIRS): string {
  return `for d in ${dirs.map(shellQuote).join(' ')}; do if [ -e "$d/${name}" ]; then cat "$d/${name}"; exit; fi; done; exit 1`;
}

const LINUX_FACTS: FactsSpec = {
  osVersion: {
    command: 'cat /etc/os-release',
    source: '/etc/os-release',
    parse: parseThen(parseOsRelease, describeOsRelease),
  },
  vcpus: { command: 'nproc', source: 'nproc', parse: (text) => parseUnsignedInteger(text, 'nproc') },
  memoryBytes: {
    command: 'cat /proc/meminfo',
    source: '/proc/meminfo',
    parse: parseThen(parseMeminfo, (memory) => memory.totalBytes),
  },
  // /proc/config.gz describes the running kernel exactly; /boot/config-* is the packaged file.
  configSha256Command: 'if [ -r /proc/config.gz ]; then zcat /proc/config.gz | sha256sum; else sha256sum "/boot/config-$(uname -r)"; fi',
  // Debian: /boot/vmlinuz-<release>; Alpine: /boot/vmlinuz-<flavor> (release ends in -virt, -lts).
  kernelImageBytesCommand: 'r=$(uname -r); f=/boot/vmlinuz-$r; [ -e "$f" ] || f=/boot/vmlinuz-${r##*-}; stat -c %s "$f"',
  hasZfs: true,
};

/** Options in /etc/modprobe.d apply again on load. */
const ZFS_MODULE_TOOLS: ZfsModuleTools = {
  isLoaded: loadedWhenSucceeds('test -d /sys/module/zfs'),
  unload: 'modprobe -r zfs',
  load: 'modprobe zfs',
};

const LOOP_DEVICE: FileVdevDevice = {
  pattern: /^(\/dev\/loop[0-9]+)$/,
  detach: (device) => `losetup -d ${device}`,
  description: 'a loop device',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the guest has zpool and the zfs module (loaded or loadable). */
async function linuxZfsSupport(shell: RemoteShell): Promise<ZfsSupport> {
  const found = await runSections(shell, {
    zpool: 'command -v zpool',
    module: 'test -d /sys/module/zfs || modinfo zfs',
  });
  if (found.zpool!.code !== 0) return { supported: false, reason: 'zpool is not installed in the guest' };
  if (found.module!.code !== 0) return { supported: false, reason: 'no zfs kernel module for the running kernel (modinfo zfs failed)' };
  return { supported: true };
}

/** Writes each ZFS module parameter (refusing an absent one or a refused value) and reads back what took. */
async function writeModuleParameters(shell: RemoteShell, tunables: Record<string, string>): Promise<Record<string, string>> {
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
  const readBack = await runSections(shell, Object.fromEntries(names.map((name) => [name, `cat /sys/module/zfs/parameters/${name}`])));
  return Object.fromEntries(
    names.map((name) => {
      const text = okOutput(readBack[name]);
      if (text === null) throw new GuestOutputError(`/sys/module/zfs/parameters/${name}`, 'unreadable after writing');
      return [name, effectiveTunableValue(text)];
    }),
  );
}

export function createLinuxAdapter(os: Extract<GuestOs, 'debian' | 'alpine'>): GuestAdapter {
  return {
    os,

    zfsSupport: linuxZfsSupport,

    facts: (shell) => readFacts(shell, { ...LINUX_FACTS, identity: (unameS, osRelease) => identityMismatch(os, unameS, osRelease) }),

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
        if (Date.now() >= deadline) throw new Error(`systemd-analyze: boot not finished after ${BOOT_FINISH_WAIT_MS / 1000} s (see systemctl list-jobs)`);
        await sleep(1000);
      }
    },

    async kernelHandoverSeconds(shell: RemoteShell): Promise<number | null> {
      return expectParsed(parseKernelHandoverSeconds(await runChecked(shell, 'dmesg')), 'dmesg');
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

    reloadZfsModule: (shell) => reloadZfsModuleWith(shell, ZFS_MODULE_TOOLS),

    async createFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
      checkFileVdevRequest(filePath, sizeMiB);
      const file = shellQuote(filePath);
      // util-linux prints the device with --show; busybox (Alpine) has no --show, so pick the
      // free device first there (the guest is ours alone, so nothing races for it).
      const attach = `{ losetup -f --show ${file} 2>/dev/null || { d=$(losetup -f) && losetup "$d" ${file} && echo "$d"; }; }`;
      const text = await runChecked(shell, `truncate -s ${sizeMiB}M ${file} && ${attach}`);
      return expectParsed(parseLosetupShow(text), `losetup -f --show ${filePath}`);
    },

    removeFileVdev: (shell, vdev, filePath) => removeFileVdevWith(shell, LOOP_DEVICE, vdev, filePath),

    applyZfsTunables: writeModuleParameters,

    async readZfsTunables(shell: RemoteShell, names: string[]): Promise<Record<string, string>> {
      validateTunables(Object.fromEntries(names.map((name) => [name, '0'])), 'module-parameter');
      const present = await runEachSucceeded(shell, names, moduleParameterReadScript);
      return Object.fromEntries(Object.entries(present).map(([name, text]) => [name, effectiveTunableValue(text)]));
    },

    async zfsImplementations(shell: RemoteShell): Promise<Record<string, string>> {
      // A selector absent in this ZFS version is left out.
      const present = await runEachSucceeded(shell, IMPLEMENTATION_PARAMETERS, moduleParameterReadScript);
      return Object.fromEntries(
        Object.entries(present).map(([name, text]) => [name, expectParsed(parseImplSelector(text), `module parameter ${name}`).selected]),
      );
    },

    /**
     * CLOCK_REALTIME with nanoseconds: neither coreutils nor busybox prints CLOCK_MONOTONIC and
     * the guest has no scripting runtime. Intervals of seconds are fine; an NTP step in between
     * would skew one sample (slewing changes rates by at most 500 ppm).
     */
    ramScratchCommands(dir: string) {
      const quoted = shellQuote(dir);
      // size=60%: a limit, not a reservation (tmpfs takes pages as files grow); vdev files are sparse.
      return {
        mount: `mkdir -p ${quoted} && { mountpoint -q ${quoted} || mount -t tmpfs -o size=60%,mode=0700 kbench-ram ${quoted}; }`,
        unmount: `! mountpoint -q ${quoted} || umount ${quoted}`,
      };
    },

    quietBackgroundCommand: () =>
      "{ if command -v systemctl >/dev/null 2>&1; then systemctl stop $(systemctl list-units --type=timer --state=active --plain --no-legend | awk '{print $1}') cron.service; " +
      'elif command -v rc-service >/dev/null 2>&1; then rc-service crond stop; fi; } >/dev/null 2>&1; true',

    // udevadm settle: a module reload or a new device queues udev events that workers would
    // otherwise handle inside the next timed region; sync: journald's and other dirty pages.
    quiesceCommand: () => '{ command -v udevadm >/dev/null 2>&1 && udevadm settle --timeout=60; sync; } >/dev/null 2>&1',

    monotonicClockCommand(): string | null {
      return 'date +%s.%N';
    },

    async cpuTicks(shell: RemoteShell): Promise<GuestCpuTicks | null> {
      // Guest steal time: the same /proc/stat line the host's load is read from (proc-stat.ts, shared with env/load.ts).
      const result = await shell.exec('cat /proc/stat', { timeoutMs: GUEST_TICKS_TIMEOUT_MS });
      return result.code === 0 ? parseProcStat(result.stdout) : null;
    },
  };
}

export const debianGuest = defineGuest('debian', () => createLinuxAdapter('debian'));
export const alpineGuest = defineGuest('alpine', () => createLinuxAdapter('alpine'));
