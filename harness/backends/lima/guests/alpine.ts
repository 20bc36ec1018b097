/**
 * Alpine on Lima: vz (fastest on Apple silicon); the custom Image boots through images[].kernel
 * and its OpenZFS modules are copied in.
 */
import type { LimaRunnableGuest } from './types.ts';

export default {
  os: 'alpine',
  vmType: 'vz',
  customKernel: 'images-kernel',
  artifactEnv: 'KBENCH_LIMA_MODULES',
  stock: 'Alpine linux-virt with zfs-virt',
  custom: 'M-series Image through images[].kernel, its OpenZFS modules from $KBENCH_LIMA_MODULES',
  source: 'Alpine 3.23.4 nocloud cloud image (sha512 pinned in the template)',
  bootClock: 'ha.stderr.log "[VZ] - vm state change: running" -> "The essential requirement 1 of 2 is satisfied" (ssh)',
} as const satisfies LimaRunnableGuest;
