/**
 * Lint and format hold over the whole tree: Biome (biome.jsonc: the recommended rules, the few
 * turned off each with its reason) finds no diagnostic and no file the formatter would change.
 * Runs the same check as `npm run lint`, so `npm test` (CI) fails naming the file and the rule.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIOME = path.join(ROOT, 'node_modules/@biomejs/biome/bin/biome');

function biome(args: string[], cwd = ROOT): { code: number; output: string } {
  try {
    const output = execFileSync(BIOME, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, output: `${failed.stdout}${failed.stderr}` };
  }
}

describe('lint and format', () => {
  it('the tree is lint- and format-clean (biome ci)', () => {
    const { code, output } = biome(['ci', '.', '--reporter=summary']);
    expect(code, output).toBe(0);
    // A check that read nothing would pass vacuously.
    const checked = Number(/Checked (\d+) files?/.exec(output)?.[1] ?? 0);
    expect(checked, output).toBeGreaterThan(300);
  });

  it('fails on an unformatted file and on a lint error (the check is not vacuous)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kbench-lint-'));
    try {
      writeFileSync(path.join(dir, 'biome.jsonc'), `{ "extends": ["${path.join(ROOT, 'biome.jsonc')}"], "vcs": { "enabled": false } }`);
      writeFileSync(path.join(dir, 'bad.ts'), 'export const x = {a:1}\nexport function f(y: any) { return y == null ? 1 : 2 }\n');
      const { code, output } = biome(['ci', '.'], dir);
      expect(code).not.toBe(0);
      expect(output).toMatch(/bad\.ts/);
      expect(output).toMatch(/format|noDoubleEquals|noExplicitAny/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
