/** Runs every benchmark in bench/ one after another and prints their figures (`npm run bench`). */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const here = import.meta.dirname;
const files = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && name !== 'run-all.ts')
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file} ===\n`);
  const result = await execa('node', ['--import', 'tsx', path.join(here, file)], { stdio: 'inherit', reject: false });
  if (result.exitCode !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
