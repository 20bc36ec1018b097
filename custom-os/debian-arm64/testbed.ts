/**
 * The Debian arm64 ZFS testbed: stock = Debian's own arm64 kernel (linux-image-6.12-arm64, 4K
 * pages), custom = the seed's M-series kernel (kernels/alpine-m-series.config on the same 6.12
 * source: 16K pages), both with OpenZFS 2.3 from bookworm-backports cross-built for them.
 * Three cached stages under ${KBENCH_CACHE:-~/.cache/kbench}: arm64-kernel/<key>/ (kernel.ts),
 * debian-arm64/rootfs/<key>/ (build-rootfs.sh) and debian-arm64/<key>/ (build-image.sh), each
 * keyed by the SHA-256 of its inputs (the image's key includes the other two), each valid only
 * once its manifest.json is written.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { projectFile } from '../../harness/root.ts';
import { InfraError, InputError } from '../../harness/errors/index.ts';
import { canonicalJson, detectMirrors, sha256Hex, APT_COMPONENTS, BASE_PACKAGES, DEBIAN_SUITE } from '../debian-testbed/inputs.ts';
import { parseZfsTuning, renderZfsTuning, ZFS_TUNING, type RenderedZfsTuning } from '../debian-testbed/zfs-tuning.ts';
import { formatSeconds } from '../debian-testbed/build-progress.ts';
import * as stage from '../lib/build-stage.ts';
import { writeDerivedFolder } from '../lib/derive-image.ts';
import { ARM64_INPUT_PATHS, IMAGE_INPUT_FILES } from './input-paths.ts';
import {
  collectKernelInputs,
  ensureMSeriesKernel,
  kernelCacheKey,
  kernelInputFiles,
  zfsModulesKey,
  type KernelInputFiles,
  type MSeriesKernel,
} from './kernel.ts';

// PROJECT_ROOT, not import.meta.url: in the compiled bundle this code runs from dist/.
const ROOT = fileURLToPath(projectFile(''));

export { ARM64_INPUT_PATHS, IMAGE_INPUT_FILES };

/** IMAGE_INPUT_FILES and the kernel's under `root` (this checkout, or one revision's inputs). */
export interface Arm64InputFiles {
  rootfsScript: string;
  rootfsLib: string;
  imageScript: string;
  tuning: string;
  kernel: KernelInputFiles;
}

export function arm64InputFiles(root: string = ROOT): Arm64InputFiles {
  const at = (relative: string) => path.join(root, relative);
  return {
    rootfsScript: at(IMAGE_INPUT_FILES.rootfsScript),
    rootfsLib: at(IMAGE_INPUT_FILES.rootfsLib),
    imageScript: at(IMAGE_INPUT_FILES.imageScript),
    tuning: at(IMAGE_INPUT_FILES.tuning),
    kernel: kernelInputFiles(root),
  };
}

/** Debian's 6.12 arm64 kernel in bookworm(-security): the same 6.12 line as linux-source-6.12. */
export const STOCK_KERNEL_PACKAGE = 'linux-image-6.12-arm64';
export const ZFS_USERLAND_PACKAGES = ['zfsutils-linux'];
export const ZFS_SOURCE_PACKAGE = 'zfs-dkms';
export const GUEST_HOSTNAME = 'kbench-debian-arm64';
export const IMAGE_SIZE = '4G';
/** The custom profile: the M-series kernel's release ends in its CONFIG_LOCALVERSION. */
export const CUSTOM_KERNEL_GLOB = '*-m-series';
const SSH_KEY_FILE = 'id_ed25519';

export const RootfsManifest = z.strictObject({
  ...stage.BUILT_STAGE_FIELDS,
  stockRelease: z.string().min(1),
  /** OpenZFS source folder name, e.g. zfs-2.3.2 (the custom kernel's modules are built from it too). */
  zfsSource: z.string().regex(/^zfs-[0-9][0-9A-Za-z.~+-]*$/),
  packageVersions: z.record(z.string(), z.string()),
  sshPrivateKey: z.literal(SSH_KEY_FILE),
});
export type RootfsManifest = z.infer<typeof RootfsManifest>;

const KernelEntry = z.strictObject({
  release: z.string().min(1),
  kernel: z.string(),
  initrd: z.string().nullable(),
  config: z.string(),
  configSha256: stage.Sha256Hex,
  kernelBytes: z.number().int().positive(),
  /** Kernel page size the config asks for, bytes. */
  pageSizeBytes: z.number().int().positive(),
});

