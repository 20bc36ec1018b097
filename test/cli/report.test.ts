import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/results');
const run1 = path.join(FIXTURES, 'debian-run-1.json');
const run2 = path.join(FIXTURES, 'debian-run-2-regression.json');

async function kbench(...args: string[]) {
  const result = await execa('node', [KBENCH, ...args], { reject: false });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}

describe('kbench report', () => {
  it('--format md prints a benchstat-style table with the regression listed', async () => {
    const result = await kbench('report', run2, '--baseline', run1, '--format', 'md', '-o', '-');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\|.*zfs\.scrub\.seconds.*\|/);
    expect(result.stdout).toMatch(/regress/i);
  });

  it('writes a self-contained HTML file and JUnit XML', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-report-'));
    const html = path.join(dir, 'r.html');
    expect((await kbench('report', run1, '-o', html)).code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).not.toMatch(/<script[^>]+src=/i);
    expect(text).not.toMatch(/<link[^>]+href="https?:/i);
    const junit = path.join(dir, 'r.xml');
    expect((await kbench('report', run2, '--baseline', run1, '--format', 'junit', '-o', junit)).code).toBe(0);
    expect(readFileSync(junit, 'utf8')).toMatch(/<failure/);
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kbench-report-'));
    const out = path.join(dir, 'r.html');
    const result = await kbench('report', path.join(dir, 'missing.json'), '-o', out);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/missing\.json: cannot read \(ENOENT\)/);
    expect(existsSync(out)).toBe(false);
    const badFormat = await kbench('report', run1, '--format', 'pdf', '-o', out);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/--format: must be one of html, md, junit/);
  });
});
