import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../harness/errors/index.ts';
import { loadResults, parseResults, saveResultsSync } from '../../harness/results/store.ts';
import { metric, runFile, target } from '../helpers/results-factory.ts';

const valid = () => runFile([target('stock', [metric('zfs.pool_create.seconds', [1.1, 1.2, 1.0])])]);

function rejection(mutate: (data: any) => void): string {
  const data = JSON.parse(JSON.stringify(valid()));
  mutate(data);
  try {
    parseResults(JSON.stringify(data), 'r.json');
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected a rejection');
}

describe('results validation', () => {
  it('round-trips a valid file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-'));
    const file = path.join(dir, 'r.json');
    saveResultsSync(file, valid());
    expect(parseResults(readFileSync(file, 'utf8'), file)).toEqual(valid());
  });

  it('names the file, the field and the value in one line', () => {
    const message = rejection((d) => (d.targets[0].metrics[0].samples[1].value = -3));
    expect(message).toBe('r.json: field targets[0].metrics[0].samples[1].value: must not be negative (value -3)');
  });

  it.each([
    ['missing field', (d: any) => delete d.targets[0].guest.kernelRelease, /field targets\[0\]\.guest\.kernelRelease: .*missing/],
    ['wrong type', (d: any) => (d.targets[0].guest.vcpus = 'two'), /field targets\[0\]\.guest\.vcpus: .*"two"/],
    ['unknown unit', (d: any) => (d.targets[0].metrics[0].unit = 'furlongs'), /field targets\[0\]\.metrics\[0\]\.unit: .*"furlongs"/],
    ['duplicate metric id', (d: any) => d.targets[0].metrics.push(d.targets[0].metrics[0]), /metrics\[1\]\.id: duplicate metric id/],
    ['unknown field', (d: any) => (d.targets[0].metrics[0].extra = 1), /targets\[0\]\.metrics\[0\]/],
    ['bad timestamp', (d: any) => (d.targets[0].metrics[0].samples[0].at = 'yesterday'), /samples\[0\]\.at/],
    ['target id not matching its guest', (d: any) => (d.targets[0].id = 'debian/custom'), /targets\[0\]\.id: does not match its guest/],
    [
      'unsupported metric with samples',
      (d: any) => (d.targets[0].metrics[0].status = { kind: 'unsupported', reason: 'no ZFS' }),
      /unsupported metric cannot have samples/,
    ],
  ])('rejects %s', (_name, mutate, pattern) => {
    expect(rejection(mutate)).toMatch(pattern);
  });

  it('rejects Infinity (1e999 in JSON) and NaN written as a string', () => {
    const text = JSON.stringify(valid()).replace('"value":1.2', '"value":1e999');
    expect(() => parseResults(text, 'r.json')).toThrow(
      /^r\.json: refused at line 1, column \d+, field targets\[0\]\.metrics\[0\]\.samples\[1\]\.value: number 1e999 is out of range$/,
    );
    expect(rejection((d) => (d.targets[0].metrics[0].samples[0].value = 'NaN'))).toMatch(/samples\[0\]\.value/);
  });

  it('rejects bad JSON and a schema version from the future', () => {
    expect(() => parseResults('{"format":', 'r.json')).toThrow(/^r\.json: not valid JSON/);
    expect(rejection((d) => (d.schemaVersion = 7))).toMatch(/field schemaVersion: version 7 is newer than this kbench understands \(1\)/);
  });

  it('reports an unreadable file with its path', async () => {
    await expect(loadResults('/nonexistent/r.json')).rejects.toThrow('/nonexistent/r.json: cannot read (ENOENT)');
  });

  it('refuses to save an invalid file and leaves no temp file behind', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-'));
    const bad = valid();
    bad.targets[0]!.metrics[0]!.samples[0]!.value = Number.NaN;
    expect(() => saveResultsSync(path.join(dir, 'r.json'), bad)).toThrow(InputError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces files atomically: the old content survives until the rename', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kb-'));
    const file = path.join(dir, 'r.json');
    writeFileSync(file, 'old');
    saveResultsSync(file, valid());
    expect(readdirSync(dir)).toEqual(['r.json']);
    expect(JSON.parse(readFileSync(file, 'utf8')).runId).toBe('test-run');
  });
});
