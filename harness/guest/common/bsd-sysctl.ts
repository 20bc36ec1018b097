/** ZFS selectors and tunables through sysctl (FreeBSD, and NetBSD where its ZFS has them). */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import { GuestOutputError, expectParsed, okOutput, runChecked, runSections } from './run.ts';
import {
  FREEBSD_IMPLEMENTATION_SYSCTLS,
  IMPLEMENTATION_PARAMETERS,
  firstExistingSysctlScript,
  freebsdSysctlCandidates,
  validateTunables,
} from './tunables.ts';
import { parseImplSelector } from './zfs.ts';

/** Selectors that exist in this guest's ZFS, keyed by Linux parameter name; absent ones are left out. */
export async function readSysctlImplementations(shell: RemoteShell): Promise<Record<string, string>> {
  const out = await runSections(
    shell,
    Object.fromEntries(IMPLEMENTATION_PARAMETERS.map((name) => [name, `sysctl -n ${FREEBSD_IMPLEMENTATION_SYSCTLS[name]}`])),
  );
  const chosen: Record<string, string> = {};
  for (const name of IMPLEMENTATION_PARAMETERS) {
    const text = okOutput(out[name]);
    if (text === null || text.trim() === '') continue;
    chosen[name] = expectParsed(parseImplSelector(text), `sysctl ${FREEBSD_IMPLEMENTATION_SYSCTLS[name]}`).selected;
  }
  return chosen;
}

/**
 * Sets each tunable with `sysctl NAME=VALUE`. Names may be Linux parameter names (`zfs_arc_max`)
 * or sysctls below vfs.zfs (`arc.max`); results are keyed by the name asked for.
 */
export async function applySysctlTunables(
  shell: RemoteShell,
  tunables: Record<string, string>,
): Promise<Record<string, string>> {
  validateTunables(tunables, 'sysctl');
  const names = Object.keys(tunables);
  if (names.length === 0) return {};
  const sectionKey = (index: number) => `t${index}`;
  const resolved = await runSections(
    shell,
    Object.fromEntries(names.map((name, i) => [sectionKey(i), firstExistingSysctlScript(freebsdSysctlCandidates(name))])),
  );
  const sysctls = names.map((name, i) => {
    const found = okOutput(resolved[sectionKey(i)])?.trim();
    if (!found)
      throw new Error(`no sysctl for ZFS tunable ${name} (tried ${freebsdSysctlCandidates(name).join(', ')})`);
    return found;
  });
  await runChecked(shell, names.map((name, i) => `sysctl ${shellQuote(`${sysctls[i]}=${tunables[name]}`)} >/dev/null`).join(' && '));
  const readBack = await runSections(
    shell,
    Object.fromEntries(names.map((_, i) => [sectionKey(i), `sysctl -n ${shellQuote(sysctls[i]!)}`])),
  );
  return Object.fromEntries(
    names.map((name, i) => {
      const text = okOutput(readBack[sectionKey(i)]);
      if (text === null) throw new GuestOutputError(`sysctl ${sysctls[i]}`, 'unreadable after writing');
      const selector = parseImplSelector(text);
      return [name, selector.ok ? selector.value.selected : text.trim()];
    }),
  );
}

/** Current values of tunables (same naming as applySysctlTunables); names with no sysctl are left out. */
export async function readSysctlTunables(shell: RemoteShell, names: string[]): Promise<Record<string, string>> {
  validateTunables(Object.fromEntries(names.map((name) => [name, '0'])), 'sysctl');
  if (names.length === 0) return {};
  const sectionKey = (index: number) => `t${index}`;
  const out = await runSections(
    shell,
    Object.fromEntries(
      names.map((name, i) => [
        sectionKey(i),
        `c=$(${firstExistingSysctlScript(freebsdSysctlCandidates(name))}); [ -n "$c" ] && sysctl -n "$c"`,
      ]),
    ),
  );
  const values: Record<string, string> = {};
  names.forEach((name, i) => {
    const text = okOutput(out[sectionKey(i)]);
    if (text === null) return;
    const selector = parseImplSelector(text);
    values[name] = selector.ok ? selector.value.selected : text.trim();
  });
  return values;
}
