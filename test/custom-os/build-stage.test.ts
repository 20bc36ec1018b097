/**
 * The image builders' cached stages lock through harness/fs/lock.ts: a dead builder's lock is
 * taken over (with the takeover guard), a live builder's lock is waited for and, past the wait,
 * refused naming it; a stage is built once and its lock is gone afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acquireBuildLock, cachedStage, MANIFEST_FILE, readManifest } from '../../custom-os/lib/build-stage.ts';
import { InfraError, InputError } from '../../harness/errors/index.ts';
import { lockFileFor } from '../../harness/fs/lock.ts';

const roots: string[] = [];
function stageDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'kbench-stage-'));
  roots.push(root);
  return path.join(root, 'a'.repeat(64));
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A pid that names no process: a child that has already exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', '0']);
    child.on('exit', () => resolve(child.pid!));
  });
}

describe('acquireBuildLock (custom-os on harness/fs/lock.ts)', () => {
  it('takes over the lock of a builder that died, and says so', async () => {
    const dir = stageDir();
    const pid = await deadPid();
    writeFileSync(lockFileFor(dir), JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'build of x' }));
    const notes: string[] = [];
    const lock = await acquireBuildLock(dir, (m) => notes.push(m), { waitMs: 2000, pollMs: 20 });
    expect(notes).toEqual([
      `taking over the stale lock ${lockFileFor(dir)} of pid ${pid} ("build of x", since "2026-01-01T00:00:00.000Z"), which is no longer running`,
    ]);
    expect(JSON.parse(readFileSync(lockFileFor(dir), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lockFileFor(dir))).toBe(false);
  });

  it('takes over an old-format lock (a bare pid) only once nobody could still be writing it', async () => {
    const dir = stageDir();
    writeFileSync(lockFileFor(dir), '12345');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockFileFor(dir), old, old);
    const lock = await acquireBuildLock(dir, () => {}, { waitMs: 2000, pollMs: 20 });
    expect(JSON.parse(readFileSync(lockFileFor(dir), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('waits for a live builder and, past the wait, refuses naming it; its lock stays', async () => {
    const dir = stageDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      const text = JSON.stringify({ pid: holder.pid, host: hostname(), since: '2026-01-01T00:00:00.000Z', command: 'build of x' });
      writeFileSync(lockFileFor(dir), text);
      const notes: string[] = [];
      const refused = await acquireBuildLock(dir, (m) => notes.push(m), { waitMs: 300, pollMs: 20 }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(InputError);
      expect((refused as Error).message).toMatch(new RegExp(`: locked by pid ${holder.pid} \\("build of x"`));
      expect(notes).toEqual([expect.stringMatching(new RegExp(`is locked by pid ${holder.pid} .*; waiting up to 0 s$`))]);
      expect(readFileSync(lockFileFor(dir), 'utf8')).toBe(text);
    } finally {
      holder.kill();
    }
  });

  it('says a build lock is waited for until it finishes by default', async () => {
    const dir = stageDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(lockFileFor(dir), JSON.stringify({ pid: holder.pid, host: hostname(), since: 's', command: 'build of x' }));
      const notes: string[] = [];
      const waiting = acquireBuildLock(dir, (m) => notes.push(m), { pollMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notes).toEqual([expect.stringMatching(/; waiting until it finishes$/)]);
      holder.kill();
      // The holder is dead now: its lock is taken over and the wait ends.
      const lock = await waiting;
      expect(notes.at(-1)).toMatch(/^taking over the stale lock /);
      lock.release();
    } finally {
      holder.kill();
    }
  });
});

describe('cachedStage', () => {
  const Manifest = z.strictObject({ value: z.number() });
  const stage = (dir: string, build: () => Promise<unknown>) => ({
    dir,
    what: 'test stage',
    load: () => readManifest(dir, Manifest),
    build,
    progress: () => {},
    lock: { waitMs: 1000, pollMs: 20 },
  });

  it('builds once under the lock, then finds the stage without building', async () => {
    const dir = stageDir();
    let builds = 0;
    const build = async () => {
      builds += 1;
      expect(existsSync(lockFileFor(dir))).toBe(true);
      mkdirSync(dir);
      writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify({ value: 7 }));
    };
    expect(await cachedStage(stage(dir, build))).toEqual({ value: 7 });
    expect(existsSync(lockFileFor(dir))).toBe(false);
    expect(await cachedStage(stage(dir, build))).toEqual({ value: 7 });
    expect(builds).toBe(1);
  });

  it('fails, and releases the lock, when the build leaves no valid manifest', async () => {
    const dir = stageDir();
    const built = await cachedStage(stage(dir, async () => {})).catch((e: unknown) => e);
    expect(built).toBeInstanceOf(InfraError);
    expect((built as Error).message).toBe(`test stage build finished but ${path.join(dir, MANIFEST_FILE)} is missing or invalid`);
    expect(existsSync(lockFileFor(dir))).toBe(false);
  });
});
