/**
 * What every command file shares: the output channel and option parsers. A leaf: command files
 * import it, never each other or main.ts, so main.ts can load one command without the rest.
 */
import { cut } from '../errors/index.ts';
import { InvalidArgumentError } from 'commander';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  setExitCode(code: number): void;
}

/** Commander parsers for numeric options: a bad value is a one-line, exit-2 error. */
/** Plain decimal only: Number() would also take "0x3", "0b11", " 3", "1_0" and "Infinity". */
const INTEGER_TEXT = /^[0-9]+$/;
const DECIMAL_TEXT = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

export function numberInRange(name: string, min: number, max: number, { integer = false } = {}) {
  return (raw: string): number => {
    const value = Number(raw);
    if (
      !(integer ? INTEGER_TEXT : DECIMAL_TEXT).test(raw) ||
      !Number.isFinite(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isSafeInteger(value))
    )
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(cut(raw, 40))}`);
    return value;
  };
}

/** `--only a,b`: the workload ids it names (blanks dropped), or null for every workload of the suite. */
export function workloadList(only: string | undefined): string[] | null {
  if (only === undefined) return null;
  return only
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
}
