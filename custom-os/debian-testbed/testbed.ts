/**
 * The Debian 12 ZFS testbed: one raw ext4 image with two kernels (stock and cloud) and OpenZFS
 * built by DKMS for both, cached under ${KBENCH_CACHE:-~/.cache/kbench}/debian-testbed/<key>/.
 * The key hashes every input, a build happens in a temp folder that is renamed into place, and
 * manifest.json is written last: a folder without a valid manifest is never used.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { InfraError, InputError, KbenchError } from '../../harness/errors/index.ts';
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
  extractAptProxySettings,
  sha256Hex,
  testbedCacheKey,
  type TestbedInputs,
} from './inputs.ts';
import { writeImageFiles } from './ext4-files.ts';
import { OPTIONS_HELPER_GUEST_PATH, parseZfsTuning, renderZfsTuning, type RenderedZfsTuning } from './zfs-tuning.ts';

const ROOT = fileURLToPath(PROJECT_ROOT);
const BUILDER_SCRIPT = path.join('custom-os', 'debian-testbed', 'build-rootfs.sh');
const ZFS_TUNING = path.join('kernels', 'zfs-m-series-tuning.conf');
export const BUILDER_SCRIPT_PATH = path.join(ROOT, BUILDER_SCRIPT);
export const ZFS_TUNING_PATH = path.join(ROOT, ZFS_TUNING);
/** Where build-rootfs.sh installs the rendered tuning in the guest (its step 5). */
export const MODPROBE_CONF_GUEST_PATH = '/etc/modprobe.d/zfs.conf';
/** The inputs a derived image may differ in from the image it is derived from: the tuning's. */
const TUNING_INPUTS: readonly (keyof TestbedInputs)[] = ['tuningFileSha256', 'renderedTuningSha256'];
/** The custom profile's kernel flavour (linux-image-cloud-amd64). */
export const CUSTOM_KERNEL_GLOB = '*-cloud-amd64';
const MANIFEST_FILE = 'manifest.json';
const SSH_KEY_FILE = 'id_ed25519';

const KernelEntry = z.strictObject({
  release: z.string().min(1),
  kernel: z.string(),
  initrd: z.string(),
  config: z.string(),
  configSha256: z.string().regex(/^[0-9a-f]{64}$/),
  kernelBytes: z.number().int().positive(),
  initrdBytes: z.number().int().positive(),
});

export const TestbedManifest = z.strictObject({
  formatVersion: z.literal(1),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.record(z.string(), z.unknown()),
  builtAt: z.string(),
  buildSeconds: z.number().nonnegative(),
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
  derivedFrom: z.string().regex(/^[0-9a-f]{64}$/).optional(),
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

export function defaultCacheDir(): string {
  return process.env.KBENCH_CACHE || path.join(homedir(), '.cache', 'kbench');
}

/** Gathers every build input from the repo and the host; nothing is written. */
export async function collectTestbedInputs(inputsRoot: string = ROOT): Promise<{ inputs: TestbedInputs; tuning: RenderedZfsTuning }> {
  const read = (relative: string) =>
    fs.readFile(path.join(inputsRoot, relative), 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new InputError(`${path.join(inputsRoot, relative)}: ${error.code === 'ENOENT' ? 'missing (an input of the Debian testbed)' : error.message}`);
    });
  const [scriptText, tuningText] = await Promise.all([read(BUILDER_SCRIPT), read(ZFS_TUNING)]);
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
    tuningFileSha256: sha256Hex(tuningText),
    renderedTuningSha256: sha256Hex(tuning.modprobeConf + tuning.optionsHelper),
  };
  return { inputs, tuning };
}

