/**
 * QEMU backend: boots the cached Debian ZFS testbed with each kernel variant. Every boot gets its
 * own copy-on-write overlay (the cache is never written), a sparse scratch disk for ZFS vdevs,
 * a loopback SSH port, a serial log and a QMP socket for a graceful power-down.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { connect as connectSocket, createServer } from 'node:net';
import { arch as hostArch } from 'node:os';
import * as path from 'node:path';
import { InputError, KbenchError, showValue } from '../../errors/index.ts';
import type { Acceleration, KernelVariant } from '../../results/schema.ts';
import { connectWithRetry } from '../../ssh/connect.ts';
import type { SshEndpoint } from '../../ssh/types.ts';
import type { Backend, BootedGuest, PreparedTarget, TargetSpec } from '../types.ts';
import { chooseAcceleration, type AccelChoice } from './accel.ts';
import { buildQemuArgs, qemuBinaryFor, type HostArch, type QemuAccel } from './args.ts';
import { killAndWait, spawnTracked, waitForExit } from './children.ts';
import { qemuImageProvider, type QemuBootImage } from './images.ts';

export interface QemuBackendOptions {
  /** Replaces ${KBENCH_CACHE:-~/.cache/kbench} for the testbed image. */
  cacheDir?: string;
  /** Skip the acceleration probe; default from KBENCH_QEMU_ACCEL, else probe. */
  forceAccel?: QemuAccel;
  /** From qemu start until the first SSH command must succeed. TCG on 2 cores needs ~20-40 s. */
  bootTimeoutMs?: number;
  /** After system_powerdown, wait this long before SIGKILL. */
  powerdownGraceMs?: number;
  /** How long the KVM/HVF probe boot may take to print the kernel banner. */
  accelProbeTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

/** What `prepare` adds to PreparedTarget; `boot` needs it. */
export interface QemuPreparedTarget extends PreparedTarget {
  /** `arch` is the guest's: qemu-system-<arch> runs it (TCG when it is not the host's). */
  qemu: { testbed: QemuBootImage; arch: HostArch; bootCounts: Record<KernelVariant, number> };
}

interface RunningVm {
  child: ChildProcess;
  qmpSocketPath: string;
  bootDir: string;
  runDir: string;
}

const PORT_RETRIES = 5;

export function isQemuPreparedTarget(prepared: PreparedTarget): prepared is QemuPreparedTarget {
  return typeof (prepared as Partial<QemuPreparedTarget>).qemu?.testbed?.imagePath === 'string';
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

/** A loopback port nobody listens on right now (qemu may still lose a race for it: see boot). */
export function findFreeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free loopback port'))));
    });
  });
}

