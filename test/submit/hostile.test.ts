/**
 * Hostile submissions: each is rejected with its reason (one line naming file, field and value),
 * and the database is byte for byte what it was. The valid bundle they start from is made by
 * kbench submit's code from test/fixtures/results/testbed-run.json (a real testbed run).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseResults } from '../../harness/results/store.ts';
import { buildBundle, type SubmissionBundle } from '../../harness/submit/bundle.ts';
import { ingest } from '../../harness/submit/ingest.ts';
import { resign, testKey } from '../helpers/bundles.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json');
const NOW = new Date('2026-12-01T00:00:00Z');
const dir = mkdtempSync(path.join(tmpdir(), 'kbench-hostile-'));
const dbFile = path.join(dir, 'kbench.db');

const testbed = parseResults(readFileSync(FIXTURE, 'utf8'), FIXTURE);
const valid: SubmissionBundle = buildBundle({
  results: testbed,
  key: testKey('a'),
  identity: { hostNames: [], userNames: [] },
  submittedWith: '0.1.0',
});

type Mutable = Record<string, any>;
/** A copy of the valid bundle changed by `edit`, with its id recomputed unless told not to. */
function variant(edit: (b: Mutable) => void, { rehash = true } = {}): string {
  const copy = structuredClone(valid) as Mutable;
  edit(copy);
  return JSON.stringify(rehash ? resign(copy, testKey('a')) : copy, null, 2);
}
const validText = JSON.stringify(valid, null, 2);
const metric0 = (b: Mutable) => b.results.targets[0].metrics[0];

interface Case {
  name: string;
  /** Writes the file(s); returns the paths to ingest. */
  make?: (file: string) => void;
  text?: string;
  reason: RegExp;
}

