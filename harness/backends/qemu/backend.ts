/**
 * QEMU backend: boots the disk a target's image provider made (qemu/images/: the Debian testbed,
 * official FreeBSD/Alpine images, ...) with each kernel variant. Every boot gets its own
 * copy-on-write overlay (the cache is never written), a sparse scratch disk for ZFS vdevs, a
 * loopback SSH port, a serial log and a QMP socket for a graceful power-down.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { connect as connectSocket } from 'node:net';
import { findFreeLoopbackPort } from './ports.ts';
import { arch as hostArch } from 'node:os';
import * as path from 'node:path';
import { InfraError, InputError, showValue } from '../../errors/index.ts';
import type { Acceleration, KernelVariant } from '../../results/schema.ts';
import type { BuildProgress } from '../../progress/index.ts';
import { connectWithRetry } from '../../ssh/connect.ts';
import type { RemoteShell, SshEndpoint } from '../../ssh/types.ts';
import type { Backend, BootedGuest, PreparedTarget, TargetSpec } from '../types.ts';
import { chooseAcceleration, type AccelChoice } from './accel.ts';
import { acceleratorCandidates } from './accel.ts';
import { buildQemuArgs, qemuBinaryFor, type HostArch, type QemuAccel, type QemuClock } from './args.ts';
import { chooseQemuClock, parseClockSetting, recordedClock, vcpusFor } from './clock.ts';
import { killAndWait, spawnTracked, waitForExit } from './children.ts';
import { IMAGE_PROVIDERS, imageProvider } from './images/index.ts';
import { parseGuestUser } from './images/second-login.ts';
import type { ImageProvider, PreparedImage } from './images/types.ts';

export interface QemuBackendOptions {
  /** Replaces ${KBENCH_CACHE:-~/.cache/kbench} for built and fetched images. */
  cacheDir?: string;
  /** Skip the acceleration probe; default from KBENCH_QEMU_ACCEL, else probe. */
  forceAccel?: QemuAccel;
  /** The guest clock; default from KBENCH_QEMU_CLOCK, else chooseQemuClock's default (clock.ts). */
  clock?: QemuClock;
  /** From qemu start until the first SSH command must succeed. TCG on 2 cores needs ~20-40 s. */
  bootTimeoutMs?: number;
  /** After system_powerdown, wait this long before SIGKILL. */
  powerdownGraceMs?: number;
  /** How long the KVM/HVF probe boot may take to print the kernel banner. */
  accelProbeTimeoutMs?: number;
  onProgress?: (message: string) => void;
  /**
   * Log in as this unprivileged user (added over root's SSH after each boot, images/second-login.ts)
   * instead of the image's own login; default from KBENCH_GUEST_USER, null = the image's login.
   */
  guestUser?: string | null;
  /** The Debian testbed image build, when one happens (default: its messages to onProgress). */
  onBuildProgress?: (progress: BuildProgress) => void;
  /** Makes the images instead of the target's provider (kbench gate: one revision's image per variant). */
  images?: ImageProvider;
}

/** What `prepare` adds to PreparedTarget; `boot` needs it. */
export interface QemuPreparedTarget extends PreparedTarget {
  qemu: { image: PreparedImage; arch: HostArch; bootCounts: Record<KernelVariant, number>; guestUser: string | null };
}

interface RunningVm {
  child: ChildProcess;
  qmpSocketPath: string;
  bootDir: string;
  runDir: string;
}

const PORT_RETRIES = 5;

export function isQemuPreparedTarget(prepared: PreparedTarget): prepared is QemuPreparedTarget {
  return typeof (prepared as Partial<QemuPreparedTarget>).qemu?.image?.rootDisk?.path === 'string';
}

export function hostArchForQemu(nodeArch: string = hostArch()): HostArch | null {
  if (nodeArch === 'x64') return 'x86_64';
  if (nodeArch === 'arm64') return 'aarch64';
  return null;
}

/** "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)" -> "7.2.22". */
export function parseQemuVersion(output: string): string | null {
  const match = /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/.exec(output);
  return match ? match[1]! : null;
}

