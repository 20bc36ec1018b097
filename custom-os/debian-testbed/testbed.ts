/**
 * The Debian 12 ZFS testbed: one raw ext4 image with two kernels (stock and cloud) and OpenZFS
 * built by DKMS for both, cached under ${KBENCH_CACHE:-~/.cache/kbench}/debian-testbed/<key>/.
 * The key hashes every input, a build happens in a temp folder that is renamed into place, and
 * manifest.json is written last: a folder without a valid manifest is never used.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InfraError, InputError } from '../../harness/errors/index.ts';
import { PROJECT_ROOT } from '../../harness/root.ts';
import type { BuildProgress } from '../../harness/progress/index.ts';
import { BuildProgressTracker, formatSeconds } from './build-progress.ts';
import {
  APT_COMPONENTS,
  BASE_PACKAGES,
  canonicalJson,
  DEBIAN_SUITE,
  GUEST_HOSTNAME,
  IMAGE_SIZE,
  KERNEL_PACKAGES,
  ZFS_PACKAGES,
  detectMirrors,
  sha256Hex,
  testbedCacheKey,
  type TestbedInputs,
} from './inputs.ts';
import { MODPROBE_CONF_GUEST_PATH, writeDerivedFolder } from '../lib/derive-image.ts';
import { parseZfsTuning, renderZfsTuning, ZFS_TUNING, ZFS_TUNING_PATH, type RenderedZfsTuning } from './zfs-tuning.ts';
import {
  BUILT_STAGE_FIELDS,
  cachedStage,
  defaultCacheDir,
  failedBuild,
  freshBuildDir,
  imageEntry,
  publishBuild,
  readManifest,
  readTextFiles,
  runBuilderScript,
  secondsSince,
  Sha256Hex,
  prepareDebianBuild,
} from '../lib/build-stage.ts';

/** The cache's home: defined once with the other build-stage helpers (the qemu image provider reads it here). */
export { defaultCacheDir };

const ROOT = fileURLToPath(PROJECT_ROOT);
const BUILDER_SCRIPT = path.join('custom-os', 'debian-testbed', 'build-rootfs.sh');
const BUILDER_LIB = path.join('custom-os', 'debian-testbed', 'rootfs-lib.sh');
export const BUILDER_SCRIPT_PATH = path.join(ROOT, BUILDER_SCRIPT);
/** Re-exported: the tuning file is an input of both Debian testbeds (zfs-tuning.ts names it). */
export { ZFS_TUNING_PATH };
/** Where build-rootfs.sh installs the rendered tuning in the guest (its step 5). */
export { MODPROBE_CONF_GUEST_PATH };
/** The inputs a derived image may differ in from the image it is derived from: the tuning's. */
const TUNING_INPUTS: readonly (keyof TestbedInputs)[] = ['tuningFileSha256', 'renderedTuningSha256'];
/** The custom profile's kernel flavour (linux-image-cloud-amd64). */
export const CUSTOM_KERNEL_GLOB = '*-cloud-amd64';
const SSH_KEY_FILE = 'id_ed25519';

const KernelEntry = z.strictObject({
  release: z.string().min(1),
  kernel: z.string(),
  initrd: z.string(),
  config: z.string(),
  configSha256: Sha256Hex,
  kernelBytes: z.number().int().positive(),
  initrdBytes: z.number().int().positive(),
});

export const TestbedManifest = z.strictObject({
  ...BUILT_STAGE_FIELDS,
  image: z.strictObject({
    file: z.string(),
    apparentBytes: z.number().int().positive(),
    allocatedBytes: z.number().int().nonnegative(),
  }),
  kernels: z.strictObject({ stock: KernelEntry, custom: KernelEntry }),
  /** Versions of the ZFS and kernel packages in the image (dpkg). */
  packageVersions: z.record(z.string(), z.string()),
  sshPrivateKey: z.string(),
  /** Made from the image of this key by writing another tuning into it (deriveTestbed), not built. */
  derivedFrom: Sha256Hex.optional(),
});
export type TestbedManifest = z.infer<typeof TestbedManifest>;

export interface TestbedKernel {
  kernel: string;
  initrd: string;
  config: string;
  release: string;
}

