/**
 * Picks qemu's accelerator by trying, not by assuming: a present /dev/kvm is not proof that KVM
 * guests run (nested KVM can hang forever). A hardware accelerator is used only if a probe boot
 * prints the kernel's first line on the serial console in time; otherwise TCG.
 */
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { buildQemuArgs, type HostArch, type QemuAccel } from './args.ts';
import { killAndWait, spawnTracked, waitForExit } from './children.ts';

export interface AccelProbeTarget {
  arch: HostArch;
  /** A kernel for `arch`, booted without disk or initrd: it prints its banner, then panics and exits. */
  kernelPath: string;
  timeoutMs: number;
}

export interface AccelChoice {
  accel: QemuAccel;
  /** One line on why: which candidates were tried and what happened. */
  reason: string;
}

/** Accelerators worth trying on this host, best first; TCG always last. */
export function acceleratorCandidates(platform: NodeJS.Platform, kvmUsable: boolean): QemuAccel[] {
  if (platform === 'darwin') return ['hvf', 'tcg'];
  if (platform === 'linux' && kvmUsable) return ['kvm', 'tcg'];
  return ['tcg'];
}

/** The serial line that proves the guest kernel is executing. */
export const KERNEL_ALIVE_PATTERN = /Linux version \d/;

export type ProbeOutcome = { ok: true; seconds: number } | { ok: false; why: string };

/** Boots `target.kernelPath` under `accel` and waits for KERNEL_ALIVE_PATTERN on the serial console. */
export async function probeAccelerator(accel: QemuAccel, target: AccelProbeTarget): Promise<ProbeOutcome> {
  const console = target.arch === 'aarch64' ? 'ttyAMA0' : 'ttyS0';
  const { binary, args } = buildQemuArgs({
    arch: target.arch,
    accel,
    vcpus: 1,
    memoryMiB: 256,
    boot: { kind: 'linux-kernel', kernelPath: target.kernelPath, initrdPath: null, append: `console=${console} panic=-1` },
    disks: [],
    sshHostPort: null,
    serial: { kind: 'stdio' },
    qmpSocketPath: null,
  });
  const started = Date.now();
  const child = spawnTracked(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let serial = '';
  let stderr = '';
  try {
    return await new Promise<ProbeOutcome>((resolve) => {
      const timer = setTimeout(() => resolve({ ok: false, why: `no kernel output within ${target.timeoutMs} ms` }), target.timeoutMs);
      child.stdout?.on('data', (chunk: Buffer) => {
        serial += chunk.toString('latin1');
        if (KERNEL_ALIVE_PATTERN.test(serial)) {
          clearTimeout(timer);
          resolve({ ok: true, seconds: (Date.now() - started) / 1000 });
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve({ ok: false, why: `${binary} could not start: ${error.message}` });
      });
      child.once('exit', (code, signal) => {
        // Give the stdout handler a chance: a kernel line may arrive just before a panic exit.
        setImmediate(() => {
          clearTimeout(timer);
          if (KERNEL_ALIVE_PATTERN.test(serial)) resolve({ ok: true, seconds: (Date.now() - started) / 1000 });
          const firstError = stderr.split('\n').find((line) => line.trim() !== '') ?? `exit ${code ?? signal}`;
          resolve({ ok: false, why: `qemu exited early: ${firstError.trim()}` });
        });
      });
    });
  } finally {
    await killAndWait(child).catch(() => {});
    await waitForExit(child, 1000);
  }
}

async function kvmUsable(): Promise<boolean> {
  try {
    await access('/dev/kvm', fsConstants.R_OK | fsConstants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const choices = new Map<string, Promise<AccelChoice>>();

/**
 * Tries each candidate once per process (a kbench run) and remembers the answer.
 * `forced` skips probing (e.g. KBENCH_QEMU_ACCEL=tcg).
 */
export function chooseAcceleration(target: AccelProbeTarget, forced: QemuAccel | null = null): Promise<AccelChoice> {
  if (forced !== null) return Promise.resolve({ accel: forced, reason: `${forced} forced by configuration` });
  // Any kernel of the right architecture proves the same thing: one probe per arch per run.
  const key = target.arch;
  let choice = choices.get(key);
  if (!choice) {
    choice = (async () => {
      const candidates = acceleratorCandidates(process.platform, process.platform === 'linux' && (await kvmUsable()));
      const notes: string[] = [];
      for (const accel of candidates) {
        if (accel === 'tcg') break;
        const outcome = await probeAccelerator(accel, target);
        if (outcome.ok) return { accel, reason: `${accel} probe boot printed the kernel banner in ${outcome.seconds.toFixed(1)} s` };
        notes.push(`${accel}: ${outcome.why}`);
      }
      return { accel: 'tcg' as const, reason: notes.length > 0 ? `fell back to tcg (${notes.join('; ')})` : 'tcg: no hardware accelerator on this host' };
    })();
    choices.set(key, choice);
  }
  return choice;
}

/** Forgets remembered probe results (tests). */
export function resetAccelerationCache(): void {
  choices.clear();
}
