/**
 * creds.txt onto the FAT partition of a disk image, as kbench does to NetBSD's arm64.img: on disk
 * images built here with the real tools (sfdisk for an MBR or a GPT like the evbarm images',
 * mkfs.fat at the partition's offset), read back with mtools and checked with fsck.fat.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFatPartition } from '../../harness/backends/qemu/images/fat-partition.ts';
import { netbsdCredsText, writeNetbsdCreds } from '../../harness/backends/qemu/images/netbsd-creds.ts';
import { imageProvider } from '../../harness/backends/qemu/images/index.ts';
import { unmetNeeds } from '../helpers/needs.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'kbench-netbsd-creds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKbenchTestKeyOnlyForTheFatImageTestXXXXXXXX kbench';
const tools = ['sfdisk', 'mkfs.fat', 'fsck.fat', 'mcopy', 'mtype'];
const missing = tools.filter((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return false;
  } catch {
    return true;
  }
});
const skip = unmetNeeds(['linux']) ?? (missing.length > 0 ? `needs ${missing.join(', ')} (apt-get install fdisk dosfstools mtools)` : null);
if (skip) process.stderr.write(`skipped: ${skip}\n`);

/** A 64 MiB disk: FAT16 at 16 MiB (like evbarm.conf's `e: MSDOS` at init=32 x 1024 sectors), a NetBSD FFS partition after it. */
function buildImage(table: 'mbr' | 'gpt'): string {
  const image = path.join(dir, `${table}.img`);
  writeFileSync(image, Buffer.alloc(0));
  execFileSync('truncate', ['-s', '64M', image]);
  const layout =
    table === 'gpt'
      ? 'label: gpt\nstart=32768, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=98304, type=49F48D5A-B10E-11DC-B99B-0019D1879648\n'
      : 'label: dos\nstart=32768, size=65536, type=e\nstart=98304, type=a9\n';
  execFileSync('sfdisk', ['-q', image], { input: layout });
  execFileSync('mkfs.fat', ['--offset', '32768', '-n', 'BOOT', image, '32768'], { stdio: 'ignore' });
  return image;
}

function head(image: string): Buffer {
  const buffer = Buffer.alloc(1 << 20);
  const fd = openSync(image, 'r');
  readSync(fd, buffer, 0, buffer.length, 0);
  closeSync(fd);
  return buffer;
}

describe.skipIf(skip !== null)(`creds.txt on a FAT partition${skip ? ` [skipped: ${skip}]` : ''}`, () => {
  for (const table of ['mbr', 'gpt'] as const) {
    it(`${table}: the partition is found, creds.txt written and readable, the file system clean`, async () => {
      const image = buildImage(table);
      expect(findFatPartition(head(image), image)).toEqual({ ok: true, value: { offsetBytes: 16 << 20, sizeBytes: 32 << 20, table } });
      expect(await writeNetbsdCreds(image, KEY)).toBe(16 << 20);
      const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
      expect(execFileSync('mtype', ['-i', `${image}@@${16 << 20}`, '::/creds.txt'], { env, encoding: 'utf8' })).toBe(`sshkey root ${KEY}\n`);
      // Written twice (a new key): replaced, not appended.
      await writeNetbsdCreds(image, KEY.replace('kbench', 'again'));
      expect(execFileSync('mtype', ['-i', `${image}@@${16 << 20}`, '::/creds.txt'], { env, encoding: 'utf8' })).toBe(
        `sshkey root ${KEY.replace('kbench', 'again')}\n`,
      );
      const partition = path.join(dir, `${table}-part.img`);
      execFileSync('dd', [`if=${image}`, `of=${partition}`, 'bs=1M', 'skip=16', 'count=32'], { stdio: 'ignore' });
      execFileSync('fsck.fat', ['-n', partition], { stdio: 'ignore' });
    });
  }

  it('an image without a FAT partition, or not partitioned at all, is one line', async () => {
    const image = path.join(dir, 'ffs-only.img');
    execFileSync('truncate', ['-s', '8M', image]);
    execFileSync('sfdisk', ['-q', image], { input: 'label: dos\nstart=2048, type=a9\n' });
    expect(findFatPartition(head(image), image)).toEqual({ ok: false, error: `${image}: no FAT partition in its MBR (types 0xa9, 0x0, 0x0, 0x0)` });
    await expect(writeNetbsdCreds(image, KEY)).rejects.toThrow(/no FAT partition/);
    const blank = path.join(dir, 'blank.img');
    writeFileSync(blank, Buffer.alloc(1 << 20));
    expect(findFatPartition(readFileSync(blank), blank)).toEqual({ ok: false, error: `${blank}: no MBR boot signature (not a partitioned disk image)` });
  });
});

describe('the NetBSD provider', () => {
  it('creds.txt says sshkey root KEY; a hostile key is refused', () => {
    expect(netbsdCredsText(KEY)).toBe(`sshkey root ${KEY}\n`);
    expect(() => netbsdCredsText(`${KEY}\nuseradd evil`)).toThrow(RangeError);
  });

  it('is an aarch64 guest that plans the official image, the key path and a UEFI boot; custom kernels are refused in one line', () => {
    const provider = imageProvider('netbsd-official')!;
    expect(provider.guestArch).toBe('aarch64');
    expect(provider.source).toMatch(
      /^NetBSD 10\.1 evbarm-aarch64 https:\/\/cdn\.netbsd\.org\/pub\/NetBSD\/NetBSD-10\.1\/evbarm-aarch64\/binary\/gzimg\/arm64\.img\.gz \(SHA-512 from .*SHA512\); root's key as "sshkey root" in creds\.txt/,
    );
    expect(provider.bootOf('stock')).toMatch(/edk2 UEFI firmware.*ssh root with .*images\/netbsd\/10\.1\/ssh\/id_ed25519$/);
    expect(provider.supports(['stock'], 'x86_64')).toEqual({ ok: true });
    expect(provider.supports(['stock', 'custom'], 'aarch64')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^qemu cannot hand NetBSD a custom kernel/),
    });
  });
});
