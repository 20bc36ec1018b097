/**
 * FreeBSD guests: OpenZFS in base; kstats under the hidden sysctl tree kstat.zfs.misc (query by
 * full name), tunables as vfs.zfs.* sysctls, file vdevs as md(4) vnode devices.
 */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { createBsdAdapter } from '../common/bsd.ts';
import { parseThen, sysctlFact } from '../common/facts.ts';
import { expectParsed, runChecked } from '../common/run.ts';
import { parseUnsignedInteger } from '../common/zfs.ts';
import { loadedWhenSucceeds } from '../common/zfs-module.ts';
import { defineGuest, type GuestAdapter } from '../types.ts';
import { parseFreebsdBoottime, parseFreebsdMemory, parseFreebsdVersion, parseKldstatHasModule, parseMdconfigAttach } from './parse.ts';

const MEMORY_SYSCTLS = 'hw.physmem vm.stats.vm.v_free_count hw.pagesize';

export function createFreebsdAdapter(): GuestAdapter {
  return createBsdAdapter({
    os: 'freebsd',
    // tmpfs(5): size defaults to the memory and swap available; mode keeps it root's.
    tmpfsMount: (dir) => `mount -t tmpfs -o mode=0700 tmpfs ${dir}`,
    facts: {
      osVersion: {
        command: 'freebsd-version -u',
        source: 'freebsd-version -u',
        parse: parseThen(parseFreebsdVersion, (userland) => `FreeBSD ${userland}`),
      },
      memoryBytes: sysctlFact('hw.physmem', (text) => parseUnsignedInteger(text, 'hw.physmem')),
      // kern.conftxt exists when the kernel was built with INCLUDE_CONFIG_FILE (GENERIC is).
      configSha256Command: 'sysctl -n kern.conftxt | sha256 -q',
      kernelImageBytesCommand: 'stat -f %z "$(sysctl -n kern.bootfile)"',
      hasZfs: true,
    },
    boottime: sysctlFact('kern.boottime', parseFreebsdBoottime),

    async memoryInUseBytes(shell: RemoteShell): Promise<number> {
      const memory = expectParsed(parseFreebsdMemory(await runChecked(shell, `sysctl -n ${MEMORY_SYSCTLS}`)), `sysctl ${MEMORY_SYSCTLS}`);
      return memory.physicalBytes - memory.freePages * memory.pageSizeBytes;
    },

    zfs: {
      moduleList: { command: 'kldstat', hasZfs: (text) => parseKldstatHasModule(text, 'zfs') },
      moduleFileTest: 'test -e /boot/kernel/zfs.ko',
      moduleMissingReason: 'zfs.ko is neither loaded nor in /boot/kernel',
      moduleTools: { isLoaded: loadedWhenSucceeds('kldstat -q -m zfs'), unload: 'kldunload zfs', load: 'kldload zfs' },
      async attachFileVdev(shell: RemoteShell, filePath: string, sizeMiB: number): Promise<string> {
        const file = shellQuote(filePath);
        const text = await runChecked(shell, `truncate -s ${sizeMiB}M ${file} && mdconfig -a -t vnode -f ${file}`);
        return `/dev/${expectParsed(parseMdconfigAttach(text), `mdconfig -a -t vnode -f ${filePath}`)}`;
      },
      fileVdevDevice: { pattern: /^\/dev\/(md[0-9]+)$/, detach: (unit) => `mdconfig -d -u ${unit}`, description: 'an md device' },
    },
  });
}

export const freebsdGuest = defineGuest('freebsd', createFreebsdAdapter);
