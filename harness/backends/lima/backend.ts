/**
 * Lima backend (macOS hosts): one Lima instance per target and kernel variant, created with
 * `limactl create` from the built-in alpine/freebsd templates in plain mode, booted with
 * `limactl start`, reached over the ssh.config Lima writes. The custom Alpine kernel is set on
 * the instance's image (`images[].kernel`/`initrd`), which Lima copies into the instance directory.
 *
 * Boot time is read from Lima's own logs, from a mark that precedes the guest's boot to the "ssh"
 * essential requirement being satisfied: on vz the driver's "[VZ] - vm state change: running"
 * line, on qemu its "Starting QEMU" line, else the host clock when `limactl start` was run. Not
 * the host agent's first event: the vz driver waits for guest port 22 before it (pkg/driver/vz:
 * WaitOpeningSSHPort), so that mark already means "sshd listening". Lima retries the ssh check
 * every 3 s and logs whole seconds, so the figure is coarse by construction; which start mark was
 * used is kept with the boot (BootedGuest.hostBootStart).
 */
import { unframeOutput } from '../../ssh/framing.ts';
import { constants as fsConstants, existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { arch as nodeArch, platform as nodePlatform } from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { err, InputError, InfraError, ok, showValue, type Result } from '../../errors/index.ts';
import type { KernelVariant } from '../../results/schema.ts';
import { resolveSshAlias, type SshConfigTarget } from '../../ssh/config.ts';
import type { SshEndpoint } from '../../ssh/types.ts';
import { parseQemuVersion } from '../qemu/backend.ts';
import type { Backend, BootedGuest, PreparedTarget, TargetSpec } from '../types.ts';
import {
  limaGuestSpec,
  limaAcceleration,
  limaArchOf,
  limaCreateArgs,
  limaGuestOf,
  limaHostAlias,
  limaInstanceName,
  limaSetupSteps,
  limaStartArgs,
  limaTargetPlan,
  requireLimaGuest,
  type LimaArch,
  type LimaCustomKernel,
  type LimaVmType,
} from './args.ts';
import { bootStartMark, parseLimaList, parseLimaVersion, sshSatisfiedAt, type LimaInstance } from './parse.ts';

export const LIMACTL_MISSING_MESSAGE = 'limactl not found on PATH: install Lima (brew install lima)';

export interface LimaBackendOptions {
  /** Command or path; default $LIMACTL (as Lima's own tools use), else `limactl`. */
  limactl?: string;
  /** Passed to limactl as LIMA_HOME; default Lima's own (~/.lima). */
  limaHome?: string;
  /** The custom Alpine kernel; default from KBENCH_LIMA_KERNEL, KBENCH_LIMA_INITRD, KBENCH_LIMA_CMDLINE (arch: the host's). */
  customKernel?: LimaCustomKernel;
  /** What a new custom instance gets installed: Alpine's modules-m-series.tar.gz (KBENCH_LIMA_MODULES), FreeBSD's kernel.m-series.tar.gz (KBENCH_LIMA_FREEBSD_KERNEL). */
  customArtifact?: string;
  /** Passed to `limactl start --timeout`; the first start of an instance also converts its image. */
  bootTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

interface LimaVariantPlan {
  instance: string;
  vmType: LimaVmType;
  createArgs: string[];
  kernelLocation: string | null;
  /** Installed into a newly created custom instance (modules or kernel tarball). */
  artifact: string | null;
}

/** The custom variant's tarball from the environment, per OS. */
export function customArtifactFromEnv(env: NodeJS.ProcessEnv, os: string): string | null {
  const guest = limaGuestOf(os);
  return guest === null ? null : env[limaGuestSpec(guest).artifactEnv] || null;
}

export interface LimaPreparedTarget extends PreparedTarget {
  lima: {
    instances: Partial<Record<KernelVariant, string>>;
    /** Instances this prepare created; destroy deletes only these. */
    created: string[];
  };
}

export function isLimaPreparedTarget(prepared: PreparedTarget): prepared is LimaPreparedTarget {
  return typeof (prepared as Partial<LimaPreparedTarget>).lima?.instances === 'object';
}

/** Custom kernel from the environment; null when KBENCH_LIMA_KERNEL is unset. */
export function customKernelFromEnv(env: NodeJS.ProcessEnv, hostArch: LimaArch | null): LimaCustomKernel | null {
  const kernelPath = env.KBENCH_LIMA_KERNEL;
  if (!kernelPath) return null;
  const cmdline = env.KBENCH_LIMA_CMDLINE;
  if (!cmdline) throw new InputError('environment KBENCH_LIMA_CMDLINE: must be set with KBENCH_LIMA_KERNEL (the kernel command line, e.g. root= and console=)');
  if (hostArch === null) throw new InputError(`backend lima: host arch ${showValue(nodeArch())} has no Lima guest arch`);
  return { kernelPath, initrdPath: env.KBENCH_LIMA_INITRD || null, cmdline, arch: hostArch };
}

/** Pure: what prepare will create for each variant, or an InputError naming what cannot be done. */
export function planLimaTarget(
  spec: TargetSpec,
  variants: KernelVariant[],
  customKernel: () => LimaCustomKernel | null,
  customArtifact: () => string | null = () => null,
): Record<string, LimaVariantPlan> {
  if (variants.length === 0) throw new InputError(`target ${showValue(spec.name)}: no kernel variants to prepare`);
  if (spec.scratchDiskMiB > 0) {
    throw new InputError(
      `target ${showValue(spec.name)}: the lima backend attaches no scratch disk (scratchDiskMiB ${spec.scratchDiskMiB}); use 0 for file vdevs or --backend qemu`,
    );
  }
  const plans: Record<string, LimaVariantPlan> = {};
  for (const variant of variants) {
    const { template, vmType } = limaTargetPlan(spec.os, variant);
    const instance = limaInstanceName(spec.name, variant);
    let kernel: LimaCustomKernel | undefined;
    let artifact: string | null = null;
    if (variant === 'custom') {
      artifact = customArtifact();
      if (limaGuestSpec(requireLimaGuest(spec.os)).customKernel === 'nextboot') {
        if (artifact === null) {
          throw new InputError(
            `target ${showValue(spec.name)}: the custom variant needs the kernel: set KBENCH_LIMA_FREEBSD_KERNEL to kernel.m-series.tar.gz (kernels/build-freebsd-kernel.sh)`,
          );
        }
      } else {
        const given = customKernel();
        if (given === null) {
          throw new InputError(
            `target ${showValue(spec.name)}: the custom variant needs a kernel: set KBENCH_LIMA_KERNEL (arm64 Image), KBENCH_LIMA_CMDLINE and optionally KBENCH_LIMA_INITRD`,
          );
        }
        if (artifact === null) {
          throw new InputError(
            `target ${showValue(spec.name)}: the custom kernel needs its OpenZFS modules: set KBENCH_LIMA_MODULES to modules-m-series.tar.gz (kernels/build-alpine-kernel.sh)`,
          );
        }
        kernel = given;
      }
    }
    const createArgs = limaCreateArgs({
      name: instance,
      template,
      vmType,
      cpus: spec.vcpus,
      memoryGiB: spec.memoryMiB / 1024,
      ...(kernel ? { customKernel: kernel } : {}),
    });
    plans[variant] = { instance, vmType, createArgs, kernelLocation: kernel?.kernelPath ?? null, artifact };
  }
  return plans;
}

/** Why an existing instance cannot be reused for this plan, or null when it can. */
export function reuseProblem(existing: LimaInstance, plan: LimaVariantPlan): string | null {
  const fix = `delete it with \`limactl delete -f ${existing.name}\``;
  if (existing.status === 'Broken') return `Lima instance ${existing.name} is Broken (${existing.errors[0] ?? 'no error given'}): ${fix}`;
  if (existing.vmType !== plan.vmType)
    return `Lima instance ${existing.name} exists with vmType ${showValue(existing.vmType)}, kbench needs ${plan.vmType}: ${fix}`;
  const kernels = existing.kernelLocations;
  if (plan.kernelLocation === null && kernels.length > 0)
    return `Lima instance ${existing.name} boots a custom kernel (${kernels[0]}), kbench needs the stock one: ${fix}`;
  if (plan.kernelLocation !== null && !kernels.includes(plan.kernelLocation)) {
    return `Lima instance ${existing.name} boots ${kernels[0] ?? 'the stock kernel'}, kbench needs ${plan.kernelLocation}: ${fix}`;
  }
  return null;
}

/**
 * The SSH endpoint from the ssh.config Lima writes for `Host lima-NAME` (pkg/hostagent
 * writeSSHConfigFile), as `ssh -G -F that-file lima-NAME` resolves it: Hostname 127.0.0.1,
 * Port = sshLocalPort, User = the host user, IdentityFile = $LIMA_HOME/_config/user. Lima itself
 * turns host key checking off; kbench pins the first key.
 */
export function limaSshEndpoint(input: { target: SshConfigTarget; sshConfigFile: string; sshLocalPort: number | null; pinFile: string }): Result<SshEndpoint> {
  const { host, port, user, identityFiles } = input.target;
  if (input.sshLocalPort !== null && input.sshLocalPort !== port) {
    return err(`${input.sshConfigFile}: Port ${port} differs from limactl list sshLocalPort ${input.sshLocalPort}`);
  }
  const identityFile = identityFiles[0];
  if (identityFile === undefined) return err(`${input.sshConfigFile}: Host ${input.target.alias} has no IdentityFile`);
  return ok({ host, port, user, privateKeyPath: identityFile, hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: input.pinFile } });
}

/**
 * Seconds from the host agent's first event (VM started) to the "ssh" requirement satisfied;
 * null when either mark is missing. The end mark has whole-second resolution and Lima polls every
 * 3 s, so this is a coarse figure; it never includes image download or disk conversion.
 */
export function limaBootSeconds(haStderrLog: string, startedAt: Date | null = null): { seconds: number; start: string } | null {
  const mark = bootStartMark(haStderrLog, startedAt);
  const sshAt = sshSatisfiedAt(haStderrLog);
  if (mark === null || sshAt === null) return null;
  // Both ends may be whole seconds; a host clock start can be a little after a truncated end.
  return { seconds: Math.max(0, Math.round((sshAt.getTime() - mark.time.getTime()) / 10) / 100), start: mark.name };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable a command name resolves to via PATH (or the path itself when it has a slash). */
export async function findExecutable(command: string, searchPath: string = process.env.PATH ?? ''): Promise<string | null> {
  if (command.includes('/')) return (await isExecutable(command)) ? command : null;
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' | ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** Keeps the end, where the newest (most telling) message is. */
function oneLineTail(text: string, max = 200): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, ' | ').trim();
  return flat.length > max ? `...${flat.slice(flat.length - max + 3)}` : flat;
}

/**
 * The message of limactl's last fatal/error line: logrus text format on a non-TTY
 * (`time="…" level=fatal msg="…"`) or JSON with `--log-format json`; else its last non-empty line.
 */
export function limactlFailureLine(stderr: string): string {
  const entries = stderr
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      if (line.startsWith('{')) {
        try {
          const parsed = JSON.parse(line) as { level?: unknown; msg?: unknown };
          if (typeof parsed.msg === 'string') return { failing: parsed.level === 'fatal' || parsed.level === 'error', message: parsed.msg };
        } catch {
          // falls through to the text forms
        }
      }
      const message = /\bmsg="((?:[^"\\]|\\.)*)"/.exec(line)?.[1]?.replace(/\\"/g, '"');
      return { failing: /\blevel=(fatal|error)\b/.test(line), message: message ?? line };
    });
  return (entries.filter((entry) => entry.failing).at(-1) ?? entries.at(-1))?.message ?? '';
}