export interface DebianTestbed {
  dir: string;
  manifest: TestbedManifest;
  imagePath: string;
  kernels: { stock: TestbedKernel; custom: TestbedKernel };
  sshKeyPath: string;
}

export interface EnsureOptions {
  /** Replaces ${KBENCH_CACHE:-~/.cache/kbench}; the testbed lives in <cacheDir>/debian-testbed/<key>/. */
  cacheDir?: string;
  /** Build steps, DKMS builds and heartbeats with elapsed and ETA; only called when a build happens. */
  onProgress?: (progress: BuildProgress) => void;
  /**
   * A folder shaped like this repository to read the image's file inputs from (the builder
   * script, the tuning file) instead of this checkout: `kbench gate` points it at one
   * revision's inputs. Default: this checkout.
   */
  inputsRoot?: string;
}

/** Gathers every build input from the repo and the host; nothing is written. */
export async function collectTestbedInputs(inputsRoot: string = ROOT): Promise<{ inputs: TestbedInputs; tuning: RenderedZfsTuning }> {
  const read = (relative: string) =>
    fs.readFile(path.join(inputsRoot, relative), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`${path.join(inputsRoot, relative)}: ${error.code === 'ENOENT' ? 'missing (an input of the Debian testbed)' : error.message}`);
    });
  // One after the other: with several missing, the line names the first, every time.
  const scriptText = await read(BUILDER_SCRIPT);
  const libText = await read(BUILDER_LIB);
  const tuningText = await read(ZFS_TUNING);
  const tuningFileName = ZFS_TUNING;
  const parsed = parseZfsTuning(tuningText, tuningFileName);
  if (!parsed.ok) throw new InputError(parsed.error);
  const tuning = renderZfsTuning(parsed.value, tuningFileName, CUSTOM_KERNEL_GLOB);
  const mirrors = detectMirrors(await readTextFiles('/etc/apt/sources.list', '/etc/apt/sources.list.d', ['.list', '.sources']));
  const inputs: TestbedInputs = {
    suite: DEBIAN_SUITE,
    components: APT_COMPONENTS,
    mirror: mirrors.mirror,
    securityMirror: mirrors.securityMirror,
    hostname: GUEST_HOSTNAME,
    imageSize: IMAGE_SIZE,
    basePackages: BASE_PACKAGES,
    kernelPackages: KERNEL_PACKAGES,
    zfsPackages: ZFS_PACKAGES,
    builderScriptSha256: sha256Hex(scriptText),
    builderLibSha256: sha256Hex(libText),
    tuningFileSha256: sha256Hex(tuningText),
    renderedTuningSha256: sha256Hex(tuning.modprobeConf + tuning.optionsHelper),
  };
  return { inputs, tuning };
}

/** Returns the cached testbed for the current inputs, building it first when there is none. */
export async function ensureDebianTestbed(options: EnsureOptions = {}): Promise<DebianTestbed> {
  const onProgress = options.onProgress ?? (() => {});
  const root = path.join(options.cacheDir ?? defaultCacheDir(), 'debian-testbed');
  await fs.mkdir(root, { recursive: true });
  const inputsRoot = options.inputsRoot ?? ROOT;
  const { inputs, tuning } = await collectTestbedInputs(inputsRoot);
  const key = testbedCacheKey(inputs);
  const dir = path.join(root, key);

  const waitTracker = new BuildProgressTracker(Date.now());
  return cachedStage({
    dir,
    what: 'debian testbed',
    load: () => loadTestbed(dir),
    progress: (message) => onProgress(waitTracker.note(Date.now(), message)),
    build: async () => {
      const source = await findDerivableTestbed(root, inputs);
      if (source !== null) await deriveTestbed(root, source, key, inputs, tuning, onProgress);
      else await buildTestbed(root, key, inputs, tuning, onProgress, path.join(inputsRoot, BUILDER_SCRIPT));
    },
  });
}

