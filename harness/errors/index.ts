/**
 * User-facing failures. Every one becomes a single line on stderr and an exit code:
 * 2 = bad input (nothing was written), 1 = a regression was detected, 0 = fine.
 */
export const EXIT_OK = 0;
export const EXIT_REGRESSION = 1;
export const EXIT_BAD_INPUT = 2;

export class KbenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_BAD_INPUT,
  ) {
    super(message);
    this.name = 'KbenchError';
  }
}

/** Bad input: names where (file, field) and what (value) was wrong. */
export class InputError extends KbenchError {
  constructor(message: string) {
    super(message, EXIT_BAD_INPUT);
    this.name = 'InputError';
  }
}

/** Errors as values at the seams (parsers, validation). */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Shows a value in an error message: short, one line, JSON-quoted so odd characters stay visible. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === 'number' && !Number.isFinite(value)) text = String(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = text.replace(/[\r\n]+/g, ' ');
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
