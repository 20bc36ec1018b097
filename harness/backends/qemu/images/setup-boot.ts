/**
 * A one-time setup boot: the verified image under a writable qcow2 overlay that is kept, a NoCloud
 * seed whose runcmd does the setup and powers off, the serial console in a file. Later boots
 * overlay the kept disk, so what the setup installed (Alpine's zfs and zfs-virt) is fetched once,
 * never per boot. Success is the marker the runcmd prints on the consoles before it powers off.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { InfraError } from '../../../errors/index.ts';
import { buildQemuArgs, type HostArch, type QemuBootMethod } from '../args.ts';
import { findFreeLoopbackPort } from '../ports.ts';
import { killAndWait, spawnTracked, waitForExit } from '../children.ts';

export const SETUP_OK = 'kbench-setup: ok';
export const SETUP_FAILED = 'kbench-setup: failed';

/**
 * Pure: runcmd lines that run `commands` (one sh -c line, so a failure is seen), print the marker
 * on every console that exists (the serial one is where kbench reads it), then power off.
 */
export function setupRuncmd(commands: string, consoles: readonly string[] = ['/dev/console', '/dev/ttyAMA0', '/dev/ttyS0', '/dev/hvc0']): string[] {
  if (!consoles.every((c) => /^\/[A-Za-z0-9_./-]+$/.test(c))) throw new RangeError('consoles must be plain absolute paths');
  const say = (text: string) => `for t in ${consoles.join(' ')}; do [ -e $t ] && echo '${text}' > $t; done 2>/dev/null`;
  return [`if sh -c '${commands.replace(/'/g, `'\\''`)}'; then ${say(SETUP_OK)}; else ${say(SETUP_FAILED)}; fi; true`, 'poweroff'];
}

/** Alpine: zfs (userland) and zfs-virt (modules for linux-virt) from the release's own repositories, loaded at every boot after. */
export const ALPINE_ZFS_SETUP = 'apk add --no-cache zfs zfs-virt && { grep -qx zfs /etc/modules || echo zfs >> /etc/modules; } && modprobe zfs';

export interface SetupBoot {
  arch: HostArch;
  boot: QemuBootMethod;
  /** The verified image (read-only backing file). */
  base: { path: string; format: 'raw' | 'qcow2' };
  /** The kept disk: a qcow2 overlay over `base` that the setup writes into. */
  disk: string;
  /** The NoCloud seed folder whose runcmd ends with setupRuncmd(...). */
  seedDir: string;
  serialLog: string;
  timeoutMs: number;
  what: string;
  onProgress(message: string): void;
}

/** The machine of a setup or install boot (nothing is measured in it): one vCPU, 1 GiB, no QMP socket. */
export function setupMachine(run: Pick<SetupBoot, 'arch' | 'boot'>, accel: 'kvm' | 'hvf' | 'tcg') {
  return { vcpus: 1, memoryMiB: 1024, qmpSocketPath: null, arch: run.arch, accel, boot: run.boot } as const;
}

/** Pure: the setup boot's qemu argument set: the kept disk writable (no snapshot), the seed, the serial log, no reboot. */
export function setupBootArgs(run: Pick<SetupBoot, 'arch' | 'boot' | 'disk' | 'seedDir' | 'serialLog'>, sshHostPort: number, accel: 'kvm' | 'hvf' | 'tcg') {
  return buildQemuArgs({
    ...setupMachine(run, accel),
    disks: [
      { path: run.disk, format: 'qcow2' },
      { fatDir: run.seedDir, label: 'cidata' },
    ],
    sshHostPort,
    serial: { kind: 'file', path: run.serialLog },
  });
}

/** A setup or install boot is not measured: the host's own accelerator when the guest is its architecture. */
export function setupAccel(arch: HostArch): 'kvm' | 'hvf' | 'tcg' {
  const native = (process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : null) === arch;
  return !native ? 'tcg' : process.platform === 'darwin' ? 'hvf' : existsSync('/dev/kvm') ? 'kvm' : 'tcg';
}

export async function runSetupBoot(run: SetupBoot): Promise<void> {
  await fs.rm(run.disk, { force: true });
  const created = spawnTracked('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', run.base.format, '-b', run.base.path, run.disk], { stdio: 'ignore' });
  if ((await new Promise((resolve) => created.once('close', resolve))) !== 0) throw new InfraError(`qemu-img create ${run.disk} over ${run.base.path} failed`);
  const { binary, args } = setupBootArgs(run, await findFreeLoopbackPort(), setupAccel(run.arch));
  run.onProgress(`${run.what}: one-time setup boot into ${run.disk} (serial log ${run.serialLog})`);
  const child = spawnTracked(binary, args, { stdio: 'ignore' });
  if (!(await waitForExit(child, run.timeoutMs))) {
    await killAndWait(child);
    throw new InfraError(`${run.what}: the setup boot did not power off within ${Math.round(run.timeoutMs / 60_000)} min (see ${run.serialLog})`);
  }
  const serial = await fs.readFile(run.serialLog, 'latin1').catch(() => '');
  if (serial.includes(SETUP_FAILED) || !serial.includes(SETUP_OK)) {
    await fs.rm(run.disk, { force: true });
    throw new InfraError(
      `${run.what}: the setup boot ${serial.includes(SETUP_FAILED) ? 'reported a failed install' : `never printed "${SETUP_OK}"`} (see ${run.serialLog})`,
    );
  }
}
