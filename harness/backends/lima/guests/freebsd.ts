/**
 * FreeBSD on Lima: qemu only (templates/_images/freebsd-15.yaml: "does not boot with vz"); the
 * custom kernel is tried once with nextboot -k.
 */
import type { LimaRunnableGuest } from './types.ts';

export default {
  os: 'freebsd',
  vmType: 'qemu',
  customKernel: 'nextboot',
  artifactEnv: 'KBENCH_LIMA_FREEBSD_KERNEL',
  stock: 'FreeBSD GENERIC on UFS, zfs.ko',
  custom: '/boot/kernel.m-series from $KBENCH_LIMA_FREEBSD_KERNEL, tried once with nextboot -k, then loader.conf',
  source: 'FreeBSD 15.1-RELEASE BASIC-CLOUDINIT-ufs.raw.xz (Lima fetches it; no published digest pinned)',
  bootClock: 'ha.stderr.log "Starting QEMU" -> ssh requirement satisfied',
} as const satisfies LimaRunnableGuest;