/** Last logrus messages of a host agent log, for a failure message. */
async function logTail(file: string, lines: number): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .map((line) => {
      try {
        const parsed = JSON.parse(line) as { msg?: unknown };
        return typeof parsed.msg === 'string' ? parsed.msg : line;
      } catch {
        return line;
      }
    })
    .join(' | ');
}

export interface LimaBackend extends Backend {
  /** The Lima instance behind a guest this backend booted; null when unknown. */
  instanceOf(guest: BootedGuest): string | null;
}

/** What every limactl call of one backend shares. */
interface LimaContext {
  limactlCommand: string;
  progress: (line: string) => void;
  bootTimeoutMs: number;
  childEnv: Record<string, string>;
  options: LimaBackendOptions;
}

async function requireLimactl(ctx: LimaContext): Promise<string> {
  const found = await findExecutable(ctx.limactlCommand);
  if (found === null) throw new InputError(LIMACTL_MISSING_MESSAGE);
  return found;
}

async function limactl(ctx: LimaContext, binary: string, args: string[], timeoutMs = 120_000) {
  return execa(binary, args, { reject: false, env: ctx.childEnv, timeout: timeoutMs, stdin: 'ignore' });
}

async function listInstances(ctx: LimaContext, binary: string): Promise<LimaInstance[]> {
  // All instances, filtered here: naming an absent instance makes list exit 1 ("unmatched instances").
  const result = await limactl(ctx, binary, ['list', '--json']);
  if (result.exitCode !== 0) {
    throw new InfraError(`limactl list --json failed (exit ${result.exitCode}): ${oneLine(limactlFailureLine(String(result.stderr))) || 'no output'}`);
  }
  const parsed = parseLimaList(String(result.stdout));
  if (!parsed.ok) throw new InfraError(parsed.error);
  return parsed.value;
}

