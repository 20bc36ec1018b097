/**
 * Pure planning for the Lima backend: instance names, the `limactl create` argv per guest OS and
 * kernel variant, and which acceleration a Lima instance gets. Every rule here is read from the
 * lima-vm/lima source (v2.2.0-153-g183a60d7); the file named next to each rule is where.
 */
import { frameOneShot, newMarkerToken } from '../../ssh/framing.ts';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectFile } from '../../root.ts';
import { err, InputError, ok, showValue, type Result } from '../../errors/index.ts';
import type { Acceleration, GuestOs, KernelVariant } from '../../results/schema.ts';
import { unameOf } from '../../results/names.ts';
import { LIMA_GUEST_ENTRIES } from './guests/index.ts';
import { isRunnable, type LimaRunnableGuest, type LimaVmType } from './guests/types.ts';

export type { LimaVmType } from './guests/types.ts';
export type LimaArch = 'aarch64' | 'x86_64';
/** kbench's own templates (lima/ in the repo), one per guest OS and kernel variant; limactl takes a file path. */
// From the project root: in the compiled bundle this code runs from dist/.
export const LIMA_TEMPLATE_DIR = fileURLToPath(projectFile('lima/')).replace(/\/$/, '');
export function limaTemplatePath(os: LimaGuest, variant: KernelVariant): string {
  return path.join(LIMA_TEMPLATE_DIR, `${os}-${variant}.yaml`);
}

/**
 * The guests Lima runs, each declared in its own file (guests/<os>.ts) with all that is particular
 * to it, so that the backend and its descriptor branch on what a guest needs, never on its name.
 */
export const LIMA_GUESTS: Readonly<Record<string, LimaRunnableGuest>> = Object.fromEntries(
  LIMA_GUEST_ENTRIES.filter(isRunnable).map((entry) => [entry.os, entry]),
);
/** A guest OS Lima runs (a key of LIMA_GUESTS). */
export type LimaGuest = GuestOs;

/** The Lima guest `os` is, or null when Lima does not run it (limaRefusal says why). */
export function limaGuestOf(os: string): LimaGuest | null {
  return Object.hasOwn(LIMA_GUESTS, os) ? (os as LimaGuest) : null;
}

/** What Lima needs to know about a guest it runs. */
export function limaGuestSpec(os: LimaGuest): LimaRunnableGuest {
  const spec = LIMA_GUESTS[os];
  if (spec === undefined) throw new InputError(`backend lima: no Lima template for ${os}`);
  return spec;
}

/** pkg/identifiers/validate.go: alphanumeric runs joined by single `.`, `_` or `-`, at most 76 characters. */
const LIMA_IDENTIFIER = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
const LIMA_IDENTIFIER_MAX = 76;

/** pkg/limatype/dirnames/dirnames.go ValidateInstName: an identifier that does not end in .yml/.yaml. */
export function validateLimaInstanceName(name: string): Result<string> {
  if (name === '') return err('Lima instance name is empty');
  if (name.length > LIMA_IDENTIFIER_MAX) return err(`Lima instance name ${showValue(name)} is longer than ${LIMA_IDENTIFIER_MAX} characters`);
  if (!LIMA_IDENTIFIER.test(name)) {
    return err(`Lima instance name ${showValue(name)} must be letters/digits joined by single ".", "_" or "-"`);
  }
  if (/\.ya?ml$/i.test(name)) return err(`Lima instance name ${showValue(name)} must not end in .yml or .yaml`);
  return ok(name);
}

/** One instance per target and kernel variant, e.g. `kbench-alpine-custom`. */
export function limaInstanceName(target: string, variant: KernelVariant): string {
  const checked = validateLimaInstanceName(`kbench-${target}-${variant}`);
  if (!checked.ok) throw new InputError(`target ${showValue(target)}: ${checked.error}`);
  return checked.value;
}

/** Lima's ssh.config Host alias: pkg/instance/hostname FromInstName ("lima-" + name with . and _ as -). */
export function limaHostAlias(instanceName: string): string {
  return `lima-${instanceName.replace(/[._]/g, '-')}`;
}

export interface LimaCustomKernel {
  /** Absolute path on the host. With vz: an arm64 `Image` (Lima un-gzips/xz/zstd/bzip2 it on copy; an EFI zboot vmlinuz is not an Image). */
  kernelPath: string;
  /** Absolute path, or null to boot without an initrd. */
  initrdPath: string | null;
  cmdline: string;
  arch: LimaArch;
}