export async function readTextFiles(singleFile: string, dir: string, suffixes: string[]): Promise<{ name: string; text: string }[]> {
  const files: { name: string; text: string }[] = [];
  const tryRead = async (file: string) => {
    try {
      files.push({ name: file, text: await fs.readFile(file, 'utf8') });
    } catch {
      // A missing or unreadable apt file simply contributes nothing.
    }
  };
  await tryRead(singleFile);
  let names: string[] = [];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch {
    names = [];
  }
  for (const name of names) if (suffixes.some((s) => name.endsWith(s))) await tryRead(path.join(dir, name));
  return files;
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

  const cached = await loadTestbed(dir);
  if (cached) return cached;

  const waitTracker = new BuildProgressTracker(Date.now());
  const release = await acquireBuildLock(path.join(root, `${key}.lock`), dir, (message) => onProgress(waitTracker.note(Date.now(), message)));
  try {
    // Another process may have finished the build while we waited for the lock.
    const builtMeanwhile = await loadTestbed(dir);
    if (builtMeanwhile) return builtMeanwhile;
    const source = await findDerivableTestbed(root, inputs);
    if (source !== null) await deriveTestbed(root, source, key, inputs, tuning, onProgress);
    else await buildTestbed(root, key, inputs, tuning, onProgress, path.join(inputsRoot, BUILDER_SCRIPT));
  } finally {
    await release();
  }
  const built = await loadTestbed(dir);
  if (!built) throw new InfraError(`debian testbed build finished but ${path.join(dir, MANIFEST_FILE)} is missing or invalid`);
  return built;
}