const cases: Case[] = [
  { name: 'truncated JSON', text: validText.slice(0, validText.length / 2), reason: /not valid JSON at line \d+, column \d+: (unterminated string|expected)/ },
  { name: 'empty file', text: '', reason: /field \(top level\): not valid JSON at line 1, column 1: unexpected end of the text/ },
  {
    name: '100 MB file',
    make: (file) => {
      const fd = openSync(file, 'w');
      writeSync(fd, Buffer.from('{'), 0, 1, 100 * 1024 * 1024 - 1); // sparse: 100 MB without writing them
      closeSync(fd);
    },
    reason: /is 104857600 bytes, more than the 4194304-byte limit/,
  },
  { name: '100 000 levels of nested arrays', text: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, reason: /nested deeper than 32 levels/ },
  { name: '100 000 levels of nested objects', text: `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`, reason: /nested deeper than 32 levels/ },
  {
    name: '__proto__ key',
    text: validText.replace('"format"', '"__proto__": {"polluted": true}, "format"'),
    reason: /field __proto__: refused at line \d+, column \d+: forbidden key "__proto__"/,
  },
  {
    name: 'constructor key inside a record',
    text: validText.replace('"zfs_arc_max"', '"constructor": "x", "zfs_arc_max"'),
    reason: /field results\.targets\[0\]\.guest\.zfsTunables\.constructor: refused at line \d+, column \d+: forbidden key "constructor"/,
  },
  { name: 'duplicate key', text: validText.replace('"format"', '"runId": "x", "format"'), reason: /^$/ },
  {
    name: 'NaN literal',
    text: validText.replace(/"value": [0-9.e+-]+/, '"value": NaN'),
    reason: /samples\[0\]\.value: not valid JSON at line \d+, column \d+: expected a value$/,
  },
  { name: 'number overflowing to Infinity', text: validText.replace(/"value": [0-9.e+-]+/, '"value": 1e999'), reason: /number 1e999 is out of range/ },
  {
    name: 'negative sample',
    text: variant((b) => (metric0(b).samples[0].value = -1)),
    reason: /field results\.targets\[0\]\.metrics\[0\]\.samples\[0\]\.value: must not be negative \(value -1\)/,
  },
  {
    name: 'absurd boot time (10^12 s)',
    text: variant((b) => (metric0(b).samples[0].value = 1e12)),
    reason: /samples\[0\]\.value: above 604800 s, not believable \(value 1000000000000\)/,
  },
  {
    name: 'zero throughput',
    text: variant((b) => (b.results.targets[0].metrics.find((m: Mutable) => m.unit === 'B/s').samples[0].value = 0)),
    reason: /a rate of 0 is a failed sample/,
  },
  {
    name: 'wrong unit (ms for a .seconds metric)',
    text: variant((b) => (metric0(b).unit = 'ms')),
    reason: /metrics\[0\]\.unit: must be s for a metric named boot\.host_to_ssh\.seconds \(value "ms"\)/,
  },
  { name: 'unknown unit', text: variant((b) => (metric0(b).unit = 'furlongs')), reason: /metrics\[0\]\.unit: Invalid option/ },
  { name: 'wrong direction', text: variant((b) => (metric0(b).direction = 'higher')), reason: /metrics\[0\]\.direction: must be lower for s/ },
  {
    name: 'metric id not naming its unit',
    text: variant((b) => (metric0(b).id = 'boot.host_to_ssh.duration')),
    reason: /metrics\[0\]\.id: its last part must name its unit/,
  },
  {
    name: 'too many samples in one metric',
    text: variant((b) => (metric0(b).samples = Array.from({ length: 10_001 }, () => ({ ...metric0(valid).samples[0] })))),
    reason: /more than 10000 samples \(value 10001\)/,
  },
  { name: 'unknown field', text: variant((b) => (b.extra = 1)), reason: /field \(top level\): Unrecognized key: "extra"/ },
  {
    name: 'unknown field deep inside',
    text: variant((b) => (metric0(b).samples[0].note = 'x')),
    reason: /field results\.targets\[0\]\.metrics\[0\]\.samples\[0\]: Unrecognized key: "note"/,
  },
  {
    name: 'markup in a failure reason',
    text: variant((b) => (b.results.targets[0].metrics[10].failures[0].reason = '<script>alert(1)</script>')),
    reason: /metrics\[10\]\.failures\[0\]\.reason: holds markup/,
  },
  {
    name: 'template braces',
    text: variant((b) => (b.results.targets[0].guest.osVersion = '{{constructor.constructor}}')),
    reason: /guest\.osVersion: holds markup/,
  },
  {
    name: 'terminal escape sequence',
    text: variant((b) => (b.results.host.chip = 'Apple M2\u001b]0;pwned\u0007')),
    reason: /field results\.host\.chip: holds a control or invisible formatting character \(value "Apple M2\\u001b\]0;pwned\\u0007"\)/,
  },
  {
    name: 'bidi override',
    text: variant((b) => (b.results.host.modelId = 'Mac14,2\u202e')),
    reason: /results\.host\.modelId: holds a control or invisible formatting character/,
  },
  {
    name: 'NUL in a tunable key',
    text: variant((b) => (b.results.targets[0].guest.zfsTunables['zfs\u0000arc'] = '1')),
    reason: /zfsTunables(\.zfs\\u0000arc|\[\\"zfs\\\\u0000arc\\"\]): key holds a control/,
  },
  {
    name: 'path traversal in the id',
    text: variant((b) => (b.id = '../../../etc/passwd'), { rehash: false }),
    reason: /field id: must be 64 lowercase hex digits \(value "\.\.\/\.\.\/\.\.\/etc\/passwd"\)/,
  },
  {
    name: 'path traversal in the run id',
    text: variant((b) => (b.results.runId = '../../etc/cron.d/x')),
    reason: /field results\.runId: must be "run-" and 16 hex digits/,
  },
  {
    name: 'id that is not the content hash (edited after submit)',
    text: variant((b) => (metric0(b).samples[0].value *= 0.5), { rehash: false }),
    reason: /field id: is not the SHA-256 of the content/,
  },
  {
    name: 'future bundle schema version',
    text: variant((b) => (b.schemaVersion = 3)),
    reason: /field schemaVersion: version 3 is newer than this kbench understands \(2\); upgrade kbench/,
  },
  { name: 'future results schema version', text: variant((b) => (b.results.schemaVersion = 7)), reason: /field results\.schemaVersion: version 7 is newer/ },
  {
    name: 'a home path left in a failure reason',
    text: variant((b) => (b.results.targets[0].metrics[10].failures[0].reason = 'cannot open /Users/alice/kbench/x')),
    reason: /failures\[0\]\.reason: still holds an identifying home path; make the bundle with kbench submit.*\(value "\/Users\/alice"\)/,
  },
  {
    name: 'an IP address in the OS version',
    text: variant((b) => (b.results.host.osVersion = 'Linux on 192.168.1.23')),
    reason: /results\.host\.osVersion: still holds an identifying IPv4 address/,
  },
  {
    name: 'a MAC address',
    text: variant((b) => (b.results.targets[0].guest.kernelRelease = '6.1.0 3c:22:fb:01:02:03')),
    reason: /still holds an identifying MAC address/,
  },
  {
    name: 'a serial number',
    text: variant((b) => (b.results.host.modelId = 'Serial Number (system): C02XL0GEJGH5')),
    reason: /still holds an identifying serial number/,
  },
  {
    name: 'fingerprint that lies about the host',
    text: variant((b) => ((b.fingerprint.chip = 'Apple M4 Max'), (b.fingerprint.chipClass = 'M4'))),
    reason: /field fingerprint: does not match results\.host/,
  },
  {
    name: 'a results file instead of a bundle',
    text: readFileSync(FIXTURE, 'utf8'),
    reason: /field format: must be "kbench-submission" \(this is a results file: make a bundle with kbench submit\)/,
  },
  {
    name: 'a sample from the future',
    text: variant((b) => ((metric0(b).samples[0].at = '2099-01-01T00:00:00.000Z'), (b.results.updatedAt = '2099-01-01T00:00:00.000Z'))),
    reason: /field results\.updatedAt: is in the future/,
  },
  {
    name: 'sample outside the run',
    text: variant((b) => (metric0(b).samples[0].at = '2025-01-01T00:00:00.000Z')),
    reason: /samples\[0\]\.at: is outside the run/,
  },
  { name: 'an unfinished run', text: variant((b) => (b.results.complete = false)), reason: /field results\.complete: the run did not finish/ },
  {
    name: 'more cores than CPUs',
    text: variant((b) => ((b.results.host.performanceCores = 64), (b.fingerprint.performanceCores = 64))),
    reason: /performance \+ efficiency cores exceed the logical CPUs/,
  },
  { name: 'not UTF-8', make: (file) => writeFileSync(file, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), reason: /is not UTF-8 text/ },
  { name: 'top level is an array', text: '[1, 2, 3]', reason: /field \(top level\): must be a JSON object/ },
  {
    name: 'symbolic link to a bundle',
    make: (file) => {
      const real = `${file}.real`;
      writeFileSync(real, validText);
      symlinkSync(real, file);
    },
    reason: /is a symbolic link/,
  },
];
// JSON.parse would keep the last "runId" silently; the parser refuses it.
cases.find((c) => c.name === 'duplicate key')!.text = validText.replace('"runId": "', '"runId": "x", "runId": "');
cases.find((c) => c.name === 'duplicate key')!.reason = /field results\.runId: refused at line \d+, column \d+: duplicate key "runId"/;

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
let before: string;

