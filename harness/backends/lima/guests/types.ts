/**
 * What the Lima backend needs to know about one guest OS, declared in that guest's own file
 * (guests/<os>.ts) and listed once in guests/index.ts: the backend and its descriptor branch on
 * these fields, never on a guest's name.
 */
import type { GuestOs } from '../../../results/schema.ts';

export type LimaVmType = 'vz' | 'qemu';

/** A guest Lima runs: its templates are lima/<os>-<variant>.yaml. */
export interface LimaRunnableGuest {
  os: GuestOs;
  vmType: LimaVmType;
  /** How the custom kernel goes in: images[].kernel at create, or nextboot -k once booted. */
  customKernel: 'images-kernel' | 'nextboot';
  /** The environment variable naming the custom variant's artifact (modules or kernel tarball). */
  artifactEnv: string;
  /** `kbench run --plan` texts. */
  stock: string;
  custom: string;
  source: string;
  bootClock: string;
}

/** A guest whose kernel Lima could boot but that kbench does not run on Lima, and why. */
export interface LimaRefusedGuest {
  os: GuestOs;
  refusal: string;
}

export type LimaGuestEntry = LimaRunnableGuest | LimaRefusedGuest;

export function isRunnable(entry: LimaGuestEntry): entry is LimaRunnableGuest {
  return 'vmType' in entry;
}
