/**
 * Reading an input file that may be hostile: only regular files (a FIFO would block forever, a
 * device never ends), checked before any byte is read and again on the open descriptor, read
 * up to a size limit, a UTF-8 BOM dropped. Errors name the file and the reason, never its bytes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from '../errors/index.ts';

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

const mib = (bytes: number): string => `${Math.round((bytes / 1048576) * 10) / 10} MiB`;

/**
 * The file's text. `limitHint` is added to the size error (which flag or variable raises it).
 * Throws InputError for a missing, unreadable, non-regular or oversized file, or invalid UTF-8.
 */
export function readInputFileSync(file: string, maxBytes: number, limitHint = ''): string {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!stats.isFile()) throw new InputError(`${file}: is ${kindOf(stats)}; expected a regular file`);
  const tooBig = (size: string) => new InputError(`${file}: ${size} is larger than the limit of ${mib(maxBytes)}${limitHint ? ` (${limitHint})` : ''}`);
  if (stats.size > maxBytes) throw tooBig(mib(stats.size));
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw new InputError(`${file}: is ${kindOf(opened)}; expected a regular file`);
    // Files whose size stat cannot tell (procfs) are read up to the limit and one byte more.
    let buffer = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(opened.size + 1, 4096)));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) throw tooBig(`more than ${mib(maxBytes)}`);
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw tooBig(`more than ${mib(maxBytes)}`);
    const bytes = buffer.subarray(0, length);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InputError(`${file}: not valid UTF-8 text`);
    }
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    closeSync(fd);
  }
}
