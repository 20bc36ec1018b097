/**
 * GuestFacts the same way on every OS: one round trip of commands, each read by its own parser.
 * What differs per OS (which command, which parser, which facts exist) comes in as data.
 */
import { err, ok, type Result } from '../../errors/index.ts';
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
    ...(spec.configSha256Command === undefined ? {} : { config_sha256: spec.configSha256Command }),
    ...(spec.hasZfs ? { zfs_version: 'zfs version' } : {}),
  });
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
  return {
    osVersion,
    kernelRelease,
    kernelConfigSha256: configSha !== EMPTY_INPUT_SHA256 ? configSha : null,
    zfsVersion: zfsVersion ? (zfsVersion.kernel ?? zfsVersion.userland) : null,
    vcpus,
    memoryBytes,
    pageSizeBytes: pageSize !== null && pageSize > 0 ? pageSize : null,
    kernelImageBytes: imageBytes !== null && imageBytes > 0 ? imageBytes : null,
  };
}