export const Arm64TestbedManifest = z.strictObject({
  formatVersion: z.literal(1),
  key: stage.Sha256Hex,
  rootfsKey: stage.Sha256Hex,
  kernelKey: stage.Sha256Hex,
  builtAt: z.string(),
  buildSeconds: z.number().nonnegative(),
  image: z.strictObject({ file: z.string(), apparentBytes: z.number().int().positive(), allocatedBytes: z.number().int().nonnegative() }),
  kernels: z.strictObject({ stock: KernelEntry, custom: KernelEntry }),
  /** The M-series kernel's own build: compile wall seconds and uncompressed Image bytes. */
  customBuild: z.strictObject({
    compileSeconds: z.number().nonnegative(),
    imageBytes: z.number().int().positive(),
    moduleCount: z.number().int().nonnegative(),
  }),
  packageVersions: z.record(z.string(), z.string()),
  /** Made from the built image of this key by writing another tuning into it (deriveArm64Image), not built. */
  derivedFrom: stage.Sha256Hex.optional(),
});
export type Arm64TestbedManifest = z.infer<typeof Arm64TestbedManifest>;

export interface Arm64Kernel {
  kernel: string;
  initrd: string | null;
  config: string;
  release: string;
}

export interface DebianArm64Testbed {
  dir: string;
  manifest: Arm64TestbedManifest;
  imagePath: string;
  sshKeyPath: string;
  kernels: { stock: Arm64Kernel; custom: Arm64Kernel };
}

export interface EnsureArm64Options {
  cacheDir?: string;
  onProgress?: (message: string) => void;
  /** A folder shaped like this repository holding ARM64_INPUT_PATHS (`kbench gate`: one revision's); default this checkout. */
  inputsRoot?: string;
}

/** Pure: the page size a Linux arm64 .config selects, in bytes; null when it names none. */
export function arm64PageSizeFromConfig(configText: string): number | null {
  for (const [option, bytes] of [
    ['CONFIG_ARM64_4K_PAGES', 4096],
    ['CONFIG_ARM64_16K_PAGES', 16384],
    ['CONFIG_ARM64_64K_PAGES', 65536],
  ] as const) {
    if (new RegExp(`^${option}=y$`, 'm').test(configText)) return bytes;
  }
  return null;
}