function accelToAcceleration(accel: QemuAccel): Acceleration {
  return accel === 'kvm' ? 'qemu-kvm' : accel === 'hvf' ? 'qemu-hvf' : 'qemu-tcg';
}

function forcedAccelFromEnv(): QemuAccel | undefined {
  const value = process.env.KBENCH_QEMU_ACCEL;
  if (value === undefined || value === '') return undefined;
  if (value === 'kvm' || value === 'hvf' || value === 'tcg') return value;
  throw new InputError(`environment KBENCH_QEMU_ACCEL: expected kvm, hvf or tcg, got ${showValue(value)}`);
}

/** Resolves once the forwarded port sends an SSH banner; rejects if `stillRunning` turns false. */
export async function waitForSshBanner(port: number, deadline: number, stillRunning: () => string | null): Promise<void> {
  for (;;) {
    const stopped = stillRunning();
    if (stopped !== null) throw new InfraError(stopped);
    if (Date.now() > deadline) throw new InfraError(`no SSH banner on 127.0.0.1:${port} before the boot deadline`);
    if (await sshBannerArrives(port, 3000)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** One attempt: connect and read until `SSH-2.0-` or timeout. User-mode networking accepts before the guest listens, so only the banner counts. */
export function sshBannerArrives(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectSocket({ host: '127.0.0.1', port });
    let received = '';
    const finish = (value: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('SSH-2.0-')) finish(true);
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

/** Sends one QMP command after the capabilities handshake; resolves when qemu answers it. */
export function qmpCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket(socketPath);
    let buffer = '';
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`QMP ${command}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (error: Error | null) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === '') continue;
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if ('event' in message) continue;
        if ('error' in message) return done(new Error(`QMP ${command}: ${JSON.stringify(message.error)}`));
        if (stage === 'greeting' && 'QMP' in message) {
          stage = 'capabilities';
          socket.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        } else if (stage === 'capabilities' && 'return' in message) {
          stage = 'command';
          socket.write(`${JSON.stringify({ execute: command })}\n`);
        } else if (stage === 'command' && 'return' in message) {
          return done(null);
        }
      }
    });
    socket.on('error', (error) => done(error));
  });
}

async function tailOf(file: string, lines: number): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ');
}

export interface QemuBackend extends Backend {
  /** The qemu process id behind a guest this backend booted; null once it has exited. */
  pidOf(guest: BootedGuest): number | null;
}

/** What the calls of one qemu backend share: its options and the VMs it started. */
interface QemuContext {
  options: QemuBackendOptions;
  progress: (line: string) => void;
  /** By serial log path: the VMs this backend started and has not seen exit. */
  running: Map<string, RunningVm>;
  graceMs: number;
}

async function prepareTarget(ctx: QemuContext, spec: TargetSpec, variants: KernelVariant[], runDir: string): Promise<QemuPreparedTarget> {
  const host = hostArchForQemu();
  if (host === null) throw new InputError(`target ${showValue(spec.name)}: qemu needs an x86_64 or arm64 host; this host is ${hostArch()}`);
  const provider = imageProvider(spec.image);
  if (provider === null) throw new InputError(`target ${showValue(spec.name)}: unknown image provider ${showValue(spec.image)}`);
  // `arch` is the guest's: qemu-system-<arch> runs it, emulated when it is not the host's.
  const arch = provider.guestArch ?? host;
  const support = provider.supports(variants, host);
  if (!support.ok) throw new InputError(`target ${showValue(spec.name)} on qemu: ${support.reason}`);
  if (variants.length === 0) throw new InputError(`target ${showValue(spec.name)}: no kernel variants to prepare`);
  const guestUser = ctx.options.guestUser !== undefined ? ctx.options.guestUser : parseGuestUser(process.env.KBENCH_GUEST_USER);
  if (guestUser !== null && !provider.addsLogins)
    throw new InputError(
      `environment KBENCH_GUEST_USER=${guestUser}: image ${provider.name} cannot add a second login (${IMAGE_PROVIDERS.filter((p) => p.addsLogins === true)
        .map((p) => p.name)
        .join(' and ')} can); unset it for ${showValue(spec.name)}`,
    );
  await fs.mkdir(runDir, { recursive: true });
  const image = await (ctx.options.images ?? (await provider.load())).ensure({
    variants,
    arch,
    cacheDir: ctx.options.cacheDir ?? null,
    onProgress: ctx.progress,
    ...(ctx.options.onBuildProgress ? { onBuildProgress: ctx.options.onBuildProgress } : {}),
  });
  const facts = {} as PreparedTarget['facts'];
  for (const variant of ['stock', 'custom'] as const) {
    const kernelPath = variants.includes(variant) ? (image.kernelImage[variant] ?? null) : null;
    const stat = kernelPath === null ? null : await fs.stat(kernelPath);
    facts[variant] = stat && kernelPath ? { kernelImagePath: kernelPath, kernelImageBytes: stat.size } : { kernelImagePath: null, kernelImageBytes: null };
  }
  // The first boot would read the image from disk and every later one from the page cache:
  // in the recorded testbed run that made boot 0 of stock 3.5 s slower. Reading the files once
  // here puts every boot on the same footing.
  const bootFiles = variants.flatMap((v) => {
    const method = image.boot[v];
    return method?.kind === 'linux-kernel' ? [method.kernelPath, ...(method.initrdPath === null ? [] : [method.initrdPath])] : [];
  });
  const disks = [image.rootDisk.path, ...variants.flatMap((v) => (image.perVariant?.[v] === undefined ? [] : [image.perVariant[v].rootDisk.path]))];
  await warmPageCache([...new Set([...disks, ...bootFiles])]);
  return { spec, variants, runDir, facts, qemu: { image, arch, bootCounts: { stock: 0, custom: 0 }, guestUser } };
}

async function warmPageCache(files: string[]): Promise<void> {
  const buffer = Buffer.allocUnsafe(4 << 20);
  for (const file of files) {
    const handle = await fs.open(file, 'r').catch(() => null);
    if (handle === null) continue;
    try {
      while ((await handle.read(buffer, 0, buffer.length, null)).bytesRead > 0);
    } finally {
      await handle.close();
    }
  }
}

async function spawnVm(
  ctx: QemuContext,
  prepared: QemuPreparedTarget,
  variant: KernelVariant,
  accel: QemuAccel,
  clock: QemuClock,
  bootDir: string,
  serialLogPath: string,
  disks: { root: string; scratch: string | null },
): Promise<{ child: ChildProcess; port: number; startedAt: number; qmpSocketPath: string; stderrPath: string }> {
  const bootMethod = prepared.qemu.image.boot[variant];
  if (bootMethod === undefined) throw new InputError(`target ${showValue(prepared.spec.name)}: the image has no ${variant} kernel`);
  const qmpSocketPath = path.join(bootDir, 'qmp.sock');
  const stderrPath = path.join(bootDir, 'qemu-stderr.log');
  for (let attempt = 1; ; attempt += 1) {
    const port = await findFreeLoopbackPort();
    const { binary, args } = buildQemuArgs({
      arch: prepared.qemu.arch,
      accel,
      clock,
      vcpus: vcpusFor(clock, prepared.spec.vcpus),
      memoryMiB: prepared.spec.memoryMiB,
      boot: bootMethod,
      // The overlay dies with the boot: its flushes protect nothing worth a host-disk wait.
      disks: [
        { path: disks.root, format: 'qcow2', cache: 'unsafe' },
        ...(disks.scratch ? [{ path: disks.scratch, format: 'raw' as const }] : []),
        ...prepared.qemu.image.extraDisks,
      ],
      sshHostPort: port,
      serial: { kind: 'file', path: serialLogPath },
      qmpSocketPath,
    });
    await fs.rm(qmpSocketPath, { force: true });
    await fs.writeFile(path.join(bootDir, 'qemu-command.txt'), `${binary} ${args.join(' ')}\n`);
    const startedAt = performance.now();
    const child = spawnTracked(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const stderrLog = createWriteStream(stderrPath, { flags: 'a' });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      stderrLog.write(chunk);
    });
    child.once('exit', () => stderrLog.end());
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    // A lost port race or a bad argument makes qemu exit within moments.
    const early = await Promise.race([waitForExit(child, 1500).then((exited) => (exited ? ('exited' as const) : ('running' as const))), spawnError]);
    if (early === 'running') return { child, port, startedAt, qmpSocketPath, stderrPath };
    if (early instanceof Error) throw new InfraError(`could not start ${binary}: ${early.message}`);
    const firstLine =
      stderr
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim() ?? `exit ${child.exitCode}`;
    if (/hostfwd|host forwarding|Could not set up host forwarding rule/i.test(stderr) && attempt < PORT_RETRIES) {
      ctx.progress(`port ${port} was taken before qemu bound it; retrying with another port`);
      continue;
    }
    throw new InfraError(`${binary} exited at once for ${variant} kernel: ${firstLine} (see ${stderrPath})`);
  }
}

/** This boot's disks: a qcow2 overlay on the variant's root disk and, when the target asks, an empty raw scratch disk. */
async function createBootDisks(prepared: QemuPreparedTarget, variant: KernelVariant, bootDir: string): Promise<{ overlay: string; scratch: string | null }> {
  const image = prepared.qemu.image;
  const overlay = path.join(bootDir, 'root.qcow2');
  const rootDisk = image.perVariant?.[variant]?.rootDisk ?? image.rootDisk;
  await runQemuImg(['create', '-q', '-f', 'qcow2', '-F', rootDisk.format, '-b', rootDisk.path, overlay]);
  let scratch: string | null = null;
  if (prepared.spec.scratchDiskMiB > 0) {
    scratch = path.join(bootDir, 'scratch.raw');
    await fs.rm(scratch, { force: true });
    const handle = await fs.open(scratch, 'w');
    await handle.truncate(prepared.spec.scratchDiskMiB * 1024 * 1024);
    await handle.close();
  }
  return { overlay, scratch };
}

/** The accelerator and guest clock of a boot, each with its reason shown as progress. */
async function chooseBootClock(
  ctx: QemuContext,
  prepared: QemuPreparedTarget,
): Promise<{ foreignGuest: boolean; accelChoice: AccelChoice; clockChoice: ReturnType<typeof chooseQemuClock> }> {
  const image = prepared.qemu.image;
  const forced = ctx.options.forceAccel ?? forcedAccelFromEnv() ?? null;
  // Without a Linux kernel to probe with (BSD images), the best candidate is used and the boot itself is the test.
  // No hardware acceleration runs another architecture's guest (aarch64 on x86_64).
  const foreignGuest = prepared.qemu.arch !== hostArchForQemu();
  const accelChoice: AccelChoice = foreignGuest
    ? { accel: 'tcg', reason: `tcg: an ${prepared.qemu.arch} guest on an ${hostArch()} host can only be emulated` }
    : image.probeKernel === null && forced === null
      ? untestedChoice(prepared.qemu.arch)
      : await chooseAcceleration(
          { arch: prepared.qemu.arch, kernelPath: image.probeKernel ?? '', timeoutMs: ctx.options.accelProbeTimeoutMs ?? 20_000 },
          forced,
        );
  ctx.progress(`acceleration: ${accelChoice.reason}`);
  const clockChoice = chooseQemuClock(accelChoice.accel, foreignGuest, ctx.options.clock ?? parseClockSetting(process.env.KBENCH_QEMU_CLOCK));
  ctx.progress(`guest clock: ${clockChoice.reason}`);
  return { foreignGuest, accelChoice, clockChoice };
}

async function bootVariant(ctx: QemuContext, prepared: PreparedTarget, variant: KernelVariant): Promise<BootedGuest> {
  if (!isQemuPreparedTarget(prepared)) throw new InfraError('qemu backend: boot() needs a target prepared by the qemu backend');
  if (!prepared.variants.includes(variant)) throw new InputError(`target ${showValue(prepared.spec.name)}: kernel variant ${variant} was not prepared`);
  const n = ++prepared.qemu.bootCounts[variant];
  const bootDir = path.join(prepared.runDir, 'qemu', `${variant}-${n}`);
  await fs.mkdir(bootDir, { recursive: true });
  const serialLogPath = path.join(prepared.runDir, `serial-${variant}-${n}.log`);
  const image = prepared.qemu.image;

  const { overlay, scratch } = await createBootDisks(prepared, variant, bootDir);
  const own = image.perVariant?.[variant];
  const { foreignGuest, accelChoice, clockChoice } = await chooseBootClock(ctx, prepared);

  const vm = await spawnVm(ctx, prepared, variant, accelChoice.accel, clockChoice.clock, bootDir, serialLogPath, { root: overlay, scratch });
  ctx.running.set(serialLogPath, { child: vm.child, qmpSocketPath: vm.qmpSocketPath, bootDir, runDir: prepared.runDir });
  const endpoint: SshEndpoint = {
    host: '127.0.0.1',
    port: vm.port,
    user: image.ssh.user,
    privateKeyPath: own?.privateKeyPath ?? image.ssh.privateKeyPath,
    // Disks of separate builds have separate host keys: one pin per variant then.
    hostKeyPolicy: {
      kind: 'pin-on-first-contact',
      pinFile: path.join(prepared.runDir, image.perVariant === undefined ? 'ssh-host-keys.pin' : `ssh-host-keys-${variant}.pin`),
    },
  };
  const guest: BootedGuest = {
    variant,
    endpoint,
    acceleration: accelToAcceleration(accelChoice.accel),
    guestClock: recordedClock(clockChoice.clock),
    hostBootSeconds: null,
    serialLogPath,
  };
  // An emulated foreign guest boots several times slower than TCG of the host's own architecture.
  const bootTimeoutMs = ctx.options.bootTimeoutMs ?? (foreignGuest ? 900_000 : 300_000);
  const deadline = Date.now() + bootTimeoutMs;
  try {
    const exitedMessage = () =>
      vm.child.exitCode !== null || vm.child.signalCode !== null
        ? `qemu exited during boot of the ${variant} kernel (exit ${vm.child.exitCode ?? vm.child.signalCode})`
        : null;
    await waitForSshBanner(vm.port, deadline, exitedMessage);
    const connected = await connectWithRetry(endpoint, { deadlineMs: Math.max(5_000, deadline - Date.now()) });
    const firstCommandAt = performance.now();
    const guestUser = prepared.qemu.guestUser;
    try {
      if (guestUser !== null) await addSecondLogin(connected.session, image, guestUser);
    } finally {
      await connected.session.close().catch(() => undefined);
    }
    guest.hostBootSeconds = Math.round((firstCommandAt - vm.startedAt) / 10) / 100;
    guest.hostBootStart = 'qemu process start';
    ctx.progress(`${variant} kernel: SSH answered ${guest.hostBootSeconds} s after qemu started (port ${vm.port})`);
    if (guestUser !== null) {
      guest.endpoint = { ...endpoint, user: guestUser };
      ctx.progress(`${variant} kernel: logging in as ${guestUser} (KBENCH_GUEST_USER), root steps through sudo`);
    }
    return guest;
  } catch (error) {
    await shutdownGuest(ctx, guest).catch(() => undefined);
    const serialTail = await tailOf(serialLogPath, 3);
    const stderrTail = await tailOf(vm.stderrPath, 2);
    const detail = [serialTail && `serial: ${serialTail}`, stderrTail && `qemu: ${stderrTail}`].filter(Boolean).join('; ');
    throw new InfraError(`boot of the ${variant} kernel failed: ${(error as Error).message}${detail ? ` (${detail})` : ''}; serial log ${serialLogPath}`);
  }
}

async function shutdownGuest(ctx: QemuContext, guest: BootedGuest): Promise<void> {
  const key = guest.serialLogPath ?? '';
  const vm = ctx.running.get(key);
  if (!vm) return;
  try {
    if (vm.child.exitCode === null && vm.child.signalCode === null) {
      const asked = await qmpCommand(vm.qmpSocketPath, 'system_powerdown').then(
        () => true,
        () => false,
      );
      if (!asked || !(await waitForExit(vm.child, ctx.graceMs))) await killAndWait(vm.child);
    }
  } finally {
    if (vm.child.exitCode !== null || vm.child.signalCode !== null) ctx.running.delete(key);
  }
}

async function destroyRun(ctx: QemuContext, prepared: PreparedTarget): Promise<void> {
  for (const [key, vm] of [...ctx.running]) {
    if (vm.runDir !== prepared.runDir) continue;
    await killAndWait(vm.child);
    ctx.running.delete(key);
  }
  // Overlays, scratch disks and sockets go; serial logs stay with the run's other logs.
  await fs.rm(path.join(prepared.runDir, 'qemu'), { recursive: true, force: true });
}

async function qemuVersions(): Promise<Record<string, string | null>> {
  const output = await captureOutput(qemuBinaryFor(hostArchForQemu() ?? 'x86_64'), ['--version']);
  return { qemuVersion: output === null ? null : parseQemuVersion(output) };
}

export function createQemuBackend(options: QemuBackendOptions = {}): QemuBackend {
  const ctx: QemuContext = {
    options,
    progress: options.onProgress ?? (() => {}),
    running: new Map<string, RunningVm>(),
    // 60 s: a one-vCPU icount guest on a loaded host shuts down more slowly than two wall-clock vCPUs.
    graceMs: options.powerdownGraceMs ?? 60_000,
  };
  return {
    name: 'qemu',
    prepare: (spec, variants, runDir) => prepareTarget(ctx, spec, variants, runDir),
    boot: (prepared, variant) => bootVariant(ctx, prepared, variant),
    shutdown: (guest) => shutdownGuest(ctx, guest),
    destroy: (prepared) => destroyRun(ctx, prepared),
    versions: qemuVersions,
    pidOf(guest) {
      const vm = ctx.running.get(guest.serialLogPath ?? '');
      return vm && vm.child.exitCode === null && vm.child.signalCode === null ? (vm.child.pid ?? null) : null;
    },
  };
}

const SECOND_LOGIN_TIMEOUT_MS = 300_000;

/** Runs the image's addLogin lines as root; a failure is one line with the first line of its output. */
async function addSecondLogin(session: { exec: RemoteShell['exec'] }, image: PreparedImage, user: string): Promise<void> {
  if (!image.ssh.addLogin) throw new InputError(`KBENCH_GUEST_USER=${user}: this image cannot add a second login`);
  const result = await session.exec(image.ssh.addLogin(user), { timeoutMs: SECOND_LOGIN_TIMEOUT_MS });
  if (result.code !== 0) {
    const why =
      `${result.stderr}\n${result.stdout}`
        .split('\n')
        .find((line) => line.trim() !== '')
        ?.trim() ?? `exit ${result.code}`;
    throw new InfraError(`adding the login ${user} (KBENCH_GUEST_USER) as root failed: ${why}`);
  }
}

/** The first hardware accelerator this host offers (hvf on macOS, kvm on Linux with /dev/kvm), untested. */
function untestedChoice(arch: HostArch): AccelChoice {
  const kvm = process.platform === 'linux' && existsSync('/dev/kvm');
  const accel = acceleratorCandidates(process.platform, kvm)[0] ?? 'tcg';
  return { accel, reason: `${accel}: no probe kernel for this image on ${arch}, the boot itself tests it (KBENCH_QEMU_ACCEL=tcg to force emulation)` };
}

function captureOutput(command: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawnTracked(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code === 0 ? out : null));
  });
}

async function runQemuImg(args: string[]): Promise<void> {
  const child = spawnTracked('qemu-img', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('close', (exitCode) => resolve(exitCode ?? 1));
  });
  if (code !== 0) throw new InfraError(`qemu-img ${args[0]} failed: ${stderr.trim() || code}`);
}
