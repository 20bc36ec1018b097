/**
 * Hostile output paths, terminal escapes and concurrent writers through the real CLI. Output
 * paths are checked before anything is created; everything printed is free of terminal controls;
 * a second writer of a locked file is refused naming the holder, a stale lock is taken over.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kbench, listing, workdir } from '../helpers/cli.ts';
import { killHard, startWriter } from '../fs/children.ts';
import { goodBaseline, goodRun, refused, resumable } from './hostile.ts';

const ESC = '\u001b';
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe.concurrent('hostile output paths: checked before anything is created', { timeout: 240_000 }, () => {
  it('baseline update --file into a missing folder', async () => {
    await refused(
      workdir({ 'run.json': goodRun() }),
      ['baseline', 'update', 'run.json', '--file', 'nowhere/baseline.json'],
      /^kbench: --file nowhere\/baseline\.json: folder .*\/nowhere does not exist$/,
    );
  });
  it('baseline update --file onto a directory (it used to write a temp file beside it)', async () => {
    const dir = workdir({ 'run.json': goodRun() });
    mkdirSync(path.join(dir, 'baseline.json'));
    await refused(dir, ['baseline', 'update', 'run.json'], /^kbench: --file baseline\.json: is a directory; name a file$/);
  });
  it('baseline update --file onto a FIFO, and below a regular file', async () => {
    const dir = workdir({ 'run.json': goodRun(), 'plain.txt': 'x' });
    execFileSync('mkfifo', [path.join(dir, 'fifo.json')]);
    await refused(dir, ['baseline', 'update', 'run.json', '--file', 'fifo.json'], /fifo\.json: exists and is not a regular file$/);
    await refused(dir, ['baseline', 'update', 'run.json', '--file', 'plain.txt/baseline.json'], /plain\.txt is not a folder$/);
  });
  it('run --out below a regular file creates nothing', async () => {
    await refused(
      workdir({ 'plain.txt': 'x' }),
      ['run', '--out', 'plain.txt/a/results.json'],
      /^kbench: --out plain\.txt\/a\/results\.json: .*plain\.txt is not a folder$/,
    );
  });
  it('run --out with a bad --only creates no folder', async () => {
    await refused(workdir(), ['run', '--out', 'new/deeper/results.json', '--only', 'nope'], /^kbench: --only: unknown workload "nope"/);
  });
  it('run --out whose backend refuses the target removes every folder it made', async () => {
    await refused(
      workdir(),
      ['run', '--backend', 'ssh', '--out', 'new/deeper/results.json'],
      /^kbench: ssh target "bad target!": expected an OpenSSH config alias or user@host\[:port\]$/,
      {
        KBENCH_SSH_TARGET: 'bad target!',
      },
    );
  });
  it('report -o onto a directory', async () => {
    const dir = workdir({ 'run.json': goodRun() });
    mkdirSync(path.join(dir, 'out.html'));
    await refused(dir, ['report', 'run.json', '-o', 'out.html'], /out\.html: is a directory/);
  });
});

describe.concurrent('terminal escapes: stripped from everything printed', { timeout: 240_000 }, () => {
  const evil = `${ESC}]0;pwned${'\u0007'}${ESC}[2J${ESC}[31mred\u009b1m\r\u202e`;
  it('baseline show of a file full of ESC/OSC/C1 sequences', async () => {
    const baseline = goodBaseline();
    baseline.host!.chip = `chip${evil}`;
    baseline.targets[0]!.guest.kernelRelease = `6.1${evil}`;
    baseline.sources = [{ runId: `id${evil}`, file: `f${evil}.json` }];
    const dir = workdir({ 'baseline.json': baseline });
    const result = await kbench(dir, ['baseline', 'show']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(CONTROLS);
    expect(result.stdout).toMatch(/host: chipred1m \(/);
    expect(result.stdout).not.toContain('\u202e');
  });
  it('compare, where a failure reason from the file is printed', async () => {
    const run = goodRun();
    run.targets[0]!.metrics.push({
      ...run.targets[0]!.metrics[0]!,
      id: 'zfs.scrub.seconds',
      samples: [],
      failures: [{ reason: `died${evil}`, at: '2026-11-25T10:00:00.000Z', boot: 0 }],
    });
    const baseline = { ...structuredClone(run), kind: 'baseline' as const, runId: 'baseline', settings: null };
    const result = await kbench(workdir({ 'run.json': run, 'baseline.json': baseline }), ['compare', 'run.json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/skipped: zfs\.scrub\.seconds: no samples on either side: diedred1m$/m);
    expect(result.stdout).not.toMatch(CONTROLS);
  });
  it('error lines, whatever the value', async () => {
    const run = goodRun() as any;
    run.targets[0].metrics[0].unit = `s${evil}`;
    const line = await refused(
      workdir({ 'run.json': run, 'baseline.json': goodBaseline() }),
      ['compare', 'run.json'],
      /field targets\[0\]\.metrics\[0\]\.unit: /,
    );
    expect(line).not.toMatch(CONTROLS);
  });
});

describe.concurrent('concurrent writers: one lock per shared file', { timeout: 240_000 }, () => {
  it('baseline update while another writer holds baseline.json: exit 2 naming its pid', async () => {
    const dir = workdir({ 'run.json': goodRun() });
    const holder = startWriter('hold', path.join(dir, 'baseline.json'));
    await holder.waitFor(/held/);
    try {
      const result = await kbench(dir, ['baseline', 'update', 'run.json', '--wait', '0.5']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        new RegExp(
          `^kbench: baseline\\.json is locked by pid ${holder.child.pid} .*; waiting up to 1 s\\nkbench: baseline\\.json: locked by pid ${holder.child.pid} \\("writer\\.ts hold"`,
        ),
      );
      expect(existsSync(path.join(dir, 'baseline.json'))).toBe(false);
    } finally {
      await killHard(holder);
    }
  });
  it('run --resume of a results file another run holds: exit 2 naming its pid', async () => {
    const dir = workdir({ 'r.json': resumable() });
    const holder = startWriter('hold', path.join(dir, 'r.json'));
    await holder.waitFor(/held/);
    try {
      const before = readFileSync(path.join(dir, 'r.json'), 'utf8');
      const result = await kbench(dir, ['run', '--resume', 'r.json']);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toMatch(
        new RegExp(`^kbench: r\\.json: locked by pid ${holder.child.pid} \\("writer\\.ts hold", since "[^"]+"\\); wait for it to finish or stop it`),
      );
      expect(readFileSync(path.join(dir, 'r.json'), 'utf8')).toBe(before);
    } finally {
      await killHard(holder);
    }
  });
  it('a stale lock (dead pid) is taken over and the update goes through', async () => {
    const dir = workdir({ 'run.json': goodRun() });
    const writer = startWriter('hold', path.join(dir, 'other'));
    await writer.waitFor(/held/);
    await killHard(writer);
    const dead = writer.child.pid!;
    writeFileSync(
      path.join(dir, 'baseline.json.lock'),
      JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'kbench baseline update' }),
    );
    const result = await kbench(dir, ['baseline', 'update', 'run.json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`taking over the stale lock .*baseline\\.json\\.lock of pid ${dead} `));
    expect(readdirSync(dir).sort()).toEqual(['baseline.json', 'other.lock', 'run.json']);
  });
  it('8 rounds of two concurrent baseline updates: serialized, no torn file, no litter', async () => {
    const runs = [goodRun(), goodRun()];
    runs[1]!.runId = 'second';
    let bothWrote = 0;
    for (let round = 0; round < 8; round++) {
      const dir = workdir({ 'a.json': runs[0], 'b.json': runs[1] });
      const results = await Promise.all([kbench(dir, ['baseline', 'update', 'a.json']), kbench(dir, ['baseline', 'update', 'b.json'])]);
      expect(results.map((r) => r.code)).toEqual([0, 0]);
      if (results.every((r) => /^wrote baseline\.json/.test(r.stdout))) bothWrote++;
      const written = JSON.parse(readFileSync(path.join(dir, 'baseline.json'), 'utf8'));
      expect(['test-run', 'second']).toContain(written.sources[0].runId);
      expect(listing(dir).map((entry) => entry.split(' ')[0])).toEqual(['a.json', 'b.json', 'baseline.json']);
    }
    expect(bothWrote).toBe(8);
  });
});
