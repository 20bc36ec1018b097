/**
 * Image providers' fetch / verify / provision code against a real HTTP server on 127.0.0.1
 * serving stand-in files (official images cannot be downloaded here); the boot path itself is
 * exercised with the Debian testbed (test/backends/qemu-vm.test.ts).
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildQemuArgs } from '../../harness/backends/qemu/args.ts';
import { findAarch64Firmware } from '../../harness/backends/qemu/firmware.ts';
import { decompressOnce, fetchVerified, parseChecksumList, publishedChecksum } from '../../harness/backends/qemu/images/fetch.ts';
import { ALPINE_ENABLE_SSHD } from '../../harness/backends/qemu/images/alpine-cloud.ts';
import { FREEBSD_ENABLE_SSHD, freebsdImageUrls } from '../../harness/backends/qemu/images/freebsd-cloudinit.ts';
import { IMAGE_PROVIDERS } from '../../harness/backends/qemu/images/index.ts';
import { ensureSshKey, noCloudUserData, writeNoCloudSeed } from '../../harness/backends/qemu/images/provision.ts';
import { KbenchError } from '../../harness/errors/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kbench-images-'));
const image = Buffer.from('stand-in for a disk image\n'.repeat(1000));
const imageGz = gzipSync(image);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const requests: string[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const files: Record<string, Buffer | string> = {
      '/img.raw.gz': imageGz,
      // FreeBSD CHECKSUM.SHA256 layout (BSD `sha256` output), plus a line of another algorithm.
      '/CHECKSUM.SHA256': `SHA256 (img.raw.gz) = ${sha256(imageGz)}\nSHA256 (other.raw.xz) = ${'0'.repeat(64)}\n`,
      '/SHA512': `SHA512 (img.raw.gz) = ${createHash('sha512').update(imageGz).digest('hex')}\nMD5 (img.raw.gz) = 00\n`,
    };
    const body = files[request.url ?? ''];
    if (body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('checksum lists', () => {
  it('reads BSD and GNU layouts and refuses other lines with their number', () => {
    expect(parseChecksumList(`SHA256 (a.xz) = ${'A'.repeat(64)}\n`, 'sha256', 'x')).toEqual({ ok: true, value: new Map([['a.xz', 'a'.repeat(64)]]) });
    expect(parseChecksumList(`${'b'.repeat(64)}  b.img\n${'c'.repeat(64)} *c.img\n`, 'sha256', 'x')).toEqual({
      ok: true,
      value: new Map([
        ['b.img', 'b'.repeat(64)],
        ['c.img', 'c'.repeat(64)],
      ]),
    });
    expect(parseChecksumList('SHA256 (a) = short\n', 'sha256', 'list')).toEqual({
      ok: false,
      error: 'list line 1: not a sha256 checksum line: "SHA256 (a) = short"',
    });
  });
});

describe('fetch and verify against a local HTTP server', () => {
  it('fetches, verifies the published SHA-256, keeps it cached and decompresses once', async () => {
    const sum = await publishedChecksum(`${base}/CHECKSUM.SHA256`, 'img.raw.gz', 'sha256');
    expect(sum).toBe(sha256(imageGz));
    const dest = path.join(dir, 'cache', 'img.raw.gz');
    const progress: string[] = [];
    expect(await fetchVerified({ url: `${base}/img.raw.gz`, dest, algorithm: 'sha256', expected: sum, onProgress: (m) => progress.push(m) })).toBe(dest);
    expect(readFileSync(dest).equals(imageGz)).toBe(true);
    expect(existsSync(`${dest}.part`)).toBe(false);
    const before = requests.filter((url) => url === '/img.raw.gz').length;
    await fetchVerified({ url: `${base}/img.raw.gz`, dest, algorithm: 'sha256', expected: sum, onProgress: () => {} });
    expect(requests.filter((url) => url === '/img.raw.gz').length).toBe(before); // reused, re-hashed, not fetched
    const raw = await decompressOnce(dest, path.join(dir, 'cache', 'img.raw'));
    expect(readFileSync(raw).equals(image)).toBe(true);
    expect(await publishedChecksum(`${base}/SHA512`, 'img.raw.gz', 'sha512')).toBe(createHash('sha512').update(imageGz).digest('hex'));
  });

  it('a wrong checksum keeps nothing and says both sums; a missing file or entry is one line', async () => {
    const dest = path.join(dir, 'bad', 'img.raw.gz');
    const error = await fetchVerified({ url: `${base}/img.raw.gz`, dest, algorithm: 'sha256', expected: 'f'.repeat(64), onProgress: () => {} }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(KbenchError);
    expect((error as KbenchError).exitCode).toBe(3);
    expect((error as Error).message).toBe(`${base}/img.raw.gz: sha256 ${sha256(imageGz)} does not match the published ${'f'.repeat(64)}; nothing kept`);
    expect(existsSync(dest) || existsSync(`${dest}.part`)).toBe(false);
    await expect(fetchVerified({ url: `${base}/nope`, dest, algorithm: 'sha256', expected: 'f'.repeat(64), onProgress: () => {} })).rejects.toThrow(
      `fetch ${base}/nope: HTTP 404`,
    );
    await expect(publishedChecksum(`${base}/CHECKSUM.SHA256`, 'missing.xz', 'sha256')).rejects.toThrow(`${base}/CHECKSUM.SHA256: no sha256 for missing.xz`);
  });

  it.skipIf(spawnSync('xz', ['--version']).status !== 0)('decompresses .xz with the xz tool', async () => {
    const xzFile = path.join(dir, 'x.raw.xz');
    writeFileSync(xzFile, spawnSync('xz', ['-c'], { input: image }).stdout);
    expect(readFileSync(await decompressOnce(xzFile, path.join(dir, 'x.raw'))).equals(image)).toBe(true);
  });
});

describe('first-boot SSH access', () => {
  it('an ed25519 key made once, and a NoCloud seed that installs it for root', async () => {
    const key = await ensureSshKey(path.join(dir, 'ssh'));
    expect(key.publicKey).toMatch(/^ssh-ed25519 \S+ kbench$/);
    expect((await ensureSshKey(path.join(dir, 'ssh'))).publicKey).toBe(key.publicKey);
    const seed = await writeNoCloudSeed(path.join(dir, 'seed'), {
      instanceId: 'kbench-freebsd-15.1',
      hostname: 'kbench-freebsd',
      publicKey: key.publicKey,
      enableSshd: FREEBSD_ENABLE_SSHD,
    });
    expect(readFileSync(path.join(seed, 'meta-data'), 'utf8')).toBe('instance-id: kbench-freebsd-15.1\nlocal-hostname: kbench-freebsd\n');
    const userData = readFileSync(path.join(seed, 'user-data'), 'utf8');
    expect(userData.startsWith('#cloud-config\nruncmd:\n')).toBe(true);
    expect(userData).toContain(JSON.stringify(`echo '${key.publicKey}' > /root/.ssh/authorized_keys`));
    expect(userData).toContain('"sysrc sshd_enable=YES"');
    expect(noCloudUserData(key.publicKey, ALPINE_ENABLE_SSHD)).toContain('"rc-update add sshd default"');
    expect(() => noCloudUserData("ssh-ed25519 AAAA x'; rm -rf /", ALPINE_ENABLE_SSHD)).toThrow(RangeError);
    // qemu shows the seed folder as a FAT disk labelled cidata (vvfat), no image tool needed.
    const { args } = buildQemuArgs({
      arch: 'aarch64',
      accel: 'hvf',
      vcpus: 2,
      memoryMiB: 2048,
      boot: { kind: 'uefi-disk', firmwarePath: '/opt/homebrew/share/qemu/edk2-aarch64-code.fd' },
      disks: [
        { path: '/c/root.qcow2', format: 'qcow2' },
        { fatDir: seed, label: 'cidata' },
      ],
      sshHostPort: 2222,
      serial: { kind: 'file', path: '/c/serial.log' },
      qmpSocketPath: null,
    });
    expect(args).toContain(`if=virtio,format=raw,snapshot=on,file.driver=vvfat,file.dir=${seed},file.label=cidata`);
    expect(args.slice(0, 4)).toEqual(['-machine', 'virt,gic-version=max,highmem=on', '-cpu', 'host']);
  });
});

describe('providers say what they cannot do, in one line', () => {
  it('every provider has a name, an OS and a source; the refusals', () => {
    expect(IMAGE_PROVIDERS.map((p) => p.name)).toEqual([
      'debian-testbed',
      'debian-arm64',
      'alpine-cloud',
      'freebsd-cloudinit',
      'netbsd-official',
      'openbsd-autoinstall',
    ]);
    const byName = Object.fromEntries(IMAGE_PROVIDERS.map((p) => [p.name, p]));
    expect(byName['netbsd-official']!.supports(['stock'], 'aarch64')).toEqual({ ok: true });
    expect(byName['openbsd-autoinstall']!.supports(['stock'], 'aarch64')).toEqual({ ok: true });
    expect(byName['freebsd-cloudinit']!.supports(['stock'], 'aarch64')).toEqual({ ok: true });
    expect(byName['debian-testbed']!.supports(['stock', 'custom'], 'aarch64')).toEqual({
      ok: false,
      reason: 'the Debian testbed is built for amd64; this host is aarch64',
    });
    // An aarch64 guest: emulated on x86_64, accelerated on Apple silicon.
    expect(byName['debian-arm64']!.guestArch).toBe('aarch64');
    expect(byName['debian-arm64']!.supports(['stock', 'custom'], 'x86_64')).toEqual({ ok: true });
    for (const p of IMAGE_PROVIDERS) {
      const answer = p.supports(['stock', 'custom'], 'aarch64');
      if (!answer.ok) expect(answer.reason).not.toMatch(/\n/);
    }
  });

  it('FreeBSD: the UFS image of the release Lima pins, never the ZFS-on-root one', () => {
    expect(freebsdImageUrls('aarch64')).toEqual({
      image:
        'http://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases/VM-IMAGES/15.1-RELEASE/aarch64/Latest/FreeBSD-15.1-RELEASE-arm64-aarch64-BASIC-CLOUDINIT-ufs.raw.xz',
      checksums: 'http://ftp-archive.freebsd.org/pub/FreeBSD-Archive/old-releases/VM-IMAGES/15.1-RELEASE/aarch64/Latest/CHECKSUM.SHA256',
      file: 'FreeBSD-15.1-RELEASE-arm64-aarch64-BASIC-CLOUDINIT-ufs.raw.xz',
    });
  });

  it('finds aarch64 firmware where Homebrew and Debian put it', () => {
    expect(findAarch64Firmware({}, (file) => file === '/opt/homebrew/share/qemu/edk2-aarch64-code.fd')).toBe('/opt/homebrew/share/qemu/edk2-aarch64-code.fd');
    expect(findAarch64Firmware({}, (file) => file === '/usr/share/qemu-efi-aarch64/QEMU_EFI.fd')).toBe('/usr/share/qemu-efi-aarch64/QEMU_EFI.fd');
    expect(findAarch64Firmware({ KBENCH_QEMU_FIRMWARE: '/x.fd' }, () => false)).toBeNull();
  });
});