async function findInstance(ctx: LimaContext, binary: string, name: string): Promise<LimaInstance | null> {
  return (await listInstances(ctx, binary)).find((instance) => instance.name === name) ?? null;
}

async function prepareTarget(ctx: LimaContext, spec: TargetSpec, variants: KernelVariant[], runDir: string): Promise<LimaPreparedTarget> {
  const hostArch = limaArchOf(nodeArch());
  const plans = planLimaTarget(
    spec,
    variants,
    () => ctx.options.customKernel ?? customKernelFromEnv(process.env, hostArch),
    () => ctx.options.customArtifact ?? customArtifactFromEnv(process.env, spec.os),
  );
  const binary = await requireLimactl(ctx);
  await fs.mkdir(runDir, { recursive: true });

  const existing = await listInstances(ctx, binary);
  const instances: Partial<Record<KernelVariant, string>> = {};
  const created: string[] = [];
  const facts = {
    stock: { kernelImagePath: null, kernelImageBytes: null },
    custom: { kernelImagePath: null, kernelImageBytes: null },
  } as PreparedTarget['facts'];

  for (const variant of variants) {
    const plan = plans[variant]!;
    instances[variant] = plan.instance;
    if (plan.kernelLocation !== null) {
      const stat = await fs.stat(plan.kernelLocation).catch(() => null);
      if (stat === null || !stat.isFile()) throw new InputError(`custom kernel ${showValue(plan.kernelLocation)}: no such file`);
      facts[variant] = { kernelImagePath: plan.kernelLocation, kernelImageBytes: stat.size };
    }
    const found = existing.find((instance) => instance.name === plan.instance);
    if (found) {
      const problem = reuseProblem(found, plan);
      if (problem !== null) throw new InputError(problem);
      ctx.progress(`lima: reusing instance ${plan.instance} (${found.status})`);
      continue;
    }
    ctx.progress(`lima: limactl ${plan.createArgs.join(' ')}`);
    const result = await limactl(ctx, binary, plan.createArgs, 600_000);
    await fs.writeFile(path.join(runDir, `lima-create-${plan.instance}.log`), `${String(result.stderr)}\n`);
    if (result.exitCode !== 0) {
      throw new InfraError(
        `limactl create ${plan.instance} failed (exit ${result.exitCode}): ${oneLine(limactlFailureLine(String(result.stderr))) || 'no output'}; see ${path.join(runDir, `lima-create-${plan.instance}.log`)}`,
      );
    }
    created.push(plan.instance);
    if (plan.artifact !== null) await setUpCustom(ctx, binary, spec, plan.instance, plan.artifact, runDir);
  }
  return { spec, variants, runDir, facts, lima: { instances, created } };
}

