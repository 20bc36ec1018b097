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

/**
 * sleep=on: an idle guest's clock advances at the host's pace (up to its next timer) instead of
 * jumping to that timer. Compute-bound work is the same instruction count either way; what
 * differs is a wait for the host. A booting guest waits for its root disk: with sleep=off each
 * wait jumps to the next guest timer, again and again until the host answers, so a busy host
 * multiplied into the boot (systemd-analyze kernel + userspace, one kernel, hand-run 2026-12-04:
 * 12.9-13.3 s idle, one boot of 54 s under `stress-ng --cpu 2`); with sleep=on the same boots
 * read 11.50-11.52 s idle and 11.60-11.61 s under the hog, a disk wait costing what the host took.
 * ZFS's own work runs in guest RAM and waits for nothing outside the guest, so it is unchanged.
 */
export const DEFAULT_ICOUNT_SLEEP = true;

export interface ClockChoice {
  clock: QemuClock;
  reason: string;
}

/**
 * KBENCH_QEMU_CLOCK: `wall`, or `icount[:<shift>][,sleep=on|off]` (QEMU's own words; shift 0 and
 * sleep=on when left out); unset = the default for the accelerator.
 */
export function parseClockSetting(value: string | undefined): QemuClock | null {
  if (value === undefined || value === '') return null;
  if (value === 'wall') return { kind: 'wall' };
  const match = /^icount(?::(\d{1,2}))?(?:,sleep=(on|off))?$/.exec(value);
  const shift = match?.[1] === undefined ? DEFAULT_ICOUNT_SHIFT : Number(match[1]);
  if (match && shift <= 10) return { kind: 'icount', shift, sleep: match[2] === undefined ? DEFAULT_ICOUNT_SLEEP : match[2] === 'on' };
  throw new InputError(`environment KBENCH_QEMU_CLOCK: expected wall or icount[:<shift 0-10>][,sleep=on|off], got ${showValue(value)}`);
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
  const clock: QemuClock = { kind: 'icount', shift: DEFAULT_ICOUNT_SHIFT, sleep: DEFAULT_ICOUNT_SLEEP };
  return { clock, reason: `${describeQemuClock(clock)}: under tcg the host's load would otherwise land in every guest timing` };
}

export function describeQemuClock(clock: QemuClock): string {
  return clock.kind === 'wall' ? 'wall clock' : `icount shift=${clock.shift},sleep=${clock.sleep ? 'on' : 'off'} (one vCPU)`;
}

/** The clock as the results file records it. */
export function recordedClock(clock: QemuClock): GuestClock {
  return clock.kind === 'wall' ? { kind: 'host-wall' } : { kind: 'icount', shift: clock.shift, sleep: clock.sleep };
}

/** icount runs one vCPU (see args.ts); the wall clock keeps the target's count. */
export function vcpusFor(clock: QemuClock, targetVcpus: number): number {
  return clock.kind === 'icount' ? 1 : targetVcpus;
}
