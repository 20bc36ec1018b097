/**
 * Runs an OsPlan: host commands with their output in kernel-artifacts/logs/<os>.log, the local
 * cross build through custom-os/debian-arm64/kernel.ts (reached through the debian-arm64 image
 * provider), then SHA256SUMS over what landed in kernel-artifacts/<os>/ and the resume state,
 * written after every OS.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { ensureMSeriesKernel } from '../backends/qemu/images/debian-arm64.ts';
import { sha256File } from '../fs/canonical.ts';
import { formatFieldPath, readJsonFileSync, SMALL_FILE_LIMITS } from '../fs/json.ts';
import { InputError } from '../errors/index.ts';
import { writeFileAtomicSync } from '../results/store.ts';
import { BuildState, emptyState, parseSha256Sums, renderSha256Sums, type BuildStep, type OsPlan, type OsState } from './plan.ts';

export const STATE_FILE = 'build-state.json';
const SUMS = 'SHA256SUMS';

export async function loadState(outRoot: string): Promise<BuildState> {
  const file = path.join(outRoot, STATE_FILE);
  if (!existsSync(file)) return emptyState();
  let json: unknown;
  try {
    json = readJsonFileSync(file, SMALL_FILE_LIMITS);
  } catch (error) {
    throw new InputError(`${(error as Error).message}; delete it to start over`);
  }
  const parsed = BuildState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`${file}: field ${formatFieldPath(issue.path)}: ${issue.message}; delete it to start over`);
  }
  return parsed.data;
}

export function saveState(outRoot: string, state: BuildState): void {
  writeFileAtomicSync(path.join(outRoot, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Hashes every regular file in `dir` except SHA256SUMS itself. */
export async function hashArtifacts(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== SUMS) files[entry.name] = await sha256File(path.join(dir, entry.name));
  }
  return files;
}

/** True when a previous run built this OS and every recorded file is still there, unchanged. */
export async function stillBuilt(dir: string, state: OsState | undefined): Promise<boolean> {
  if (state?.status !== 'built' || Object.keys(state.files).length === 0 || !existsSync(dir)) return false;
  const now = await hashArtifacts(dir);
  return Object.entries(state.files).every(([name, sha]) => now[name] === sha);
}

/** What runLogged answers when the program could not be started at all (not on PATH). */
const SPAWN_FAILED = -1;

function runLogged(argv: string[], log: NodeJS.WritableStream): Promise<number> {
  return new Promise((resolve) => {
    log.write(`$ ${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}\n`);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', (error) => {
      log.write(`${argv[0]}: ${error.message}\n`);
      resolve(SPAWN_FAILED);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function runLocal(step: Extract<BuildStep, { local: string }>, outDir: string, log: NodeJS.WritableStream, note: (m: string) => void): Promise<void> {
  const kernel = await ensureMSeriesKernel({
    onProgress: (message) => {
      log.write(`${message}\n`);
      note(message);
    },
  });
  // The names build-alpine-kernel.sh uses, so both M-series Linux builds look alike.
  await fs.copyFile(kernel.image, path.join(outDir, 'vmlinuz-m-series'));
  await fs.copyFile(kernel.config, path.join(outDir, 'config-m-series'));
  await fs.copyFile(kernel.modulesTar, path.join(outDir, 'modules-m-series.tar.gz'));
  await fs.writeFile(path.join(outDir, 'build-info.json'), `${JSON.stringify({ cache: kernel.dir, ...kernel.manifest }, null, 2)}\n`);
  log.write(`${step.title}: ${kernel.manifest.release}, Image ${kernel.manifest.imageBytes} bytes, compiled in ${kernel.manifest.compileSeconds} s\n`);
}

export interface OsOutcome {
  outcome: 'built' | 'failed';
  seconds: number;
  reason: string | null;
  files: Record<string, string>;
}

/**
 * Runs every step of `plan` (which must not be a skip), stopping at the first failure; then checks
 * a SHA256SUMS the guest wrote (a mismatch is a failed transfer) and writes the complete one.
 */
export async function runOsPlan(
  plan: Extract<OsPlan, { steps: BuildStep[] }>,
  outDir: string,
  logFile: string,
  onStep: (index: number, total: number, title: string) => void,
): Promise<OsOutcome> {
  const started = Date.now();
  await fs.mkdir(outDir, { recursive: true });
  await fs.mkdir(path.dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile, { flags: 'a' });
  const seconds = () => Math.round((Date.now() - started) / 100) / 10;
  const fail = (reason: string): OsOutcome => ({ outcome: 'failed', seconds: seconds(), reason, files: {} });
  const sumsFile = path.join(outDir, SUMS);
  // Ours from an earlier attempt would contradict new files; a guest's arrives with them.
  await fs.rm(sumsFile, { force: true });
  try {
    for (const [i, step] of plan.steps.entries()) {
      onStep(i + 1, plan.steps.length, step.title);
      if ('local' in step) {
        try {
          await runLocal(step, outDir, log, (m) => onStep(i + 1, plan.steps.length, m));
        } catch (error) {
          return fail(`${step.title}: ${(error as Error).message}`);
        }
      } else {
        const code = await runLogged(step.argv, log);
        if (code === SPAWN_FAILED)
          return fail(`${step.title}: ${step.argv[0]} not found on PATH${step.argv[0] === 'limactl' ? ' (brew install lima)' : ''} (log ${logFile})`);
        if (code !== 0) return fail(`${step.title}: ${step.argv[0]} exited ${code} (log ${logFile})`);
      }
    }
    const files = await hashArtifacts(outDir);
    if (Object.keys(files).length === 0) return fail(`no artifacts arrived in ${outDir}`);
    if (existsSync(sumsFile)) {
      const theirs = parseSha256Sums(await fs.readFile(sumsFile, 'utf8'), sumsFile);
      if (!theirs.ok) return fail(theirs.error);
      for (const [name, sha] of Object.entries(theirs.value)) {
        if (files[name] !== sha)
          return fail(`${sumsFile}: ${name}: ${files[name] ? "checksum differs from the guest's" : 'listed but missing'} (transfer broken?)`);
      }
    }
    await fs.writeFile(sumsFile, renderSha256Sums(files));
    return { outcome: 'built', seconds: seconds(), reason: null, files };
  } finally {
    log.end();
  }
}
