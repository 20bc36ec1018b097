/** Pure parsers for ZFS command output shared by every guest OS. */
import { err, ok, type Result } from '../../errors/index.ts';

export interface ZfsVersion {
  /** Userland tools, e.g. "2.3.2-2~bpo12+2" from `zfs-2.3.2-2~bpo12+2`. */
  userland: string | null;
  /** Loaded kernel module, e.g. "2.2.6-FreeBSD_g33174af15" from `zfs-kmod-2.2.6-FreeBSD_g33174af15`. */
  kernel: string | null;
}

/** `zfs version`: `zfs-<version>` then `zfs-kmod-<version>` (absent or `unknown` without a module). */
export function parseZfsVersion(text: string): Result<ZfsVersion> {
  let userland: string | null = null;
  let kernel: string | null = null;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const kmod = /^zfs-kmod-(\S+)$/.exec(line);
    if (kmod) {
      kernel = kmod[1] === 'unknown' ? null : kmod[1]!;
      continue;
    }
    const tools = /^zfs-(\d\S*)$/.exec(line);
    if (tools) {
      userland = tools[1]!;
      continue;
    }
    return err(`unexpected line ${JSON.stringify(line)} (expected zfs-<version> / zfs-kmod-<version>)`);
  }
  if (userland === null && kernel === null) return err('no zfs-<version> line');
  return ok({ userland, kernel });
}

export interface ImplSelector {
  /** The bracketed choice, e.g. "fastest". */
  selected: string;
  /** Every choice listed, in order, without brackets. */
  choices: string[];
}

/** An implementation selector parameter: `[fastest] scalar sse2` or `cycle [fastest] generic x86_64`. */
export function parseImplSelector(text: string): Result<ImplSelector> {
  const fields = text
    .trim()
    .split(/\s+/)
    .filter((field) => field !== '');
  if (fields.length === 0) return err('empty implementation selector');
  const selected = fields.filter((field) => /^\[[^\]\s]+\]$/.test(field));
  if (selected.length !== 1) return err(`expected exactly one [bracketed] choice, got ${JSON.stringify(text.trim())}`);
  const choices = fields.map((field) => field.replace(/^\[(.*)\]$/, '$1'));
  if (choices.some((choice) => !/^[A-Za-z0-9_.-]+$/.test(choice))) return err(`unexpected characters in ${JSON.stringify(text.trim())}`);
  return ok({ selected: selected[0]!.slice(1, -1), choices });
}

/** A tunable's value as in effect: a selector's bracketed choice, anything else as it reads. */
export function effectiveTunableValue(raw: string): string {
  const selector = parseImplSelector(raw);
  return selector.ok ? selector.value.selected : raw.trim();
}

/** `zpool list -H -o name`: one pool name per line (empty when none is imported). */
export function parsePoolNames(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.split('\t')[0]!.trim())
    .filter((name) => name !== '');
}

/** A SHA-256 digest somewhere in a checksum tool's output (`sha256sum`, `sha256 -q`, `cksum -a`). */
export function parseSha256Output(text: string): Result<string> {
  const digests = text.toLowerCase().match(/\b[0-9a-f]{64}\b/g) ?? [];
  if (digests.length !== 1) return err(`expected one SHA-256 digest, found ${digests.length}`);
  return ok(digests[0]!);
}

/** A single non-negative integer on its own (sysctl -n, stat, nproc). */
export function parseUnsignedInteger(text: string, what: string): Result<number> {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) return err(`${what} is ${JSON.stringify(trimmed)}, not a non-negative integer`);
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) return err(`${what} ${trimmed} is too large`);
  return ok(value);
}