/** Reads a finished testbed; null when the folder, its manifest or any listed file is missing. */
export async function loadTestbed(dir: string): Promise<DebianTestbed | null> {
  let manifest: TestbedManifest;
  try {
    const parsed = TestbedManifest.safeParse(JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')));
    if (!parsed.success) return null;
    manifest = parsed.data;
  } catch {
    return null;
  }
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

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One builder per key across processes; a lock left by a dead process is taken over. */
export async function acquireBuildLock(lockFile: string, dir: string, progress: (m: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async () => {
        await fs.rm(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await fs.readFile(lockFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
      if (!announced) progress(`waiting for process ${owner}, which is building the testbed into ${dir}`);
      announced = true;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      continue;
    }
    // A fresh lock may not have its pid written yet: only remove it once it is clearly stale.
    const stat = await fs.stat(lockFile).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs < 5000 && !Number.isInteger(owner)) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    await fs.rm(lockFile, { force: true });
  }
}

async function mountsUnder(dir: string): Promise<string[]> {
  const text = await fs.readFile('/proc/mounts', 'utf8').catch(() => '');
  const prefix = `${path.resolve(dir)}/`;
  return text
    .split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((mountPoint) => mountPoint.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Deletes a build folder, but never while anything (e.g. the host's /dev) is still bound inside it. */
export async function removeBuildDir(dir: string): Promise<void> {
  for (const mountPoint of await mountsUnder(dir)) {
    await runQuiet('umount', ['-l', mountPoint]);
  }
  const left = await mountsUnder(dir);
  if (left.length > 0) {
    throw new InfraError(`refusing to delete ${dir}: still mounted inside it: ${left.join(', ')}`);
  }
  await fs.rm(dir, { recursive: true, force: true });
}

/**
 * A failed build's evidence: its logs (every *.log under `dir`, same relative paths) are copied
 * to <root>/failed/<build>-<time>/ before `dir` goes; with KBENCH_KEEP_FAILED_BUILD=1 the whole
 * folder is moved there instead (to rerun a step by hand). Returns that folder. The error is
 * rethrown with the kept paths in place of the removed ones.
 */
export async function failedBuild(error: unknown, dir: string, root: string): Promise<never> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const kept = path.join(root, 'failed', `${path.basename(dir).replace(/^\./, '')}-${stamp}`);
  try {
    for (const mountPoint of await mountsUnder(dir)) await runQuiet('umount', ['-l', mountPoint]);
    await fs.mkdir(path.dirname(kept), { recursive: true });
    if (process.env.KBENCH_KEEP_FAILED_BUILD === '1' && (await mountsUnder(dir)).length === 0) {
      await fs.rename(dir, kept);
    } else {
      for (const log of await findLogs(dir)) {
        await fs.mkdir(path.dirname(path.join(kept, log)), { recursive: true });
        await fs.copyFile(path.join(dir, log), path.join(kept, log));
      }
      await removeBuildDir(dir);
    }
  } catch {
    await removeBuildDir(dir).catch(() => {});
    throw error;
  }
  if (error instanceof KbenchError) {
    const message = error.message.split(dir).join(kept);
    throw error instanceof InfraError ? new InfraError(message) : new KbenchError(message, error.exitCode);
  }
  throw error;
}

async function findLogs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.log'))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    // The root tree's own logs (/var/log) are the guest's, not the build's.
    .filter((file) => !file.split(path.sep).includes('rootfs'));
}

/** Build folders left by a builder that died (its pid is gone) only take space: remove them. */
export async function removeAbandonedBuilds(root: string): Promise<void> {
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    const match = /^\.build-[0-9a-f]{16}-(\d+)$/.exec(name);
    if (match && !processAlive(Number(match[1]))) await removeBuildDir(path.join(root, name)).catch(() => undefined);
  }
}

export function runQuiet(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
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
  const tmp = path.join(root, `.build-${key.slice(0, 16)}-${process.pid}`);
  const finalDir = path.join(root, key);
  await removeAbandonedBuilds(root);
  await removeBuildDir(tmp);
  await fs.mkdir(path.join(tmp, 'inputs'), { recursive: true });
  try {
    onProgress(tracker.note(Date.now(), `building Debian testbed ${key.slice(0, 12)} in ${tmp} (log: ${path.join(tmp, 'build.log')})`));
    const sshKey = path.join(tmp, SSH_KEY_FILE);
    if ((await runQuiet('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'kbench-testbed', '-f', sshKey])) !== 0) {
      throw new InfraError('ssh-keygen failed to create the testbed key pair (is openssh-client installed?)');
    }
    const inputsDir = path.join(tmp, 'inputs');
    const files = {
      modprobe: path.join(inputsDir, 'modprobe-zfs.conf'),
      helper: path.join(inputsDir, 'kbench-zfs-options'),
      proxy: path.join(inputsDir, 'apt-proxy.conf'),
    };
    await fs.writeFile(files.modprobe, tuning.modprobeConf);
    await fs.writeFile(files.helper, tuning.optionsHelper);
    const aptConf = await readTextFiles('/etc/apt/apt.conf', '/etc/apt/apt.conf.d', ['']);
    await fs.writeFile(files.proxy, extractAptProxySettings(aptConf));

    await runBuilderScript(
      {
        KB_OUT: tmp,
        KB_SUITE: inputs.suite,
        KB_MIRROR: inputs.mirror,
        KB_SECURITY_MIRROR: inputs.securityMirror,
        KB_COMPONENTS: inputs.components,
        KB_BASE_PACKAGES: inputs.basePackages.join(','),
        KB_KERNEL_PACKAGES: [...inputs.kernelPackages.stock, ...inputs.kernelPackages.custom].join(' '),
        KB_ZFS_PACKAGES: inputs.zfsPackages.join(' '),
        KB_IMAGE_SIZE: inputs.imageSize,
        KB_HOSTNAME: inputs.hostname,
        KB_AUTHORIZED_KEY: `${sshKey}.pub`,
        KB_MODPROBE_CONF: files.modprobe,
        KB_ZFS_OPTIONS_HELPER: files.helper,
        KB_APT_PROXY_CONF: files.proxy,
      },
      path.join(tmp, 'build.log'),
      tracker,
      onProgress,
      { path: builderScript, label: 'debian testbed build' },
    );

    const manifest = await describeBuild(tmp, key, inputs, started);
    // The image is the read-only base of every boot's copy-on-write overlay.
    await fs.chmod(path.join(tmp, manifest.image.file), 0o444);
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await removeBuildDir(finalDir);
    await fs.rename(tmp, finalDir);
    onProgress(tracker.done(Date.now(), `testbed ready in ${formatSeconds((Date.now() - started) / 1000)}: ${finalDir}`));
  } catch (error) {
    await failedBuild(error, tmp, root);
  }
}

/** Runs a builder script that prints "KBENCH-STEP i n what" lines; `label` names it in errors. */
export function runBuilderScript(
  env: Record<string, string>,
  logFile: string,
  tracker: BuildProgressTracker,
  onProgress: (progress: BuildProgress) => void,
  script: { path: string; args?: string[]; label: string } = { path: BUILDER_SCRIPT_PATH, label: 'debian testbed build' },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn('sh', [script.path, ...(script.args ?? [])], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let current: BuildProgress | null = null;
    let lastLines: string[] = [];
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      const event = tracker.line(line, Date.now());
      if (event) {
        current = event;
        onProgress(event);
      }
      if (!line.startsWith('KBENCH-STEP ')) lastLines = [...lastLines.slice(-19), line];
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    // Long steps (DKMS) print little: say every minute that the build is alive.
    const heartbeat = setInterval(() => onProgress(tracker.heartbeat(Date.now())), 60_000);
    const forwardSignal = (signal: NodeJS.Signals) => child.kill(signal);
    process.once('SIGINT', forwardSignal);
    process.once('SIGTERM', forwardSignal);
    child.on('error', (error) => {
      clearInterval(heartbeat);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      process.off('SIGINT', forwardSignal);
      process.off('SIGTERM', forwardSignal);
      log.end();
      if (code === 0) resolve();
      else {
        const tail = lastLines.slice(-5).join(' | ');
        const at = current === null ? 'the start' : `step ${current.step}/${current.steps} (${current.title})`;
        reject(new InfraError(`${script.label} failed at ${at} (exit ${code ?? signal}; log ${logFile}): ${tail}`));
      }
    });
  });
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
  const image = await fs.stat(path.join(dir, 'disk.raw'));
  return {
    formatVersion: 1,
    key,
    inputs: { ...inputs },
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - started) / 100) / 10,
    image: { file: 'disk.raw', apparentBytes: image.size, allocatedBytes: image.blocks * 512 },
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
  const withoutTuning = (value: Record<string, unknown>) => canonicalJson(Object.fromEntries(Object.entries(value).filter(([name]) => !(TUNING_INPUTS as string[]).includes(name))));
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
export async function deriveTestbed(root: string, source: DebianTestbed, key: string, inputs: TestbedInputs, tuning: RenderedZfsTuning, onProgress: (progress: BuildProgress) => void): Promise<void> {
  const started = Date.now();
  const tracker = new BuildProgressTracker(started);
  const tmp = path.join(root, `.derive-${key.slice(0, 16)}-${process.pid}`);
  const finalDir = path.join(root, key);
  await removeBuildDir(tmp);
  await fs.mkdir(path.join(tmp, 'kernels'), { recursive: true });
  try {
    onProgress(tracker.note(Date.now(), `deriving Debian testbed ${key.slice(0, 12)} from ${source.manifest.key.slice(0, 12)} (only the ZFS tuning differs)`));
    const disk = path.join(tmp, source.manifest.image.file);
    if ((await runQuiet('cp', ['--sparse=always', source.imagePath, disk])) !== 0) throw new InfraError(`copying ${source.imagePath} to ${disk} failed (cp --sparse=always)`);
    await fs.chmod(disk, 0o644);
    await writeImageFiles(disk, [
      { guestPath: MODPROBE_CONF_GUEST_PATH, content: tuning.modprobeConf, mode: 0o644 },
      { guestPath: OPTIONS_HELPER_GUEST_PATH, content: tuning.optionsHelper, mode: 0o755 },
    ], tmp);
    await fs.chmod(disk, 0o444);
    for (const entry of Object.values(source.manifest.kernels))
      for (const file of [entry.kernel, entry.initrd, entry.config]) await fs.link(path.join(source.dir, file), path.join(tmp, file)).catch(() => fs.copyFile(path.join(source.dir, file), path.join(tmp, file)));
    for (const file of [source.manifest.sshPrivateKey, `${source.manifest.sshPrivateKey}.pub`, 'versions.txt'])
      await fs.copyFile(path.join(source.dir, file), path.join(tmp, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' || file === source.manifest.sshPrivateKey) throw error;
      });
    await fs.chmod(path.join(tmp, source.manifest.sshPrivateKey), 0o600);
    const image = await fs.stat(disk);
    const manifest: TestbedManifest = {
      ...source.manifest,
      key,
      inputs: { ...inputs },
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((Date.now() - started) / 100) / 10,
      image: { file: source.manifest.image.file, apparentBytes: image.size, allocatedBytes: image.blocks * 512 },
      derivedFrom: source.manifest.derivedFrom ?? source.manifest.key,
    };
    await fs.writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await removeBuildDir(finalDir);
    await fs.rename(tmp, finalDir);
    onProgress(tracker.done(Date.now(), `testbed ready in ${formatSeconds((Date.now() - started) / 1000)} (derived): ${finalDir}`));
  } catch (error) {
    await failedBuild(error, tmp, root);
  }
}
