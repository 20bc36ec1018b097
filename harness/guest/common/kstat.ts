/**
 * ZFS benchmark kstats (fletcher_4_bench, chksum_bench, vdev_raidz_bench): a header row
 * `implementation <col> <col> …`, one row of integers per implementation, and an optional last
 * row `fastest <impl> <impl> …`. Linux (/proc/spl/kstat/zfs/NAME) puts one SPL header line of
 * numbers before it; FreeBSD (`sysctl -n kstat.zfs.misc.NAME`) puts an empty line instead.
 */
import { err, ok, type Result } from '../../errors/index.ts';
import type { KstatTable } from '../types.ts';

export type KstatHeader = 'spl' | 'sysctl';

const SPL_HEADER_TOKEN = /^(0x[0-9a-f]+|-?[0-9]+)$/i;
const UNSIGNED_INTEGER = /^[0-9]+$/;

function splitFields(line: string): string[] {
  return line
    .trim()
    .split(/\s+/)
    .filter((field) => field !== '');
}

/** Pure: parses a benchmark kstat table as printed by Linux (`spl`) or FreeBSD sysctl (`sysctl`). */
export function parseKstatBenchTable(text: string, header: KstatHeader): Result<KstatTable> {
  const lines = text.split(/\r?\n/).map((line, index) => ({ number: index + 1, text: line.trimEnd() }));
  let at = 0;
  if (header === 'spl') {
    const first = lines[0];
    const fields = first ? splitFields(first.text) : [];
    if (fields.length < 5 || !fields.every((field) => SPL_HEADER_TOKEN.test(field)))
      return err(`line 1 is not an SPL kstat header (expected numbers), got ${JSON.stringify(first?.text ?? '')}`);
    at = 1;
  } else {
    while (at < lines.length && lines[at]!.text.trim() === '') at++;
  }
  const headerLine = lines[at];
  const columns = headerLine ? splitFields(headerLine.text) : [];
  if (columns[0] !== 'implementation' || columns.length < 2)
    return err(`line ${headerLine?.number ?? at + 1}: expected a header "implementation <columns…>", got ${JSON.stringify(headerLine?.text ?? '')}`);
  columns.shift();

  const rows: KstatTable['rows'] = {};
  const notMeasured: KstatTable['notMeasured'] = [];
  let fastest: KstatTable['fastest'] = null;
  for (const line of lines.slice(at + 1)) {
    const fields = splitFields(line.text);
    if (fields.length === 0) continue;
    const [implementation, ...values] = fields as [string, ...string[]];
    if (values.length !== columns.length) return err(`line ${line.number}: ${implementation} has ${values.length} values for ${columns.length} columns`);
    if (fastest !== null) return err(`line ${line.number}: row ${implementation} after the fastest row`);
    if (implementation === 'fastest') {
      fastest = Object.fromEntries(columns.map((column, i) => [column, values[i]!]));
      continue;
    }
    if (implementation in rows) return err(`line ${line.number}: duplicate row ${implementation}`);
    const row: Record<string, number> = {};
    for (const [i, column] of columns.entries()) {
      const value = values[i]!;
      if (!UNSIGNED_INTEGER.test(value)) return err(`line ${line.number}: ${implementation} ${column} is ${JSON.stringify(value)}, not a non-negative integer`);
      const number = Number(value);
      if (number === 0) notMeasured.push({ implementation, column });
      else row[column] = number;
    }
    rows[implementation] = row;
  }
  if (Object.keys(rows).length === 0) return err('the table has no implementation rows');
  if (fastest !== null) {
    for (const [column, chosen] of Object.entries(fastest))
      if (!(chosen in rows)) return err(`fastest ${column} names ${JSON.stringify(chosen)}, which has no row`);
  }
  return ok({ columns, rows, fastest, notMeasured });
}
