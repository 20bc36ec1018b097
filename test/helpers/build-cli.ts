/**
 * vitest globalSetup: compiles the CLI before any test runs, so the tests that start `kbench` as a
 * process run the compiled entry users run (bin/kbench.mjs -> dist/), built from these sources.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../../build.mjs')], { stdio: 'inherit' });
}
