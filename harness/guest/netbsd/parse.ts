/** Pure parsers for NetBSD guest output. */
import { err, ok, type Result } from '../../errors/index.ts';
import { parsePhysmemBytes } from '../common/uvm.ts';
import { parseBoottime } from '../common/boottime.ts';

/**
 * `sysctl -n kern.boottime` prints seconds (`-nn`: `sec.usec`); without -n it prints a ctime(3)
 * date. All three are accepted (a date is read as UTC: run it with TZ=UTC); not FreeBSD's struct.
 */
export function parseNetbsdBoottime(text: string): Result<number> {
  if (/^\s*\{/.test(text)) return err(`unexpected FreeBSD-style boot time ${JSON.stringify(text.trim())}`);
  return parseBoottime(text);
}

export interface VndUnit {
  unit: string;
  inUse: boolean;
}

/** `vndconfig -l`: `vnd0: not in use` or `vnd1: /dev/wd0a inode 1234` (one line per /dev/rvndN). */
export function parseVndconfigList(text: string): Result<VndUnit[]> {
  const units: VndUnit[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const match = /^(vnd[0-9]+): (.+)$/.exec(line);
    if (!match) return err(`unexpected vndconfig -l line ${JSON.stringify(line)}`);
    const inUse = match[2] !== 'not in use';
    if (inUse && !/ inode [0-9]+$/.test(match[2]!)) return err(`unexpected vndconfig -l line ${JSON.stringify(line)}`);
    units.push({ unit: match[1]!, inUse });
  }
  return ok(units);
}

/** `sysctl -n kern.rawpartition`: 3 on amd64 (`d`), 2 on most others (`c`). Returns the letter. */
export function parseRawPartition(text: string): Result<string> {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed) || Number(trimmed) > 15) return err(`expected a partition index 0-15, got ${JSON.stringify(trimmed)}`);
  return ok(String.fromCharCode('a'.charCodeAt(0) + Number(trimmed)));
}

/** `modstat`: header `NAME CLASS SOURCE …`, one row per loaded module. True when `module` is loaded. */
export function parseModstatHasModule(text: string, module: string): Result<boolean> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  if (header[0] !== 'NAME' || header[1] !== 'CLASS') return err(`expected a modstat header "NAME CLASS SOURCE …", got ${JSON.stringify(lines[0] ?? '')}`);
  return ok(lines.slice(1).some((line) => line.trim().split(/\s+/)[0] === module));
}

/** `sysctl -n hw.physmem64`: bytes. */
export const parsePhysmem = parsePhysmemBytes;
