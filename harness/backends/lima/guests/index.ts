/**
 * Every guest the Lima backend has something to say about, one file each; adding one is a file
 * here and a line below. A guest with no entry is refused by its kernel (args.ts limaRefusal).
 */
import alpineOnLima from './alpine.ts';
import debianOnLima from './debian.ts';
import freebsdOnLima from './freebsd.ts';
import type { LimaGuestEntry } from './types.ts';

export const LIMA_GUEST_ENTRIES: readonly LimaGuestEntry[] = [alpineOnLima, freebsdOnLima, debianOnLima];