/** First start of a new custom instance: install its kernel/modules (lima/<os>-custom.yaml says how), then stop. */
async function setUpCustom(ctx: LimaContext, binary: string, spec: TargetSpec, instance: string, artifact: string, runDir: string): Promise<void> {
  if (!existsSync(artifact)) throw new InputError(`custom artifact ${showValue(artifact)}: no such file`);
  const log = path.join(runDir, `lima-setup-${instance}.log`);
  const run = async (args: string[], timeoutMs: number) => {
    ctx.progress(`lima: limactl ${args.join(' ')}`);
    const result = await limactl(ctx, binary, args, timeoutMs);
    await fs.appendFile(log, `$ limactl ${args.join(' ')}\n${String(result.stdout)}${String(result.stderr)}\n`);
    if (result.exitCode !== 0)
      throw new InfraError(
        `limactl ${args[0]} ${instance} failed (exit ${result.exitCode}): ${oneLine(limactlFailureLine(String(result.stderr))) || 'no output'}; see ${log}`,
      );
    return String(result.stdout).trim();
  };
  await run(limaStartArgs(instance, ctx.bootTimeoutMs / 1000), ctx.bootTimeoutMs + 60_000);
  for (const step of limaSetupSteps(requireLimaGuest(spec.os), instance, artifact)) {
    const out = await run(step.args, 600_000);
    if (step.expectFramed !== undefined) {
      const framed = unframeOutput(out, step.expectFramed.token);
      if (framed === null) throw new InfraError(`${instance}: sysctl -n kern.bootfile printed no framed output (see ${log})`);
      const value = framed.output.trim();
      if (value !== step.expectFramed.value)
        throw new InfraError(
          `${instance}: after the nextboot trial the guest runs ${showValue(value)}, not ${step.expectFramed.value} (the custom kernel did not boot; see the serial log in the instance directory)`,
        );
    }
    if (step.restartAfter) {
      await stopInstance(ctx, binary, instance);
      await run(limaStartArgs(instance, ctx.bootTimeoutMs / 1000), ctx.bootTimeoutMs + 60_000);
    }
  }
  await stopInstance(ctx, binary, instance);
}

