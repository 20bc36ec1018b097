/**
 * What the providers that boot only their image's own kernel share (alpine-cloud,
 * freebsd-cloudinit, netbsd-official, openbsd-autoinstall): the refusal of the custom variant,
 * its boot line, and the PreparedImage of a disk whose key came in through a NoCloud seed.
 */
import type { KernelVariant } from '../../../results/schema.ts';
import type { QemuBootMethod } from '../args.ts';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';

/** supports() of a stock-only image: `custom` is refused with `reason` (what to use instead). */
export function stockOnly(reason: string): ImageProviderDescriptor['supports'] {
  return (variants) => (variants.includes('custom') ? { ok: false, reason } : { ok: true });
}

/** bootOf() of a stock-only image: `stock` is `how`. */
export function stockBootOf(how: string): ImageProviderDescriptor['bootOf'] {
  return (variant: KernelVariant) => (variant === 'stock' ? how : 'not available under qemu');
}

/** The stock kernel of `rootDisk` booted with `boot`, root's key from the NoCloud seed folder `seedDir` (a vvfat drive). */
export function seededStockImage(rootDisk: PreparedImage['rootDisk'], boot: QemuBootMethod, seedDir: string, privateKeyPath: string): PreparedImage {
  return {
    rootDisk,
    boot: { stock: boot },
    extraDisks: [{ fatDir: seedDir, label: 'cidata' }],
    ssh: { user: 'root', privateKeyPath },
    probeKernel: null,
    kernelImage: { stock: null },
  };
}
