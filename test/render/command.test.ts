import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../harness/errors/index.ts';
import { runReportCommand } from '../../harness/render/command.ts';
import { writeRunReport } from '../../harness/render/for-run.ts';
import { fixturePath, GENERATED_AT, loadFixture } from './helpers.ts';

let dir: string;
const run1 = fixturePath('debian-run-1.json');
const run2 = fixturePath('debian-run-2-regression.json');

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kbench-report-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  const message = (error as InputError).message;
  expect(message).not.toContain('\n');
  return error as InputError;
}

describe('runReportCommand', () => {
  it('writes an HTML report and says what it found', async () => {
    const out = path.join(dir, 'report.html');
    const result = await runReportCommand({ files: [run2], baseline: run1, format: 'html', out, generatedAt: GENERATED_AT });
    expect(result.out).toBe(out);
    expect(result.format).toBe('html');
    expect(result.bytes).toBe(readFileSync(out).length);
    expect(result.regressions).toContain('debian/custom vs baseline: zfs.scrub.seconds');
    expect(result.counts.regressed).toBe(result.regressions.length);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    // Atomic write: no temp file left behind.
    expect(readdirSync(dir)).toEqual(['report.html']);
  });

  it('writes Markdown and JUnit, and returns the text instead of writing for "-"', async () => {
    const md = await runReportCommand({ files: [run2], baseline: run1, format: 'md', out: path.join(dir, 'summary.md') });
    expect(readFileSync(md.out!, 'utf8')).toMatch(/^## kbench: /);
    const junit = await runReportCommand({ files: [run2], format: 'junit', out: '-' });
    expect(junit.out).toBeNull();
    expect(junit.text).toMatch(/^<\?xml/);
    expect(readdirSync(dir)).toEqual(['summary.md']);
  });

  it('reads a history directory, skipping files that are not .json', async () => {
    const history = path.join(dir, 'history');
    mkdirSync(history);
    copyFileSync(run1, path.join(history, 'a.json'));
    copyFileSync(run2, path.join(history, 'b.json'));
    writeFileSync(path.join(history, 'notes.txt'), 'not results');
    const out = path.join(dir, 'r.html');
    const result = await runReportCommand({ files: [run2], historyDir: history, out });
    expect(result.out).toBe(out);
    expect(readFileSync(out, 'utf8')).toContain('2 runs, 2026-11-20T09:00:00.000Z to 2026-11-24T09:00:00.000Z');
  });

  it('refuses bad input with one line naming the file, and writes nothing', async () => {
    const out = path.join(dir, 'report.html');
    const broken = path.join(dir, 'broken.json');
    const bad = loadFixture('debian-run-1.json') as unknown as { targets: { metrics: { samples: { value: unknown }[] }[] }[] };
    bad.targets[0]!.metrics[0]!.samples[3]!.value = -1;
    writeFileSync(broken, JSON.stringify(bad));
    expect((await failure(runReportCommand({ files: [run2, broken], out }))).message).toBe(
      `${broken}: field targets[0].metrics[0].samples[3].value: must not be negative (value -1)`,
    );
    expect((await failure(runReportCommand({ files: [run2], baseline: path.join(dir, 'missing.json'), out }))).message).toMatch(
      /missing\.json: cannot read \(ENOENT\)/,
    );
    expect((await failure(runReportCommand({ files: [run2], format: 'pdf', out }))).message).toBe('--format: must be one of html, md, junit (got "pdf")');
    expect((await failure(runReportCommand({ files: [run2], historyDir: run1, out }))).message).toMatch(/--history must be a directory/);
    expect((await failure(runReportCommand({ files: [run2], out: path.join(dir, 'no', 'such', 'dir', 'r.html') }))).message).toMatch(
      /directory .* does not exist/,
    );
    expect((await failure(runReportCommand({ files: [run2], out: dir }))).message).toMatch(/is a directory/);
    expect((await failure(runReportCommand({ files: [], out }))).message).toMatch(/at least one results file/);

    const history = path.join(dir, 'history');
    mkdirSync(history);
    writeFileSync(path.join(history, 'bad.json'), '{"format":"kbench-results"');
    expect((await failure(runReportCommand({ files: [run2], historyDir: history, out }))).message).toMatch(/bad\.json: not valid JSON/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['broken.json', 'history']);
  });

  it('will not overwrite one of its inputs', async () => {
    const copy = path.join(dir, 'run.json');
    copyFileSync(run1, copy);
    expect((await failure(runReportCommand({ files: [copy], out: copy }))).message).toMatch(/is one of the input files/);
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(run1, 'utf8'));
  });
});

describe('writeRunReport', () => {
  it('writes the custom-vs-stock HTML report of one run', async () => {
    const out = path.join(dir, 'report.html');
    expect(await writeRunReport(loadFixture('debian-run-1.json'), out)).toBe(out);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('debian: custom vs stock kernel');
    expect(html).not.toContain('vs baseline');
  });
});
