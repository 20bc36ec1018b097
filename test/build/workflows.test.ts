/** Both CI workflows pass GitHub's workflow schema (@action-validator/cli), and the check itself can fail. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const validator = join(repo, 'node_modules', '@action-validator', 'cli', 'cli.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'kbench-workflows-'));
/** Through a file: the validator exits right after writing, which can cut a pipe's output short. */
function validate(file: string): { status: number | null; stdout: string } {
  const out = join(scratch, 'validator.out');
  const result = spawnSync('sh', ['-c', 'node "$1" "$2" >"$3" 2>&1', 'validate', validator, file, out]);
  return { status: result.status, stdout: readFileSync(out, 'utf8') };
}
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('.github/workflows', () => {
  for (const name of ['perf-regression.yml', 'build-custom-kernels.yml']) {
    it(`${name} passes the workflow schema`, () => {
      const result = validate(join(repo, '.github', 'workflows', name));
      // The one thing it may say: that `paths:` globs are not checked yet.
      expect(result.stdout.replace(/^WARNING: Glob validation is not yet supported\..*\n/gm, '')).toBe('');
      expect(result.status).toBe(0);
    });
  }

  it('the validator rejects a workflow with a misspelled key (so the checks above can fail)', () => {
    const broken = join(scratch, 'broken.yml');
    writeFileSync(broken, readFileSync(join(repo, '.github', 'workflows', 'perf-regression.yml'), 'utf8').replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04'));
    const result = validate(broken);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/runs_on/);
  });

  it('perf-regression gates on kbench compare and always publishes the report; the Apple job is self-hosted', () => {
    const text = readFileSync(join(repo, '.github', 'workflows', 'perf-regression.yml'), 'utf8');
    expect(text).toMatch(/run: node bin\/kbench\.mjs compare runs\/ci\/results\.json --baseline "\$BASELINE"/);
    expect(text).toMatch(/>> "\$GITHUB_STEP_SUMMARY"/);
    expect(text).toMatch(/runs-on: \[self-hosted, macOS, ARM64\]/);
    expect(text).toMatch(/actions\/runner-images#8465/);
  });
});
