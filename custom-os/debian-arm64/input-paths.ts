/**
 * The repository files the Debian arm64 testbed is built from, relative to the project root:
 * what `kbench gate --target debian-arm64` reads from each revision (the qemu provider declares
 * them as buildsFromInputs) and what kernel.ts and testbed.ts hash and run. No imports, so the
 * provider can name them without loading the builders.
 */

/** The M-series kernel's and its OpenZFS modules' build inputs. */
export interface KernelInputFiles {
  script: string;
  /** Sourced from beside them by both scripts (options, defaults, checks): copied and hashed with each. */
  crossLib: string;
  /** Runs the survival check; it decides pass or fail only, so its text is not part of the key. */
  checker: string;
  /** Merged in this order: the seed's fragment, then what a QEMU/Lima virtio guest does not need or needs. */
  fragments: string[];
  zfsScript: string;
}

export const KERNEL_INPUT_FILES: KernelInputFiles = {
  script: 'kernels/build-arm64-linux-kernel.sh',
  crossLib: 'kernels/arm64-cross.sh',
  checker: 'kernels/build-alpine-kernel.sh',
  fragments: ['kernels/alpine-m-series.config', 'kernels/arm64-qemu-guest.config'],
  zfsScript: 'kernels/build-zfs-modules.sh',
};

/** The image's own: its two builder scripts, the steps build-rootfs.sh shares with the x86 testbed's builder (it sources the file), the ZFS tuning. */
export const IMAGE_INPUT_FILES = {
  rootfsScript: 'custom-os/debian-arm64/build-rootfs.sh',
  rootfsLib: 'custom-os/debian-testbed/rootfs-lib.sh',
  imageScript: 'custom-os/debian-arm64/build-image.sh',
  tuning: 'kernels/zfs-m-series-tuning.conf',
} as const;

export const ARM64_INPUT_PATHS: readonly string[] = [
  ...Object.values(IMAGE_INPUT_FILES),
  KERNEL_INPUT_FILES.script,
  KERNEL_INPUT_FILES.crossLib,
  KERNEL_INPUT_FILES.checker,
  ...KERNEL_INPUT_FILES.fragments,
  KERNEL_INPUT_FILES.zfsScript,
].sort();
