/**
 * `vmstat -s` on NetBSD and OpenBSD (UVM): right-aligned counters such as
 * `     4096 bytes per page`, `   489773 pages managed`, `   401234 pages free`.
 */
import { err, ok, type Result } from '../../errors/index.ts';

export interface UvmSummary {
  pageSizeBytes: number;
  pagesManaged: number;
  pagesFree: number;
}

export function parseVmstatSummary(text: string): Result<UvmSummary> {
  const counters = new Map<string, number>();
  for (const rawLine of text.split(/\r?\n/)) {
    const match = /^\s*([0-9]+)\s+(.+?)\s*$/.exec(rawLine);
    if (match) counters.set(match[2]!, Number(match[1]));
  }
  const pageSizeBytes = counters.get('bytes per page');
  const pagesManaged = counters.get('pages managed');
  const pagesFree = counters.get('pages free');
  if (pageSizeBytes === undefined) return err('no "bytes per page" line');
  if (pagesManaged === undefined) return err('no "pages managed" line');
  if (pagesFree === undefined) return err('no "pages free" line');
  if (pageSizeBytes <= 0 || (pageSizeBytes & (pageSizeBytes - 1)) !== 0) return err(`bytes per page ${pageSizeBytes} is not a power of two`);
  if (pagesFree > pagesManaged) return err(`pages free ${pagesFree} exceeds pages managed ${pagesManaged}`);
  return ok({ pageSizeBytes, pagesManaged, pagesFree });
}

/** `sysctl -n hw.physmem64` (NetBSD) / `hw.physmem` (OpenBSD): bytes, a positive integer. */
export function parsePhysmemBytes(text: string): Result<number> {
  const trimmed = text.trim();
  if (!/^[0-9]+$/.test(trimmed) || Number(trimmed) === 0) return err(`expected a positive byte count, got ${JSON.stringify(trimmed)}`);
  return ok(Number(trimmed));
}
