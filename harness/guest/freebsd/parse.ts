/** Pure parsers for FreeBSD guest output. */
import { err, ok, type Result } from '../../errors/index.ts';
import { parseBoottime } from '../common/boottime.ts';

/** `sysctl -n kern.boottime`: `{ sec = 1732560000, usec = 123456 } Mon Nov 25 18:40:00 2024`. */
export function parseFreebsdBoottime(text: string): Result<number> {
  if (!/^\s*\{\s*sec\s*=/.test(text)) return err(`expected "{ sec = N, usec = M } <date>", got ${JSON.stringify(text.trim())}`);
  return parseBoottime(text);
}

export interface FreebsdMemory {
  physicalBytes: number;
  freePages: number;
  pageSizeBytes: number;
}

/** `sysctl -n hw.physmem vm.stats.vm.v_free_count hw.pagesize`: three numbers, one per line. */
export function parseFreebsdMemory(text: string): Result<FreebsdMemory> {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (lines.length !== 3 || !lines.every((line) => /^[0-9]+$/.test(line)))
    return err(`expected hw.physmem, v_free_count and hw.pagesize as three numbers, got ${JSON.stringify(lines.join(' '))}`);
  const [physicalBytes, freePages, pageSizeBytes] = lines.map(Number) as [number, number, number];
  if (physicalBytes === 0) return err('hw.physmem is 0');
  if (pageSizeBytes === 0 || (pageSizeBytes & (pageSizeBytes - 1)) !== 0) return err(`hw.pagesize ${pageSizeBytes} is not a power of two`);
  if (freePages * pageSizeBytes > physicalBytes) return err('free memory exceeds hw.physmem');
  return ok({ physicalBytes, freePages, pageSizeBytes });
}

/** `mdconfig -a -t vnode -f FILE` prints the unit it attached: `md0`. */
export function parseMdconfigAttach(text: string): Result<string> {
  const unit = text.trim();
  if (!/^md[0-9]+$/.test(unit)) return err(`expected mdN, got ${JSON.stringify(unit)}`);
  return ok(unit);
}

/** `freebsd-version -u` / `-k`: `14.1-RELEASE-p5`, `15.0-CURRENT`, `14.2-STABLE`. */
export function parseFreebsdVersion(text: string): Result<string> {
  const version = text.trim();
  if (!/^[0-9]+\.[0-9]+-[A-Z0-9]+(-p[0-9]+)?$/.test(version)) return err(`expected <major>.<minor>-<BRANCH>[-pN], got ${JSON.stringify(version)}`);
  return ok(version);
}

/**
 * `kldstat` lists loaded files: `Id Refs Address Size Name` then rows like
 * ` 2    1 0xffffffff82000000   5e8d18 zfs.ko`. True when `<module>.ko` is among them.
 */
export function parseKldstatHasModule(text: string, module: string): Result<boolean> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.trim().split(/\s+/) ?? [];
  if (header[0] !== 'Id' || header.at(-1) !== 'Name')
    return err(`expected a kldstat header "Id Refs Address Size Name", got ${JSON.stringify(lines[0] ?? '')}`);
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || !/^[0-9]+$/.test(fields[0]!)) return err(`unexpected kldstat row ${JSON.stringify(line.trim())}`);
    if (fields[4] === `${module}.ko`) return ok(true);
  }
  return ok(false);
}