/** Reads a finished testbed; null when the folder, its manifest or any listed file is missing. */
export async function loadTestbed(dir: string): Promise<DebianTestbed | null> {
  const manifest = await readManifest(dir, TestbedManifest);
  if (manifest === null) return null;
  const abs = (rel: string) => path.join(dir, rel);
  const kernel = (k: TestbedManifest['kernels']['stock']): TestbedKernel => ({
    kernel: abs(k.kernel),
    initrd: abs(k.initrd),
    config: abs(k.config),
    release: k.release,
  });
  const result: DebianTestbed = {
    dir,
    manifest,
    imagePath: abs(manifest.image.file),
    kernels: { stock: kernel(manifest.kernels.stock), custom: kernel(manifest.kernels.custom) },
    sshKeyPath: abs(manifest.sshPrivateKey),
  };
  const required = [result.imagePath, result.sshKeyPath, ...Object.values(result.kernels).flatMap((k) => [k.kernel, k.initrd, k.config])];
  return required.every((file) => existsSync(file)) ? result : null;
}

async function buildTestbed(
  root: string,
  key: string,
  inputs: TestbedInputs,
  tuning: RenderedZfsTuning,
  onProgress: (progress: BuildProgress) => void,
  builderScript: string,
): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new InputError(
      'building the Debian testbed needs root (debootstrap, chroot, bind mounts): run once as root, e.g. sudo KBENCH_CACHE=<dir> node --import tsx custom-os/debian-testbed/build.ts',
    );
  }
  const started = Date.now();
  const tracker = new BuildProgressTracker(started);
  const tmp = await freshBuildDir(root, key);
  const finalDir = path.join(root, key);
  try {
    onProgress(tracker.note(Date.now(), `building Debian testbed ${key.slice(0, 12)} in ${tmp} (log: ${path.join(tmp, 'build.log')})`));
    const env = await prepareDebianBuild(tmp, inputs, tuning, { file: SSH_KEY_FILE, comment: 'kbench-testbed' });
    await runBuilderScript(
      {
        ...env,
        KB_KERNEL_PACKAGES: [...inputs.kernelPackages.stock, ...inputs.kernelPackages.custom].join(' '),
        KB_ZFS_PACKAGES: inputs.zfsPackages.join(' '),
        KB_IMAGE_SIZE: inputs.imageSize,
      },
      path.join(tmp, 'build.log'),
      tracker,
      onProgress,
      { path: builderScript, label: 'debian testbed build' },
    );

    const manifest = await describeBuild(tmp, key, inputs, started);
    // The image is the read-only base of every boot's copy-on-write overlay.
    await fs.chmod(path.join(tmp, manifest.image.file), 0o444);
    await publishBuild(tmp, finalDir, manifest);
    onProgress(tracker.done(Date.now(), `testbed ready in ${formatSeconds((Date.now() - started) / 1000)}: ${finalDir}`));
  } catch (error) {
    await failedBuild(error, tmp, root);
  }
}

async function describeBuild(dir: string, key: string, inputs: TestbedInputs, started: number): Promise<TestbedManifest> {
  const kernelFiles = await fs.readdir(path.join(dir, 'kernels'));
  const releases = kernelFiles.filter((f) => f.startsWith('vmlinuz-')).map((f) => f.slice('vmlinuz-'.length));
  const custom = releases.filter((r) => r.endsWith('-cloud-amd64'));
  const stock = releases.filter((r) => !r.endsWith('-cloud-amd64'));
  if (custom.length !== 1 || stock.length !== 1) {
    throw new InfraError(`expected one stock and one cloud kernel in ${dir}/kernels, found ${releases.join(', ') || 'none'}`);
  }
  const kernelEntry = async (release: string) => {
    const rel = { kernel: `kernels/vmlinuz-${release}`, initrd: `kernels/initrd.img-${release}`, config: `kernels/config-${release}` };
    const [kernelStat, initrdStat, configText] = await Promise.all([
      fs.stat(path.join(dir, rel.kernel)),
      fs.stat(path.join(dir, rel.initrd)),
      fs.readFile(path.join(dir, rel.config)),
    ]);
    return { release, ...rel, configSha256: sha256Hex(configText), kernelBytes: kernelStat.size, initrdBytes: initrdStat.size };
  };
  const versionsText = await fs.readFile(path.join(dir, 'versions.txt'), 'utf8');
  const packageVersions: Record<string, string> = {};
  const wanted = new Set([...inputs.zfsPackages, ...inputs.kernelPackages.stock, ...inputs.kernelPackages.custom]);
  for (const line of versionsText.split('\n')) {
    const [name, version] = line.split('\t');
    if (name && version && (wanted.has(name) || /^linux-image-\d/.test(name) || name === 'dkms')) packageVersions[name] = version;
  }
  return {
    formatVersion: 1,
    key,
    inputs: { ...inputs },
    builtAt: new Date().toISOString(),
    buildSeconds: secondsSince(started),
    image: await imageEntry(dir, 'disk.raw'),
    kernels: { stock: await kernelEntry(stock[0]!), custom: await kernelEntry(custom[0]!) },
    packageVersions,
    sshPrivateKey: SSH_KEY_FILE,
  };
}

