/**
 * An exclusive lock per shared file (a run's results.json, baseline.json): `<file>.lock` holds the
 * holder's pid, host, start time and command. It is created with link(2), which is atomic and
 * fails when the lock exists, so a reader never sees a half-written lock. A lock whose pid is dead
 * on this host is stale (its writer was killed) and is taken over; the removal of a stale lock is
 * itself guarded by a short-lived `<file>.lock.takeover`, so two processes that both saw the same
 * stale lock cannot remove a fresh one.
 */
import { closeSync, linkSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseJsonStrict, SMALL_FILE_LIMITS } from './json.ts';
import { InputError } from '../errors/index.ts';
import { showValue } from '../errors/index.ts';
import { processAlive } from './process.ts';

export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  command: string;
}

export interface HeldLock {
  readonly lockFile: string;
  /** Removes the lock if it is still ours; safe to call twice. */
  release(): void;
}

export interface LockOptions {
  /** How long a second writer waits for the holder before giving up (exit 2); Infinity: until it finishes. */
  waitMs: number;
  /** How often a waiting writer looks at the lock again (default 100 ms; an image build waits with a slower one). */
  pollMs?: number;
  /** What the holder is doing, shown to anyone who finds the lock ("kbench baseline update"). */
  command: string;
  /** Called once when the lock is held by someone else and we start waiting, and when a stale lock is taken over. */
  onNote?: (message: string) => void;
}

/** A takeover guard older than this was left by a killed process (it is held for microseconds). */
const TAKEOVER_STALE_MS = 10_000;
const POLL_MS = 100;

export function lockFileFor(file: string): string {
  return `${path.resolve(file)}.lock`;
}

/** The holder a lock file names, or null when it is not a kbench lock (judged then by its age alone). */
function parseHolder(text: string): LockHolder | null {
  const parsed = parseJsonStrict(text, SMALL_FILE_LIMITS);
  if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object') return null;
  const data = parsed.value as Partial<LockHolder>;
  if (typeof data.pid === 'number' && typeof data.host === 'string' && typeof data.since === 'string' && typeof data.command === 'string')
    return { pid: data.pid, host: data.host, since: data.since, command: data.command };
  return null;
}

function readLock(lockFile: string): { text: string; holder: LockHolder | null } | null {
  try {
    const text = readFileSync(lockFile, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new InputError(`${lockFile}: cannot read the lock (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function isStale(lockFile: string, holder: LockHolder | null): boolean {
  if (holder === null) {
    // Not ours to judge by content: stale only once nobody could be writing it any more.
    try {
      return Date.now() - statSync(lockFile).mtimeMs > TAKEOVER_STALE_MS;
    } catch {
      return false;
    }
  }
  return holder.host === hostname() && !processAlive(holder.pid);
}

/** Removes the lock if it still holds exactly `seenText`. */
function removeStale(lockFile: string, seenText: string): void {
  const guard = `${lockFile}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    try {
      if (Date.now() - statSync(guard).mtimeMs > TAKEOVER_STALE_MS) unlinkSync(guard);
    } catch {
      /* gone meanwhile */
    }
    return;
  }
  try {
    closeSync(fd);
    if (readLock(lockFile)?.text === seenText) unlinkSync(lockFile);
  } finally {
    unlinkSync(guard);
  }
}

function describe(holder: LockHolder | null): string {
  if (holder === null) return 'an unknown process (not a kbench lock file)';
  return `pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${showValue(holder.host)}`} (${showValue(holder.command)}, since ${showValue(holder.since)})`;
}

/** Drafts (`<file>.lock.<pid>.draft`) of writers killed before they could remove them. */
function removeStaleDrafts(lockFile: string): void {
  const prefix = `${path.basename(lockFile)}.`;
  let names: string[] = [];
  try {
    names = readdirSync(path.dirname(lockFile));
  } catch {
    return;
  }
  for (const name of names) {
    const match = name.startsWith(prefix) ? /^(\d+)\.draft$/.exec(name.slice(prefix.length)) : null;
    if (match !== null && !processAlive(Number(match[1])))
      try {
        unlinkSync(path.join(path.dirname(lockFile), name));
      } catch {
        /* gone meanwhile */
      }
  }
}

/** Takes the lock of `file`, waiting up to `waitMs` for a live holder; throws InputError naming the holder. */
export async function acquireLock(file: string, options: LockOptions): Promise<HeldLock> {
  const lockFile = lockFileFor(file);
  const mine: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command: options.command };
  const text = `${JSON.stringify(mine)}\n`;
  const draft = `${lockFile}.${process.pid}.draft`;
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  removeStaleDrafts(lockFile);
  const fd = openSync(draft, 'w', 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    for (;;) {
      try {
        linkSync(draft, lockFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new InputError(`${lockFile}: cannot create the lock (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      }
      const seen = readLock(lockFile);
      if (seen === null) continue;
      if (isStale(lockFile, seen.holder)) {
        options.onNote?.(`taking over the stale lock ${lockFile} of ${describe(seen.holder)}, which is no longer running`);
        removeStale(lockFile, seen.text);
        continue;
      }
      if (Date.now() >= deadline) throw new InputError(`${file}: locked by ${describe(seen.holder)}; wait for it to finish or stop it (lock ${lockFile})`);
      const limit = Number.isFinite(options.waitMs) ? `up to ${Math.round(options.waitMs / 1000)} s` : 'until it finishes';
      if (!announced) options.onNote?.(`${file} is locked by ${describe(seen.holder)}; waiting ${limit}`);
      announced = true;
      await sleep(Math.min(options.pollMs ?? POLL_MS, Math.max(1, deadline - Date.now())));
    }
  } finally {
    unlinkSync(draft);
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    try {
      if (readLock(lockFile)?.text === text) unlinkSync(lockFile);
    } catch {
      /* already gone */
    }
  };
  // A thrown error or process.exit still releases it; only kill -9 leaves a (stale) lock.
  process.on('exit', release);
  return { lockFile, release };
}
