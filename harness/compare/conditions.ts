/**
 * CONDITIONS COMPARED (issue 19, item 4). A verdict says the kernel changed; it can only say so
 * when both sides were measured under the same conditions. A run on a busy host against an idle
 * baseline shows every timing "regressed" with nothing wrong in the kernel. Each side's
 * conditions are read from what kbench run records per boot (hostLoad: other processes' share
 * of the host's CPU time, host steal, host CPU frequency, guest steal) and per run (host CPU
 * model, QEMU version, accelerator, guest clock); where the two sides differ by more than the
 * thresholds below, the comparison says so in words. Pure: no I/O.
 *
 * The fingerprint check (fingerprint.ts) already refuses a run-vs-baseline comparison across
 * CPU models, accelerators and clocks unless --allow-mismatch; these lines are what is left to
 * say when it was allowed, and what no fingerprint holds (load, frequency, steal, QEMU version).
 */
import { describeGuestClock, guestClockOf, type HostLoadSample, type KernelVariant, type ResultsFile } from '../results/schema.ts';
import { median } from '../stats/descriptive.ts';

/**
 * Other processes' median share of the host's CPU time may differ by this much (absolute, 0.10 =
 * 10 points) before the sides count as measured under different conditions. Why 10 points: on a
 * host whose CPUs the VM keeps busy, what other processes use is roughly what they take from the
 * guest, so 10 points can by itself move a timing by about two default noise bands (5%); below it
 * is idle-host jitter (per-boot shares of 0–10% in the recorded testbed runs, medians under 1%).
 */
export const HOST_BUSY_DIFFERENCE = 0.1;

/**
 * Median steal time (host or guest, absolute) may differ by this much. Why 3 points: stolen time
 * is taken from every process, the VM included, so it slows CPU-bound work by about its own share;
 * 3 points is over half the default 5% band, while idle cloud hosts show 0–1.4% (recorded runs).
 */
export const STEAL_DIFFERENCE = 0.03;

/**
 * Median host CPU frequency may differ by this share of the lower one (0.10 = 10%). Why 10%:
 * CPU-bound guest work scales about with the clock, so 10% is two default noise bands; the
 * frequency read at a boot's start and end wanders by a few percent on a host with turbo and
 * power saving, and not at all on most cloud VMs (/proc/cpuinfo reports the nominal clock).
 */
export const FREQUENCY_DIFFERENCE = 0.1;

/**
 * Without per-process figures (macOS hosts record only the load average): the median load per
 * host CPU may differ by this much. Why 0.5: the VM itself adds about the same on both sides, so
 * half a runnable process more per CPU is a host where one side's VM shared half the machine.
 */
export const LOAD_PER_CPU_DIFFERENCE = 0.5;

/** What one side of a comparison was measured under; null where it was not recorded. */
export interface SideConditions {
  /** "baseline", "run", "stock", "custom": the side's label in the comparison. */
  label: string;
  /** Boots whose conditions were recorded. */
  boots: number;
  /** Median share of the host's CPU time other processes used during a boot (0–1). */
  hostBusy: number | null;
  /** Median share of host CPU time stolen by the host's own hypervisor. */
  hostSteal: number | null;
  /** Median share of the guest's CPU time its kernel counted as stolen. */
  guestSteal: number | null;
  /** Median 1-minute load average per host CPU (the fallback without per-process figures). */
  loadPerCpu: number | null;
  /** Median host CPU frequency, MHz. */
  cpuMhz: number | null;
  cpuModel: string | null;
  qemuVersion: string | null;
  accelerator: string | null;
  guestClock: string | null;
}

export interface ConditionsComparison {
  baseline: SideConditions;
  candidate: SideConditions;
  /** One phrase per difference: "run host busy 86% vs baseline 3% (…)"; empty when they agree. */
  differences: string[];
  /** The line tables print above the verdicts, or null when the conditions agree. */
  line: string | null;
}

const medianOrNull = (values: readonly (number | null | undefined)[]): number | null => {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length === 0 ? null : median(known);
};

/**
 * The conditions of one side: the boots of `variant` in `file` (all of its boots when null), with
 * the file's host fingerprint. In a pooled baseline the boots of every run it pools count.
 */