/** Resolves once the forwarded port sends an SSH banner; rejects if `stillRunning` turns false. */
export async function waitForSshBanner(port: number, deadline: number, stillRunning: () => string | null): Promise<void> {
  for (;;) {
    const stopped = stillRunning();
    if (stopped !== null) throw new KbenchError(stopped, 1);
    if (Date.now() > deadline) throw new KbenchError(`no SSH banner on 127.0.0.1:${port} before the boot deadline`, 1);
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
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
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

export function createQemuBackend(options: QemuBackendOptions = {}): QemuBackend {
  const running = new Map<string, RunningVm>();
  const progress = options.onProgress ?? (() => {});
  const bootTimeoutMs = options.bootTimeoutMs ?? 300_000;
  const graceMs = options.powerdownGraceMs ?? 30_000;

  async function prepare(spec: TargetSpec, variants: KernelVariant[], runDir: string): Promise<QemuPreparedTarget> {
    const provide = qemuImageProvider(spec.name);
    if (variants.length === 0) throw new InputError(`target ${showValue(spec.name)}: no kernel variants to prepare`);
    await fs.mkdir(runDir, { recursive: true });
    const testbed = await provide({ ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}), onProgress: progress });
    const arch = testbed.guestArch;
    const facts = {} as PreparedTarget['facts'];
    for (const variant of ['stock', 'custom'] as const) {
      const stat = variants.includes(variant) ? await fs.stat(testbed.kernels[variant].kernel) : null;
      facts[variant] = stat ? { kernelImagePath: testbed.kernels[variant].kernel, kernelImageBytes: stat.size } : { kernelImagePath: null, kernelImageBytes: null };
    }
    return { spec, variants, runDir, facts, qemu: { testbed, arch, bootCounts: { stock: 0, custom: 0 } } };
  }

  async function spawnVm(
    prepared: QemuPreparedTarget,
    variant: KernelVariant,
    accel: QemuAccel,
    bootDir: string,
    serialLogPath: string,
    disks: { root: string; scratch: string | null },
  ): Promise<{ child: ChildProcess; port: number; startedAt: number; qmpSocketPath: string; stderrPath: string }> {
    const kernel = prepared.qemu.testbed.kernels[variant];
    const qmpSocketPath = path.join(bootDir, 'qmp.sock');
    const stderrPath = path.join(bootDir, 'qemu-stderr.log');
    for (let attempt = 1; ; attempt += 1) {
      const port = await findFreeLoopbackPort();
      const { binary, args } = buildQemuArgs({
        arch: prepared.qemu.arch,
        accel,
        vcpus: prepared.spec.vcpus,
        memoryMiB: prepared.spec.memoryMiB,
        boot: { kind: 'linux-kernel', kernelPath: kernel.kernel, initrdPath: kernel.initrd, append: kernel.append },
        disks: [{ path: disks.root, format: 'qcow2' }, ...(disks.scratch ? [{ path: disks.scratch, format: 'raw' as const }] : [])],
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
      const early = await Promise.race([
        waitForExit(child, 1500).then((exited) => (exited ? ('exited' as const) : ('running' as const))),
        spawnError,
      ]);
      if (early === 'running') return { child, port, startedAt, qmpSocketPath, stderrPath };
      if (early instanceof Error) throw new KbenchError(`could not start ${binary}: ${early.message}`, 1);
      const firstLine = stderr.split('\n').find((line) => line.trim() !== '')?.trim() ?? `exit ${child.exitCode}`;
      if (/hostfwd|host forwarding|Could not set up host forwarding rule/i.test(stderr) && attempt < PORT_RETRIES) {
        progress(`port ${port} was taken before qemu bound it; retrying with another port`);
        continue;
      }
      throw new KbenchError(`${binary} exited at once for ${variant} kernel: ${firstLine} (see ${stderrPath})`, 1);
    }
  }

  async function boot(prepared: PreparedTarget, variant: KernelVariant): Promise<BootedGuest> {
    if (!isQemuPreparedTarget(prepared)) throw new KbenchError('qemu backend: boot() needs a target prepared by the qemu backend', 1);
    if (!prepared.variants.includes(variant)) throw new InputError(`target ${showValue(prepared.spec.name)}: kernel variant ${variant} was not prepared`);
    const n = ++prepared.qemu.bootCounts[variant];
    const bootDir = path.join(prepared.runDir, 'qemu', `${variant}-${n}`);
    await fs.mkdir(bootDir, { recursive: true });
    const serialLogPath = path.join(prepared.runDir, `serial-${variant}-${n}.log`);
    const testbed = prepared.qemu.testbed;

    const overlay = path.join(bootDir, 'root.qcow2');
    await runQemuImg(['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', testbed.imagePath, overlay]);
    let scratch: string | null = null;
    if (prepared.spec.scratchDiskMiB > 0) {
      scratch = path.join(bootDir, 'scratch.raw');
      await fs.rm(scratch, { force: true });
      const handle = await fs.open(scratch, 'w');
      await handle.truncate(prepared.spec.scratchDiskMiB * 1024 * 1024);
      await handle.close();
    }

    // No hardware acceleration runs another architecture's guest: TCG, without a probe.
    const foreign = prepared.qemu.arch !== hostArchForQemu();
    const accelChoice: AccelChoice = foreign
      ? { accel: 'tcg', reason: `tcg: a ${prepared.qemu.arch} guest on a ${hostArch()} host can only be emulated` }
      : await chooseAcceleration(
          { arch: prepared.qemu.arch, kernelPath: testbed.kernels[variant].kernel, timeoutMs: options.accelProbeTimeoutMs ?? 20_000 },
          options.forceAccel ?? forcedAccelFromEnv() ?? null,
        );
    progress(`acceleration: ${accelChoice.reason}`);

    const vm = await spawnVm(prepared, variant, accelChoice.accel, bootDir, serialLogPath, { root: overlay, scratch });
    running.set(serialLogPath, { child: vm.child, qmpSocketPath: vm.qmpSocketPath, bootDir, runDir: prepared.runDir });
    const endpoint: SshEndpoint = {
      host: '127.0.0.1',
      port: vm.port,
      user: 'root',
      privateKeyPath: testbed.sshKeyPath,
      hostKeyPolicy: { kind: 'pin-on-first-contact', pinFile: path.join(prepared.runDir, 'ssh-host-keys.pin') },
    };
    const guest: BootedGuest = {
      variant,
      endpoint,
      acceleration: accelToAcceleration(accelChoice.accel),
      hostBootSeconds: null,
      serialLogPath,
    };
    const deadline = Date.now() + bootTimeoutMs;
    try {
      const exitedMessage = () =>
        vm.child.exitCode !== null || vm.child.signalCode !== null
          ? `qemu exited during boot of the ${variant} kernel (exit ${vm.child.exitCode ?? vm.child.signalCode})`
          : null;
      await waitForSshBanner(vm.port, deadline, exitedMessage);
      const connected = await connectWithRetry(endpoint, { deadlineMs: Math.max(5_000, deadline - Date.now()) });
      const firstCommandAt = performance.now();
      await connected.session.close().catch(() => undefined);
      guest.hostBootSeconds = Math.round((firstCommandAt - vm.startedAt) / 10) / 100;
      progress(`${variant} kernel: SSH answered ${guest.hostBootSeconds} s after qemu started (port ${vm.port})`);
      return guest;
    } catch (error) {
      await shutdown(guest).catch(() => undefined);
      const serialTail = await tailOf(serialLogPath, 3);
      const stderrTail = await tailOf(vm.stderrPath, 2);
      const detail = [serialTail && `serial: ${serialTail}`, stderrTail && `qemu: ${stderrTail}`].filter(Boolean).join('; ');
      throw new KbenchError(
        `boot of the ${variant} kernel failed: ${(error as Error).message}${detail ? ` (${detail})` : ''}; serial log ${serialLogPath}`,
        1,
      );
    }
  }

  async function shutdown(guest: BootedGuest): Promise<void> {
    const key = guest.serialLogPath ?? '';
    const vm = running.get(key);
    if (!vm) return;
    try {
      if (vm.child.exitCode === null && vm.child.signalCode === null) {
        const asked = await qmpCommand(vm.qmpSocketPath, 'system_powerdown').then(
          () => true,
          () => false,
        );
        if (!asked || !(await waitForExit(vm.child, graceMs))) await killAndWait(vm.child);
      }
    } finally {
      if (vm.child.exitCode !== null || vm.child.signalCode !== null) running.delete(key);
    }
  }

  async function destroy(prepared: PreparedTarget): Promise<void> {
    for (const [key, vm] of [...running]) {
      if (vm.runDir !== prepared.runDir) continue;
      await killAndWait(vm.child);
      running.delete(key);
    }
    // Overlays, scratch disks and sockets go; serial logs stay with the run's other logs.
    await fs.rm(path.join(prepared.runDir, 'qemu'), { recursive: true, force: true });
  }

  async function versions(): Promise<{ qemuVersion: string | null; limaVersion: string | null }> {
    const arch = hostArchForQemu() ?? 'x86_64';
    const output = await captureOutput(qemuBinaryFor(arch), ['--version']);
    return { qemuVersion: output === null ? null : parseQemuVersion(output), limaVersion: null };
  }

  function pidOf(guest: BootedGuest): number | null {
    const vm = running.get(guest.serialLogPath ?? '');
    return vm && vm.child.exitCode === null && vm.child.signalCode === null ? (vm.child.pid ?? null) : null;
  }

  return { name: 'qemu', prepare, boot, shutdown, destroy, versions, pidOf };
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
  if (code !== 0) throw new KbenchError(`qemu-img ${args[0]} failed: ${stderr.trim() || code}`, 1);
}
