/**
 * The ZFS tuning file format (kernels/zfs-m-series-tuning.conf): `name=value` lines, a value a
 * plain word or a share of RAM. Pure parsing. It lives with the suite, below run/ and custom-os/,
 * because both read it: the run engine records the current values of the names a target's own
 * file (TargetSpec.suiteContext.zfsTunablesFile) sets, and the image builders render it into the
 * guest (custom-os/debian-testbed/zfs-tuning.ts).
 */
import { err, ok, showValue, type Result } from '../../harness/errors/index.ts';

export type ZfsTuningValue =
  | { kind: 'fixed'; text: string }
  /** Share of the guest's MemTotal, in basis points (75% = 7500) so the guest can use integer shell math. */
  | { kind: 'ram-share'; basisPoints: number };

export interface ZfsTuningEntry {
  name: string;
  value: ZfsTuningValue;
  line: number;
}

const NAME = /^[a-z][a-z0-9_]*$/;
const FIXED_VALUE = /^[A-Za-z0-9_.,:-]+$/;
const PERCENT_VALUE = /^(\d+(?:\.\d{1,2})?)%$/;

/** Parses `name=value` lines; `#` comments and blank lines are skipped. Errors name file:line. */
export function parseZfsTuning(text: string, fileName: string): Result<ZfsTuningEntry[]> {
  const entries: ZfsTuningEntry[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const lineNumber = index + 1;
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const where = `${fileName}:${lineNumber}`;
    const eq = line.indexOf('=');
    if (eq <= 0) return err(`${where}: expected name=value, got ${showValue(line)}`);
    const name = line.slice(0, eq).trim();
    const valueText = line.slice(eq + 1).trim();
    if (!NAME.test(name)) return err(`${where}: parameter name ${showValue(name)} is not a module parameter name`);
    if (seen.has(name)) return err(`${where}: parameter ${showValue(name)} is set twice`);
    seen.add(name);
    const percent = PERCENT_VALUE.exec(valueText);
    if (percent) {
      const basisPoints = Math.round(Number(percent[1]) * 100);
      if (basisPoints <= 0 || basisPoints >= 10000) {
        return err(`${where}: ${name} share of RAM must be between 0% and 100% (exclusive), got ${showValue(valueText)}`);
      }
      entries.push({ name, value: { kind: 'ram-share', basisPoints }, line: lineNumber });
    } else if (FIXED_VALUE.test(valueText)) {
      entries.push({ name, value: { kind: 'fixed', text: valueText }, line: lineNumber });
    } else {
      return err(`${where}: value for ${name} must be a plain word, number or percentage, got ${showValue(valueText)}`);
    }
  }
  return ok(entries);
}
