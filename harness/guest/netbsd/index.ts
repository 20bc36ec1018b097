/**
 * NetBSD guests: ZFS is the `zfs` kernel module (modload zfs), a port of FreeBSD's ZFS from before
 * OpenZFS 2.0. It exposes only named kstats (kstat.zfs.misc.arcstats.*), so the checksum
 * benchmark tables are reported unsupported when the sysctl is missing. File vdevs are vnd(4).
 */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { createBsdAdapter, uvmMemoryInUse } from '../common/bsd.ts';
import { UNAME_SYSTEM_RELEASE, sysctlFact } from '../common/facts.ts';
import { expectParsed, okOutput, runChecked, runSections } from '../common/run.ts';
import { defineGuest, type GuestAdapter } from '../types.ts';
import { parseModstatHasModule, parseNetbsdBoottime, parsePhysmem, parseRawPartition, parseVndconfigList } from './parse.ts';

/** The booted kernel's path (x86 reports it; elsewhere the default /netbsd). */
const BOOTED_KERNEL = 'k=$(sysctl -n machdep.booted_kernel 2>/dev/null || echo /netbsd); case $k in /*) ;; *) k=/$k ;; esac';

const PHYSMEM = sysctlFact('hw.physmem64', parsePhysmem);

async function attachVnd(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
  const out = await runSections(shell, { raw: 'sysctl -n kern.rawpartition', units: 'vndconfig -l' });
  const rawLetter = expectParsed(parseRawPartition(okOutput(out.raw) ?? ''), 'sysctl kern.rawpartition');
  const units = expectParsed(parseVndconfigList(okOutput(out.units) ?? ''), 'vndconfig -l');
  const free = units.find((unit) => !unit.inUse);
  if (!free) throw new Error(`no free vnd(4) unit in the guest (vndconfig -l lists ${units.length}, all in use)`);
  const file = shellQuote(filePath);
  // NetBSD has no truncate(1): a zero-count dd that seeks past the end makes the sparse file.
  await runChecked(shell, `dd if=/dev/zero of=${file} bs=1048576 count=0 seek=${sizeMiB} 2>/dev/null && vndconfig ${free.unit} ${file}`);
  return `/dev/${free.unit}${rawLetter}`;
}

export function createNetbsdAdapter(): GuestAdapter {
  return createBsdAdapter({
    os: 'netbsd',
    // mount_tmpfs(8): -m is the root folder's mode; the size defaults to the memory available.
    tmpfsMount: (dir) => `mount_tmpfs -m 0700 tmpfs ${dir}`,
    facts: {
      osVersion: UNAME_SYSTEM_RELEASE,
      memoryBytes: PHYSMEM,
      // Kernels built with INCLUDE_CONFIG_FILE carry their config; config -x extracts it.
      configSha256Command: `${BOOTED_KERNEL}; config -x "$k" | cksum -a SHA256`,
      kernelImageBytesCommand: `${BOOTED_KERNEL}; stat -f %z "$k"`,
      hasZfs: true,
    },
    // -nn adds microseconds on NetBSD; TZ=UTC makes a date-form answer unambiguous.
    boottime: { command: 'TZ=UTC sysctl -nn kern.boottime', source: 'sysctl kern.boottime', parse: parseNetbsdBoottime },
    memoryInUseBytes: uvmMemoryInUse(PHYSMEM),

    zfs: {
      moduleList: { command: 'modstat', hasZfs: (text) => parseModstatHasModule(text, 'zfs') },
      moduleFileTest: 'test -e "/stand/$(uname -m)/$(uname -r)/modules/zfs/zfs.kmod"',
      moduleMissingReason: 'the zfs module is neither loaded nor in /stand/<arch>/<release>/modules',
      moduleTools: {
        isLoaded: async (shell) => expectParsed(parseModstatHasModule(await runChecked(shell, 'modstat'), 'zfs'), 'modstat'),
        unload: 'modunload zfs',
        load: 'modload zfs',
      },
      missingKstatReason: (name) => `NetBSD's ZFS has no kstat.zfs.misc.${name} (its ZFS predates the OpenZFS checksum benchmarks)`,
      attachFileVdev: attachVnd,
      fileVdevDevice: { pattern: /^\/dev\/(vnd[0-9]+)[a-p]?$/, detach: (unit) => `vndconfig -u ${unit}`, description: 'a vnd device' },
    },
  });
}

export const netbsdGuest = defineGuest('netbsd', createNetbsdAdapter);
