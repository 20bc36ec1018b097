/**
 * ZFS tunables and implementation selectors, named the Linux way (module parameter names) so
 * results from every OS use the same keys. Validation happens before anything reaches a shell.
 */
import { shellQuote } from '../../ssh/types.ts';

/** The implementation selectors kbench records, by Linux module parameter name. */
export const IMPLEMENTATION_PARAMETERS = ['zfs_fletcher_4_impl', 'zfs_vdev_raidz_impl', 'zfs_sha256_impl', 'zfs_sha512_impl', 'zfs_blake3_impl'] as const;

/** FreeBSD sysctl names of the same selectors (OpenZFS module/os/freebsd, ZFS_MODULE_PARAM scopes). */
export const FREEBSD_IMPLEMENTATION_SYSCTLS: Record<(typeof IMPLEMENTATION_PARAMETERS)[number], string> = {
  zfs_fletcher_4_impl: 'vfs.zfs.fletcher_4_impl',
  zfs_vdev_raidz_impl: 'vfs.zfs.vdev.raidz_impl',
  zfs_sha256_impl: 'vfs.zfs.sha256_impl',
  zfs_sha512_impl: 'vfs.zfs.sha512_impl',
  zfs_blake3_impl: 'vfs.zfs.blake3_impl',
};

const TUNABLE_NAME = /^[a-z0-9_]+$/;
const SYSCTL_TUNABLE_NAME = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
/** Numbers, implementation names and comma lists; nothing a shell could read as syntax. */
const TUNABLE_VALUE = /^[A-Za-z0-9_.,:+-]{1,64}$/;

/** Throws a one-line error for the first tunable whose name or value is unsafe. */
export function validateTunables(tunables: Record<string, string>, namePattern: 'module-parameter' | 'sysctl'): void {
  const pattern = namePattern === 'module-parameter' ? TUNABLE_NAME : SYSCTL_TUNABLE_NAME;
  for (const [name, value] of Object.entries(tunables)) {
    if (!pattern.test(name)) throw new Error(`ZFS tunable name ${JSON.stringify(name)} must match ${pattern.source}`);
    if (!TUNABLE_VALUE.test(value)) throw new Error(`ZFS tunable ${name} value ${JSON.stringify(value)} must match ${TUNABLE_VALUE.source}`);
  }
}

/**
 * Candidate FreeBSD sysctls for a tunable. A dotted name is already a sysctl below vfs.zfs
 * (`arc.max`); a Linux name maps by its scope prefix (`zfs_arc_max` -> vfs.zfs.arc.max, or the
 * legacy flat vfs.zfs.arc_max), which is ambiguous, so every split is tried in the guest.
 */
export function freebsdSysctlCandidates(name: string): string[] {
  if (name.startsWith('vfs.zfs.')) return [name];
  if (name.includes('.')) return [`vfs.zfs.${name}`];
  const rest = name.startsWith('zfs_') ? name.slice(4) : name;
  const candidates = [`vfs.zfs.${rest}`];
  for (let i = rest.indexOf('_'); i > 0; i = rest.indexOf('_', i + 1)) candidates.push(`vfs.zfs.${rest.slice(0, i)}.${rest.slice(i + 1)}`);
  return candidates;
}

/** Shell snippet printing the first candidate sysctl that exists (nothing when none does). */
export function firstExistingSysctlScript(candidates: string[]): string {
  const quoted = candidates.map(shellQuote).join(' ');
  return `for c in ${quoted}; do if sysctl -n "$c" >/dev/null 2>&1; then echo "$c"; break; fi; done`;
}