/**
 * A finished image built from the same inputs except the ZFS tuning, or null. The tuning is
 * the only input the builder writes after everything else is installed (build-rootfs.sh step
 * 5: two files, after the kernels and their initrds are made, which therefore do not hold
 * it), so such an image with those two files replaced is what a build from these inputs
 * would make (from the packages the source image got), in seconds instead of a build.
 */
export async function findDerivableTestbed(root: string, inputs: TestbedInputs): Promise<DebianTestbed | null> {
  const withoutTuning = (value: Record<string, unknown>) =>
    canonicalJson(Object.fromEntries(Object.entries(value).filter(([name]) => !(TUNING_INPUTS as string[]).includes(name))));
  const wanted = withoutTuning({ ...inputs });
  const names = (await fs.readdir(root).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{64}$/.test(name)).sort();
  const candidates: DebianTestbed[] = [];
  for (const name of names) {
    const testbed = await loadTestbed(path.join(root, name));
    if (testbed !== null && withoutTuning(testbed.manifest.inputs) === wanted) candidates.push(testbed);
  }
  // A built image first: a derived one holds the same packages, but says less about them.
  return candidates.find((testbed) => testbed.manifest.derivedFrom === undefined) ?? candidates[0] ?? null;
}

/**
 * The image for `key` made from `source`: a sparse copy of its disk with the rendered tuning
 * written in (ext4-files.ts, read back and checked), its kernels hard-linked (they do not
 * depend on the tuning), its SSH key copied (the disk holds its public half). No root needed.
 */
export async function deriveTestbed(
  root: string,
  source: DebianTestbed,
  key: string,
  inputs: TestbedInputs,
  tuning: RenderedZfsTuning,
  onProgress: (progress: BuildProgress) => void,
): Promise<void> {
  const started = Date.now();
  const tracker = new BuildProgressTracker(started);
  const tmp = path.join(root, `.derive-${key.slice(0, 16)}-${process.pid}`);
  const finalDir = path.join(root, key);
  try {
    onProgress(tracker.note(Date.now(), `deriving Debian testbed ${key.slice(0, 12)} from ${source.manifest.key.slice(0, 12)} (only the ZFS tuning differs)`));
    await writeDerivedFolder(tmp, {
      sourceDir: source.dir,
      diskFile: source.manifest.image.file,
      sharedFiles: Object.values(source.manifest.kernels).flatMap((entry) => [entry.kernel, entry.initrd, entry.config]),
      privateKeyFile: source.manifest.sshPrivateKey,
      optionalFiles: [`${source.manifest.sshPrivateKey}.pub`, 'versions.txt'],
      tuning,
    });
    const manifest: TestbedManifest = {
      ...source.manifest,
      key,
      inputs: { ...inputs },
      builtAt: new Date().toISOString(),
      buildSeconds: secondsSince(started),
      image: await imageEntry(tmp, source.manifest.image.file),
      derivedFrom: source.manifest.derivedFrom ?? source.manifest.key,
    };
    await publishBuild(tmp, finalDir, manifest);
    onProgress(tracker.done(Date.now(), `testbed ready in ${formatSeconds((Date.now() - started) / 1000)} (derived): ${finalDir}`));
  } catch (error) {
    await failedBuild(error, tmp, root);
  }
}
