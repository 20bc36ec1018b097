/**
 * The Debian 12 arm64 ZFS testbed, built locally (custom-os/debian-arm64): stock = Debian's
 * linux-image-6.12-arm64 (4K pages), custom = the seed's M-series kernel cross-built from
 * kernels/alpine-m-series.config (16K pages). An aarch64 guest: emulated (TCG) on x86_64 hosts.
 */
import { ARM64_INPUT_PATHS } from '../../../../custom-os/debian-arm64/input-paths.ts';
import type { KernelVariant } from '../../../results/schema.ts';
import { linuxTestbedImage } from './debian-testbed.ts';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';

/** The PL011 UART is the virt machine's first serial port. */
export const LINUX_APPEND_AARCH64 = 'console=ttyAMA0 root=/dev/vda rw quiet';

export const debianArm64Image: ImageProviderDescriptor = {
  name: 'debian-arm64',
  os: 'debian',
  addsLogins: true,
  guestArch: 'aarch64',
  buildsFromInputs: ARM64_INPUT_PATHS,
  source: 'built here by custom-os/debian-arm64 (debootstrap --arch arm64, the M-series kernel and OpenZFS 2.3 cross-built), cached by its inputs',
  supports() {
    return { ok: true };
  },
  bootOf(variant: KernelVariant) {
    return variant === 'stock'
      ? 'qemu-system-aarch64 -kernel linux-image-6.12-arm64 (Debian stock, 4K pages) with its initrd'
      : "qemu-system-aarch64 -kernel the seed's M-series kernel (16K pages, no initrd)";
  },
  async load() {
    const { ensureDebianArm64Testbed } = await import('../../../../custom-os/debian-arm64/testbed.ts');
    return {
      async ensure(request): Promise<PreparedImage> {
        const testbed = await ensureDebianArm64Testbed({
          ...(request.cacheDir ? { cacheDir: request.cacheDir } : {}),
          ...(request.inputsRoot ? { inputsRoot: request.inputsRoot } : {}),
          onProgress: request.onProgress,
        });
        return linuxTestbedImage(testbed, request.variants, LINUX_APPEND_AARCH64);
      },
    };
  },
};

/**
 * `kbench build`'s cross build of the seed's M-series kernel (custom-os/debian-arm64/kernel.ts,
 * cached by its inputs), reached through this provider like every use of custom-os/ from harness/.
 */
export async function ensureMSeriesKernel(
  options: import('../../../../custom-os/debian-arm64/kernel.ts').EnsureKernelOptions = {},
): Promise<import('../../../../custom-os/debian-arm64/kernel.ts').MSeriesKernel> {
  const kernel = await import('../../../../custom-os/debian-arm64/kernel.ts');
  return kernel.ensureMSeriesKernel(options);
}