export interface LimaCreatePlan {
  name: string;
  /** A template file path. */
  template: string;
  vmType: LimaVmType;
  cpus: number;
  memoryGiB: number;
  customKernel?: LimaCustomKernel;
}

/** What a string must avoid to sit inside a double-quoted yq literal unescaped. */
function yqStringLiteral(field: string, value: string): string {
  if (/["\\\u0000-\u001f\u007f]/.test(value)) {
    throw new InputError(`custom kernel ${field} ${showValue(value)}: must not contain quotes, backslashes or control characters`);
  }
  return `"${value}"`;
}

/**
 * The `--set` expression for a custom kernel. Lima applies --set after embedding the template's
 * `base:` images (cmd/limactl/start.go), so the expression sees the template's image list: it keeps
 * the images of the kernel's arch and puts kernel/initrd on them. pkg/limayaml/validate.go requires
 * kernel.arch == image arch (defaults.go fills it from the image), hence `.arch` is pinned too.
 */
export function customKernelExpression(kernel: LimaCustomKernel): string {
  if (!kernel.kernelPath.startsWith('/')) throw new InputError(`custom kernel path ${showValue(kernel.kernelPath)}: must be absolute`);
  if (kernel.initrdPath !== null && !kernel.initrdPath.startsWith('/')) {
    throw new InputError(`custom kernel initrd ${showValue(kernel.initrdPath)}: must be absolute`);
  }
  if (kernel.cmdline.trim() === '')
    throw new InputError('custom kernel cmdline: must not be empty (Lima boots the kernel directly, it needs root= and console=)');
  const arch = yqStringLiteral('arch', kernel.arch);
  const parts = [
    `.arch = ${arch}`,
    `.images |= map(select(.arch == ${arch}))`,
    `.images[].kernel = {"location": ${yqStringLiteral('path', kernel.kernelPath)}, "cmdline": ${yqStringLiteral('cmdline', kernel.cmdline)}}`,
  ];
  if (kernel.initrdPath !== null) parts.push(`.images[].initrd = {"location": ${yqStringLiteral('initrd', kernel.initrdPath)}}`);
  return parts.join(' | ');
}

/** `--memory` is GiB as a float (cmd/limactl/editflags: `.memory = "<n>GiB"`). */
function formatGiB(value: number): string {
  if (!Number.isFinite(value) || value <= 0) throw new InputError(`memory ${showValue(value)} GiB: must be a positive number`);
  return String(Math.round(value * 1000) / 1000);
}

/**
 * argv (without `limactl`) that creates, but does not start, one instance. `--plain` turns off
 * mounts, port forwarding, containerd and the guest agent (quieter guest); `--mount-none` also
 * drops the template's `base: template:_default/mounts`.
 */
export function limaCreateArgs(plan: LimaCreatePlan): string[] {
  const name = validateLimaInstanceName(plan.name);
  if (!name.ok) throw new InputError(name.error);
  if (!Number.isInteger(plan.cpus) || plan.cpus < 1) throw new InputError(`cpus ${showValue(plan.cpus)}: must be a positive integer`);
  const args = [
    'create',
    '--tty=false',
    `--name=${plan.name}`,
    `--vm-type=${plan.vmType}`,
    `--cpus=${plan.cpus}`,
    `--memory=${formatGiB(plan.memoryGiB)}`,
    '--plain',
    '--mount-none',
  ];
  if (plan.customKernel) args.push(`--set=${customKernelExpression(plan.customKernel)}`);
  args.push(plan.template);
  return args;
}

/** `limactl start` waits for the instance to be running (all requirements) up to --timeout (Go duration). */
export function limaStartArgs(name: string, timeoutSeconds: number): string[] {
  return ['start', '--tty=false', `--timeout=${Math.max(1, Math.ceil(timeoutSeconds))}s`, name];
}

export interface LimaTargetPlan {
  template: string;
  vmType: LimaVmType;
}

/** pkg/limatype: a template's `os:` accepts only these kernels (by their `uname -s`). */
const LIMA_KERNELS: readonly string[] = ['Linux', 'Darwin', 'FreeBSD', 'Windows'];

/**
 * Why Lima cannot run `os` at all, or null when it can: by the guest's kernel (results/names.ts),
 * so a new guest OS needs no line here. A guest's own file may refuse it with a reason
 * (guests/<os>.ts: the Debian testbed is QEMU's).
 */
export function limaRefusal(os: GuestOs): string | null {
  const entry = LIMA_GUEST_ENTRIES.find((candidate) => candidate.os === os);
  if (entry !== undefined && !isRunnable(entry)) return entry.refusal;
  const kernel = unameOf(os) ?? os;
  if (LIMA_KERNELS.includes(kernel)) return null;
  return `Lima cannot boot ${kernel} (its os: field knows ${LIMA_KERNELS.join(', ')}; lima issue #1096): use --backend qemu or ssh`;
}

/** The Lima guest `os` is; InputError (why Lima cannot run it) otherwise. */
export function requireLimaGuest(os: GuestOs): LimaGuest {
  const refusal = limaRefusal(os);
  const guest = limaGuestOf(os);
  if (refusal !== null || guest === null) throw new InputError(`backend lima: ${refusal ?? `no Lima template for ${os}`}`);
  return guest;
}

/** Which template and VM type a guest OS gets (LIMA_GUESTS). */
export function limaTargetPlan(os: GuestOs, variant: KernelVariant): LimaTargetPlan {
  const guest = requireLimaGuest(os);
  return { template: limaTemplatePath(guest, variant), vmType: limaGuestSpec(guest).vmType };
}

/** A limactl argv run once after the instance's first start, and what its output must say. */
export interface LimaSetupStep {
  args: string[];
  /**
   * When set, the step's command output, read between the frame markers of `token` (so that what
   * the login profile prints, like FreeBSD's `fortune freebsd-tips`, is not part of it), trimmed,
   * must equal `value` (kern.bootfile after the trial boot).
   */
  expectFramed?: { token: string; value: string };
  /** Restart the instance after this step (stop, then start). */
  restartAfter?: boolean;
}

/**
 * What makes a new custom instance boot its kernel with its own ZFS: Alpine gets the kernel's
 * modules tarball; FreeBSD gets /boot/kernel.m-series, a one-shot `nextboot -k` trial (a panic
 * falls back to GENERIC on the next boot), a check of kern.bootfile, then loader.conf.
 */
export function limaSetupSteps(os: LimaGuest, instance: string, artifact: string, token: string = newMarkerToken()): LimaSetupStep[] {
  const remote = `/tmp/${path.basename(artifact)}`;
  const copy = { args: ['copy', artifact, `${instance}:${remote}`] };
  const shell = (command: string) => ['shell', '--workdir=/', instance, 'sudo', 'sh', '-c', command];
  if (limaGuestSpec(os).customKernel === 'images-kernel') {
    return [copy, { args: shell(`tar -xzf ${remote} -C / && depmod -a "$(uname -r)" && modprobe zfs`) }];
  }
  return [
    copy,
    {
      args: shell(`tar -xzf ${remote} -C /boot && test -f /boot/kernel.m-series/kernel && test -f /boot/kernel.m-series/zfs.ko && nextboot -k kernel.m-series`),
      restartAfter: true,
    },
    // limactl shell runs `$SHELL -l -c` (cmd/limactl/shell.go): the login profile prints first.
    {
      args: ['shell', '--workdir=/', instance, 'sh', '-c', frameOneShot('sysctl -n kern.bootfile', token).script],
      expectFramed: { token, value: '/boot/kernel.m-series/kernel' },
    },
    { args: shell('sysrc -f /boot/loader.conf kernel=kernel.m-series') },
  ];
}

/** Lima's arch names (pkg/limatype NewArch) from Node's `process.arch`. */
export function limaArchOf(nodeArch: string): LimaArch | null {
  if (nodeArch === 'arm64') return 'aarch64';
  if (nodeArch === 'x64') return 'x86_64';
  return null;
}

/**
 * How the guest is accelerated (pkg/driver/qemu/qemu.go Accel): vz is Apple's hypervisor; qemu uses
 * hvf on macOS and kvm on Linux (when /dev/kvm exists) for the host's own arch, TCG otherwise.
 */
export function limaAcceleration(input: {
  vmType: string;
  guestArch: string;
  hostPlatform: string;
  hostArch: LimaArch | null;
  kvmAvailable: boolean;
}): Acceleration {
  if (input.vmType === 'vz') return 'vz';
  if (input.vmType !== 'qemu') return 'none';
  if (input.hostArch === null || input.guestArch !== input.hostArch) return 'qemu-tcg';
  if (input.hostPlatform === 'darwin') return 'qemu-hvf';
  if (input.hostPlatform === 'linux') return input.kvmAvailable ? 'qemu-kvm' : 'qemu-tcg';
  return 'qemu-tcg';
}
