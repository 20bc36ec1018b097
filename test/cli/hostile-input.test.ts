/**
 * Hostile input files through the real CLI: each is answered with one line, exit 2, nothing
 * written. Categories: nesting depth, non-regular files, file contents never echoed, BOM, size
 * and length limits.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kbench, workdir } from '../helpers/cli.ts';
import { deepJson, goodBaseline, goodRun, refused, resumable } from './hostile.ts';

const NESTED = /: refused at line 1, column 33, field \(?[^:]*: nested deeper than 32 levels$/;

describe.concurrent('hostile input: 100k-level nesting', { timeout: 240_000 }, () => {
  it('as the results file of compare', async () => {
    await refused(workdir({ 'deep.json': deepJson(), 'baseline.json': goodBaseline() }), ['compare', 'deep.json'], /^kbench: deep\.json/);
  });
  it('as --baseline', async () => {
    await refused(workdir({ 'run.json': goodRun(), 'deep.json': deepJson() }), ['compare', 'run.json', '--baseline', 'deep.json'], NESTED);
  });
  it('in a --history folder', async () => {
    const dir = workdir({ 'run.json': goodRun() });
    mkdirSync(path.join(dir, 'history'));
    writeFileSync(path.join(dir, 'history', 'old.json'), deepJson());
    await refused(dir, ['report', 'run.json', '--history', 'history', '-o', 'r.html'], /history\/old\.json: refused .*nested deeper/);
  });
  it('as --resume', async () => {
    await refused(workdir({ 'deep.json': deepJson() }), ['run', '--resume', 'deep.json'], NESTED);
  });
  it('as input of baseline update and baseline show', async () => {
    const dir = workdir({ 'deep.json': deepJson() });
    await refused(dir, ['baseline', 'update', 'deep.json'], NESTED);
    await refused(dir, ['baseline', 'show', '--file', 'deep.json'], NESTED);
  });
  it('as an object nesting inside a valid-looking file', async () => {
    const text = JSON.stringify(goodRun()).replace('"sources":[]', `"sources":[${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}]`);
    await refused(workdir({ 'run.json': text, 'baseline.json': goodBaseline() }), ['compare', 'run.json'], /nested deeper than 32 levels/);
  });
});

describe.concurrent('hostile input: files that are not regular files', { timeout: 240_000 }, () => {
  const withFifo = (name: string, files: Record<string, unknown> = {}) => {
    const dir = workdir(files);
    execFileSync('mkfifo', [path.join(dir, name)]);
    return dir;
  };
  it('a FIFO as the results path (it used to hang forever)', async () => {
    await refused(
      withFifo('run.json', { 'baseline.json': goodBaseline() }),
      ['compare', 'run.json'],
      /^kbench: run\.json: is a FIFO; expected a regular file$/,
    );
  });
  it('a FIFO as --baseline, --resume and baseline show --file', async () => {
    const dir = withFifo('fifo.json', { 'run.json': goodRun() });
    await refused(dir, ['compare', 'run.json', '--baseline', 'fifo.json'], /fifo\.json: is a FIFO/);
    await refused(dir, ['run', '--resume', 'fifo.json'], /fifo\.json: is a FIFO/);
    await refused(dir, ['baseline', 'show', '--file', 'fifo.json'], /fifo\.json: is a FIFO/);
  });
  it('a device and a directory', async () => {
    const dir = workdir({ 'baseline.json': goodBaseline() });
    mkdirSync(path.join(dir, 'folder.json'));
    await refused(dir, ['compare', '/dev/zero'], /^kbench: \/dev\/zero: is a device; expected a regular file$/);
    await refused(dir, ['compare', 'folder.json'], /^kbench: folder\.json: is a directory; expected a regular file$/);
  });
});

describe.concurrent('hostile input: contents never echoed', { timeout: 240_000 }, () => {
  it('a symlink to a password file read as results shows no byte of it', async () => {
    const dir = workdir({ 'secrets.txt': 'root:$6$s3cr3tSalt$Zm9vYmFy:19000:0:99999:7:::\n', 'baseline.json': goodBaseline() });
    symlinkSync(path.join(dir, 'secrets.txt'), path.join(dir, 'run.json'));
    const line = await refused(dir, ['compare', 'run.json'], /^kbench: run\.json: not valid JSON at line 1, column 1: expected a value$/);
    expect(line).not.toMatch(/root|s3cr3t/);
  });
  it('/etc/shadow-like text after valid JSON is located, not quoted', async () => {
    const text = `${JSON.stringify(goodRun())}\nroot:hash`;
    const line = await refused(
      workdir({ 'run.json': text, 'baseline.json': goodBaseline() }),
      ['compare', 'run.json'],
      /line 2, column 1: unexpected text after the end/,
    );
    expect(line).not.toMatch(/root|hash/);
  });
  it('invalid UTF-8', async () => {
    await refused(
      workdir({ 'run.json': Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }),
      ['baseline', 'show', '--file', 'run.json'],
      /run\.json: not valid UTF-8 text$/,
    );
  });
});

describe.concurrent('hostile input: limits', { timeout: 240_000 }, () => {
  it('a 200 MiB file is refused before it is read', async () => {
    const dir = workdir({ 'baseline.json': goodBaseline() });
    const fd = openSync(path.join(dir, 'huge.json'), 'w');
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    await refused(
      dir,
      ['compare', 'huge.json'],
      /^kbench: huge\.json: 200 MiB is larger than the limit of 64 MiB \(raise it with --max-input-mib or KBENCH_MAX_INPUT_MIB\)$/,
    );
  });
  it('the limit is set by --max-input-mib or KBENCH_MAX_INPUT_MIB, strictly parsed', async () => {
    const run = JSON.stringify(goodRun()).replace('"sources":[]', `"sources":[${JSON.stringify({ runId: 'x', file: 'y' })}]`);
    const padded = run.replace(/}$/, `${' '.repeat(1024 * 1024 + 10)}}`);
    const dir = workdir({ 'run.json': padded, 'baseline.json': goodBaseline() });
    await refused(dir, ['compare', 'run.json', '--max-input-mib', '1'], /run\.json: 1 MiB is larger than the limit of 1 MiB/);
    await refused(dir, ['compare', 'run.json'], /run\.json: 1 MiB is larger than the limit of 1 MiB/, { KBENCH_MAX_INPUT_MIB: '1' });
    await refused(dir, ['compare', 'run.json'], /^kbench: environment KBENCH_MAX_INPUT_MIB: must be a whole number of MiB in \[1, 4096\], got "0x10"$/, {
      KBENCH_MAX_INPUT_MIB: '0x10',
    });
    expect((await kbench(dir, ['compare', 'run.json', '--max-input-mib', '2'])).code).toBe(0);
  });
  it('a 1 MB host.chip gives a short line, cut with "…"', async () => {
    const run = goodRun();
    run.host!.chip = `\u001b]0;owned\u0007${'A'.repeat(1024 * 1024)}`;
    const line = await refused(
      workdir({ 'run.json': run, 'baseline.json': goodBaseline() }),
      ['compare', 'run.json'],
      /refused at line 1, column \d+, field host\.chip: a string longer than the limit of 4096 characters \(value "\\u001b\]0;owned\\u0007A+…"\)$/,
    );
    expect(line.length).toBeLessThan(220);
  });
});

describe.concurrent('hostile input: accepted', { timeout: 240_000 }, () => {
  it('a UTF-8 byte order mark', async () => {
    const dir = workdir({ 'run.json': `\ufeff${JSON.stringify(goodRun())}`, 'baseline.json': `\ufeff${JSON.stringify(goodBaseline())}` });
    const result = await kbench(dir, ['compare', 'run.json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
  it('a resumable run is still read (the limits do not bite real files)', async () => {
    const result = await kbench(workdir({ 'r.json': resumable() }), ['run', '--resume', 'r.json', '--backend', 'ssh']);
    expect(result.stderr).toMatch(/--backend: contradicts r\.json/);
  });
});
