/**
 * The kbench command line. Every failure ends here as one line on stderr and an exit code:
 * 0 fine, 1 regression detected, 2 bad input (nothing written), 3 infrastructure (evidence kept).
 * Everything printed passes through terminalSafe: files are untrusted, terminals obey escapes.
 */
import { Command, CommanderError } from 'commander';
import { cut, EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EXIT_OK, KbenchError, terminalSafe } from '../errors/index.ts';
import { configureInputLimits, MAX_INPUT_ENV, MAX_INPUT_FLAG, parseMaxInputMib } from '../results/limits.ts';
import { KBENCH_VERSION } from '../version.ts';
import type { CliIo } from './options.ts';

type Register = (program: Command, io: CliIo) => void;

/**
 * Each command file, loaded only when its command runs: `kbench compare` never loads vega or
 * ssh2, and `kbench --version` loads none. Adding a command is one entry here.
 */
const COMMANDS: { names: string[]; load: () => Promise<Register> }[] = [
  { names: ['run'], load: async () => (await import('./run-command.ts')).registerRunCommand },
  { names: ['compare', 'baseline'], load: async () => (await import('./compare-commands.ts')).registerCompareCommands },
  { names: ['calibrate'], load: async () => (await import('./calibrate-command.ts')).registerCalibrateCommand },
  { names: ['report'], load: async () => (await import('./report-command.ts')).registerReportCommand },
  { names: ['doctor'], load: async () => (await import('./doctor-command.ts')).registerDoctorCommand },
  { names: ['submit'], load: async () => (await import('./submit-command.ts')).registerSubmitCommand },
  { names: ['ingest'], load: async () => (await import('./ingest-command.ts')).registerIngestCommand },
  { names: ['claims'], load: async () => (await import('./claims-command.ts')).registerClaimsCommand },
  { names: ['build'], load: async () => (await import('./build-command.ts')).registerBuildCommand },
  { names: ['gate'], load: async () => (await import('./gate-command.ts')).registerGateCommand },
];

/** The commands argv can reach: the one it names, or all of them (help, usage errors). */
function commandsFor(argv: string[]): typeof COMMANDS {
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) return [];
  const first = args.find((arg) => !arg.startsWith('-'));
  const named = COMMANDS.filter((command) => first !== undefined && command.names.includes(first));
  return named.length > 0 && !args.slice(0, args.indexOf(first!)).some((arg) => arg === '-h' || arg === '--help') ? named : COMMANDS;
}

export async function buildProgram(io: CliIo, argv: string[] = []): Promise<Command> {
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
  const selected = argv.length === 0 ? COMMANDS : commandsFor(argv);
  for (const register of await Promise.all(selected.map((command) => command.load()))) register(program, io);
  return program;
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
  try {
    const program = await buildProgram(io, argv);
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
