/**
 * A cached build stage, shared by every image builder (the Debian testbed, the arm64 root tree,
 * kernel, OpenZFS modules and image): a stage lives in <cache>/<...>/<key>/ and is valid only once
 * its manifest.json is written; one process builds a key at a time, under `<key>.lock`, taken with
 * harness/fs/lock.ts (its stale-lock takeover guard: two builders that both find a dead builder's
 * lock cannot remove each other's fresh one); a build runs in a temp folder that is renamed into
 * place, and a failed one leaves its logs under <root>/failed/.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { InfraError, KbenchError } from '../../harness/errors/index.ts';
import { acquireLock, type HeldLock } from '../../harness/fs/lock.ts';
import { processAlive } from '../../harness/fs/process.ts';
import type { BuildProgress } from '../../harness/progress/index.ts';
import { BuildProgressTracker, formatSeconds } from '../debian-testbed/build-progress.ts';
import { extractAptProxySettings } from '../debian-testbed/inputs.ts';
import type { RenderedZfsTuning } from '../debian-testbed/zfs-tuning.ts';

export const MANIFEST_FILE = 'manifest.json';
/** An image build takes up to an hour: a second builder of the same key waits for it, looking every 3 s. */
const BUILD_LOCK_POLL_MS = 3000;

/** A SHA-256 in hex: a stage's key, an input's hash. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/** What every built stage's manifest starts with: its format, key, the inputs the key hashes, when and how long. */
export const BUILT_STAGE_FIELDS = {
  formatVersion: z.literal(1),
  key: Sha256Hex,
  inputs: z.record(z.string(), z.unknown()),
  builtAt: z.string(),
  buildSeconds: z.number().nonnegative(),
};

export function defaultCacheDir(): string {
  return process.env.KBENCH_CACHE || path.join(homedir(), '.cache', 'kbench');
}

export interface BuildLockOptions {
  /** Default: until the holder finishes (a build is worth waiting for). */
  waitMs?: number;
  pollMs?: number;
}

/** One builder of `dir` across processes: the lock `<dir>.lock`; a dead builder's lock is taken over. */
export function acquireBuildLock(dir: string, progress: (message: string) => void, options: BuildLockOptions = {}): Promise<HeldLock> {
  return acquireLock(dir, {
    waitMs: options.waitMs ?? Number.POSITIVE_INFINITY,
    pollMs: options.pollMs ?? BUILD_LOCK_POLL_MS,
    command: `build of ${path.basename(dir)}`,
    onNote: progress,
  });
}

export interface Stage<T> {
  /** The stage's final folder; its lock is `<dir>.lock`. */
  dir: string;
  /** Names the stage in the error when a build leaves no valid manifest ("Debian arm64 root tree"). */
  what: string;
  /** The finished stage, or null when `dir` holds none (no valid manifest, a listed file missing). */
  load: () => Promise<T | null>;
  /** Builds the stage into `dir`; called under the lock, only when `load` still finds nothing. */
  build: () => Promise<unknown>;
  progress: (message: string) => void;
  lock?: BuildLockOptions;
}

/** The cached stage, or built first: load, lock, load again (built meanwhile?), build, load. */
export async function cachedStage<T>(stage: Stage<T>): Promise<T> {
  const cached = await stage.load();
  if (cached !== null) return cached;
  const lock = await acquireBuildLock(stage.dir, stage.progress, stage.lock);
  try {
    const meanwhile = await stage.load();
    if (meanwhile !== null) return meanwhile;
    await stage.build();
  } finally {
    lock.release();
  }
  const built = await stage.load();
  if (built === null) throw new InfraError(`${stage.what} build finished but ${path.join(stage.dir, MANIFEST_FILE)} is missing or invalid`);
  return built;
}