async function stopInstance(ctx: LimaContext, binary: string, name: string): Promise<void> {
  const instance = await findInstance(ctx, binary, name);
  if (instance === null || instance.status === 'Stopped') return;
  if (instance.status === 'Running') {
    const graceful = await limactl(ctx, binary, ['stop', name], 240_000);
    if (graceful.exitCode === 0) return;
    ctx.progress(`lima: limactl stop ${name} failed (${oneLine(limactlFailureLine(String(graceful.stderr)), 120)}); forcing`);
  }
  const forced = await limactl(ctx, binary, ['stop', '-f', name], 60_000);
  const after = await findInstance(ctx, binary, name);
  if (after !== null && after.status !== 'Stopped') {
    throw new InfraError(
      `limactl stop -f ${name} left the instance ${after.status || 'in an unknown state'} (exit ${forced.exitCode}): ${oneLine(limactlFailureLine(String(forced.stderr))) || 'no output'}`,
    );
  }
}

/** Starts the prepared instance of `variant` (stopped first: a measured boot needs a stopped one) and describes the running guest. */
async function bootInstance(ctx: LimaContext, prepared: PreparedTarget, variant: KernelVariant): Promise<BootedGuest> {
  if (!isLimaPreparedTarget(prepared)) throw new InfraError('lima backend: boot() needs a target prepared by the lima backend');
  const name = prepared.lima.instances[variant];
  if (name === undefined) throw new InputError(`target ${showValue(prepared.spec.name)}: kernel variant ${variant} was not prepared`);
  const binary = await requireLimactl(ctx);

  // `limactl start` on a running instance returns at once; a measured boot needs a stopped one.
  await stopInstance(ctx, binary, name);
  const before = await findInstance(ctx, binary, name);
  if (before === null) throw new InfraError(`Lima instance ${name} disappeared after prepare`);

  ctx.progress(`lima: starting ${name}`);
  const startClock = new Date();
  const started = await limactl(ctx, binary, limaStartArgs(name, ctx.bootTimeoutMs / 1000), ctx.bootTimeoutMs + 60_000);
  const haStderrPath = path.join(before.dir, 'ha.stderr.log');
  await fs.writeFile(path.join(prepared.runDir, `lima-start-${name}.log`), `${String(started.stderr)}\n`);
  if (started.exitCode !== 0) {
    const tail = await logTail(haStderrPath, 2);
    await stopInstance(ctx, binary, name).catch(() => undefined);
    throw new InfraError(
      `limactl start ${name} failed (exit ${started.exitCode}): ${oneLine(limactlFailureLine(String(started.stderr)), 160) || 'no output'}${tail ? `; host agent: ${oneLineTail(tail, 160)}` : ''}; see ${haStderrPath}`,
    );
  }

  try {
    return await describeRunning(ctx, binary, prepared, variant, name, haStderrPath, startClock);
  } catch (error) {
    await stopInstance(ctx, binary, name).catch(() => undefined);
    throw error;
  }
}

