/**
 * The seed's M-series arm64 kernel, cross-built here by kernels/build-arm64-linux-kernel.sh from
 * Debian's linux-source-6.12 and kernels/alpine-m-series.config, cached under
 * ${KBENCH_CACHE:-~/.cache/kbench}/arm64-kernel/<key>/ like the testbeds: the key hashes the
 * source tarball, the fragment's option lines, the script, the page size and the cross compiler.
 * OpenZFS modules for it are a second, cheap step (kernels/build-zfs-modules.sh)
 * into <key>/zfs/<zfs key>/, keyed by the OpenZFS version and that script's text.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sha256File } from '../../harness/fs/canonical.ts';
import { projectFile } from '../../harness/root.ts';
import { InputError } from '../../harness/errors/index.ts';
import {
  BUILT_STAGE_FIELDS,
  cachedStage,
  defaultCacheDir,
  emptyBuildDir,
  failedBuild,
  MANIFEST_FILE,
  readManifest,
  runBuilderStep,
  secondsSince,
  Sha256Hex,
} from '../lib/build-stage.ts';
import { formatSeconds } from '../debian-testbed/build-progress.ts';
import { canonicalJson, sha256Hex } from '../debian-testbed/inputs.ts';
import { KERNEL_INPUT_FILES, type KernelInputFiles } from './input-paths.ts';

// PROJECT_ROOT, not import.meta.url: in the compiled bundle this code runs from dist/.
const ROOT = fileURLToPath(projectFile(''));

export { KERNEL_INPUT_FILES, type KernelInputFiles };

/** KERNEL_INPUT_FILES under `root` (default: this checkout). */
export function kernelInputFiles(root: string = ROOT): KernelInputFiles {
  const at = (relative: string) => path.join(root, relative);
  const files = KERNEL_INPUT_FILES;
  return {
    script: at(files.script),
    crossLib: at(files.crossLib),
    checker: at(files.checker),
    fragments: files.fragments.map(at),
    zfsScript: at(files.zfsScript),
  };
}

const CHECKOUT_FILES = kernelInputFiles();
export const ZFS_SCRIPT_PATH = CHECKOUT_FILES.zfsScript;
export const CROSS_LIB_PATH = CHECKOUT_FILES.crossLib;
/** Debian's package of the kernel.org 6.12 LTS source (the line Alpine 3.21 ships). */
export const DEFAULT_LINUX_SOURCE = '/usr/src/linux-source-6.12.tar.xz';
const CROSS_GCC = 'aarch64-linux-gnu-gcc';

export interface KernelInputs {
  linuxSourceSha256: string;
  /** Each fragment's option lines only, in merge order: comments do not change the kernel. */
  fragmentOptionsSha256: string[];
  scriptSha256: string;
  /** arm64-cross.sh, which the script sources. */
  crossLibSha256: string;
  baseConfig: 'virtconfig';
  pageSize: '16k' | '4k';
  compiler: string;
}

export const KernelManifest = z.strictObject({
  /** buildSeconds: the whole script's wall seconds. */
  ...BUILT_STAGE_FIELDS,
  /** Wall seconds of `make Image modules` alone. */
  compileSeconds: z.number().nonnegative(),
  release: z.string().min(1),
  imageBytes: z.number().int().positive(),
  configSha256: Sha256Hex,
  moduleCount: z.number().int().nonnegative(),
});

export const ZfsModulesManifest = z.strictObject({
  formatVersion: z.literal(1),
  /** e.g. zfs-2.3.2 */
  version: z.string().min(1),
  scriptSha256: Sha256Hex,
  builtAt: z.string(),
  buildSeconds: z.number().nonnegative(),
  modules: z.array(z.string().regex(/^[a-z0-9_]+\.ko$/)).min(1),
});
export type ZfsModulesManifest = z.infer<typeof ZfsModulesManifest>;
export type KernelManifest = z.infer<typeof KernelManifest>;

export interface MSeriesKernel {
  dir: string;
  manifest: KernelManifest;
  image: string;
  config: string;
  modulesTar: string;
  /** OpenZFS modules built against this kernel, when they were asked for. */
  zfs: { dir: string; manifest: ZfsModulesManifest } | null;
}

/** Pure: the option lines of a Kconfig fragment, in order (what merge_config.sh acts on). */
export function fragmentOptionLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^CONFIG_[A-Za-z0-9_]+=/.test(line) || /^# CONFIG_[A-Za-z0-9_]+ is not set$/.test(line));
}

export function kernelCacheKey(inputs: KernelInputs): string {
  return sha256Hex(canonicalJson(inputs));
}

/** Defined once in harness/fs (kbench build sums the artifacts with it too). */
export { sha256File };

/** First line of `<cross gcc> --version`; InputError when the cross compiler is missing. */
export async function crossCompilerVersion(): Promise<string> {
  const output = await new Promise<string | null>((resolve) => {
    const child = spawn(CROSS_GCC, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? out : null));
  });
  if (output === null) throw new InputError(`${CROSS_GCC} not found: the arm64 kernel is cross-built (apt-get install gcc-aarch64-linux-gnu)`);
  return output.split('\n')[0]!.trim();
}

