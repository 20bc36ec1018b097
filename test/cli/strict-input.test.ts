/**
 * Issue 23, items 7 and 8, through the real CLI:
 * - every kind of untrusted JSON input goes through the one strict reader (harness/fs/json.ts):
 *   a duplicate key deep inside, invalid UTF-8 and a file over the size bound are each one line,
 *   exit 2, for results, baselines, `run --resume`, the history folder, calibrate's input, the
 *   claims file and build-state.json (submissions: test/submit/hostile.test.ts);
 * - every command answers an exit-2 input with the working folder (and $HOME, kept inside it)
 *   exactly as it was: nothing is created before all input is checked.
 * `refused` (hostile.ts) asserts exit 2, one stderr line, no stdout and an unchanged listing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kbench, listing, workdir } from '../helpers/cli.ts';
import { goodBaseline, goodRun, refused, resumable } from './hostile.ts';

/** The folder, with an empty $HOME inside it so that a key or database made there shows in the listing. */
function folder(files: Record<string, unknown>): { dir: string; env: Record<string, string> } {
  const dir = workdir(files);
  mkdirSync(path.join(dir, 'home'));
  return { dir, env: { HOME: path.join(dir, 'home'), KBENCH_DB: '', KBENCH_CACHE: path.join(dir, 'home', 'cache') } };
}

/** A valid run whose first metric's first sample holds the key "value" twice. */
const duplicateDeep = (data: unknown = goodRun()): string => JSON.stringify(data).replace('"value":', '"value":1,"value":');
const invalidUtf8 = (data: unknown = goodRun()): Buffer =>
  Buffer.concat([Buffer.from(JSON.stringify(data).slice(0, -1)), Buffer.from(',"x":"\xc3\x28"}', 'latin1')]);
const bytes = (n: number): Buffer => Buffer.alloc(n, 0x20);

const DUPLICATE = /refused at line 1, column \d+, field targets\[0\]\.metrics\[0\]\.samples\[0\]\.value: duplicate key "value"$/;
const NOT_UTF8 = /: not valid UTF-8 text$/;
const TOO_BIG = /: 1\.5 MiB is larger than the limit of 1 MiB \(raise it with --max-input-mib or KBENCH_MAX_INPUT_MIB\)$/;
const ONE_MIB = { KBENCH_MAX_INPUT_MIB: '1' };

/** Each input kind: the command that reads it, given the bad file's name. */
const KINDS: { kind: string; files: Record<string, unknown>; args: (bad: string) => string[]; of: (data?: unknown) => unknown }[] = [
  { kind: 'results file (compare)', files: { 'baseline.json': goodBaseline() }, args: (bad) => ['compare', bad], of: () => goodRun() },
  {
    kind: 'baseline (compare --baseline)',
    files: { 'run.json': goodRun() },
    args: (bad) => ['compare', 'run.json', '--baseline', bad],
    of: () => goodBaseline(),
  },
  { kind: 'run --resume file', files: {}, args: (bad) => ['run', '--resume', bad], of: () => resumable() },
  {
    kind: 'history folder (report --history)',
    files: { 'run.json': goodRun() },
    args: (bad) => ['report', 'run.json', '--history', path.dirname(bad), '-o', 'r.html'],
    of: () => goodRun(),
  },
  { kind: "calibrate's input", files: {}, args: (bad) => ['calibrate', bad, '--file', 'b.json'], of: () => goodRun() },
  { kind: 'baseline update input', files: {}, args: (bad) => ['baseline', 'update', bad, '--file', 'b.json'], of: () => goodRun() },
  { kind: 'submit input', files: {}, args: (bad) => ['submit', bad, '--out', 'subs'], of: () => goodRun() },
];