async function describeRunning(
  ctx: LimaContext,
  binary: string,
  prepared: LimaPreparedTarget,
  variant: KernelVariant,
  name: string,
  haStderrPath: string,
  startClock: Date,
): Promise<BootedGuest> {
  const instance = await findInstance(ctx, binary, name);
  if (instance === null || instance.status !== 'Running') {
    throw new InfraError(`Lima instance ${name} is ${instance?.status || 'gone'} right after limactl start succeeded`);
  }
  if (instance.sshConfigFile === null) throw new InfraError(`limactl list --json: instance ${name} has no sshConfigFile`);
  const sshConfigFile = instance.sshConfigFile;
  const target = await resolveSshAlias(instance.hostname || limaHostAlias(name), { configFile: sshConfigFile });
  if (!target.ok) throw new InfraError(`${sshConfigFile}: ${target.error}`);
  const mapped = limaSshEndpoint({
    target: target.value,
    sshConfigFile,
    sshLocalPort: instance.sshLocalPort,
    // One pin file per instance: stock and custom are different VMs with different host keys.
    pinFile: path.join(prepared.runDir, `lima-${name}-host-keys.pin`),
  });
  if (!mapped.ok) throw new InfraError(mapped.error);
  const endpoint = mapped.value;

  const haStderr = await fs.readFile(haStderrPath, 'utf8').catch(() => '');
  const timing = limaBootSeconds(haStderr, startClock);
  const hostBootSeconds = timing?.seconds ?? null;

  const serialCandidates = instance.vmType === 'vz' ? ['serialv.log', 'serial.log', 'serialp.log'] : ['serial.log', 'serialp.log', 'serialv.log'];
  const serialLogPath = serialCandidates.map((file) => path.join(instance.dir, file)).find((file) => existsSync(file)) ?? null;
  const guest: BootedGuest = {
    variant,
    endpoint,
    acceleration: limaAcceleration({
      vmType: instance.vmType,
      guestArch: instance.arch,
      hostPlatform: nodePlatform(),
      hostArch: limaArchOf(nodeArch()),
      kvmAvailable: existsSync('/dev/kvm'),
    }),
    hostBootSeconds,
    ...(timing ? { hostBootStart: timing.start } : {}),
    serialLogPath,
  };
  ctx.progress(
    `lima: ${name} running, ssh ${endpoint.user}@${endpoint.host}:${endpoint.port}, boot-to-ssh ${hostBootSeconds ?? 'unknown'} s from ${timing?.start ?? 'no start mark'}`,
  );
  return guest;
}

