/**
 * Who holds a lock on a database file, for the one line a locked database gets. On Linux,
 * /proc/locks lists every POSIX lock (SQLite's) with its pid and the file's inode; elsewhere
 * kbench cannot tell and says so.
 */
import { readFileSync, statSync } from 'node:fs';

export function lockHolders(file: string, locksText?: string): number[] {
  let inode: number;
  let text: string;
  try {
    inode = statSync(file).ino;
    text = locksText ?? readFileSync('/proc/locks', 'utf8');
  } catch {
    return [];
  }
  const pids = new Set<number>();
  // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 1073741825 1073741825"
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const at = fields.findIndex((field) => /^[0-9a-f]+:[0-9a-f]+:\d+$/i.test(field));
    if (at < 1) continue;
    const pid = Number(fields[at - 1]);
    if (Number(fields[at]!.split(':')[2]) === inode && Number.isInteger(pid) && pid > 0 && pid !== process.pid) pids.add(pid);
  }
  return [...pids].sort((a, b) => a - b);
}

function commandOf(pid: number): string {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((part) => part !== '');
    return argv
      .map((part) => part.replace(/^.*\//, ''))
      .join(' ')
      .slice(0, 80);
  } catch {
    return '?';
  }
}

/** "pid 4242: sqlite3 kbench.db", or why it cannot be told. */
export function describeLockHolder(file: string): string {
  const pids = lockHolders(file);
  if (pids.length === 0) return 'holder not known: no /proc/locks entry for it';
  return pids.map((pid) => `pid ${pid}: ${commandOf(pid)}`).join('; ');
}
