/**
 * OpenBSD installed unattended from its official miniroot image by autoinstall(8), once, into a
 * cached disk that every later boot overlays. The pieces, from OpenBSD's own documents:
 *  - the miniroot's installer prompts "(I)nstall, (U)pgrade, (A)utoinstall or (S)hell?" on the
 *    serial console; kbench answers "a" there (from a disk, not a netboot, there is no timeout);
 *  - autoinstall(8): with DHCP filename `auto_install` it fetches http://<next-server>/
 *    {MAC-,hostname-,}install.conf; qemu's user network hands out `bootfile=auto_install` with
 *    next-server = the host (10.0.2.2, i.e. the host's loopback), where kbench serves the
 *    response file on port 80 (response-server.ts) for the length of the install;
 *  - the response file gives root kbench's public key ("Public ssh key for root account"),
 *    prohibit-password root logins and sshd, and takes the sets over http from cdn.openbsd.org
 *    (signify-verified by the installer).
 * The installer reboots when done; -no-reboot makes qemu exit, and the disk is kept.
 * OpenBSD has no ZFS: its targets measure boots and memory only.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { HostArch } from '../args.ts';
import type { ImageProviderDescriptor, PreparedImage } from './types.ts';
import { stockOnly, stockBootOf } from './stock-only.ts';

import { AUTOINSTALL_PROMPT, OPENBSD_RELEASE, RESPONSE_PORT } from './openbsd-release.ts';

export { AUTOINSTALL_PROMPT, OPENBSD_RELEASE, RESPONSE_PORT };
const SHORT = OPENBSD_RELEASE.replace('.', '');
const INSTALL_TIMEOUT_MS = 90 * 60_000;

export function openbsdUrls(arch: HostArch): { image: string; checksums: string; file: string } {
  const dir = `https://cdn.openbsd.org/pub/OpenBSD/${OPENBSD_RELEASE}/${arch === 'aarch64' ? 'arm64' : 'amd64'}`;
  const file = `miniroot${SHORT}.img`;
  return { image: `${dir}/${file}`, checksums: `${dir}/SHA256`, file };
}

/** Pure: the install.conf kbench serves. Each line's question part matches the installer's question (install.sub _autorespond). */
export function openbsdResponseFile(publicKey: string, rootDisk: string): string {
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+( [A-Za-z0-9@._-]+)?$/.test(publicKey)) throw new RangeError('publicKey must be one ssh-ed25519 line');
  if (!/^(sd|wd)[0-9]$/.test(rootDisk)) throw new RangeError(`not an OpenBSD disk name: ${rootDisk}`);
  return [
    'System hostname = kbench-openbsd',
    // Thirteen asterisks: no root password at all (install.sub encr_pwd passes them through).
    'Password for root account = *************',
    `Public ssh key for root account = ${publicKey}`,
    'Start sshd(8) by default = yes',
    'Allow root ssh login = prohibit-password',
    'Do you expect to run the X Window System = no',
    'Setup a user = no',
    'What timezone are you in = UTC',
    `Which disk is the root disk = ${rootDisk}`,
    'Use (W)hole disk = W',
    'Use (A)uto layout = a',
    'Location of sets = http',
    'HTTP proxy URL = none',
    'HTTP Server = cdn.openbsd.org',
    'Set name(s) = -x* -game*',
    '',
  ].join('\n');
}

export function openbsdCachePaths(
  cacheRoot: string,
  arch: HostArch,
): { dir: string; miniroot: string; disk: string; installed: string; key: string; log: string } {
  const dir = path.join(cacheRoot, 'images', 'openbsd', OPENBSD_RELEASE, arch);
  return {
    dir,
    miniroot: path.join(dir, openbsdUrls(arch).file),
    disk: path.join(dir, 'installed.qcow2'),
    installed: path.join(dir, 'installed.qcow2.done'),
    key: path.join(dir, 'ssh', 'id_ed25519'),
    log: path.join(dir, 'install-serial.log'),
  };
}

export const openbsdAutoinstallImage: ImageProviderDescriptor = {
  name: 'openbsd-autoinstall',
  os: 'openbsd',
  source: `OpenBSD ${OPENBSD_RELEASE} https://cdn.openbsd.org/pub/OpenBSD/${OPENBSD_RELEASE}/{arm64,amd64}/miniroot${SHORT}.img, the host's arch (SHA-256 from SHA256 beside it), installed once by autoinstall(8): kbench serves install.conf (root's key, sshd) at http://10.0.2.2/ (host 127.0.0.1:${RESPONSE_PORT}), qemu user-net bootfile=auto_install`,
  supports: stockOnly(
    "qemu cannot hand OpenBSD a custom kernel from the host yet (its boot loader loads /bsd from its own disk): use --kernels stock, or --backend ssh on a guest with kernels/build-openbsd-kernel.sh's kernel",
  ),
  bootOf: stockBootOf(
    `the installed disk's own boot loader and GENERIC(.MP) kernel (UEFI on aarch64, BIOS on x86_64); ssh root with \${KBENCH_CACHE:-~/.cache/kbench}/images/openbsd/${OPENBSD_RELEASE}/<arch>/ssh/id_ed25519`,
  ),
  async load() {
    const { defaultCacheRoot, fetchVerified, publishedChecksum } = await import('./fetch.ts');
    const { ensureSshKey } = await import('./provision.ts');
    const { diskBootFor } = await import('../firmware.ts');
    return {
      async ensure(request): Promise<PreparedImage> {
        const paths = openbsdCachePaths(request.cacheDir ?? defaultCacheRoot(), request.arch);
        const key = await ensureSshKey(path.dirname(paths.key));
        const boot = diskBootFor(request.arch);
        const installed = await fs.readFile(paths.installed, 'utf8').then(
          (text) => text.trim() === key.publicKey,
          () => false,
        );
        if (!installed) {
          const urls = openbsdUrls(request.arch);
          const sum = await publishedChecksum(urls.checksums, urls.file, 'sha256');
          request.onProgress(`openbsd: ${urls.file} (sha256 ${sum.slice(0, 12)}…)`);
          await fetchVerified({ url: urls.image, dest: paths.miniroot, algorithm: 'sha256', expected: sum, onProgress: request.onProgress });
          const { runAutoinstall } = await import('./openbsd-install-run.ts');
          await runAutoinstall({
            arch: request.arch,
            boot,
            miniroot: paths.miniroot,
            disk: paths.disk,
            serialLog: paths.log,
            responseFile: openbsdResponseFile(key.publicKey, 'sd1'),
            timeoutMs: INSTALL_TIMEOUT_MS,
            onProgress: request.onProgress,
          });
          await fs.writeFile(paths.installed, `${key.publicKey}\n`);
        }
        return {
          rootDisk: { path: paths.disk, format: 'qcow2' },
          boot: { stock: boot },
          extraDisks: [],
          ssh: { user: 'root', privateKeyPath: key.privateKeyPath },
          probeKernel: null,
          kernelImage: { stock: null },
        };
      },
    };
  },
};