/** A stage's manifest.json read and checked; null when it is missing, not JSON or not valid. */
export async function readManifest<T>(dir: string, schema: z.ZodType<T>): Promise<T | null> {
  try {
    const parsed = schema.safeParse(JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Writes manifest.json last into the finished `tmp` and renames it into `finalDir`. */
export async function publishBuild(tmp: string, finalDir: string, manifest: unknown): Promise<void> {
  await fs.writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await removeBuildDir(finalDir);
  await fs.rename(tmp, finalDir);
}

/** Seconds since `started`, to a tenth (a manifest's buildSeconds). */
export function secondsSince(started: number): number {
  return Math.round((Date.now() - started) / 100) / 10;
}

/** A manifest's image entry: its file, apparent and allocated bytes. */
export async function imageEntry(dir: string, file: string): Promise<{ file: string; apparentBytes: number; allocatedBytes: number }> {
  const image = await fs.stat(path.join(dir, file));
  return { file, apparentBytes: image.size, allocatedBytes: image.blocks * 512 };
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
  return (
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.log'))
      .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
      // The root tree's own logs (/var/log) are the guest's, not the build's.
      .filter((file) => !file.split(path.sep).includes('rootfs'))
  );
}

/** Build folders left by a builder that died (its pid is gone) only take space: remove them. */
export async function removeAbandonedBuilds(root: string): Promise<void> {
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    const match = /^\.build-[0-9a-f]{16}-(\d+)$/.exec(name);
    if (match && !processAlive(Number(match[1]))) await removeBuildDir(path.join(root, name)).catch(() => undefined);
  }
}

/** `dir` emptied (removeBuildDir: never while anything is mounted inside) and made again. */
export async function emptyBuildDir(dir: string): Promise<void> {
  await removeBuildDir(dir);
  await fs.mkdir(dir, { recursive: true });
}

/**
 * A fresh temp build folder `<root>/.build-<key16>-<pid>` (abandoned ones removed first), with
 * the subfolders asked for.
 */
export async function freshBuildDir(root: string, key: string, subfolders: string[] = []): Promise<string> {
  const tmp = path.join(root, `.build-${key.slice(0, 16)}-${process.pid}`);
  await removeAbandonedBuilds(root);
  await emptyBuildDir(tmp);
  for (const sub of subfolders) await fs.mkdir(path.join(tmp, sub), { recursive: true });
  return tmp;
}

export function runQuiet(command: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/** The key pair a testbed's guest accepts: `<file>` and `<file>.pub`, made with ssh-keygen. */
export async function makeSshKey(file: string, comment: string): Promise<void> {
  if ((await runQuiet('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file])) !== 0) {
    throw new InfraError('ssh-keygen failed to create the testbed key pair (is openssh-client installed?)');
  }
}

export interface BuilderScript {
  path: string;
  args?: string[];
  /** Names the script in errors ("debian testbed build"). */
  label: string;
}

/** Runs a builder script that prints "KBENCH-STEP i n what" lines; `script.label` names it in errors. */
export function runBuilderScript(
  env: Record<string, string>,
  logFile: string,
  tracker: BuildProgressTracker,
  onProgress: (progress: BuildProgress) => void,
  script: BuilderScript,
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

/**
 * A builder script run with plain-text progress: each "KBENCH-STEP" line and each minute's
 * heartbeat becomes one message, with the step's k of n and the elapsed time.
 */
export function runBuilderStep(
  env: Record<string, string>,
  logFile: string,
  started: number,
  progress: (message: string) => void,
  script: BuilderScript,
): Promise<void> {
  // No recorded step durations for these scripts: the ETA appears once a step has finished.
  const tracker = new BuildProgressTracker(started, { steps: [], zfsInstall: 0, dkmsPerKernel: 0, dkmsStep: 0, kernels: 0 });
  return runBuilderScript(env, logFile, tracker, (event) => progress(`${event.message} (elapsed ${formatSeconds(event.elapsedSeconds)})`), script);
}

/** The inputs both Debian root-tree builders (x86 testbed, arm64 root tree) take alike. */
export interface DebianBuildInputs {
  suite: string;
  mirror: string;
  securityMirror: string;
  components: string;
  basePackages: readonly string[];
  hostname: string;
}

/**
 * What a Debian root-tree builder needs in `tmp` before it runs: the guest's SSH key pair
 * (`tmp/<sshKeyFile>`), and in `tmp/inputs/` the rendered ZFS tuning (modprobe file and options
 * helper) and the host's apt proxy settings. Returns the builder environment they make, with
 * the apt source and package settings every Debian builder reads (KB_*).
 */
export async function prepareDebianBuild(
  tmp: string,
  inputs: DebianBuildInputs,
  tuning: RenderedZfsTuning,
  ssh: { file: string; comment: string },
): Promise<Record<string, string>> {
  const sshKey = path.join(tmp, ssh.file);
  await makeSshKey(sshKey, ssh.comment);
  const inputsDir = path.join(tmp, 'inputs');
  const files = {
    modprobe: path.join(inputsDir, 'modprobe-zfs.conf'),
    helper: path.join(inputsDir, 'kbench-zfs-options'),
    proxy: path.join(inputsDir, 'apt-proxy.conf'),
  };
  await fs.mkdir(inputsDir, { recursive: true });
  await fs.writeFile(files.modprobe, tuning.modprobeConf);
  await fs.writeFile(files.helper, tuning.optionsHelper);
  await fs.writeFile(files.proxy, extractAptProxySettings(await readTextFiles('/etc/apt/apt.conf', '/etc/apt/apt.conf.d', [''])));
  return {
    KB_OUT: tmp,
    KB_SUITE: inputs.suite,
    KB_MIRROR: inputs.mirror,
    KB_SECURITY_MIRROR: inputs.securityMirror,
    KB_COMPONENTS: inputs.components,
    KB_BASE_PACKAGES: inputs.basePackages.join(','),
    KB_HOSTNAME: inputs.hostname,
    KB_AUTHORIZED_KEY: `${sshKey}.pub`,
    KB_MODPROBE_CONF: files.modprobe,
    KB_ZFS_OPTIONS_HELPER: files.helper,
    KB_APT_PROXY_CONF: files.proxy,
  };
}
