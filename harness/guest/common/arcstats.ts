/**
 * ARC statistics. Linux prints a named kstat (`/proc/spl/kstat/zfs/arcstats`): SPL header line,
 * `name type data`, then `<name> <type> <value>` rows. FreeBSD and NetBSD expose each statistic as
 * its own sysctl under kstat.zfs.misc.arcstats (FreeBSD prints `name: value`, NetBSD `name = value`).
 */
import { err, ok, type Result } from '../../errors/index.ts';

/** kstat data types (sys/kstat.h); 0 = char and 7 = string carry no number. */
const NUMERIC_KSTAT_TYPES = new Set(['1', '2', '3', '4', '5', '6']);
const TEXT_KSTAT_TYPES = new Set(['0', '7']);
const INTEGER = /^-?[0-9]+$/;

/** Pure: Linux named kstat (arcstats and friends) -> name -> value. Text-typed rows are left out. */
export function parseNamedKstat(text: string): Result<Record<string, number>> {
  const lines = text.split(/\r?\n/);
  const splFields = (lines[0] ?? '').trim().split(/\s+/);
  if (splFields.length < 5 || !splFields.every((field) => /^(0x[0-9a-f]+|-?[0-9]+)$/i.test(field)))
    return err(`line 1 is not an SPL kstat header, got ${JSON.stringify(lines[0] ?? '')}`);
  const header = (lines[1] ?? '').trim().split(/\s+/);
  if (header.join(' ') !== 'name type data') return err(`line 2: expected "name type data", got ${JSON.stringify(lines[1] ?? '')}`);
  const values: Record<string, number> = {};
  for (const [index, line] of lines.slice(2).entries()) {
    const fields = line
      .trim()
      .split(/\s+/)
      .filter((field) => field !== '');
    if (fields.length === 0) continue;
    const [name, type, value] = fields;
    const lineNumber = index + 3;
    if (fields.length !== 3 || name === undefined || type === undefined || value === undefined) {
      if (type !== undefined && TEXT_KSTAT_TYPES.has(type)) continue;
      return err(`line ${lineNumber}: expected "<name> <type> <value>", got ${JSON.stringify(line.trim())}`);
    }
    if (TEXT_KSTAT_TYPES.has(type)) continue;
    if (!NUMERIC_KSTAT_TYPES.has(type)) return err(`line ${lineNumber}: ${name} has unknown kstat type ${type}`);
    if (!INTEGER.test(value)) return err(`line ${lineNumber}: ${name} is ${JSON.stringify(value)}, not an integer`);
    values[name] = Number(value);
  }
  if (Object.keys(values).length === 0) return err('no statistics found');
  return ok(values);
}

/**
 * Pure: `sysctl <prefix>` output from FreeBSD (`<prefix>.<name>: <value>`) or NetBSD
 * (`<prefix>.<name> = <value>`) -> name -> value.
 */
export function parseSysctlKstat(text: string, prefix: string): Result<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '') continue;
    const match = /^(\S+?)(?::\s*|\s*=\s*)(\S*)$/.exec(line);
    if (!match) return err(`line ${index + 1}: expected "<name>: <value>" or "<name> = <value>", got ${JSON.stringify(line)}`);
    const [, fullName, value] = match as unknown as [string, string, string];
    if (!fullName.startsWith(`${prefix}.`)) return err(`line ${index + 1}: ${fullName} is not under ${prefix}`);
    if (!INTEGER.test(value)) return err(`line ${index + 1}: ${fullName} is ${JSON.stringify(value)}, not an integer`);
    values[fullName.slice(prefix.length + 1)] = Number(value);
  }
  if (Object.keys(values).length === 0) return err(`no ${prefix} values found`);
  return ok(values);
}
