/** The Debian 12 ZFS testbed, built locally (custom-os/debian-testbed): both kernels boot directly. */
import type { KernelVariant } from '../../../results/schema.ts';
import type { QemuBootMethod } from '../args.ts';
import { debianSecondLoginScript } from './second-login.ts';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';

export const debianTestbedImage: ImageProviderDescriptor = {
  name: 'debian-testbed',
  os: 'debian',
  addsLogins: true,
  source: 'built here by custom-os/debian-testbed (debootstrap + DKMS OpenZFS 2.3.2 for two kernels), cached by its inputs',
  buildsFromInputs: ['custom-os/debian-testbed', 'kernels/zfs-m-series-tuning.conf'],
  supports(_variants, arch) {
    if (arch !== null && arch !== 'x86_64') return { ok: false, reason: `the Debian testbed is built for amd64; this host is ${arch}` };
    return { ok: true };
  },
  bootOf(variant: KernelVariant) {
    return variant === 'stock'
      ? 'qemu -kernel linux-image-amd64 (Debian stock) with the testbed initrd'
      : 'qemu -kernel linux-image-cloud-amd64 plus the ZFS tuning of kernels/zfs-m-series-tuning.conf';
  },
  async load() {
    const { ensureDebianTestbed } = await import('../../../../custom-os/debian-testbed/testbed.ts');
    const { LINUX_APPEND } = await import('../args.ts');
    return {
      async ensure(request): Promise<PreparedImage> {
        const testbed = await ensureDebianTestbed({
          ...(request.cacheDir ? { cacheDir: request.cacheDir } : {}),
          ...(request.inputsRoot ? { inputsRoot: request.inputsRoot } : {}),
          onProgress: request.onBuildProgress ?? ((build) => request.onProgress(build.message)),
        });
        return linuxTestbedImage(testbed, request.variants, LINUX_APPEND);
      },
    };
  },
};

/** A locally built testbed whose kernels qemu boots directly (-kernel, -initrd): the image for the variants asked for. */
export function linuxTestbedImage(
  testbed: {
    imagePath: string;
    sshKeyPath: string;
    kernels: Record<KernelVariant, { kernel: string; initrd: string | null }>;
    manifest: { key: string; derivedFrom?: string | undefined };
  },
  variants: readonly KernelVariant[],
  append: string,
): PreparedImage {
  const boot: Partial<Record<KernelVariant, QemuBootMethod>> = {};
  const kernelImage: Partial<Record<KernelVariant, string>> = {};
  for (const variant of variants) {
    const kernel = testbed.kernels[variant];
    boot[variant] = { kind: 'linux-kernel', kernelPath: kernel.kernel, initrdPath: kernel.initrd, append };
    kernelImage[variant] = kernel.kernel;
  }
  return {
    rootDisk: { path: testbed.imagePath, format: 'raw' },
    boot,
    extraDisks: [],
    ssh: { user: 'root', privateKeyPath: testbed.sshKeyPath, addLogin: debianSecondLoginScript },
    probeKernel: testbed.kernels.stock.kernel,
    kernelImage,
    origin: { key: testbed.manifest.key, derivedFrom: testbed.manifest.derivedFrom ?? null },
  };
}
