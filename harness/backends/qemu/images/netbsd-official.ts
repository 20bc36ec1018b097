/**
 * NetBSD's official evbarm-aarch64 image (arm64.img.gz), SHA-512 from the SHA512 file beside it.
 * It has no cloud-init, but it needs none: the image enables sshd (distrib/utils/embedded/conf/
 * evbarm.conf: sshd=YES) and creds_msdos(8) reads creds.txt from its FAT partition on first boot.
 * kbench writes `sshkey root <kbench's key>` there with mtools (netbsd-creds.ts), no root needed,
 * on its own copy of the image. An aarch64 guest: hvf on Apple silicon, emulated (TCG) elsewhere.
 * NetBSD's amd64 images have no FAT partition (amd64.conf: FFS only), hence aarch64 only.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';
import { stockOnly, stockBootOf } from './stock-only.ts';

export const NETBSD_RELEASE = '10.1';
const BASE = `https://cdn.netbsd.org/pub/NetBSD/NetBSD-${NETBSD_RELEASE}/evbarm-aarch64/binary/gzimg`;
export const NETBSD_IMAGE = { url: `${BASE}/arm64.img.gz`, checksums: `${BASE}/SHA512`, file: 'arm64.img.gz' } as const;

/** Where the provider keeps the image, its key and the image copy carrying creds.txt. */
export function netbsdCachePaths(cacheRoot: string): { dir: string; compressed: string; pristine: string; withCreds: string; key: string } {
  const dir = path.join(cacheRoot, 'images', 'netbsd', NETBSD_RELEASE);
  return {
    dir,
    compressed: path.join(dir, NETBSD_IMAGE.file),
    pristine: path.join(dir, 'arm64.img'),
    withCreds: path.join(dir, 'arm64-kbench-creds.img'),
    key: path.join(dir, 'ssh', 'id_ed25519'),
  };
}

export const netbsdOfficialImage: ImageProviderDescriptor = {
  name: 'netbsd-official',
  os: 'netbsd',
  guestArch: 'aarch64',
  source: `NetBSD ${NETBSD_RELEASE} evbarm-aarch64 ${NETBSD_IMAGE.url} (SHA-512 from ${NETBSD_IMAGE.checksums}); root's key as "sshkey root" in creds.txt on its FAT partition (creds_msdos(8), written with mtools)`,
  supports: stockOnly(
    "qemu cannot hand NetBSD a custom kernel from the host yet (the image's efiboot loads /netbsd from its own disk): use --kernels stock, or --backend ssh on a guest with kernels/build-netbsd-kernel.sh's kernel",
  ),
  bootOf: stockBootOf(
    `qemu-system-aarch64 -machine virt with edk2 UEFI firmware: the image's efiboot and its GENERIC64 kernel; ssh root with \${KBENCH_CACHE:-~/.cache/kbench}/images/netbsd/${NETBSD_RELEASE}/ssh/id_ed25519`,
  ),
  async load() {
    const { decompressOnce, defaultCacheRoot, fetchVerified, publishedChecksum } = await import('./fetch.ts');
    const { ensureSshKey } = await import('./provision.ts');
    const { writeNetbsdCreds } = await import('./netbsd-creds.ts');
    const { diskBootFor } = await import('../firmware.ts');
    return {
      async ensure(request): Promise<PreparedImage> {
        const paths = netbsdCachePaths(request.cacheDir ?? defaultCacheRoot());
        const sum = await publishedChecksum(NETBSD_IMAGE.checksums, NETBSD_IMAGE.file, 'sha512');
        request.onProgress(`netbsd: ${NETBSD_IMAGE.file} (sha512 ${sum.slice(0, 12)}…)`);
        await fetchVerified({ url: NETBSD_IMAGE.url, dest: paths.compressed, algorithm: 'sha512', expected: sum, onProgress: request.onProgress });
        const pristine = await decompressOnce(paths.compressed, paths.pristine);
        const key = await ensureSshKey(path.dirname(paths.key));
        // The verified image stays untouched; the copy with creds.txt is made once per key.
        const marker = `${paths.withCreds}.key`;
        const done = await fs.readFile(marker, 'utf8').then(
          (text) => text === key.publicKey,
          () => false,
        );
        if (!done) {
          await fs.copyFile(pristine, `${paths.withCreds}.part`);
          const offset = await writeNetbsdCreds(`${paths.withCreds}.part`, key.publicKey);
          await fs.rename(`${paths.withCreds}.part`, paths.withCreds);
          await fs.writeFile(marker, key.publicKey);
          request.onProgress(`netbsd: creds.txt (sshkey root) written to the FAT partition at byte ${offset} of ${paths.withCreds}`);
        }
        return {
          rootDisk: { path: paths.withCreds, format: 'raw' },
          boot: { stock: diskBootFor('aarch64') },
          extraDisks: [],
          ssh: { user: 'root', privateKeyPath: key.privateKeyPath },
          probeKernel: null,
          kernelImage: { stock: null },
        };
      },
    };
  },
};
