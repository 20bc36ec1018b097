/**
 * The Debian arm64 testbed built from one revision's inputs (kbench gate --target debian-arm64):
 * the files it reads are the ones its qemu provider declares, a tree of them keys exactly like
 * this checkout, and an image whose inputs differ from a built one only in the ZFS tuning is
 * derived from it (no debootstrap, no cross build). The "built image" here is a small ext4 made
 * by mkfs.ext4 -d from a tree laid out as rootfs-lib.sh's configure_guest lays it out, with
 * manifests shaped as testbed.ts writes them (reconstructed from those lines); it needs
 * e2fsprogs only.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zfsModulesKey } from '../../custom-os/debian-arm64/kernel.ts';
import {
  ARM64_INPUT_PATHS,
  arm64ImageKey,
  arm64InputFiles,
  deriveArm64Image,
  findDerivableArm64Image,
  loadArm64Testbed,
  rootfsInputs,
  type Arm64TestbedManifest,
  type RootfsManifest,
} from '../../custom-os/debian-arm64/testbed.ts';
import { imageFileMode, readImageFile } from '../../custom-os/debian-testbed/ext4-files.ts';
import { debianArm64Image } from '../../harness/backends/qemu/images/debian-arm64.ts';
import { InputError } from '../../harness/errors/index.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const TUNING = 'kernels/zfs-m-series-tuning.conf';
const KERNEL_KEY = 'c'.repeat(64);
const ZFS_VERSION = 'zfs-2.3.2';

/** A tree shaped like the repository holding only the image's inputs, the tuning replaced when asked. */
function inputsTree(tuning?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'kbench-arm64-inputs-'));
  for (const file of ARM64_INPUT_PATHS) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(repo, file), path.join(dir, file));
  }
  if (tuning !== undefined) writeFileSync(path.join(dir, TUNING), tuning);
  return dir;
}

