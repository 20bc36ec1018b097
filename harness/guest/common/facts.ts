/**
 * GuestFacts the same way on every OS: one round trip of commands, each read by its own parser.
 * What differs per OS (which command, which parser, which facts exist) comes in as data.
 */
import { err, InputError, ok, type Result } from '../../errors/index.ts';
import { unameOf } from '../../results/names.ts';
import type { RemoteShell } from '../../ssh/types.ts';
import type { GuestFacts } from '../types.ts';
import { EMPTY_INPUT_SHA256 } from './constants.ts';
import { GuestOutputError, expectParsed, okOutput, runSections } from './run.ts';
import { parseSha256Output, parseUnsignedInteger, parseZfsVersion } from './zfs.ts';

/** A command in the guest, what to call it in an error, and how to read what it prints. */
export interface Fact<T> {
  command: string;
  source: string;
  parse(text: string): Result<T>;
}

export interface FactsSpec {
  osVersion: Fact<string>;
  vcpus: Fact<number>;
  memoryBytes: Fact<number>;
  /** Prints the SHA-256 of the running kernel's config; absent where kernels do not carry one. */
  configSha256Command?: string;
  /** Prints the byte size of the booted kernel image file. */
  kernelImageBytesCommand: string;
  /** Whether the guest can have ZFS at all (then `zfs version` is asked). */
  hasZfs: boolean;
  /**
   * Which OS the adapter drives: the guest's `uname -s` and /etc/os-release (empty when absent)
   * must match, so a results file is labelled with the OS really measured, never the target's name.
   */
  identity?: (unameS: string, osRelease: string) => string | null;
}

/** Pure: null when `uname -s` / os-release show the OS `os`, else what the guest really is. */
export function identityMismatch(os: string, unameS: string, osRelease: string): string | null {
  const kernel = unameS.trim();
  const fields = Object.fromEntries(
    osRelease
      .split(/\r?\n/)
      .map((line) => /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[3]!]),
  );
  const expected = unameOf(os);
  if (expected !== null && expected !== 'Linux') return kernel === expected ? null : `the guest's uname -s is ${JSON.stringify(kernel)}, not ${expected}`;
  if (kernel !== 'Linux') return `the guest's uname -s is ${JSON.stringify(kernel)}, not Linux`;
  const ids = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)].filter(Boolean);
  return ids.includes(os)
    ? null
    : `the guest's /etc/os-release says ID=${fields.ID ?? '(none)'}${fields.ID_LIKE ? ` ID_LIKE=${fields.ID_LIKE}` : ''}, not ${os}`;
}

/** Pure: the trimmed text, or an error when there is none. */
export function parseNonEmptyLine(text: string): Result<string> {
  const trimmed = text.trim();
  return trimmed === '' ? err('no output') : ok(trimmed);
}

/** A parser whose value is then reshaped (the whole os-release -> its one-line description). */
export function parseThen<T, U>(parse: (text: string) => Result<T>, reshape: (value: T) => U): (text: string) => Result<U> {
  return (text) => {
    const parsed = parse(text);
    return parsed.ok ? ok(reshape(parsed.value)) : parsed;
  };
}

/** `sysctl -n NAME` read by `parse`. */
export function sysctlFact<T>(name: string, parse: (text: string) => Result<T>): Fact<T> {
  return { command: `sysctl -n ${name}`, source: `sysctl ${name}`, parse };
}

export const UNAME_SYSTEM_RELEASE: Fact<string> = { command: 'uname -sr', source: 'uname -sr', parse: parseNonEmptyLine };
const UNAME_RELEASE: Fact<string> = { command: 'uname -r', source: 'uname -r', parse: parseNonEmptyLine };

/** Fails (one line) on a missing required fact; optional ones that cannot be read become null. */
export async function readFacts(shell: RemoteShell, spec: FactsSpec): Promise<GuestFacts> {
  const out = await runSections(shell, {
    os: spec.osVersion.command,
    kernel_release: UNAME_RELEASE.command,
    vcpus: spec.vcpus.command,
    memory: spec.memoryBytes.command,
    kernel_image_bytes: spec.kernelImageBytesCommand,
    // POSIX: the same command on Linux and the BSDs.
    page_size: 'getconf PAGESIZE',
    machine: 'uname -m',
    ...(spec.configSha256Command === undefined ? {} : { config_sha256: spec.configSha256Command }),
    ...(spec.hasZfs ? { zfs_version: 'zfs version' } : {}),
    ...(spec.identity ? { uname_s: 'uname -s', os_release: 'cat /etc/os-release 2>/dev/null || true' } : {}),
  });
  if (spec.identity) {
    const mismatch = spec.identity(okOutput(out.uname_s) ?? '', okOutput(out.os_release) ?? '');
    if (mismatch !== null) throw new InputError(`${mismatch}: pick the --target of the OS this machine runs`);
  }
  const required = <T>(key: string, fact: Fact<T>) => expectParsed(fact.parse(okOutput(out[key]) ?? ''), fact.source);
  /** A fact the guest may lack: null when the command failed or printed something unreadable. */
  const ifReadable = <T>(key: string, parse: (text: string) => Result<T>): T | null => {
    const text = okOutput(out[key]);
    const parsed = text === null ? null : parse(text);
    return parsed?.ok ? parsed.value : null;
  };
  const osVersion = required('os', spec.osVersion);
  const kernelRelease = required('kernel_release', UNAME_RELEASE);
  const vcpus = required('vcpus', spec.vcpus);
  if (vcpus < 1) throw new GuestOutputError(spec.vcpus.source, 'reported 0 CPUs');
  const memoryBytes = required('memory', spec.memoryBytes);
  const configSha = ifReadable('config_sha256', parseSha256Output);
  const imageBytes = ifReadable('kernel_image_bytes', (text) => parseUnsignedInteger(text, 'kernel image size'));
  const zfsVersion = ifReadable('zfs_version', parseZfsVersion);
  const pageSize = ifReadable('page_size', (text) => parseUnsignedInteger(text, 'page size'));
  const machine = ifReadable('machine', parseMachine);
  return {
    osVersion,
    kernelRelease,
    kernelConfigSha256: configSha !== EMPTY_INPUT_SHA256 ? configSha : null,
    zfsVersion: zfsVersion ? (zfsVersion.kernel ?? zfsVersion.userland) : null,
    vcpus,
    memoryBytes,
    pageSizeBytes: pageSize !== null && pageSize > 0 ? pageSize : null,
    arch: machine === null ? null : normalizeMachine(machine),
    kernelImageBytes: imageBytes !== null && imageBytes > 0 ? imageBytes : null,
  };
}

/** Pure: `uname -m` is one lowercase word (x86_64, aarch64, arm64, amd64, evbarm); anything else is not it. */
export function parseMachine(text: string): Result<string> {
  const name = text.trim();
  return /^[a-z][a-z0-9_]{0,31}$/.test(name) ? ok(name) : err(`not a machine name: ${JSON.stringify(name.slice(0, 40))}`);
}

/** Pure: one name per architecture, as kbench records hosts (Linux says aarch64, the BSDs arm64/amd64, Node x64). */
export function normalizeMachine(machine: string): string {
  const name = machine.trim();
  if (name === 'arm64' || name === 'aarch64' || name === 'evbarm') return 'aarch64';
  if (name === 'amd64' || name === 'x86_64' || name === 'x64') return 'x86_64';
  return name;
}