export async function collectKernelInputs(
  linuxSource = DEFAULT_LINUX_SOURCE,
  pageSize: '16k' | '4k' = '16k',
  files: KernelInputFiles = CHECKOUT_FILES,
): Promise<KernelInputs> {
  if (!existsSync(linuxSource)) {
    throw new InputError(`Linux source ${linuxSource} not found (apt-get install linux-source-6.12, or pass another tarball)`);
  }
  const [scriptText, crossLibText, fragmentTexts, linuxSourceSha256, compiler] = await Promise.all([
    readInput(files.script),
    readInput(files.crossLib),
    Promise.all(files.fragments.map(readInput)),
    sha256File(linuxSource),
    crossCompilerVersion(),
  ]);
  return {
    linuxSourceSha256,
    fragmentOptionsSha256: fragmentTexts.map((text) => sha256Hex(fragmentOptionLines(text).join('\n'))),
    scriptSha256: sha256Hex(scriptText),
    crossLibSha256: sha256Hex(crossLibText),
    baseConfig: 'virtconfig',
    pageSize,
    compiler,
  };
}

/** An input file's text; a missing one is one line naming it (a gate revision may lack it). */
function readInput(file: string): Promise<string> {
  return fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InputError(`${file}: ${error.code === 'ENOENT' ? 'missing (an input of the M-series kernel)' : error.message}`);
  });
}

/**
 * The folder name of OpenZFS `version`'s modules for a kernel: they depend on the version and on
 * the two scripts that build them, nothing else of the repository.
 */
export function zfsModulesKey(version: string, zfsScriptText: string, crossLibText: string): string {
  return sha256Hex(canonicalJson({ version, scriptSha256: sha256Hex(zfsScriptText), crossLibSha256: sha256Hex(crossLibText) }));
}

export async function loadKernel(dir: string): Promise<MSeriesKernel | null> {
  const manifest = await readManifest(dir, KernelManifest);
  if (manifest === null) return null;
  const kernel: MSeriesKernel = {
    dir,
    manifest,
    image: path.join(dir, 'Image'),
    config: path.join(dir, 'config'),
    modulesTar: path.join(dir, 'modules.tar.gz'),
    zfs: null,
  };
  return [kernel.image, kernel.config, kernel.modulesTar, path.join(dir, 'build', '.config')].every((f) => existsSync(f)) ? kernel : null;
}

export interface EnsureKernelOptions {
  cacheDir?: string;
  linuxSource?: string;
  pageSize?: '16k' | '4k';
  /** OpenZFS source tree to build modules from (zfs-dkms's /usr/src/zfs-*) and its name (zfs-2.3.2), or null for none. */
  zfs?: { source: string; version: string } | null;
  jobs?: number;
  onProgress?: (message: string) => void;
  /** A folder shaped like this repository to read KERNEL_INPUT_FILES from (default: this checkout). */
  inputsRoot?: string;
}

/** The cached M-series kernel for the current inputs (with OpenZFS modules when asked), building what is missing. */
export async function ensureMSeriesKernel(options: EnsureKernelOptions = {}): Promise<MSeriesKernel> {
  const progress = options.onProgress ?? (() => {});
  const root = path.join(options.cacheDir ?? defaultCacheDir(), 'arm64-kernel');
  await fs.mkdir(root, { recursive: true });
  const files = options.inputsRoot === undefined ? CHECKOUT_FILES : kernelInputFiles(options.inputsRoot);
  const inputs = await collectKernelInputs(options.linuxSource, options.pageSize, files);
  const key = kernelCacheKey(inputs);
  const dir = path.join(root, key);
  const jobs = String(options.jobs ?? availableParallelism());

  const kernel = await cachedStage({
    dir,
    what: 'M-series kernel',
    load: () => loadKernel(dir),
    build: () => buildKernel(root, key, inputs, files, options.linuxSource ?? DEFAULT_LINUX_SOURCE, jobs, progress),
    progress,
  });
  const wanted = options.zfs;
  if (!wanted) return kernel;
  const [zfsScriptText, crossLibText] = await Promise.all([readInput(files.zfsScript), readInput(files.crossLib)]);
  const scriptSha256 = sha256Hex(zfsScriptText);
  const zfsDir = path.join(dir, 'zfs', zfsModulesKey(wanted.version, zfsScriptText, crossLibText));
  await fs.mkdir(path.dirname(zfsDir), { recursive: true });
  const zfs = await cachedStage({
    dir: zfsDir,
    what: `OpenZFS ${wanted.version} modules`,
    load: () => loadZfsModules(zfsDir),
    build: () => buildZfsModules(kernel, wanted, zfsDir, scriptSha256, files, jobs, progress),
    progress,
  });
  return { ...kernel, zfs: { dir: zfsDir, manifest: zfs } };
}