export function sideConditions(file: ResultsFile, variant: KernelVariant | null, label: string): SideConditions {
  const samples: HostLoadSample[] = (file.hostLoad ?? []).filter((s) => variant === null || s.variant === variant);
  const host = file.host;
  const cpus = host?.logicalCpus ?? null;
  return {
    label,
    boots: samples.length,
    hostBusy: medianOrNull(samples.map((s) => s.otherBusyFraction)),
    hostSteal: medianOrNull(samples.map((s) => s.stealFraction)),
    guestSteal: medianOrNull(samples.map((s) => s.guestStealFraction)),
    loadPerCpu: cpus === null ? null : medianOrNull(samples.map((s) => s.loadAverage / cpus)),
    cpuMhz: medianOrNull(samples.map((s) => s.cpuMhz)),
    cpuModel: host?.chip ?? null,
    qemuVersion: host?.qemuVersion ?? null,
    accelerator: host === null ? null : `${host.hypervisor}/${host.acceleration}`,
    guestClock: host === null ? null : describeGuestClock(guestClockOf(host)),
  };
}

const percent = (fraction: number): string => `${Math.round(fraction * 100)}%`;

/** Where the two sides' conditions differ beyond the thresholds, in words; [] when they agree or are unknown. */
export function conditionDifferences(baseline: SideConditions, candidate: SideConditions): string[] {
  const b = baseline.label;
  const c = candidate.label;
  const differences: string[] = [];
  const share = (name: string, what: string, x: number | null, y: number | null, threshold: number): void => {
    if (x === null || y === null || !(Math.abs(y - x) > threshold)) return;
    differences.push(`${c} ${name} ${percent(y)} vs ${b} ${percent(x)} (${what}, median per boot)`);
  };
  share('host busy', "other processes' share of the host's CPU time", baseline.hostBusy, candidate.hostBusy, HOST_BUSY_DIFFERENCE);
  share('host steal', "CPU time the host's hypervisor took", baseline.hostSteal, candidate.hostSteal, STEAL_DIFFERENCE);
  share('guest steal', "stolen share of the guest's CPU time", baseline.guestSteal, candidate.guestSteal, STEAL_DIFFERENCE);
  // The load average says the same as host busy, less exactly: only when neither side has the share.
  if ((baseline.hostBusy === null || candidate.hostBusy === null) && baseline.loadPerCpu !== null && candidate.loadPerCpu !== null)
    if (Math.abs(candidate.loadPerCpu - baseline.loadPerCpu) > LOAD_PER_CPU_DIFFERENCE)
      differences.push(
        `${c} host load ${candidate.loadPerCpu.toFixed(2)} per CPU vs ${b} ${baseline.loadPerCpu.toFixed(2)} (1-minute load average, median per boot)`,
      );
  if (baseline.cpuMhz !== null && candidate.cpuMhz !== null) {
    const lower = Math.min(baseline.cpuMhz, candidate.cpuMhz);
    if (Math.abs(candidate.cpuMhz - baseline.cpuMhz) > FREQUENCY_DIFFERENCE * lower)
      differences.push(`${c} host CPU at ${Math.round(candidate.cpuMhz)} MHz vs ${b} ${Math.round(baseline.cpuMhz)} MHz (median per boot)`);
  }
  const same = (name: string, x: string | null, y: string | null): void => {
    if (x !== null && y !== null && x !== y) differences.push(`${c} ${name} ${y} vs ${b} ${x}`);
  };
  same('host CPU', baseline.cpuModel, candidate.cpuModel);
  same('accelerator', baseline.accelerator, candidate.accelerator);
  same('guest clock', baseline.guestClock, candidate.guestClock);
  same('QEMU', baseline.qemuVersion, candidate.qemuVersion);
  return differences;
}

/** "conditions differ: …; verdicts may reflect the host, not the kernel", or null when they agree. */
export function conditionsLine(differences: readonly string[]): string | null {
  return differences.length === 0 ? null : `conditions differ: ${differences.join('; ')}; verdicts may reflect the host, not the kernel`;
}

export function compareConditions(baseline: SideConditions, candidate: SideConditions): ConditionsComparison {
  const differences = conditionDifferences(baseline, candidate);
  return { baseline, candidate, differences, line: conditionsLine(differences) };
}

/**
 * CI mode: `--ci`, or a CI environment variable set to anything but "", "0" or "false" (GitHub
 * Actions, GitLab CI, Buildkite and most others set CI=true). In CI mode each verdict made under
 * different conditions is marked in the table.
 */
export function ciMode(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === true) return true;
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== '0' && value !== 'false';
}