/** An input file's text; a missing one is one line naming it (a gate revision may lack it). */
function readInput(file: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: ${error.code === 'ENOENT' ? 'missing (an input of the Debian arm64 testbed)' : error.message}`);
  });
}

/** Stage 1's inputs as its key hashes them (the image stage's key includes that key). */
export interface RootfsInputs {
  arch: 'arm64';
  suite: string;
  components: string;
  mirror: string;
  securityMirror: string;
  hostname: string;
  basePackages: string[];
  stockKernelPackage: string;
  zfsUserland: string[];
  zfsSourcePackage: string;
  builderScriptSha256: string;
  builderLibSha256: string;
  zfsScriptSha256: string;
  crossLibSha256: string;
  renderedTuningSha256: string;
}

export interface RootfsPlan {
  inputs: RootfsInputs;
  tuning: RenderedZfsTuning;
  key: string;
}

/** Stage 1's inputs (files under `files`, the host's apt mirrors) and its key; nothing is written. */
export async function rootfsInputs(files: Arm64InputFiles = arm64InputFiles()): Promise<RootfsPlan> {
  // One after the other: with several missing, the line names the first, every time.
  const scriptText = await readInput(files.rootfsScript);
  const libText = await readInput(files.rootfsLib);
  const zfsScriptText = await readInput(files.kernel.zfsScript);
  const crossLibText = await readInput(files.kernel.crossLib);
  const tuningText = await readInput(files.tuning);
  const tuningFileName = ZFS_TUNING;
  const parsed = parseZfsTuning(tuningText, tuningFileName);
  if (!parsed.ok) throw new InputError(parsed.error);
  const tuning = renderZfsTuning(parsed.value, tuningFileName, CUSTOM_KERNEL_GLOB);
  const mirrors = detectMirrors(await stage.readTextFiles('/etc/apt/sources.list', '/etc/apt/sources.list.d', ['.list', '.sources']));
  const inputs: RootfsInputs = {
    arch: 'arm64',
    suite: DEBIAN_SUITE,
    components: APT_COMPONENTS,
    mirror: mirrors.mirror,
    securityMirror: mirrors.securityMirror,
    hostname: GUEST_HOSTNAME,
    basePackages: BASE_PACKAGES,
    stockKernelPackage: STOCK_KERNEL_PACKAGE,
    zfsUserland: ZFS_USERLAND_PACKAGES,
    zfsSourcePackage: ZFS_SOURCE_PACKAGE,
    builderScriptSha256: sha256Hex(scriptText),
    builderLibSha256: sha256Hex(libText),
    zfsScriptSha256: sha256Hex(zfsScriptText),
    crossLibSha256: sha256Hex(crossLibText),
    renderedTuningSha256: sha256Hex(tuning.modprobeConf + tuning.optionsHelper),
  };
  return { inputs, tuning, key: sha256Hex(canonicalJson(inputs)) };
}

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) {
    throw new InputError(`building the Debian arm64 testbed (${what}) needs root (debootstrap, chroot, bind mounts, a mount namespace): run once as root`);
  }
}

/** Host programs stage 1 needs that the builder script would only miss 20 minutes in. */
export const ROOTFS_HOST_TOOLS: { program: string; package: string; why: string }[] = [
  { program: 'debootstrap', package: 'debootstrap', why: 'the Debian arm64 tree' },
  { program: 'aarch64-linux-gnu-gcc', package: 'gcc-aarch64-linux-gnu', why: 'OpenZFS for the stock kernel' },
  { program: 'pahole', package: 'dwarves', why: "Debian's arm64 headers add BTF to every module (CONFIG_DEBUG_INFO_BTF_MODULES)" },
  { program: 'unshare', package: 'util-linux', why: 'a private mount namespace for the headers' },
];

/** OpenZFS's configure links a test program with the cross compiler: its C library (libc6-dev-arm64-cross). */
export const CROSS_C_LIBRARY = '/usr/aarch64-linux-gnu/lib/crti.o';

/** Pure: the one-line refusal for missing host programs, or null when none is missing. */
export function missingToolsLine(present: (program: string) => boolean, tools = ROOTFS_HOST_TOOLS): string | null {
  const missing = tools.filter((tool) => !present(tool.program));
  if (missing.length === 0) return null;
  return `building the Debian arm64 testbed needs ${missing.map((t) => `${t.program} (${t.why})`).join(', ')}: apt-get install ${[...new Set(missing.map((t) => t.package))].join(' ')} (or sh .ci/prepare-arm64)`;
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, program)));
}

/** Stage 1: the Debian arm64 tree with the stock kernel and its ZFS modules. */
async function ensureRootfs(
  cacheDir: string,
  plan: RootfsPlan,
  files: Arm64InputFiles,
  progress: (m: string) => void,
): Promise<{ dir: string; manifest: RootfsManifest }> {
  const root = path.join(cacheDir, 'debian-arm64', 'rootfs');
  await fs.mkdir(root, { recursive: true });
  const { inputs, tuning, key } = plan;
  const dir = path.join(root, key);
  const load = () => loadRootfs(dir);
  const build = async () => {
    requireRoot('debootstrap --arch arm64');
    const missing = missingToolsLine(onPath);
    if (missing !== null) throw new InputError(missing);
    if (process.arch !== 'arm64' && !existsSync(CROSS_C_LIBRARY))
      throw new InputError(
        `building the Debian arm64 testbed needs the cross compiler's C library (${CROSS_C_LIBRARY} missing: OpenZFS's configure links a test program): apt-get install libc6-dev-arm64-cross (or sh .ci/prepare-arm64)`,
      );
    const started = Date.now();
    const tmp = await stage.freshBuildDir(root, key);
    try {
      progress(`building the Debian arm64 root tree ${key.slice(0, 12)} in ${tmp} (log ${path.join(tmp, 'build.log')})`);
      const env = await stage.prepareDebianBuild(tmp, inputs, tuning, { file: SSH_KEY_FILE, comment: 'kbench-debian-arm64' });
      await stage.runBuilderStep(
        {
          ...env,
          KB_STOCK_KERNEL_PACKAGE: inputs.stockKernelPackage,
          KB_ZFS_USERLAND: inputs.zfsUserland.join(' '),
          KB_ZFS_SOURCE_PACKAGE: inputs.zfsSourcePackage,
          KB_JOBS: String(availableParallelism()),
          KB_ZFS_SCRIPT: files.kernel.zfsScript,
        },
        path.join(tmp, 'build.log'),
        started,
        progress,
        { path: files.rootfsScript, label: 'Debian arm64 root tree build' },
      );
      await stage.publishBuild(tmp, dir, await describeRootfs(tmp, key, { ...inputs }, started));
      progress(`Debian arm64 root tree ready in ${formatSeconds((Date.now() - started) / 1000)}: ${dir}`);
    } catch (error) {
      await stage.failedBuild(error, tmp, root);
    }
  };
  return stage.cachedStage({ dir, what: 'Debian arm64 root tree', load, build, progress });
}

/** A finished stage-1 folder, or null. */
async function loadRootfs(dir: string): Promise<{ dir: string; manifest: RootfsManifest } | null> {
  const manifest = await stage.readManifest(dir, RootfsManifest);
  return manifest && existsSync(path.join(dir, 'rootfs', 'etc', 'os-release')) ? { dir, manifest } : null;
}

/** Pure: `name<TAB>version` lines (dpkg-query) to a map, keeping only the names `keep` accepts. */
export function parsePackageVersions(text: string, keep: (name: string) => boolean): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const [name, version] = line.split('\t');
    if (name && version && keep(name)) versions[name] = version;
  }
  return versions;
}

export async function describeRootfs(dir: string, key: string, inputs: Record<string, unknown>, started: number): Promise<RootfsManifest> {
  const [versions, stockRelease, zfsVersionLine] = await Promise.all([
    fs.readFile(path.join(dir, 'versions.txt'), 'utf8'),
    fs.readFile(path.join(dir, 'stock', 'release'), 'utf8'),
    fs.readFile(path.join(dir, 'zfs-src', 'META'), 'utf8'),
  ]);
  const version = /^Version:\s*(\S+)/m.exec(zfsVersionLine)?.[1];
  if (!version) throw new InfraError(`${path.join(dir, 'zfs-src', 'META')}: field Version: missing`);
  const keep = (name: string) => /^(zfs|libzfs|linux-image-|dkms$)/.test(name) || name === ZFS_SOURCE_PACKAGE;
  return {
    formatVersion: 1,
    key,
    inputs,
    builtAt: new Date().toISOString(),
    buildSeconds: stage.secondsSince(started),
    stockRelease: stockRelease.trim(),
    zfsSource: `zfs-${version}`,
    packageVersions: parsePackageVersions(versions, keep),
    sshPrivateKey: SSH_KEY_FILE,
  };
}

export async function loadArm64Testbed(dir: string): Promise<DebianArm64Testbed | null> {
  const manifest = await stage.readManifest(dir, Arm64TestbedManifest);
  if (!manifest) return null;
  const abs = (rel: string) => path.join(dir, rel);
  const kernel = (k: Arm64TestbedManifest['kernels']['stock']): Arm64Kernel => ({
    kernel: abs(k.kernel),
    initrd: k.initrd === null ? null : abs(k.initrd),
    config: abs(k.config),
    release: k.release,
  });
  const testbed: DebianArm64Testbed = {
    dir,
    manifest,
    imagePath: abs(manifest.image.file),
    sshKeyPath: abs(SSH_KEY_FILE),
    kernels: { stock: kernel(manifest.kernels.stock), custom: kernel(manifest.kernels.custom) },
  };
  const files = [
    testbed.imagePath,
    testbed.sshKeyPath,
    ...Object.values(testbed.kernels).flatMap((k) => [k.kernel, k.config, ...(k.initrd ? [k.initrd] : [])]),
  ];
  return files.every((f) => existsSync(f)) ? testbed : null;
}

/** The image stage's key: the two stages it is made of, the ZFS modules, the image script. */
export function arm64ImageKey(parts: { rootfsKey: string; kernelKey: string; zfsModules: string | null; imageScriptText: string }): string {
  return sha256Hex(
    canonicalJson({
      rootfsKey: parts.rootfsKey,
      kernelKey: parts.kernelKey,
      zfsModules: parts.zfsModules,
      imageSize: IMAGE_SIZE,
      imageScriptSha256: sha256Hex(parts.imageScriptText),
    }),
  );
}

/**
 * Returns the cached Debian arm64 testbed, building whichever stage is missing; when stage 1
 * for these inputs was never built but a built image differs from them only in the ZFS tuning,
 * the image is derived from that one instead (findDerivableArm64Image).
 */
export async function ensureDebianArm64Testbed(options: EnsureArm64Options = {}): Promise<DebianArm64Testbed> {
  const progress = options.onProgress ?? (() => {});
  const cacheDir = options.cacheDir ?? stage.defaultCacheDir();
  const files = arm64InputFiles(options.inputsRoot);
  const plan = await rootfsInputs(files);
  const imageScriptText = await readInput(files.imageScript);
  const root = path.join(cacheDir, 'debian-arm64');
  if ((await loadRootfs(path.join(root, 'rootfs', plan.key))) === null) {
    const kernelKey = kernelCacheKey(await collectKernelInputs(undefined, undefined, files.kernel));
    const source = await findDerivableArm64Image(cacheDir, { plan, kernelKey, imageScriptText, files });
    if (source !== null) {
      const key = arm64ImageKey({ rootfsKey: plan.key, kernelKey, zfsModules: source.zfsModules, imageScriptText });
      const dir = path.join(root, key);
      return stage.cachedStage({
        dir,
        what: 'Debian arm64 image',
        load: () => loadArm64Testbed(dir),
        build: () => deriveArm64Image(root, source.testbed, key, plan, progress),
        progress,
      });
    }
  }
  const rootfs = await ensureRootfs(cacheDir, plan, files, progress);
  const kernel = await ensureMSeriesKernel({
    cacheDir,
    zfs: { source: path.join(rootfs.dir, 'zfs-src'), version: rootfs.manifest.zfsSource },
    onProgress: progress,
    ...(options.inputsRoot === undefined ? {} : { inputsRoot: options.inputsRoot }),
  });
  const key = arm64ImageKey({
    rootfsKey: rootfs.manifest.key,
    kernelKey: kernel.manifest.key,
    zfsModules: kernel.zfs ? path.basename(kernel.zfs.dir) : null,
    imageScriptText,
  });
  const dir = path.join(root, key);
  return stage.cachedStage({
    dir,
    what: 'Debian arm64 image',
    load: () => loadArm64Testbed(dir),
    build: () => {
      requireRoot('mkfs.ext4 of a root-owned tree');
      return buildImage(root, key, rootfs, kernel, files.imageScript, progress);
    },
    progress,
  });
}

/** Stage-1 inputs that a derived image may differ in from its source: the tuning's. */
const TUNING_INPUTS = ['renderedTuningSha256'];

/**
 * A built image (not itself derived) whose stage-1 inputs equal `plan`'s but for the tuning,
 * made from the same kernel and image script: recomputing its key from its stage-1 manifest,
 * the kernel key and the ZFS modules' must give its folder's name, so nothing else can differ.
 */
export async function findDerivableArm64Image(
  cacheDir: string,
  wanted: { plan: RootfsPlan; kernelKey: string; imageScriptText: string; files: Arm64InputFiles },
): Promise<{ testbed: DebianArm64Testbed; zfsModules: string } | null> {
  const withoutTuning = (inputs: object) => canonicalJson(Object.fromEntries(Object.entries(inputs).filter(([name]) => !TUNING_INPUTS.includes(name))));
  const target = withoutTuning(wanted.plan.inputs);
  const root = path.join(cacheDir, 'debian-arm64');
  const [zfsScriptText, crossLibText] = await Promise.all([readInput(wanted.files.kernel.zfsScript), readInput(wanted.files.kernel.crossLib)]);
  const names = (await fs.readdir(root).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{64}$/.test(name)).sort();
  for (const name of names) {
    const testbed = await loadArm64Testbed(path.join(root, name));
    if (testbed === null || testbed.manifest.derivedFrom !== undefined || testbed.manifest.kernelKey !== wanted.kernelKey) continue;
    const rootfs = await stage.readManifest(path.join(root, 'rootfs', testbed.manifest.rootfsKey), RootfsManifest);
    if (rootfs === null || withoutTuning(rootfs.inputs) !== target) continue;
    const zfsModules = zfsModulesKey(rootfs.zfsSource, zfsScriptText, crossLibText);
    const key = arm64ImageKey({ rootfsKey: rootfs.key, kernelKey: wanted.kernelKey, zfsModules, imageScriptText: wanted.imageScriptText });
    if (key === name) return { testbed, zfsModules };
  }
  return null;
}

/** The image for `key` made from `source` with the plan's tuning written in (lib/derive-image.ts). No root needed. */
export async function deriveArm64Image(root: string, source: DebianArm64Testbed, key: string, plan: RootfsPlan, progress: (m: string) => void): Promise<void> {
  const started = Date.now();
  const tmp = path.join(root, `.derive-${key.slice(0, 16)}-${process.pid}`);
  try {
    progress(`deriving the Debian arm64 image ${key.slice(0, 12)} from ${source.manifest.key.slice(0, 12)} (only the ZFS tuning differs)`);
    const kernels = Object.values(source.manifest.kernels);
    await writeDerivedFolder(tmp, {
      sourceDir: source.dir,
      diskFile: source.manifest.image.file,
      sharedFiles: kernels.flatMap((entry) => [entry.kernel, entry.config, ...(entry.initrd === null ? [] : [entry.initrd])]),
      privateKeyFile: SSH_KEY_FILE,
      optionalFiles: [`${SSH_KEY_FILE}.pub`],
      tuning: plan.tuning,
    });
    const manifest: Arm64TestbedManifest = {
      ...source.manifest,
      key,
      rootfsKey: plan.key,
      builtAt: new Date().toISOString(),
      buildSeconds: stage.secondsSince(started),
      image: await stage.imageEntry(tmp, source.manifest.image.file),
      derivedFrom: source.manifest.key,
    };
    await stage.publishBuild(tmp, path.join(root, key), manifest);
    progress(`Debian arm64 testbed ready in ${formatSeconds((Date.now() - started) / 1000)} (derived): ${path.join(root, key)}`);
  } catch (error) {
    await stage.failedBuild(error, tmp, root);
  }
}

async function buildImage(
  root: string,
  key: string,
  rootfs: { dir: string; manifest: RootfsManifest },
  kernel: MSeriesKernel,
  imageScript: string,
  progress: (m: string) => void,
): Promise<void> {
  const started = Date.now();
  const tmp = await stage.freshBuildDir(root, key);
  try {
    progress(`building the Debian arm64 image ${key.slice(0, 12)} in ${tmp}`);
    await stage.runBuilderStep(
      { KB_OUT: tmp, KB_ROOTFS: rootfs.dir, KB_KERNEL_DIR: kernel.dir, KB_ZFS_DIR: kernel.zfs!.dir, KB_IMAGE_SIZE: IMAGE_SIZE },
      path.join(tmp, 'build.log'),
      started,
      progress,
      { path: imageScript, label: 'Debian arm64 image build' },
    );
    await fs.copyFile(path.join(rootfs.dir, SSH_KEY_FILE), path.join(tmp, SSH_KEY_FILE));
    await fs.chmod(path.join(tmp, SSH_KEY_FILE), 0o600);
    const entry = async (release: string, initrd: boolean) => {
      const rel = { kernel: `kernels/vmlinuz-${release}`, initrd: initrd ? `kernels/initrd.img-${release}` : null, config: `kernels/config-${release}` };
      const [stat, configText] = await Promise.all([fs.stat(path.join(tmp, rel.kernel)), fs.readFile(path.join(tmp, rel.config), 'utf8')]);
      const pageSizeBytes = arm64PageSizeFromConfig(configText);
      if (pageSizeBytes === null) throw new InfraError(`${path.join(tmp, rel.config)}: no CONFIG_ARM64_*_PAGES=y`);
      return { release, ...rel, configSha256: sha256Hex(configText), kernelBytes: stat.size, pageSizeBytes };
    };
    const manifest: Arm64TestbedManifest = {
      formatVersion: 1,
      key,
      rootfsKey: rootfs.manifest.key,
      kernelKey: kernel.manifest.key,
      builtAt: new Date().toISOString(),
      buildSeconds: stage.secondsSince(started),
      image: await stage.imageEntry(tmp, 'disk.raw'),
      kernels: { stock: await entry(rootfs.manifest.stockRelease, true), custom: await entry(kernel.manifest.release, false) },
      customBuild: { compileSeconds: kernel.manifest.compileSeconds, imageBytes: kernel.manifest.imageBytes, moduleCount: kernel.manifest.moduleCount },
      packageVersions: rootfs.manifest.packageVersions,
    };
    await fs.chmod(path.join(tmp, 'disk.raw'), 0o444);
    const finalDir = path.join(root, key);
    await stage.publishBuild(tmp, finalDir, manifest);
    progress(`Debian arm64 testbed ready in ${formatSeconds((Date.now() - started) / 1000)}: ${finalDir}`);
  } catch (error) {
    await stage.failedBuild(error, tmp, root);
  }
}