describe.concurrent('every untrusted input kind: duplicate key, invalid UTF-8, over the size bound', { timeout: 240_000 }, () => {
  for (const { kind, files, args, of } of KINDS) {
    const name = kind.startsWith('history') ? 'history/old.json' : 'bad.json';
    const make = (content: unknown) => {
      const made = folder(files);
      mkdirSync(path.join(made.dir, path.dirname(name)), { recursive: true });
      writeFileSync(path.join(made.dir, name), content as string | Buffer);
      return made;
    };
    it(`${kind}: a duplicate key deep inside`, async () => {
      const { dir, env } = make(duplicateDeep(of()));
      await refused(dir, args(name), DUPLICATE, env);
    });
    it(`${kind}: invalid UTF-8`, async () => {
      const { dir, env } = make(invalidUtf8(of()));
      await refused(dir, args(name), NOT_UTF8, env);
    });
    it(`${kind}: over the size bound`, async () => {
      const { dir, env } = make(bytes(1.5 * 1024 * 1024));
      await refused(dir, args(name), TOO_BIG, { ...env, ...ONE_MIB });
    });
  }

  const claimsText = JSON.stringify({
    format: 'kbench-claims',
    version: 2,
    source: 's',
    about: 'a',
    platform: { chipClasses: ['M1'], description: 'd' },
    claims: {},
  });
  it('claims file (claims --claims): duplicate key, invalid UTF-8, over 4 MiB', async () => {
    const cases: [string | Buffer, RegExp][] = [
      [
        claimsText.replace('"description":"d"', '"description":"d","description":"e"'),
        /c\.json: refused at line 1, column \d+, field platform\.description: duplicate key "description"$/,
      ],
      [Buffer.concat([Buffer.from(claimsText.slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]), NOT_UTF8],
      [bytes(4.5 * 1024 * 1024), /c\.json: 4\.5 MiB is larger than the limit of 4 MiB$/],
    ];
    for (const [content, pattern] of cases) {
      const { dir, env } = folder({ 'run.json': goodRun(), 'c.json': content });
      await refused(dir, ['claims', 'run.json', '--claims', 'c.json'], pattern, env);
    }
  });

  it('build-state.json (build): duplicate key, invalid UTF-8, over 4 MiB', async () => {
    const state = '{"version":1,"oses":{"alpine":{"status":"built","status":"failed"}}}';
    const cases: [string | Buffer, RegExp][] = [
      [state, /build-state\.json: refused at line 1, column \d+, field oses\.alpine\.status: duplicate key "status"; delete it to start over$/],
      [Buffer.from('{"version":1,"oses":{"\xff":{}}}', 'latin1'), /build-state\.json: not valid UTF-8 text; delete it to start over$/],
      [bytes(4.5 * 1024 * 1024), /build-state\.json: 4\.5 MiB is larger than the limit of 4 MiB; delete it to start over$/],
    ];
    for (const [content, pattern] of cases) {
      const { dir, env } = folder({});
      mkdirSync(path.join(dir, 'out'));
      writeFileSync(path.join(dir, 'out', 'build-state.json'), content);
      await refused(dir, ['build', '--os', 'alpine', '--out', 'out'], pattern, env);
    }
  });
});

describe.concurrent('every command: an exit-2 input leaves the working folder as it was', { timeout: 240_000 }, () => {
  it('run --resume: a key that does not exist (found by the backend, after the file was read) makes no logs/', async () => {
    const run = resumable();
    run.settings = { ...run.settings!, backend: 'ssh' };
    const { dir, env } = folder({ 'r.json': run });
    await refused(dir, ['run', '--resume', 'r.json'], /private key .*missing-key does not exist$/, {
      ...env,
      KBENCH_SSH_TARGET: 'kb@127.0.0.1:2',
      KBENCH_SSH_KEY: path.join(dir, 'missing-key'),
    });
  });
  it('run: the same for a new run (its out/ folder is removed again)', async () => {
    const { dir, env } = folder({});
    await refused(dir, ['run', '--backend', 'ssh', '--runs', '1', '--out', 'out/results.json', '--no-report'], /private key .*missing-key does not exist$/, {
      ...env,
      KBENCH_SSH_TARGET: 'kb@127.0.0.1:2',
      KBENCH_SSH_KEY: path.join(dir, 'missing-key'),
    });
  });
  it('submit: a bad second file: no bundle folder and no machine key', async () => {
    const real = readFileSync(path.resolve(import.meta.dirname, '../fixtures/results/testbed-run.json'), 'utf8');
    const { dir, env } = folder({ 'a.json': real, 'b.json': real.replace('"value":', '"value": 1, "value":') });
    await refused(
      dir,
      ['submit', 'a.json', 'b.json', '--out', 'subs'],
      /^kbench: b\.json: refused at line \d+, column \d+, field .*\.value: duplicate key "value"$/,
      env,
    );
  });
  it('ingest: a bad bundle: no database', async () => {
    const { dir, env } = folder({ 'sub.json': '{"format":"kbench-submission","format":1}' });
    const before = listing(dir);
    const result = await kbench(dir, ['ingest', 'sub.json', '--db', 'k.db'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^kbench: sub\.json: field format: refused at line 1, column 31: duplicate key "format"\n.*nothing written/);
    expect(listing(dir)).toEqual(before);
  });
  it('report: no report file', async () => {
    const { dir, env } = folder({ 'run.json': duplicateDeep() });
    await refused(dir, ['report', 'run.json', '-o', 'r.html'], DUPLICATE, env);
  });
  it('calibrate: no baseline file', async () => {
    const { dir, env } = folder({ 'a.json': goodRun(), 'b.json': invalidUtf8() });
    await refused(dir, ['calibrate', 'a.json', 'b.json', '--file', 'baseline.json'], NOT_UTF8, env);
  });
  it('baseline update: no baseline and no lock file', async () => {
    const { dir, env } = folder({ 'a.json': duplicateDeep() });
    await refused(dir, ['baseline', 'update', 'a.json', '--file', 'baseline.json'], DUPLICATE, env);
  });
  it('baseline show and compare: nothing', async () => {
    const { dir, env } = folder({ 'baseline.json': duplicateDeep(goodBaseline()), 'run.json': goodRun() });
    await refused(dir, ['baseline', 'show', '--file', 'baseline.json'], DUPLICATE, env);
    await refused(dir, ['compare', 'run.json'], DUPLICATE, env);
  });
  it('claims: nothing', async () => {
    const { dir, env } = folder({ 'run.json': duplicateDeep() });
    await refused(dir, ['claims', 'run.json'], DUPLICATE, env);
  });
  it('build: an unknown OS: no artifact folder', async () => {
    const { dir, env } = folder({});
    await refused(dir, ['build', '--os', 'plan9', '--out', 'out'], /plan9/, env);
  });
  it('gate: a target whose image cannot be built from a revision: no runs/ folder', async () => {
    const { dir, env } = folder({});
    await refused(dir, ['gate', '--repo', dir, '--target', 'freebsd'], /target freebsd/, env);
  });
  it('gate --runner-class: a bad results file', async () => {
    const { dir, env } = folder({ 'run.json': invalidUtf8() });
    await refused(dir, ['gate', '--runner-class', 'run.json'], NOT_UTF8, env);
  });
  it('doctor --record: an unknown backend: no bundle folder', async () => {
    const { dir, env } = folder({});
    await refused(dir, ['doctor', '--record', 'rec', '--backend', 'nonsense'], /nonsense/, env);
  });
});
