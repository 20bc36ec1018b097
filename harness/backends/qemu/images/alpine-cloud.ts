/**
 * Alpine's official nocloud UEFI cloud image (the one Lima's template:alpine boots,
 * templates/_images/alpine-3.23.yaml at lima-vm/lima 183a60d7, digest pinned there). The stock
 * kernel boots through UEFI; a custom kernel needs its modules in the image, which only the Lima
 * template installs (templates/lima/alpine-custom.yaml), so qemu refuses the custom variant.
 * ZFS (zfs + zfs-virt) is installed once, by a setup boot into a kept overlay of the verified
 * image (setup-boot.ts); every measured boot overlays that disk and fetches nothing.
 */
import * as path from 'node:path';
import type { HostArch } from '../args.ts';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';
import { stockBootOf, seededStockImage } from './stock-only.ts';

/** First boot (NoCloud runcmd): OpenRC starts sshd, and root may log in with a key. */
export const ALPINE_ENABLE_SSHD: readonly string[] = [
  'rc-update add sshd default',
  "sed -i 's/^#\\?PermitRootLogin.*/PermitRootLogin prohibit-password/' /etc/ssh/sshd_config",
  'rc-service sshd restart',
];

export const ALPINE_IMAGES: Record<HostArch, { url: string; sha512: string }> = {
  aarch64: {
    url: 'https://dl-cdn.alpinelinux.org/alpine/v3.23/releases/cloud/nocloud_alpine-3.23.4-aarch64-uefi-cloudinit-r0.qcow2',
    sha512: '737b0eb365944ffcf6da477c059c105bbde222942fd5a8380c07db088365b18dbc60a0f2824ea9a3904d57e194e0d05a7074302c3ebc104d0aecb6ddc6ffd91c',
  },
  x86_64: {
    url: 'https://dl-cdn.alpinelinux.org/alpine/v3.23/releases/cloud/nocloud_alpine-3.23.4-x86_64-uefi-cloudinit-r0.qcow2',
    sha512: '849196e26640b33fb1f106d46cebdf341c715f7f49363564eacece8097464b6af7041618e94c4eb1a006394663252a86c0fb3158fee5d0ffb094899730679a71',
  },
};

export const alpineCloudImage: ImageProviderDescriptor = {
  name: 'alpine-cloud',
  os: 'alpine',
  source:
    "Alpine 3.23.4 nocloud UEFI cloud image from dl-cdn.alpinelinux.org, SHA-512 pinned as in Lima's template, key via a NoCloud seed; zfs and zfs-virt installed once by a setup boot into a kept overlay",
  supports(variants, arch) {
    if (variants.includes('custom'))
      return {
        ok: false,
        reason:
          'the custom Alpine kernel needs its OpenZFS modules inside the guest, which only the Lima template installs: use --backend lima or --kernels stock',
      };
    if (arch === 'x86_64')
      return { ok: false, reason: "Alpine's x86_64 UEFI image needs OVMF, which kbench does not look for yet: use an arm64 host or --backend lima" };
    return { ok: true };
  },
  bootOf: stockBootOf("the image's own linux-virt through UEFI"),
  async load() {
    const { defaultCacheRoot, fetchVerified } = await import('./fetch.ts');
    const { ensureSshKey, writeNoCloudSeed } = await import('./provision.ts');
    const { ALPINE_ZFS_SETUP, runSetupBoot, setupRuncmd } = await import('./setup-boot.ts');
    const { readFile, writeFile } = await import('node:fs/promises');
    const { findAarch64Firmware } = await import('../firmware.ts');
    const { KbenchError } = await import('../../../errors/index.ts');
    return {
      async ensure(request): Promise<PreparedImage> {
        const root = path.join(request.cacheDir ?? defaultCacheRoot(), 'images', 'alpine', '3.23.4');
        const image = ALPINE_IMAGES[request.arch];
        const disk = await fetchVerified({
          url: image.url,
          dest: path.join(root, path.basename(image.url)),
          algorithm: 'sha512',
          expected: image.sha512,
          onProgress: request.onProgress,
        });
        const key = await ensureSshKey(path.join(root, 'ssh'));
        // One instance id for the setup boot and every later one: cloud-init runs the runcmd (key,
        // sshd, zfs, poweroff) once, on the setup boot, and never again on the kept disk.
        const seed = await writeNoCloudSeed(path.join(root, 'seed'), {
          instanceId: 'kbench-alpine-3.23.4-zfs',
          hostname: 'kbench-alpine',
          publicKey: key.publicKey,
          enableSshd: ALPINE_ENABLE_SSHD,
          moreRuncmd: setupRuncmd(ALPINE_ZFS_SETUP),
        });
        const firmware = findAarch64Firmware();
        if (firmware === null)
          throw new KbenchError(
            'no aarch64 UEFI firmware for qemu (edk2-aarch64-code.fd): run kbench doctor for the install line, or set KBENCH_QEMU_FIRMWARE',
            2,
          );
        const boot = { kind: 'uefi-disk' as const, firmwarePath: firmware };
        const kept = path.join(root, 'zfs-installed.qcow2');
        const done = await readFile(`${kept}.done`, 'utf8').then(
          (text) => text.trim() === key.publicKey,
          () => false,
        );
        if (!done) {
          await runSetupBoot({
            arch: request.arch,
            boot,
            base: { path: disk, format: 'qcow2' },
            disk: kept,
            seedDir: seed,
            serialLog: path.join(root, 'setup-serial.log'),
            timeoutMs: 30 * 60_000,
            what: 'alpine',
            onProgress: request.onProgress,
          });
          await writeFile(`${kept}.done`, `${key.publicKey}\n`);
        }
        return seededStockImage({ path: kept, format: 'qcow2' }, boot, seed, key.privateKeyPath);
      },
    };
  },
};
