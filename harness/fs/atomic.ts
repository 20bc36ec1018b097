/**
 * Atomic file replacement, done completely: the bytes go to a temp file in the same folder (every
 * byte accounted for), the file is fsynced, renamed over the target, and the folder is fsynced so
 * the rename itself survives a power loss. On any failure the temp file is removed; temp files
 * left by a writer that was killed (kill -9 leaves no chance to clean up) are removed by the next
 * write of the same file.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { InfraError } from '../errors/index.ts';
import { processAlive } from './process.ts';

const TEMP_SUFFIX = '.kbench-tmp';
/** A temp file older than this belongs to no live write, whatever its pid now names. */
const TEMP_MAX_AGE_MS = 60 * 60 * 1000;

/** `.results.json.<pid>.<time>.<n>.kbench-tmp` (also the older `.results.json.<pid>.<time>.tmp`). */
function tempPattern(base: string): RegExp {
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${escaped}\\.(\\d+)\\.\\d+(?:\\.\\d+\\${TEMP_SUFFIX}|\\.tmp)$`);
}

let counter = 0;

/** Removes temp files of `file` whose writer is gone. Returns the names removed. */
export function removeStaleTemps(file: string, now = Date.now()): string[] {
  const dir = path.dirname(path.resolve(file));
  const pattern = tempPattern(path.basename(file));
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    const full = path.join(dir, name);
    let stale = pid !== process.pid && !processAlive(pid);
    if (!stale) {
      try {
        stale = now - statSync(full).mtimeMs > TEMP_MAX_AGE_MS;
      } catch {
        continue;
      }
    }
    if (!stale) continue;
    try {
      unlinkSync(full);
      removed.push(name);
    } catch {
      /* removed by someone else meanwhile */
    }
  }
  return removed;
}

function fsyncFolder(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some filesystems cannot fsync a folder (EINVAL); the rename is then as durable as they allow.
  } finally {
    closeSync(fd);
  }
}

/** Writes text atomically: a reader sees the old file or the new one, never a torn one. */
export function writeFileAtomicSync(file: string, text: string | Uint8Array): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  removeStaleTemps(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.${counter++}${TEMP_SUFFIX}`);
  const data = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let fd = -1;
  try {
    fd = openSync(temp, 'wx', 0o644);
    let offset = 0;
    while (offset < data.length) {
      const written = writeSync(fd, data, offset, data.length - offset);
      if (written <= 0) throw Object.assign(new Error(`short write (${offset} of ${data.length} bytes)`), { code: 'EIO' });
      offset += written;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(temp, target);
  } catch (error) {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        /* closing is best effort once writing failed */
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      /* never created, or already renamed */
    }
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InfraError(`${file}: cannot write (${code})`);
  }
  fsyncFolder(dir);
}
