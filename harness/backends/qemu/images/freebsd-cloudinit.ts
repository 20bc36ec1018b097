/**
 * FreeBSD's official BASIC-CLOUDINIT image on UFS (not the root-on-ZFS one Lima's freebsd-15
 * template uses: with root on ZFS, zfs.ko can never be unloaded and the checksum benchmark
 * cannot reload it). nuageinit reads the NoCloud seed on first boot and installs kbench's key.
 * URLs follow Lima's templates/_images/freebsd-15.yaml (lima-vm/lima 183a60d7) with "-ufs".
 */
import * as path from 'node:path';
import type { HostArch } from '../args.ts';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';
import { stockOnly, stockBootOf, seededStockImage } from './stock-only.ts';

export const FREEBSD_RELEASE = '15.1-RELEASE';

/** First boot (NoCloud runcmd, read by nuageinit): rc.conf enables sshd, and root may log in with a key. */
export const FREEBSD_ENABLE_SSHD: readonly string[] = [
  'sysrc sshd_enable=YES',
  "grep -q '^PermitRootLogin prohibit-password' /etc/ssh/sshd_config || echo 'PermitRootLogin prohibit-password' >> /etc/ssh/sshd_config",
  'service sshd restart',
];
const BASE = `http://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases/VM-IMAGES/${FREEBSD_RELEASE}`;

export function freebsdImageUrls(arch: HostArch): { image: string; checksums: string; file: string } {
  const dir = arch === 'aarch64' ? 'aarch64' : 'amd64';
  const file = `FreeBSD-${FREEBSD_RELEASE}-${arch === 'aarch64' ? 'arm64-aarch64' : 'amd64'}-BASIC-CLOUDINIT-ufs.raw.xz`;
  return { image: `${BASE}/${dir}/Latest/${file}`, checksums: `${BASE}/${dir}/Latest/CHECKSUM.SHA256`, file };
}

export const freebsdCloudinitImage: ImageProviderDescriptor = {
  name: 'freebsd-cloudinit',
  os: 'freebsd',
  source: `FreeBSD ${FREEBSD_RELEASE} BASIC-CLOUDINIT-ufs.raw.xz from ftp-archive.freebsd.org, SHA-256 from its CHECKSUM.SHA256, key via a NoCloud seed`,
  supports: stockOnly(
    'qemu cannot hand FreeBSD a custom kernel from the host (its loader picks /boot/kernel.NAME inside the guest): use --backend lima (nextboot -k) or --kernels stock',
  ),
  bootOf: stockBootOf("the image's own loader and GENERIC kernel (UEFI on aarch64, BIOS on x86_64)"),
  async load() {
    const { decompressOnce, defaultCacheRoot, fetchVerified, publishedChecksum } = await import('./fetch.ts');
    const { ensureSshKey, writeNoCloudSeed } = await import('./provision.ts');
    const { diskBootFor } = await import('../firmware.ts');
    return {
      async ensure(request): Promise<PreparedImage> {
        const root = path.join(request.cacheDir ?? defaultCacheRoot(), 'images', 'freebsd', FREEBSD_RELEASE);
        const urls = freebsdImageUrls(request.arch);
        const sum = await publishedChecksum(urls.checksums, urls.file, 'sha256');
        request.onProgress(`freebsd: ${urls.file} (sha256 ${sum.slice(0, 12)}…)`);
        const compressed = await fetchVerified({
          url: urls.image,
          dest: path.join(root, urls.file),
          algorithm: 'sha256',
          expected: sum,
          onProgress: request.onProgress,
        });
        const raw = await decompressOnce(compressed, compressed.replace(/\.xz$/, ''));
        const key = await ensureSshKey(path.join(root, 'ssh'));
        const seed = await writeNoCloudSeed(path.join(root, 'seed'), {
          instanceId: `kbench-freebsd-${FREEBSD_RELEASE}`,
          hostname: 'kbench-freebsd',
          publicKey: key.publicKey,
          enableSshd: FREEBSD_ENABLE_SSHD,
        });
        const boot = diskBootFor(request.arch);
        return seededStockImage({ path: raw, format: 'raw' }, boot, seed, key.privateKeyPath);
      },
    };
  },
};
