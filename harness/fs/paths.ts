/**
 * Output paths are checked before anything is created, so that bad input writes nothing: the
 * folder exists (or can be made) and is writable, and the target is not a folder or a FIFO.
 */
import { accessSync, constants, lstatSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors/index.ts';

function statOrNull(file: string, follow = true): Stats | null {
  try {
    return follow ? statSync(file) : lstatSync(file);
  } catch (error) {
    // ENOTDIR: a component is a file; the walk up finds and names it.
    if (['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) return null;
    throw new InputError(`${file}: cannot check (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function checkTarget(what: string, resolved: string): void {
  const existing = statOrNull(resolved);
  if (existing === null) return;
  if (existing.isDirectory()) throw new InputError(`${what}: is a directory; name a file`);
  if (!existing.isFile()) throw new InputError(`${what}: exists and is not a regular file`);
}

function checkWritableFolder(what: string, dir: string): void {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw new InputError(`${what}: folder ${dir} is not writable`);
  }
}

/** For a file written into an existing folder (baseline.json, a report). Returns the absolute path. */
export function checkOutputFile(file: string, flag = ''): string {
  const what = flag ? `${flag} ${file}` : file;
  const resolved = path.resolve(file);
  const dir = path.dirname(resolved);
  const folder = statOrNull(dir);
  if (folder === null) throw new InputError(`${what}: folder ${dir} does not exist`);
  if (!folder.isDirectory()) throw new InputError(`${what}: ${dir} is not a folder`);
  checkWritableFolder(what, dir);
  checkTarget(what, resolved);
  return resolved;
}

/**
 * For a file whose folders kbench creates (a run's results.json): the nearest existing ancestor
 * must be a writable folder. Returns the absolute path.
 */
export function checkCreatableFile(file: string, flag = ''): string {
  const what = flag ? `${flag} ${file}` : file;
  const resolved = path.resolve(file);
  checkTarget(what, resolved);
  let dir = path.dirname(resolved);
  for (;;) {
    const found = statOrNull(dir);
    if (found !== null) {
      if (!found.isDirectory()) throw new InputError(`${what}: ${dir} is not a folder`);
      checkWritableFolder(what, dir);
      return resolved;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new InputError(`${what}: no existing folder above it`);
    dir = parent;
  }
}