/** A finished built image for `inputsRoot`'s stage-1 inputs and KERNEL_KEY, its disk a 16 MiB ext4 holding the rendered tuning. */
async function fakeBuiltImage(cache: string, inputsRoot: string): Promise<string> {
  const files = arm64InputFiles(inputsRoot);
  const plan = await rootfsInputs(files);
  const rootfsDir = path.join(cache, 'debian-arm64', 'rootfs', plan.key);
  mkdirSync(path.join(rootfsDir, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(path.join(rootfsDir, 'rootfs', 'etc', 'os-release'), 'ID=debian\n');
  const rootfsManifest: RootfsManifest = {
    formatVersion: 1,
    key: plan.key,
    inputs: { ...plan.inputs },
    builtAt: '2026-12-04T21:40:00.000Z',
    buildSeconds: 1500,
    stockRelease: '6.12.117+deb12-arm64',
    zfsSource: ZFS_VERSION,
    packageVersions: { 'zfs-dkms': '2.3.2-2~bpo12+1' },
    sshPrivateKey: 'id_ed25519',
  };
  writeFileSync(path.join(rootfsDir, 'manifest.json'), JSON.stringify(rootfsManifest));
  const zfsModules = zfsModulesKey(ZFS_VERSION, readFileSync(files.kernel.zfsScript, 'utf8'), readFileSync(files.kernel.crossLib, 'utf8'));
  const key = arm64ImageKey({ rootfsKey: plan.key, kernelKey: KERNEL_KEY, zfsModules, imageScriptText: readFileSync(files.imageScript, 'utf8') });
  const dir = path.join(cache, 'debian-arm64', key);
  const tree = mkdtempSync(path.join(tmpdir(), 'kbench-arm64-rootfs-'));
  mkdirSync(path.join(tree, 'etc/modprobe.d'), { recursive: true });
  mkdirSync(path.join(tree, 'usr/local/sbin'), { recursive: true });
  writeFileSync(path.join(tree, 'etc/modprobe.d/zfs.conf'), plan.tuning.modprobeConf, { mode: 0o644 });
  writeFileSync(path.join(tree, 'usr/local/sbin/kbench-zfs-options'), plan.tuning.optionsHelper, { mode: 0o755 });
  mkdirSync(path.join(dir, 'kernels'), { recursive: true });
  execFileSync('truncate', ['-s', '16M', path.join(dir, 'disk.raw')]);
  execFileSync('mkfs.ext4', ['-q', '-F', '-E', 'root_owner=0:0', '-d', tree, path.join(dir, 'disk.raw')]);
  const entry = (release: string, initrd: boolean, pageSizeBytes: number) => {
    writeFileSync(path.join(dir, 'kernels', `vmlinuz-${release}`), `kernel ${release}\n`);
    writeFileSync(path.join(dir, 'kernels', `config-${release}`), `CONFIG_ARM64_${pageSizeBytes / 1024}K_PAGES=y\n`);
    if (initrd) writeFileSync(path.join(dir, 'kernels', `initrd.img-${release}`), `initrd ${release}\n`);
    return {
      release,
      kernel: `kernels/vmlinuz-${release}`,
      initrd: initrd ? `kernels/initrd.img-${release}` : null,
      config: `kernels/config-${release}`,
      configSha256: 'a'.repeat(64),
      kernelBytes: 20,
      pageSizeBytes,
    };
  };
  writeFileSync(path.join(dir, 'id_ed25519'), 'not a real key\n', { mode: 0o600 });
  const manifest: Arm64TestbedManifest = {
    formatVersion: 1,
    key,
    rootfsKey: plan.key,
    kernelKey: KERNEL_KEY,
    builtAt: '2026-12-04T21:50:00.000Z',
    buildSeconds: 120,
    image: { file: 'disk.raw', apparentBytes: statSync(path.join(dir, 'disk.raw')).size, allocatedBytes: 0 },
    kernels: { stock: entry('6.12.117+deb12-arm64', true, 4096), custom: entry('6.12.117-m-series', false, 16384) },
    customBuild: { compileSeconds: 3000, imageBytes: 20, moduleCount: 3 },
    packageVersions: { 'zfs-dkms': '2.3.2-2~bpo12+1' },
  };
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

const slowerTuning = () => readFileSync(path.join(repo, TUNING), 'utf8').replace('zfs_fletcher_4_impl=fastest', 'zfs_fletcher_4_impl=scalar');

describe("the Debian arm64 testbed from a revision's inputs", () => {
  it('the qemu provider declares the files the builders read: each exists here, and every file they name under a root is one of them', () => {
    expect(debianArm64Image.buildsFromInputs).toBe(ARM64_INPUT_PATHS);
    for (const file of ARM64_INPUT_PATHS) expect(existsSync(path.join(repo, file)), file).toBe(true);
    const files = arm64InputFiles('/tree');
    const named = [files.rootfsScript, files.rootfsLib, files.imageScript, files.tuning, ...Object.values(files.kernel).flat()].map((file) =>
      path.relative('/tree', file),
    );
    expect([...new Set(named)].sort()).toEqual([...ARM64_INPUT_PATHS]);
  });

  it("a tree holding only those files keys stage 1 exactly like this checkout; another tuning changes only the tuning's input", async () => {
    const checkout = await rootfsInputs();
    const tree = await rootfsInputs(arm64InputFiles(inputsTree()));
    expect(tree.key).toBe(checkout.key);
    const slower = await rootfsInputs(arm64InputFiles(inputsTree(slowerTuning())));
    expect(slower.key).not.toBe(checkout.key);
    const changed = Object.keys(checkout.inputs).filter(
      (name) => JSON.stringify(checkout.inputs[name as keyof typeof checkout.inputs]) !== JSON.stringify(slower.inputs[name as keyof typeof slower.inputs]),
    );
    expect(changed).toEqual(['renderedTuningSha256']);
  });

  it('a revision missing an input is one line naming the file (exit 2)', async () => {
    const tree = inputsTree();
    execFileSync('rm', [path.join(tree, 'custom-os/debian-testbed/rootfs-lib.sh')]);
    const failure = await rootfsInputs(arm64InputFiles(tree)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(InputError);
    expect((failure as InputError).message).toBe(
      `${path.join(tree, 'custom-os/debian-testbed/rootfs-lib.sh')}: missing (an input of the Debian arm64 testbed)`,
    );
  });
});

describe('deriving an arm64 image whose inputs differ only in the ZFS tuning', () => {
  it('finds the built image, writes the other tuning into a copy, and the result loads as the image for its key', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'kbench-arm64-cache-'));
    const sourceDir = await fakeBuiltImage(cache, inputsTree());
    const files = arm64InputFiles(inputsTree(slowerTuning()));
    const plan = await rootfsInputs(files);
    const imageScriptText = readFileSync(files.imageScript, 'utf8');
    const found = await findDerivableArm64Image(cache, { plan, kernelKey: KERNEL_KEY, imageScriptText, files });
    expect(found?.testbed.dir).toBe(sourceDir);
    const key = arm64ImageKey({ rootfsKey: plan.key, kernelKey: KERNEL_KEY, zfsModules: found!.zfsModules, imageScriptText });
    const messages: string[] = [];
    await deriveArm64Image(path.join(cache, 'debian-arm64'), found!.testbed, key, plan, (m) => messages.push(m));
    const derived = await loadArm64Testbed(path.join(cache, 'debian-arm64', key));
    expect(derived).not.toBeNull();
    expect(derived!.manifest.derivedFrom).toBe(path.basename(sourceDir));
    expect(derived!.manifest.rootfsKey).toBe(plan.key);
    expect(derived!.manifest.kernels.custom.pageSizeBytes).toBe(16384);
    expect(await readImageFile(derived!.imagePath, '/usr/local/sbin/kbench-zfs-options')).toBe(plan.tuning.optionsHelper);
    expect(await readImageFile(derived!.imagePath, '/etc/modprobe.d/zfs.conf')).toBe(plan.tuning.modprobeConf);
    expect(await imageFileMode(derived!.imagePath, '/usr/local/sbin/kbench-zfs-options')).toEqual({ mode: 0o755, uid: 0, gid: 0 });
    expect(plan.tuning.optionsHelper).toContain('zfs_fletcher_4_impl=scalar');
    // The source is untouched, and the derived image is never itself a source.
    expect(await readImageFile(path.join(sourceDir, 'disk.raw'), '/usr/local/sbin/kbench-zfs-options')).not.toContain('scalar');
    expect(statSync(derived!.kernels.custom.kernel).ino).toBe(statSync(path.join(sourceDir, 'kernels/vmlinuz-6.12.117-m-series')).ino);
    expect((statSync(derived!.sshKeyPath).mode & 0o777).toString(8)).toBe('600');
    expect(messages.at(-1)).toMatch(/\(derived\)/);
    const again = await findDerivableArm64Image(cache, { plan, kernelKey: KERNEL_KEY, imageScriptText, files });
    expect(again?.testbed.dir).toBe(sourceDir);
  });

  it('another kernel, image script or builder script: not a source (only the tuning may differ)', async () => {
    const cache = mkdtempSync(path.join(tmpdir(), 'kbench-arm64-cache-'));
    await fakeBuiltImage(cache, inputsTree());
    const files = arm64InputFiles(inputsTree(slowerTuning()));
    const plan = await rootfsInputs(files);
    const imageScriptText = readFileSync(files.imageScript, 'utf8');
    expect(await findDerivableArm64Image(cache, { plan, kernelKey: 'd'.repeat(64), imageScriptText, files })).toBeNull();
    expect(await findDerivableArm64Image(cache, { plan, kernelKey: KERNEL_KEY, imageScriptText: `${imageScriptText}# edited\n`, files })).toBeNull();
    const edited = inputsTree(slowerTuning());
    writeFileSync(path.join(edited, 'custom-os/debian-arm64/build-rootfs.sh'), `${readFileSync(files.rootfsScript, 'utf8')}# edited\n`);
    const editedFiles = arm64InputFiles(edited);
    expect(
      await findDerivableArm64Image(cache, { plan: await rootfsInputs(editedFiles), kernelKey: KERNEL_KEY, imageScriptText, files: editedFiles }),
    ).toBeNull();
  });
});