beforeAll(() => {
  // A database holding the valid bundle: every case below must leave it byte for byte as it is.
  const validFile = path.join(dir, 'valid.json');
  writeFileSync(validFile, validText);
  const first = ingest([validFile], dbFile, NOW);
  expect(first.rejected).toEqual([]);
  expect(first.ingested).toHaveLength(1);
  before = sha(dbFile);
});

describe('kbench ingest rejects hostile submissions and writes nothing', () => {
  it('has at least 30 cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases.map((c, i) => [i, c.name] as const))('case %i: %s', (i) => {
    const c = cases[i]!;
    const file = path.join(dir, `case-${i}.json`);
    if (c.text !== undefined) writeFileSync(file, c.text);
    else c.make!(file);
    // With a good bundle next to it: one rejected file means the good one is not written either.
    const fresh = path.join(dir, `fresh-${i}.json`);
    const other = testKey(`fresh-${i}`);
    const copy = { ...structuredClone(valid), machineId: other.machineId, publicKey: other.publicKey };
    writeFileSync(fresh, JSON.stringify(resign(copy, other)));
    const started = Date.now();
    const outcome = ingest([fresh, file], dbFile, NOW);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(outcome.ingested).toEqual([]);
    expect(outcome.rejected).toHaveLength(1);
    const line = outcome.rejected[0]!.line;
    expect(line.startsWith(file)).toBe(true);
    expect(line).not.toMatch(/\n/);
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(line.slice(file.length + 2)).toMatch(c.reason);
    expect(sha(dbFile)).toBe(before);
    console.log(`rejected ${c.name}: ${line.slice(dir.length + 1)}`);
  });

  it('skips a duplicate (same content hash) and reports it; the database is unchanged', () => {
    const again = path.join(dir, 'again.json');
    writeFileSync(again, JSON.stringify(valid)); // other formatting, same content: same id
    const outcome = ingest([again], dbFile, NOW);
    expect(outcome.rejected).toEqual([]);
    expect(outcome.ingested).toEqual([]);
    expect(outcome.duplicates).toEqual([{ file: again, id: valid.id, reason: 'already in the database (same content hash)' }]);
    expect(sha(dbFile)).toBe(before);
  });

  it('creates no database when the only file is rejected', () => {
    const other = path.join(dir, 'none.db');
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{');
    expect(ingest([bad], other, NOW).rejected).toHaveLength(1);
    expect(() => readFileSync(other)).toThrow(/ENOENT/);
  });
});
