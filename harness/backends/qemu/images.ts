/**
 * What the qemu backend boots, per target: one disk image, an SSH key, and per kernel variant a
 * kernel (+ initrd) and its command line, for one guest architecture. Adding a QEMU target is
 * one provider here; the backend itself stays the same.
 */
import { arch as nodeArch } from 'node:os';
import { ensureDebianArm64Testbed } from '../../../custom-os/debian-arm64/testbed.ts';
import { ensureDebianTestbed } from '../../../custom-os/debian-testbed/testbed.ts';
import { InputError, showValue } from '../../errors/index.ts';
import type { KernelVariant } from '../../results/schema.ts';
import { LINUX_APPEND, LINUX_APPEND_AARCH64, type HostArch } from './args.ts';

export interface QemuBootKernel {
  kernel: string;
  initrd: string | null;
  append: string;
}

export interface QemuBootImage {
  guestArch: HostArch;
  /** Read-only base of every boot's qcow2 overlay. */
  imagePath: string;
  sshKeyPath: string;
  kernels: Record<KernelVariant, QemuBootKernel>;
}

export interface ImageProviderOptions {
  cacheDir?: string;
  onProgress?: (message: string) => void;
}

type ImageProvider = (options: ImageProviderOptions) => Promise<QemuBootImage>;

const hostIsX86 = () => nodeArch() === 'x64';

export const QEMU_IMAGES: Record<string, ImageProvider> = {
  'debian-testbed': async (options) => {
    if (!hostIsX86()) throw new InputError(`target "debian-testbed": the Debian testbed is built for amd64; this host is ${nodeArch()} (use --target debian-arm64)`);
    const t = await ensureDebianTestbed(options);
    const k = (v: KernelVariant) => ({ kernel: t.kernels[v].kernel, initrd: t.kernels[v].initrd, append: LINUX_APPEND });
    return { guestArch: 'x86_64', imagePath: t.imagePath, sshKeyPath: t.sshKeyPath, kernels: { stock: k('stock'), custom: k('custom') } };
  },
  'debian-arm64': async (options) => {
    const t = await ensureDebianArm64Testbed(options);
    const k = (v: KernelVariant) => ({ kernel: t.kernels[v].kernel, initrd: t.kernels[v].initrd, append: LINUX_APPEND_AARCH64 });
    return { guestArch: 'aarch64', imagePath: t.imagePath, sshKeyPath: t.sshKeyPath, kernels: { stock: k('stock'), custom: k('custom') } };
  },
};

export function qemuImageProvider(target: string): ImageProvider {
  const provider = QEMU_IMAGES[target];
  if (!provider) throw new InputError(`target ${showValue(target)}: the qemu backend has no image for it (it boots: ${Object.keys(QEMU_IMAGES).join(', ')})`);
  return provider;
}