async function destroyCreated(ctx: LimaContext, prepared: PreparedTarget): Promise<void> {
  if (!isLimaPreparedTarget(prepared) || prepared.lima.created.length === 0) return;
  const binary = await requireLimactl(ctx);
  const failures: string[] = [];
  for (const name of prepared.lima.created) {
    // -f kills a still-running instance; deleting an absent one only warns (exit 0).
    const result = await limactl(ctx, binary, ['delete', '-f', name], 120_000);
    if (result.exitCode !== 0) failures.push(`${name}: ${oneLine(limactlFailureLine(String(result.stderr)), 120) || `exit ${result.exitCode}`}`);
  }
  if (failures.length > 0) throw new InfraError(`limactl delete -f failed for ${failures.join('; ')}`);
  prepared.lima.created = [];
}

async function limaVersions(ctx: LimaContext): Promise<Record<string, string | null>> {
  const binary = await findExecutable(ctx.limactlCommand);
  let limaVersion: string | null = null;
  if (binary !== null) {
    const result = await limactl(ctx, binary, ['--version'], 30_000);
    const parsed = result.exitCode === 0 ? parseLimaVersion(String(result.stdout)) : null;
    limaVersion = parsed?.ok ? parsed.value : null;
  }
  let qemuVersion: string | null = null;
  const qemu = await findExecutable('qemu-system-aarch64');
  if (qemu !== null) {
    const result = await execa(qemu, ['--version'], { reject: false, timeout: 30_000, stdin: 'ignore' });
    qemuVersion = result.exitCode === 0 ? parseQemuVersion(String(result.stdout)) : null;
  }
  return { qemuVersion, limaVersion };
}

export function createLimaBackend(options: LimaBackendOptions = {}): LimaBackend {
  const ctx: LimaContext = {
    limactlCommand: options.limactl ?? (process.env.LIMACTL || 'limactl'),
    progress: options.onProgress ?? (() => {}),
    bootTimeoutMs: options.bootTimeoutMs ?? 600_000,
    childEnv: options.limaHome ? { LIMA_HOME: options.limaHome } : {},
    options,
  };
  const guests = new WeakMap<BootedGuest, string>();
  const guestsByPort = new Map<number, string>();

  function instanceOf(guest: BootedGuest): string | null {
    return guests.get(guest) ?? guestsByPort.get(guest.endpoint.port) ?? null;
  }

  return {
    name: 'lima',
    prepare: (spec, variants, runDir) => prepareTarget(ctx, spec, variants, runDir),
    async boot(prepared, variant) {
      const guest = await bootInstance(ctx, prepared, variant);
      const name = (prepared as LimaPreparedTarget).lima.instances[variant]!;
      guests.set(guest, name);
      guestsByPort.set(guest.endpoint.port, name);
      return guest;
    },
    async shutdown(guest) {
      const name = instanceOf(guest);
      if (name === null) return;
      const binary = await findExecutable(ctx.limactlCommand);
      if (binary === null) return;
      await stopInstance(ctx, binary, name);
      guestsByPort.delete(guest.endpoint.port);
    },
    destroy: (prepared) => destroyCreated(ctx, prepared),
    versions: () => limaVersions(ctx),
    instanceOf,
  };
}
