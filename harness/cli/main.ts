/**
 * The kbench command line. Every failure ends here as one line on stderr and an exit code:
 * 2 bad input (nothing written), 1 regression detected, 0 otherwise.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_BAD_INPUT, EXIT_OK, KbenchError } from '../errors/index.ts';
import { KBENCH_VERSION } from '../version.ts';
import { registerBuildCommand } from './build-command.ts';
import { registerCompareCommands } from './compare-commands.ts';
import { registerReportCommand } from './report-command.ts';
import { registerRunCommand } from './run-command.ts';

/** Commander parsers for numeric options: a bad value is a one-line, exit-2 error. */
export function numberInRange(name: string, min: number, max: number, { integer = false } = {}) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value)))
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${raw}"`);
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
    .exitOverride();
  registerRunCommand(program, io);
  registerCompareCommands(program, io);
  registerReportCommand(program, io);
  registerBuildCommand(program, io);
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
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
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
      process.stderr.write(`kbench: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`kbench: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT_BAD_INPUT;
  }
}

