/**
 * User-facing failures. Every one becomes a single line on stderr and a fixed exit code:
 * 0 fine, 1 a regression was detected, 2 bad input (nothing was written), 3 infrastructure
 * (a VM, SSH or a host tool failed: logs and results so far are kept and their path printed).
 */
export const EXIT_OK = 0;
export const EXIT_REGRESSION = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INFRASTRUCTURE = 3;

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

/**
 * The machinery failed, not the user's input: a VM that does not boot, SSH that never answers,
 * qemu-img or limactl failing. The run engine retries these per its reboot policy; once they end
 * a run, its folder (serial logs, results so far) is kept.
 */
export class InfraError extends KbenchError {
  constructor(message: string) {
    super(message, EXIT_INFRASTRUCTURE);
    this.name = 'InfraError';
  }
}

/** Errors as values at the seams (parsers, validation). */
export type Result<T, E = string> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

export { showValue, cut, terminalSafe } from './text.ts';
