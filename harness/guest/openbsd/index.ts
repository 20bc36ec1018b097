/**
 * OpenBSD guests: no ZFS at all (CDDL is not accepted in base and there is no port), so every ZFS
 * method refuses with that reason; uptime, memory and facts still work for boot-time metrics.
 */
import { createBsdAdapter, uvmMemoryInUse } from '../common/bsd.ts';
import { UNAME_SYSTEM_RELEASE, sysctlFact } from '../common/facts.ts';
import { defineGuest, type GuestAdapter } from '../types.ts';
import { parseOpenbsdBoottime, parseOpenbsdPhysmem } from './parse.ts';

export const OPENBSD_NO_ZFS_REASON = 'OpenBSD has no ZFS port (CDDL license conflict)';

const PHYSMEM = sysctlFact('hw.physmem', parseOpenbsdPhysmem);

export function createOpenbsdAdapter(): GuestAdapter {
  return createBsdAdapter({
    os: 'openbsd',
    // tmpfs left OpenBSD in 6.0, and there is no ZFS to give scratch pools to.
    tmpfsMount: null,
    facts: {
      osVersion: UNAME_SYSTEM_RELEASE,
      memoryBytes: PHYSMEM,
      // No configSha256Command: OpenBSD kernels do not carry their config.
      kernelImageBytesCommand: 'stat -f %z /bsd',
      hasZfs: false,
    },
    boottime: sysctlFact('kern.boottime', parseOpenbsdBoottime),
    memoryInUseBytes: uvmMemoryInUse(PHYSMEM),
    zfs: { absentReason: OPENBSD_NO_ZFS_REASON },
  });
}

export const openbsdGuest = defineGuest('openbsd', createOpenbsdAdapter);