async function loadZfsModules(dir: string): Promise<ZfsModulesManifest | null> {
  const manifest = await readManifest(dir, ZfsModulesManifest);
  return manifest?.modules.every((m) => existsSync(path.join(dir, m))) ? manifest : null;
}

async function buildZfsModules(
  kernel: MSeriesKernel,
  zfs: { source: string; version: string },
  dir: string,
  scriptSha256: string,
  files: KernelInputFiles,
  jobs: string,
  progress: (m: string) => void,
): Promise<ZfsModulesManifest> {
  const started = Date.now();
  await emptyBuildDir(dir);
  progress(`OpenZFS ${zfs.version} modules for ${kernel.manifest.release} (log ${path.join(dir, 'build.log')})`);
  const script = path.join(dir, path.basename(files.zfsScript));
  await fs.copyFile(files.zfsScript, script);
  await fs.copyFile(files.crossLib, path.join(dir, path.basename(files.crossLib)));
  await runBuilderStep({}, path.join(dir, 'steps.log'), started, progress, {
    path: script,
    args: ['--zfs-src', zfs.source, '--linux', path.join(kernel.dir, 'src'), '--linux-obj', path.join(kernel.dir, 'build'), '--out', dir, '--jobs', jobs],
    label: `OpenZFS ${zfs.version} build for ${kernel.manifest.release}`,
  });
  const manifest: ZfsModulesManifest = {
    formatVersion: 1,
    version: zfs.version,
    scriptSha256,
    builtAt: new Date().toISOString(),
    buildSeconds: secondsSince(started),
    modules: (await fs.readdir(dir)).filter((f) => f.endsWith('.ko')).sort(),
  };
  await fs.writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * The script, its checker and the fragments, copied into <dir>/inputs/ and run from there: the
 * text that ran is the text that was hashed, and editing the repository mid-build cannot reach a
 * running shell (sh reads its script as it goes).
 */
async function copyBuildInputs(dir: string, files: KernelInputFiles): Promise<{ path: string; fragmentArgs: string[] }> {
  const inputsDir = path.join(dir, 'inputs');
  await fs.mkdir(inputsDir, { recursive: true });
  const fragmentArgs: string[] = [];
  for (const file of [files.script, files.crossLib, files.checker, ...files.fragments]) {
    await fs.copyFile(file, path.join(inputsDir, path.basename(file)));
    if (files.fragments.includes(file)) fragmentArgs.push('--fragment', path.join(inputsDir, path.basename(file)));
  }
  return { path: path.join(inputsDir, path.basename(files.script)), fragmentArgs };
}

/**
 * Builds in the final folder itself: the kernel tree records its absolute path, so it cannot be
 * renamed afterwards. manifest.json is written last, and a folder without one is never used.
 */
async function buildKernel(
  root: string,
  key: string,
  inputs: KernelInputs,
  files: KernelInputFiles,
  linuxSource: string,
  jobs: string,
  progress: (m: string) => void,
): Promise<void> {
  const started = Date.now();
  const dir = path.join(root, key);
  await emptyBuildDir(dir);
  try {
    progress(`cross-building the M-series kernel ${key.slice(0, 12)} in ${dir} (log ${path.join(dir, 'build.log')}; about an hour on 2 busy cores)`);
    const script = await copyBuildInputs(dir, files);
    await runBuilderStep({}, path.join(dir, 'build.log'), started, progress, {
      path: script.path,
      args: ['--source', linuxSource, '--out', dir, '--page-size', inputs.pageSize, '--jobs', jobs, ...script.fragmentArgs],
      label: 'M-series kernel build',
    });
    const manifest = await describeKernelBuild(dir, key, inputs, (Date.now() - started) / 1000);
    await fs.writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    progress(`M-series kernel ${manifest.release} ready in ${formatSeconds((Date.now() - started) / 1000)}: ${dir}`);
  } catch (error) {
    await failedBuild(error, dir, root);
  }
}

/**
 * Reads what the script left in `dir` (Image, config, release, build-seconds, modules.tar.gz).
 */
export async function describeKernelBuild(dir: string, key: string, inputs: KernelInputs, buildSeconds: number): Promise<KernelManifest> {
  const [image, configText, release, compileSeconds, modulesOrder] = await Promise.all([
    fs.stat(path.join(dir, 'Image')),
    fs.readFile(path.join(dir, 'config')),
    fs.readFile(path.join(dir, 'release'), 'utf8'),
    fs.readFile(path.join(dir, 'build-seconds'), 'utf8'),
    fs.readFile(path.join(dir, 'build', 'modules.order'), 'utf8').catch(() => ''),
  ]);
  return {
    formatVersion: 1,
    key,
    inputs: { ...inputs },
    builtAt: new Date().toISOString(),
    compileSeconds: Number.parseInt(compileSeconds.trim(), 10),
    buildSeconds: Math.round(buildSeconds * 10) / 10,
    release: release.trim(),
    imageBytes: image.size,
    configSha256: sha256Hex(configText),
    moduleCount: modulesOrder.split('\n').filter((line) => line.trim() !== '').length,
  };
}
