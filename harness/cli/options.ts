/**
 * What every command file shares: the output channel and option parsers. A leaf: command files
 * import it, never each other or main.ts, so main.ts can load one command without the rest.
 */
import { InvalidArgumentError } from 'commander';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  setExitCode(code: number): void;
}

/** Commander parsers for numeric options: a bad value is a one-line, exit-2 error. */
export function numberInRange(name: string, min: number, max: number, { integer = false } = {}) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${raw}"`);
    return value;
  };
}
