/**
 * `kbench gate`'s two sides, read from git: which commit each side is, which files of it are a
 * target's inputs (declared by the target file, `gateInputs`), their content hash, and a copy
 * of exactly those files in the cache, taken from the commit (`git cat-file`), never from the
 * work tree. Side effects (git, the cache folder) live here; the hashing and the difference of
 * two sides are pure functions below them.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { InfraError, InputError, showValue } from '../errors/index.ts';
import { canonicalJson, sha256Hex } from '../fs/canonical.ts';

const run = promisify(execFile);

/** One input file of a side as git stores it: path, mode and blob id (a hash of its content). */
export interface InputEntry {
  path: string;
  mode: string;
  blob: string;
}

export interface Side {
  /** What the user asked for ("origin/main", "HEAD"), for messages. */
  rev: string;
  commit: string;
  subject: string;
  entries: InputEntry[];
  /** SHA-256 of the canonical entry list: equal hashes, equal inputs. */
  inputHash: string;
}

export interface SideDifference {
  path: string;
  change: 'added' | 'removed' | 'changed';
}

/** The inputs' hash: over paths, modes and git blob ids (content hashes), in path order. */
export function inputHash(entries: readonly InputEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sha256Hex(canonicalJson(sorted.map((entry) => [entry.path, entry.mode, entry.blob])));
}

/** Which input files differ between base and candidate, in path order. */
export function differences(base: readonly InputEntry[], candidate: readonly InputEntry[]): SideDifference[] {
  const before = new Map(base.map((entry) => [entry.path, entry]));
  const after = new Map(candidate.map((entry) => [entry.path, entry]));
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((file): SideDifference[] => {
    const a = before.get(file);
    const b = after.get(file);
    if (a === undefined) return [{ path: file, change: 'added' }];
    if (b === undefined) return [{ path: file, change: 'removed' }];
    return a.blob === b.blob && a.mode === b.mode ? [] : [{ path: file, change: 'changed' }];
  });
}

/** ls-tree lines ("<mode> blob <id>\t<path>") -> entries; submodules and trees are not inputs. */
export function parseLsTree(text: string): InputEntry[] {
  return text
    .split('\0')
    .filter((line) => line !== '')
    .flatMap((line) => {
      const match = /^(\d{6}) (\w+) ([0-9a-f]{40,64})\t(.+)$/s.exec(line);
      return match !== null && match[2] === 'blob' ? [{ mode: match[1]!, blob: match[3]!, path: match[4]! }] : [];
    });
}

async function git(repo: string, args: string[], what: string): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', repo, ...args], { maxBuffer: 64 << 20, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') throw new InfraError('git is not on PATH: kbench gate reads both sides from git');
    const line = (failure.stderr ?? '')
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim();
    throw new InputError(line === undefined ? what : `${what}: ${line}`);
  }
}

/** A revision -> its commit id; a name git does not know is one exit-2 line naming it. */
export async function resolveCommit(repo: string, rev: string, flag: string): Promise<string> {
  if (rev.startsWith('-') || /[\s\0]/.test(rev)) throw new InputError(`${flag}: ${showValue(rev)} is not a revision`);
  return (await git(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], `${flag} ${showValue(rev)}: not a commit in ${repo}`)).trim();
}

/**
 * The default base: the merge base of the candidate and origin/main (what a pull request is
 * compared with), else of main when there is no origin/main.
 */
export async function defaultBase(repo: string, candidateCommit: string): Promise<{ rev: string; commit: string }> {
  for (const branch of ['origin/main', 'main']) {
    const known = await git(repo, ['rev-parse', '--verify', '--quiet', `${branch}^{commit}`], branch).then(
      () => true,
      () => false,
    );
    if (!known) continue;
    const commit = (await git(repo, ['merge-base', candidateCommit, branch], `merge base of ${candidateCommit.slice(0, 12)} and ${branch}`)).trim();
    return { rev: `merge-base(HEAD, ${branch})`, commit };
  }
  throw new InputError(`--base: not given, and ${repo} has neither origin/main nor main to take the merge base with (name one: --base <rev>)`);
}

/** The side at `commit`: its input files (under `paths`) as git stores them. */
export async function readSide(repo: string, rev: string, commit: string, paths: readonly string[]): Promise<Side> {
  const listing = await git(repo, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...paths], `inputs of ${rev}`);
  const entries = parseLsTree(listing);
  if (entries.length === 0) throw new InputError(`${rev} (${commit.slice(0, 12)}): none of the target's inputs (${paths.join(', ')}) exists in that commit`);
  const subject = (await git(repo, ['log', '-1', '--format=%s', commit], `subject of ${rev}`)).trim();
  return { rev, commit, subject, entries, inputHash: inputHash(entries) };
}

/**
 * The side's input files, written once into <cacheDir>/gate/inputs/<inputHash>/ from the
 * commit's blobs; `.complete` is written last, so a folder without it is never used (and is
 * rebuilt). Returns the folder: a tree shaped like the repository, holding only the inputs.
 */
export async function materialiseSide(repo: string, side: Side, cacheDir: string): Promise<string> {
  const dir = path.join(cacheDir, 'gate', 'inputs', side.inputHash);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await fs.rm(tmp, { recursive: true, force: true });
  for (const entry of side.entries) {
    if (path.isAbsolute(entry.path) || entry.path.split('/').includes('..'))
      throw new InputError(`${side.rev}: input path ${showValue(entry.path)} leaves the repository`);
    const file = path.join(tmp, entry.path);
    await fs.mkdir(path.dirname(file), { recursive: true });
    if (entry.mode === '120000') throw new InputError(`${side.rev}: input ${entry.path} is a symbolic link; inputs must be files`);
    const content = await run('git', ['-C', repo, 'cat-file', 'blob', entry.blob], { maxBuffer: 256 << 20, encoding: 'buffer' }).then(
      (result) => result.stdout,
      (error: Error) => {
        throw new InfraError(`git cat-file blob ${entry.blob} (${entry.path} of ${side.rev}) failed: ${error.message}`);
      },
    );
    await fs.writeFile(file, content, { mode: entry.mode === '100755' ? 0o755 : 0o644 });
  }
  await fs.writeFile(path.join(tmp, '.complete'), `${JSON.stringify({ commit: side.commit, entries: side.entries }, null, 2)}\n`);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(path.dirname(dir), { recursive: true });
  await fs.rename(tmp, dir);
  return dir;
}
