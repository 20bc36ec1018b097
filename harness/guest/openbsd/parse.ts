/** Pure parsers for OpenBSD guest output. */
import { err, ok, type Result } from '../../errors/index.ts';
import { parsePhysmemBytes } from '../common/uvm.ts';

/** `sysctl -n kern.boottime` on OpenBSD prints whole seconds since the epoch. */
export function parseOpenbsdBoottime(text: string): Result<number> {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed)) return err(`expected seconds since the epoch, got ${JSON.stringify(trimmed)}`);
  return ok(Number(trimmed));
}

/** `sysctl -n hw.physmem`: bytes (OpenBSD prints the 64-bit value). */
export const parseOpenbsdPhysmem = parsePhysmemBytes;
