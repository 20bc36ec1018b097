#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` or `npm run build`). In a checkout whose
// sources are newer than dist/ (or with no dist/ yet) it runs the sources through tsx instead:
// slower to start, never stale.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function compiledEntry() {
  try {
    const manifestUrl = new URL('dist/build.json', root);
    const builtAt = statSync(manifestUrl).mtimeMs;
    const { entry, inputs } = JSON.parse(readFileSync(manifestUrl, 'utf8'));
    for (const input of inputs) if (statSync(new URL(input, root)).mtimeMs > builtAt) return null;
    return new URL(`dist/${entry}`, root);
  } catch {
    // No build, or a source it lists is gone: the sources are the truth.
    return null;
  }
}

const entry = compiledEntry();
let main;
if (entry !== null) ({ main } = await import(entry.href));
else {
  if (process.stderr.isTTY)
    process.stderr.write('kbench: dist/ is missing or older than the sources, running them through tsx (npm run build to start fast)\n');
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../harness/cli/main.ts'));
}
process.exitCode = await main(process.argv);
