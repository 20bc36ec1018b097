/**
 * A testbed whose inputs differ from a cached image only in the ZFS tuning is derived from it:
 * the tuning's two files written into a copy of its ext4 disk (debugfs, no root, no mount), in
 * seconds instead of a 15-minute build. The "cached image" here is a small ext4 made by
 * mkfs.ext4 -d from a tree laid out as build-rootfs.sh step 5 lays it out (reconstructed from
 * those lines), so the test needs e2fsprogs and nothing else.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageFileMode, readImageFile } from '../../custom-os/debian-testbed/ext4-files.ts';
import { testbedCacheKey } from '../../custom-os/debian-testbed/inputs.ts';
import {
  collectTestbedInputs,
  deriveTestbed,
  ensureDebianTestbed,
  findDerivableTestbed,
  loadTestbed,
  type TestbedManifest,
} from '../../custom-os/debian-testbed/testbed.ts';

const repo = path.resolve(import.meta.dirname, '../..');

/** A tree shaped like the repository with only the testbed's file inputs, its tuning replaced when asked. */
function inputsTree(tuning?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-derive-inputs-'));
  cpSync(path.join(repo, 'custom-os/debian-testbed'), path.join(dir, 'custom-os/debian-testbed'), { recursive: true });
  mkdirSync(path.join(dir, 'kernels'));
  writeFileSync(path.join(dir, 'kernels/zfs-m-series-tuning.conf'), tuning ?? readFileSync(path.join(repo, 'kernels/zfs-m-series-tuning.conf'), 'utf8'));
  return dir;
}

