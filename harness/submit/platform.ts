/**
 * Whether a run's platform fields can all be true at once: chip, CPU architecture, host OS,
 * hypervisor, accelerator and guest architecture. An "Apple M3" with x86_64 and qemu-kvm is an
 * edited file, not a Mac, and would land in the M3 cells. Pure.
 */
import { normalizeMachine } from '../guest/common/facts.ts';
import { guestClockOf, type HostFingerprint, type Target } from '../results/schema.ts';

export interface PlatformProblem {
  field: string;
  message: string;
  value: unknown;
}

const APPLE_SILICON = /\bApple M\d/i;
const X86_CHIP = /\b(Intel|AMD|EPYC|Xeon|Ryzen|Opteron|Threadripper|Pentium|Celeron)\b/i;
/** Accelerators that run guest code on the host CPU: the guest has the host's architecture. */
const HARDWARE_ACCELERATORS = new Set(['vz', 'qemu-hvf', 'qemu-kvm']);

export function platformProblem(host: HostFingerprint, targets: readonly Target[], at = 'results'): PlatformProblem | null {
  const arch = normalizeMachine(host.arch);
  const isMac = host.os === 'macOS';
  const bad = (field: string, message: string, value: unknown): PlatformProblem => ({ field: `${at}.host.${field}`, message, value });
  if (APPLE_SILICON.test(host.chip)) {
    if (arch !== 'aarch64') return bad('arch', `an ${host.chip} is arm64, not ${host.arch}`, host.arch);
    if (!isMac) return bad('os', `an ${host.chip} runs macOS here (kbench on a Mac), not ${host.os}`, host.os);
    if (!['vz', 'qemu-hvf', 'qemu-tcg'].includes(host.acceleration))
      return bad('acceleration', `an ${host.chip} Mac accelerates with vz or hvf (or emulates with qemu-tcg), not ${host.acceleration}`, host.acceleration);
  } else if (X86_CHIP.test(host.chip) && arch !== 'x86_64') return bad('arch', `an ${host.chip} is x86_64, not ${host.arch}`, host.arch);
  if ((host.acceleration === 'vz' || host.acceleration === 'qemu-hvf') && !isMac)
    return bad('acceleration', `${host.acceleration} exists only on macOS, not ${host.os}`, host.acceleration);
  if (host.acceleration === 'vz' && host.hypervisor !== 'lima') return bad('hypervisor', 'vz guests are started by lima', host.hypervisor);
  if (host.acceleration === 'qemu-kvm' && host.os !== 'Linux') return bad('acceleration', `KVM exists only on Linux, not ${host.os}`, host.acceleration);
  if (host.acceleration.startsWith('qemu-') && host.hypervisor === 'none')
    return bad('hypervisor', `${host.acceleration} means kbench started QEMU, not "none"`, host.hypervisor);
  if (host.acceleration === 'none' && host.hypervisor !== 'none')
    return bad('acceleration', `${host.hypervisor} guests have an accelerator, not "none"`, host.acceleration);
  if (guestClockOf(host).kind === 'icount' && host.acceleration !== 'qemu-tcg')
    return bad('guestClock', 'an instruction-counting clock exists only under qemu-tcg', host.guestClock);
  for (let t = 0; t < targets.length; t++) {
    const guestArch = targets[t]!.guest.arch;
    if (typeof guestArch === 'string' && HARDWARE_ACCELERATORS.has(host.acceleration) && normalizeMachine(guestArch) !== arch)
      return {
        field: `${at}.targets[${t}].guest.arch`,
        message: `guest arch ${guestArch} cannot run on host arch ${host.arch} under ${host.acceleration} (hardware virtualization runs the host's architecture; only qemu-tcg emulates)`,
        value: guestArch,
      };
  }
  return null;
}

/**
 * Emulated: QEMU TCG (software translation), an instruction-counting clock, or a guest of another
 * architecture. Its times describe the emulator on that host, never the hardware a claim is about.
 */
export function isEmulated(host: HostFingerprint, guestArch: string | null | undefined): boolean {
  if (host.acceleration === 'qemu-tcg' || guestClockOf(host).kind === 'icount') return true;
  return typeof guestArch === 'string' && normalizeMachine(guestArch) !== normalizeMachine(host.arch);
}
