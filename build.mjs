#!/usr/bin/env node
/**
 * Compiles the CLI into dist/ (run by `npm ci` through "prepare", and by `npm run build`).
 * esbuild, not tsc: it bundles the reachable TypeScript in well under a second and splits at each
 * `await import()`, so a command loads one or two files instead of transpiling ~100 at every start
 * as tsx did. Packages stay in node_modules (external). Type checking stays with `tsc --noEmit`.
 * dist/build.json lists the sources, so bin/kbench.mjs can tell when dist/ is older than them.
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = import.meta.dirname;
const outdir = path.join(root, 'dist');
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { kbench: 'harness/cli/main.ts' },
  outdir,
  // Flat: every chunk sits one level below the root, as harness/root.ts expects.
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).sort();
writeFileSync(path.join(outdir, 'build.json'), `${JSON.stringify({ entry: 'kbench.js', inputs }, null, 1)}\n`);
