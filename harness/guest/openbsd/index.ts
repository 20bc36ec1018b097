/**
 * OpenBSD guests: no ZFS at all (CDDL is not accepted in base and there is no port), so every ZFS
 * method refuses with that reason; uptime, memory and facts still work for boot-time metrics.
 */
import type { RemoteShell } from '../../ssh/types.ts';
import { uptimeFromBoottime } from '../common/boottime.ts';
import { GuestOutputError, GuestUnsupportedError, expectParsed, okOutput, runSections } from '../common/run.ts';
import { parseVmstatSummary } from '../common/uvm.ts';
import { parseUnsignedInteger } from '../common/zfs.ts';
import type { GuestAdapter, GuestFacts, ZfsSupport } from '../types.ts';
import { parseOpenbsdBoottime, parseOpenbsdPhysmem } from './parse.ts';

export const OPENBSD_NO_ZFS_REASON = 'OpenBSD has no ZFS port (CDDL license conflict)';

function noZfs(): never {
  throw new GuestUnsupportedError(OPENBSD_NO_ZFS_REASON);
}

export function createOpenbsdAdapter(): GuestAdapter {
  return {
    os: 'openbsd',

    async zfsSupport(): Promise<ZfsSupport> {
      return { supported: false, reason: OPENBSD_NO_ZFS_REASON };
    },

    async facts(shell: RemoteShell): Promise<GuestFacts> {
      const out = await runSections(shell, {
        os: 'uname -sr',
        kernel_release: 'uname -r',
        vcpus: 'sysctl -n hw.ncpu',
        physmem: 'sysctl -n hw.physmem',
        kernel_image_bytes: 'stat -f %z /bsd',
      });
      const osVersion = okOutput(out.os)?.trim();
      if (!osVersion) throw new GuestOutputError('uname -sr', 'no output');
      const kernelRelease = okOutput(out.kernel_release)?.trim();
      if (!kernelRelease) throw new GuestOutputError('uname -r', 'no output');
      const vcpus = expectParsed(parseUnsignedInteger(okOutput(out.vcpus) ?? '', 'hw.ncpu'), 'sysctl hw.ncpu');
      if (vcpus < 1) throw new GuestOutputError('sysctl hw.ncpu', 'reported 0 CPUs');
      const memoryBytes = expectParsed(parseOpenbsdPhysmem(okOutput(out.physmem) ?? ''), 'sysctl hw.physmem');
      const imageText = okOutput(out.kernel_image_bytes);
      const imageBytes = imageText === null ? null : parseUnsignedInteger(imageText, 'kernel image size');
      return {
        osVersion,
        kernelRelease,
        // OpenBSD kernels do not carry their config.
        kernelConfigSha256: null,
        zfsVersion: null,
        vcpus,
        memoryBytes,
        kernelImageBytes: imageBytes?.ok && imageBytes.value > 0 ? imageBytes.value : null,
      };
    },

    async uptimeSeconds(shell: RemoteShell): Promise<number> {
      const out = await runSections(shell, { boottime: 'sysctl -n kern.boottime', now: 'date +%s' });
      const boottime = okOutput(out.boottime) ?? '';
      expectParsed(parseOpenbsdBoottime(boottime), 'sysctl kern.boottime');
      return expectParsed(uptimeFromBoottime(boottime, okOutput(out.now) ?? ''), 'sysctl kern.boottime');
    },

    async bootBreakdown(): Promise<null> {
      return null;
    },

    async memoryInUseBytes(shell: RemoteShell): Promise<number> {
      const out = await runSections(shell, { physmem: 'sysctl -n hw.physmem', vmstat: 'vmstat -s' });
      const physical = expectParsed(parseOpenbsdPhysmem(okOutput(out.physmem) ?? ''), 'sysctl hw.physmem');
      const uvm = expectParsed(parseVmstatSummary(okOutput(out.vmstat) ?? ''), 'vmstat -s');
      return Math.max(0, physical - uvm.pagesFree * uvm.pageSizeBytes);
    },

    readKstatTable: async () => noZfs(),
    readArcstats: async () => noZfs(),
    reloadZfsModule: async () => noZfs(),
    createFileVdev: async () => noZfs(),
    removeFileVdev: async () => noZfs(),

    async applyZfsTunables(_shell: RemoteShell, tunables: Record<string, string>): Promise<Record<string, string>> {
      if (Object.keys(tunables).length > 0) noZfs();
      return {};
    },

    async readZfsTunables(): Promise<Record<string, string>> {
      return {};
    },

    /** No ZFS, so no implementations to record. */
    async zfsImplementations(): Promise<Record<string, string>> {
      return {};
    },

    monotonicClockCommand(): string | null {
      return null;
    },
  };
}
