/**
 * Which clock a qemu guest runs on. Under TCG the guest's clock follows the host's, so every host
 * hiccup lands in the guest's timings (4–52% boot-to-boot CV measured here); QEMU's instruction
 * counter makes guest time a count of executed instructions instead, which no host load moves.
 * It is the default wherever it can run: TCG guests of the host's own architecture. Hardware
 * acceleration (kvm, hvf) has no instruction counter and keeps the wall clock; emulated foreign
 * guests (aarch64 on x86_64) keep it too until icount is measured there.
 */
import { InputError, showValue } from '../../errors/index.ts';
import type { GuestClock } from '../../results/schema.ts';
import type { QemuAccel, QemuClock } from './args.ts';

/**
 * shift=0: one guest instruction is 1 ns, the fastest virtual CPU icount offers. Integer kstats
 * scale with it (chksum_bench reports whole MiB/s: sha256 reads 5 at shift=2, about 20 at 0), so
 * the fastest rate keeps the most significant digits.
 */
export const DEFAULT_ICOUNT_SHIFT = 0;

export interface ClockChoice {
  clock: QemuClock;
  reason: string;
}

/** KBENCH_QEMU_CLOCK: `wall`, `icount` or `icount:<shift>`; unset = the default for the accelerator. */
export function parseClockSetting(value: string | undefined): QemuClock | null {
  if (value === undefined || value === '') return null;
  if (value === 'wall') return { kind: 'wall' };
  if (value === 'icount') return { kind: 'icount', shift: DEFAULT_ICOUNT_SHIFT };
  const match = /^icount:(\d{1,2})$/.exec(value);
  if (match && Number(match[1]) <= 10) return { kind: 'icount', shift: Number(match[1]) };
  throw new InputError(`environment KBENCH_QEMU_CLOCK: expected wall, icount or icount:<shift 0-10>, got ${showValue(value)}`);
}

export function chooseQemuClock(accel: QemuAccel, foreignGuest: boolean, setting: QemuClock | null): ClockChoice {
  if (setting !== null) {
    if (setting.kind === 'icount' && accel !== 'tcg')
      throw new InputError(`environment KBENCH_QEMU_CLOCK: icount needs tcg, but this boot uses ${accel} (set KBENCH_QEMU_ACCEL=tcg too)`);
    return { clock: setting, reason: `${describeQemuClock(setting)}, set by KBENCH_QEMU_CLOCK` };
  }
  if (accel !== 'tcg') return { clock: { kind: 'wall' }, reason: `wall clock: ${accel} has no instruction counter` };
  if (foreignGuest)
    return { clock: { kind: 'wall' }, reason: 'wall clock: icount is not yet measured for emulated foreign guests (KBENCH_QEMU_CLOCK=icount to try)' };
  const clock: QemuClock = { kind: 'icount', shift: DEFAULT_ICOUNT_SHIFT };
  return { clock, reason: `${describeQemuClock(clock)}: under tcg the host's load would otherwise land in every guest timing` };
}

export function describeQemuClock(clock: QemuClock): string {
  return clock.kind === 'wall' ? 'wall clock' : `icount shift=${clock.shift} (one vCPU)`;
}

/** The clock as the results file records it. */
export function recordedClock(clock: QemuClock): GuestClock {
  return clock.kind === 'wall' ? { kind: 'host-wall' } : { kind: 'icount', shift: clock.shift };
}

/** icount runs one vCPU (see args.ts); the wall clock keeps the target's count. */
export function vcpusFor(clock: QemuClock, targetVcpus: number): number {
  return clock.kind === 'icount' ? 1 : targetVcpus;
}
