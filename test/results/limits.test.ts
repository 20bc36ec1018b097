import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkParsedLimits, DEFAULT_LIMITS } from '../../harness/results/limits.ts';
import { loadResults, parseResults, saveResultsSync } from '../../harness/results/store.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';

const valid = () => structuredClone(runFile([target('stock', [metric('zfs.pool_create.seconds', [1.1, 1.2, 1.0])])]));
const dir = () => mkdtempSync(path.join(tmpdir(), 'kb-limits-'));

function message(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('limits on what is read', () => {
  it('never quotes the file text in a syntax error (a password file read as results)', () => {
    const text = 'root:$6$secretsalt$hash:19000:0:99999:7:::\n';
    const line = message(() => parseResults(text, 'shadow.json'));
    expect(line).toBe('shadow.json: not valid JSON at line 1, column 1: expected a value');
    expect(line).not.toMatch(/root|secret/);
  });

  it('refuses a 1 MB string, showing ~80 characters of it with "…"', () => {
    const data = valid();
    data.host!.chip = 'A'.repeat(1024 * 1024);
    const line = message(() => parseResults(JSON.stringify(data), 'r.json'));
    expect(line).toMatch(/^r\.json: refused at line 1, column \d+, field host\.chip: a string longer than the limit of 4096 characters \(value "A+…"\)$/);
    expect(line.length).toBeLessThan(200);
  });

  it('refuses more samples per metric than the limit, naming the field', () => {
    const data = valid();
    const sample = data.targets[0]!.metrics[0]!.samples[0]!;
    data.targets[0]!.metrics[0]!.samples = Array.from({ length: 11 }, () => sample);
    expect(message(() => checkParsedLimits(data, 'r.json', { ...DEFAULT_LIMITS, maxSamplesPerMetric: 10 }))).toBe(
      'r.json: field targets[0].metrics[0].samples: 11 items are more than the limit of 10',
    );
  });

  it('quotes and cuts keys that come from the file in field paths', () => {
    const data = valid() as any;
    data.targets[0].guest.zfsTunables = { ['k\u001b]0;x'.padEnd(200, 'k')]: 5 };
    const line = message(() => parseResults(JSON.stringify(data), 'r.json'));
    expect(line).toMatch(/^r\.json: field targets\[0\]\.guest\.zfsTunables\["k\\u001b\]0;xk+…"\]: /);
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = path.join(dir(), 'bom.json');
    writeFileSync(file, `\ufeff${JSON.stringify(valid())}`);
    expect(await loadResults(file)).toEqual(valid());
  });

  it('refuses a FIFO before opening it (opening would wait for a writer forever)', async () => {
    const fifo = path.join(dir(), 'results.json');
    execFileSync('mkfifo', [fifo]);
    await expect(loadResults(fifo)).rejects.toThrow(`${fifo}: is a FIFO; expected a regular file`);
  });

  it('refuses a 200 MiB file in well under a second, reading none of it', async () => {
    const file = path.join(dir(), 'huge.json');
    const fd = openSync(file, 'w');
    ftruncateSync(fd, 200 * 1024 * 1024);
    closeSync(fd);
    const started = performance.now();
    const before = process.memoryUsage().rss;
    await expect(loadResults(file)).rejects.toThrow(
      `${file}: 200 MiB is larger than the limit of 64 MiB (raise it with --max-input-mib or KBENCH_MAX_INPUT_MIB)`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(process.memoryUsage().rss - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('reads a file whose size stat does not know only up to the limit', async () => {
    await expect(loadResults('/proc/self/status', { ...DEFAULT_LIMITS, maxFileBytes: 64 })).rejects.toThrow(
      '/proc/self/status: more than 0 MiB is larger than the limit of 0 MiB',
    );
  });

  it('never writes a file it would refuse to read', () => {
    const data = valid();
    data.targets[0]!.guest.zfsTunables = { big: 'x'.repeat(5000) };
    const file = path.join(dir(), 'r.json');
    expect(message(() => saveResultsSync(file, data))).toMatch(/field targets\[0\]\.guest\.zfsTunables\.big: text of 5000 characters/);
  });
});
