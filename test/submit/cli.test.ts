/** kbench submit → ingest → ingest again → claims --db → report --community, as a user runs them. */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const KBENCH = path.resolve(import.meta.dirname, '../../bin/kbench.mjs');
const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');
const home = mkdtempSync(path.join(tmpdir(), 'kbench-cli-'));
const db = path.join(home, 'kbench.db');

async function kbench(...args: string[]) {
  const result = await execa('node', [KBENCH, ...args], { reject: false, cwd: home, env: { HOME: home, KBENCH_DB: db } });
  return { code: result.exitCode, stdout: String(result.stdout), stderr: String(result.stderr) };
}
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('kbench submit, ingest, claims, report --community', () => {
  it('runs end to end on the real testbed run', async () => {
    const submitted = await kbench('submit', FIXTURE, '--out', 'subs');
    expect(submitted.code).toBe(0);
    expect(submitted.stdout).toMatch(/wrote subs\/kbench-submission-[0-9a-f]{16}\.json/);
    expect(submitted.stdout).toMatch(/open a pull request that adds the file/);
    const [bundle] = readdirSync(path.join(home, 'subs'));
    expect(readFileSync(path.join(home, 'subs', bundle!), 'utf8')).not.toContain(home);

    const first = await kbench('ingest', 'subs');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^ingested [0-9a-f]{16} from subs\/kbench-submission-.*: AMD EPYC \(other\), guests debian$/m);
    const again = await kbench('ingest', 'subs');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/skipped .*already in the database \(same content hash\)/);
    expect(again.stdout).toMatch(/0 ingested, 1 duplicate\(s\) skipped/);

    // Two bad files and a good one: two lines, exit 2, the database untouched.
    mkdirSync(path.join(home, 'bad'));
    writeFileSync(path.join(home, 'bad', 'a.json'), '{"format":');
    writeFileSync(path.join(home, 'bad', 'b.json'), '['.repeat(100_000));
    const before = sha(db);
    const bad = await kbench('ingest', 'bad', path.join('subs', bundle!));
    expect(bad.code).toBe(2);
    const lines = bad.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^kbench: bad\/a\.json: field format: not valid JSON at line 1, column 11: unexpected end of the text/);
    expect(lines[1]).toMatch(/^kbench: bad\/b\.json: field .*nested deeper than 32 levels/);
    expect(lines[2]).toMatch(/2 file\(s\) rejected: nothing written/);
    expect(sha(db)).toBe(before);

    const claims = await kbench('claims', '--db', db, '--json');
    expect(claims.code).toBe(0);
    const parsed = JSON.parse(claims.stdout) as { counts: Record<string, number> };
    expect(parsed.counts['not measured']).toBe(5);

    const md = await kbench('report', '--community', '--format', 'md', '-o', '-');
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/### debian/);
    const html = await kbench('report', '--community', '-o', 'c.html');
    expect(html.code).toBe(0);
    expect(readFileSync(path.join(home, 'c.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
  }, 120_000);

  it('submit refuses an unfinished run and writes nothing', async () => {
    const run = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    run.complete = false;
    writeFileSync(path.join(home, 'partial.json'), JSON.stringify(run));
    const result = await kbench('submit', 'partial.json', '--out', 'none');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('kbench: partial.json: field complete: the run did not finish (resume it with kbench run --resume first)');
    expect(() => readdirSync(path.join(home, 'none'))).toThrow(/ENOENT/);
  }, 60_000);
});