/** A finished cached testbed for `inputsRoot` whose disk is a 16 MiB ext4 holding the rendered tuning. */
async function fakeCachedTestbed(cache: string, inputsRoot: string): Promise<string> {
  const { inputs, tuning } = await collectTestbedInputs(inputsRoot);
  const key = testbedCacheKey(inputs);
  const dir = path.join(cache, 'debian-testbed', key);
  const rootfs = mkdtempSync(path.join(tmpdir(), 'kbench-derive-rootfs-'));
  mkdirSync(path.join(rootfs, 'etc/modprobe.d'), { recursive: true });
  mkdirSync(path.join(rootfs, 'usr/local/sbin'), { recursive: true });
  writeFileSync(path.join(rootfs, 'etc/modprobe.d/zfs.conf'), tuning.modprobeConf, { mode: 0o644 });
  writeFileSync(path.join(rootfs, 'usr/local/sbin/kbench-zfs-options'), tuning.optionsHelper, { mode: 0o755 });
  writeFileSync(path.join(rootfs, 'etc/hostname'), 'kbench-debian\n');
  mkdirSync(path.join(dir, 'kernels'), { recursive: true });
  execFileSync('truncate', ['-s', '16M', path.join(dir, 'disk.raw')]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'root_owner=0:0', '-d', rootfs, path.join(dir, 'disk.raw')]);
  const kernel = (release: string) => {
    for (const [name, text] of [
      ['vmlinuz', 'kernel'],
      ['initrd.img', 'initrd'],
      ['config', 'CONFIG_ZFS=m'],
    ] as const)
      writeFileSync(path.join(dir, 'kernels', `${name}-${release}`), `${text} ${release}\n`);
    return {
      release,
      kernel: `kernels/vmlinuz-${release}`,
      initrd: `kernels/initrd.img-${release}`,
      config: `kernels/config-${release}`,
      configSha256: 'a'.repeat(64),
      kernelBytes: 15,
      initrdBytes: 15,
    };
  };
  writeFileSync(path.join(dir, 'id_ed25519'), 'not a real key\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'id_ed25519.pub'), 'ssh-ed25519 AAAA kbench-testbed\n');
  writeFileSync(path.join(dir, 'versions.txt'), 'zfs-dkms\t2.3.2-2~bpo12+1\n');
  const manifest: TestbedManifest = {
    formatVersion: 1,
    key,
    inputs: { ...inputs },
    builtAt: '2026-12-03T08:00:00.000Z',
    buildSeconds: 900,
    image: { file: 'disk.raw', apparentBytes: statSync(path.join(dir, 'disk.raw')).size, allocatedBytes: 0 },
    kernels: { stock: kernel('6.1.0-41-amd64'), custom: kernel('6.1.0-41-cloud-amd64') },
    packageVersions: { 'zfs-dkms': '2.3.2-2~bpo12+1' },
    sshPrivateKey: 'id_ed25519',
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('deriving a testbed whose inputs differ only in the ZFS tuning', () => {
  it('finds the cached image, writes the other tuning into a copy, and the result is the cache entry for its key', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'kbench-derive-cache-'));
    const sourceDir = await fakeCachedTestbed(cache, inputsTree());
    const slowTuning = `${readFileSync(path.join(repo, 'kernels/zfs-m-series-tuning.conf'), 'utf8').replace('zfs_fletcher_4_impl=fastest', 'zfs_fletcher_4_impl=scalar')}`;
    const slowed = inputsTree(slowTuning);
    const { inputs, tuning } = await collectTestbedInputs(slowed);
    const key = testbedCacheKey(inputs);
    expect(key).not.toBe(path.basename(sourceDir));

    const source = await findDerivableTestbed(path.join(cache, 'debian-testbed'), inputs);
    expect(source?.dir).toBe(sourceDir);
    const notes: string[] = [];
    await deriveTestbed(path.join(cache, 'debian-testbed'), source!, key, inputs, tuning, (progress) => notes.push(progress.message));
    expect(notes.join('\n')).toMatch(/deriving Debian testbed [0-9a-f]{12} from [0-9a-f]{12} \(only the ZFS tuning differs\)/);

    const derived = await loadTestbed(path.join(cache, 'debian-testbed', key));
    expect(derived).not.toBeNull();
    expect(derived!.manifest.derivedFrom).toBe(path.basename(sourceDir));
    expect(derived!.manifest.inputs).toEqual({ ...inputs });
    const helper = await readImageFile(derived!.imagePath, '/usr/local/sbin/kbench-zfs-options');
    expect(helper).toBe(tuning.optionsHelper);
    expect(helper).toMatch(/zfs_fletcher_4_impl=scalar/);
    expect(await imageFileMode(derived!.imagePath, '/usr/local/sbin/kbench-zfs-options')).toEqual({ mode: 0o755, uid: 0, gid: 0 });
    expect(await readImageFile(derived!.imagePath, '/etc/modprobe.d/zfs.conf')).toBe(tuning.modprobeConf);
    // Everything else in the disk is the source's; the source is untouched.
    expect(await readImageFile(derived!.imagePath, '/etc/hostname')).toBe('kbench-debian\n');
    expect(await readImageFile(source!.imagePath, '/usr/local/sbin/kbench-zfs-options')).toMatch(/zfs_fletcher_4_impl=fastest/);
    expect(statSync(derived!.imagePath).mode & 0o777).toBe(0o444);
    expect(readFileSync(derived!.kernels.custom.kernel, 'utf8')).toBe('kernel 6.1.0-41-cloud-amd64\n');

    // The next ensure for these inputs is a cache hit on the derived folder: no build, no second derivation.
    const again = await ensureDebianTestbed({ cacheDir: cache, inputsRoot: slowed, onProgress: (progress) => notes.push(progress.message) });
    expect(again.dir).toBe(derived!.dir);
    expect(notes.filter((line) => /deriving/.test(line))).toHaveLength(1);
  });

  it('an image built from another builder script is not a source: only the tuning may differ', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'kbench-derive-cache-'));
    await fakeCachedTestbed(cache, inputsTree());
    const otherScript = inputsTree();
    writeFileSync(
      path.join(otherScript, 'custom-os/debian-testbed/build-rootfs.sh'),
      `${readFileSync(path.join(otherScript, 'custom-os/debian-testbed/build-rootfs.sh'), 'utf8')}\n# another step\n`,
    );
    const { inputs } = await collectTestbedInputs(otherScript);
    expect(await findDerivableTestbed(path.join(cache, 'debian-testbed'), inputs)).toBeNull();
  });

  it('a missing input file in the tree is one line naming it (exit 2)', async () => {
    const tree = mkdtempSync(path.join(tmpdir(), 'kbench-derive-empty-'));
    await expect(collectTestbedInputs(tree)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/custom-os\/debian-testbed\/build-rootfs\.sh: missing \(an input of the Debian testbed\)$/),
    });
  });
});
