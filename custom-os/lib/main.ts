/**
 * What the by-hand builders (custom-os/<os>/build.ts) share: `--cache-dir DIR` and the exit
 * (a KbenchError's own code, 1 for anything else, the message on one line).
 */
import { InputError, KbenchError } from '../../harness/errors/index.ts';

/** `--cache-dir DIR` of argv: the folder, undefined when absent; InputError (exit 2) when DIR is missing. */
export function cacheDirFlag(argv: readonly string[]): string | undefined {
  const flag = argv.indexOf('--cache-dir');
  if (flag < 0) return undefined;
  const cacheDir = argv[flag + 1];
  if (!cacheDir) throw new InputError('build.ts: --cache-dir needs a folder');
  return cacheDir;
}

/** Runs a builder's main on this process's arguments and exits with its code. */
export function runBuilderMain(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`kbench: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(error instanceof KbenchError ? error.exitCode : 1);
    },
  );
}
