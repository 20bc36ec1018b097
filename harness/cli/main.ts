/**
 * The kbench command line. Every failure ends here as one line on stderr and an exit code:
 * 0 fine, 1 regression detected, 2 bad input (nothing written), 3 infrastructure (evidence kept).
 * Everything printed passes through terminalSafe: files are untrusted, terminals obey escapes.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { cut, EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EXIT_OK, KbenchError, terminalSafe } from '../errors/index.ts';
import { configureInputLimits, MAX_INPUT_ENV, MAX_INPUT_FLAG, parseMaxInputMib } from '../results/limits.ts';
import { KBENCH_VERSION } from '../version.ts';
import { registerCompareCommands } from './compare-commands.ts';
import { registerReportCommand } from './report-command.ts';
import { registerRunCommand } from './run-command.ts';

/** Plain decimal only: Number() would also take "0x3", "0b11", " 3", "1_0" and "Infinity". */
const INTEGER_TEXT = /^[0-9]+$/;
const DECIMAL_TEXT = /^(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** Commander parsers for numeric options: a bad value is a one-line, exit-2 error. */
export function numberInRange(name: string, min: number, max: number, { integer = false } = {}) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!(integer ? INTEGER_TEXT : DECIMAL_TEXT).test(raw) || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isSafeInteger(value)))
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(cut(raw, 40))}`);
    return value;
  };
}

export function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name('kbench')
    .description('Benchmark and regression harness for custom OS kernels running ZFS: stock vs custom kernels, real statistics, CI gating.')
    .version(KBENCH_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .option(`${MAX_INPUT_FLAG} <MiB>`, `largest results or baseline file read (default 64, or $${MAX_INPUT_ENV})`)
    .exitOverride();
  program.hook('preAction', () => {
    const flag = program.opts<{ maxInputMib?: string }>().maxInputMib;
    const env = process.env[MAX_INPUT_ENV];
    if (flag !== undefined) configureInputLimits({ maxFileBytes: parseMaxInputMib(flag, MAX_INPUT_FLAG) });
    else if (env !== undefined && env !== '') configureInputLimits({ maxFileBytes: parseMaxInputMib(env, `environment ${MAX_INPUT_ENV}`) });
  });
  registerRunCommand(program, io);
  registerCompareCommands(program, io);
  registerReportCommand(program, io);
  return program;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  setExitCode(code: number): void;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const io: CliIo = {
    out: (text) => process.stdout.write(terminalSafe(text)),
    err: (text) => process.stderr.write(terminalSafe(text)),
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors are bad input.
      return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    if (error instanceof KbenchError) {
      process.stderr.write(`kbench: ${oneLine(error.message)}\n`);
      return error.exitCode;
    }
    // Not the user's input: a fault of kbench or of the host it runs on.
    process.stderr.write(`kbench: unexpected error: ${terminalSafe((error as Error).stack ?? String(error))}\n`);
    return EXIT_INFRASTRUCTURE;
  }
}


/** An error line: no terminal controls, no line breaks, never longer than a screenful. */
function oneLine(message: string): string {
  return cut(terminalSafe(message).replace(/\s*[\r\n]+\s*/g, ' '), 2000);
}
