/** ZFS kstats, selectors and tunables through sysctl (FreeBSD, and NetBSD where its ZFS has them). */
import { shellQuote, type RemoteShell } from '../../ssh/types.ts';
import type { KstatBenchName, KstatTable } from '../types.ts';
import { parseSysctlKstat } from './arcstats.ts';
import { KSTAT_READ_TIMEOUT_MS } from './constants.ts';
import { parseKstatBenchTable } from './kstat.ts';
import { GuestCommandError, GuestOutputError, GuestUnsupportedError, expectParsed, okOutput, runChecked, runEachSucceeded, runSections } from './run.ts';
import { FREEBSD_IMPLEMENTATION_SYSCTLS, IMPLEMENTATION_PARAMETERS, firstExistingSysctlScript, freebsdSysctlCandidates, validateTunables } from './tunables.ts';
import { effectiveTunableValue, parseImplSelector } from './zfs.ts';

const ARCSTATS_SYSCTL = 'kstat.zfs.misc.arcstats';

/**
 * A benchmark kstat from the hidden sysctl tree kstat.zfs.misc (queried by full name). When
 * `missingReason` is given, a missing sysctl means this OS's ZFS lacks the table (unsupported),
 * not a failed command.
 */
export async function readSysctlKstatTable(shell: RemoteShell, name: KstatBenchName, missingReason?: (name: KstatBenchName) => string): Promise<KstatTable> {
  const command = `sysctl -n kstat.zfs.misc.${name}`;
  const result = await shell.exec(command, { timeoutMs: KSTAT_READ_TIMEOUT_MS });
  if (result.code !== 0) {
    if (missingReason) throw new GuestUnsupportedError(missingReason(name));
    throw new GuestCommandError(command, result);
  }
  return expectParsed(parseKstatBenchTable(result.stdout, 'sysctl'), `sysctl kstat.zfs.misc.${name}`);
}

export async function readSysctlArcstats(shell: RemoteShell): Promise<Record<string, number>> {
  const text = await runChecked(shell, `sysctl ${ARCSTATS_SYSCTL}`);
  return expectParsed(parseSysctlKstat(text, ARCSTATS_SYSCTL), `sysctl ${ARCSTATS_SYSCTL}`);
}

/** Selectors that exist in this guest's ZFS, keyed by Linux parameter name; absent ones are left out. */
export async function readSysctlImplementations(shell: RemoteShell): Promise<Record<string, string>> {
  const present = await runEachSucceeded(shell, IMPLEMENTATION_PARAMETERS, (name) => `sysctl -n ${FREEBSD_IMPLEMENTATION_SYSCTLS[name]}`);
  const chosen: Record<string, string> = {};
  for (const name of IMPLEMENTATION_PARAMETERS) {
    const text = present[name];
    if (text === undefined || text.trim() === '') continue;
    chosen[name] = expectParsed(parseImplSelector(text), `sysctl ${FREEBSD_IMPLEMENTATION_SYSCTLS[name]}`).selected;
  }
  return chosen;
}

/**
 * Sets each tunable with `sysctl NAME=VALUE`. Names may be Linux parameter names (`zfs_arc_max`)
 * or sysctls below vfs.zfs (`arc.max`); results are keyed by the name asked for.
 */
export async function applySysctlTunables(shell: RemoteShell, tunables: Record<string, string>): Promise<Record<string, string>> {
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
    if (!found) throw new Error(`no sysctl for ZFS tunable ${name} (tried ${freebsdSysctlCandidates(name).join(', ')})`);
    return found;
  });
  await runChecked(shell, names.map((name, i) => `sysctl ${shellQuote(`${sysctls[i]}=${tunables[name]}`)} >/dev/null`).join(' && '));
  const readBack = await runSections(shell, Object.fromEntries(names.map((_, i) => [sectionKey(i), `sysctl -n ${shellQuote(sysctls[i]!)}`])));
  return Object.fromEntries(
    names.map((name, i) => {
      const text = okOutput(readBack[sectionKey(i)]);
      if (text === null) throw new GuestOutputError(`sysctl ${sysctls[i]}`, 'unreadable after writing');
      return [name, effectiveTunableValue(text)];
    }),
  );
}

/** Current values of tunables (same naming as applySysctlTunables); names with no sysctl are left out. */
export async function readSysctlTunables(shell: RemoteShell, names: string[]): Promise<Record<string, string>> {
  validateTunables(Object.fromEntries(names.map((name) => [name, '0'])), 'sysctl');
  const present = await runEachSucceeded(
    shell,
    names,
    (name) => `c=$(${firstExistingSysctlScript(freebsdSysctlCandidates(name))}); [ -n "$c" ] && sysctl -n "$c"`,
  );
  return Object.fromEntries(Object.entries(present).map(([name, text]) => [name, effectiveTunableValue(text)]));
}
