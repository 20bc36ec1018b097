/**
 * Host load during a run: a busy or stolen-from host makes every number slower and noisier, and
 * a comparison should say so. Linux: /proc/stat (busy, idle, steal ticks), /proc/loadavg and the
 * VM process's own CPU time (/proc/<pid>/stat), so the share used by *other* processes can be
 * told apart from the VM kbench itself runs. Elsewhere (macOS): the load average only.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { HostLoadSample } from '../results/schema.ts';
import { meanMhz, readHostCpuMhz } from './cpufreq.ts';
import { parseProcStat, type CpuTicks } from '../guest/linux/proc-stat.ts';

// The host and a Linux guest share /proc/stat's format: one parser, kept with the guest (the lower layer).
export { parseProcStat, type CpuTicks };

/** utime + stime (clock ticks) of a /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseProcessTicks(text: string): number | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // After "pid (comm)": state is field 3, utime field 14, stime field 15 (proc(5)).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

export interface LoadSnapshot {
  at: number;
  loadAverage: number;
  cpu: CpuTicks | null;
  /** CPU ticks of the processes that belong to the run (the VM), when known. */
  ownTicks: number | null;
  /** Mean host CPU frequency (MHz) at that moment, when the host says (env/host.ts readHostCpuMhz). */
  cpuMhz?: number | null;
}

const readOrNull = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** This process's CPU time in clock ticks (USER_HZ is 100 on every Linux kbench supports). */
const selfTicks = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 10_000;
};

/** vmPid: the VM's process, 'not-started' before it exists, null when the backend cannot tell. */
export function snapshotLoad(vmPid: number | null | 'not-started'): LoadSnapshot {
  const stat = readOrNull('/proc/stat');
  const vm = typeof vmPid === 'number' ? readOrNull(`/proc/${vmPid}/stat`) : null;
  const vmTicks = vmPid === 'not-started' ? 0 : vm === null ? null : parseProcessTicks(vm);
  return {
    at: Date.now(),
    loadAverage: loadavg()[0] ?? 0,
    cpu: stat === null ? null : parseProcStat(stat),
    ownTicks: vmTicks === null ? null : vmTicks + selfTicks(),
    cpuMhz: readHostCpuMhz(),
  };
}

export interface LoadSummary {
  loadAverage: number;
  otherBusyFraction: number | null;
  stealFraction: number | null;
  /** Mean of the two snapshots' host CPU frequencies (either one alone when the other is unknown). */
  cpuMhz?: number | null;
}

/** The frequency of a boot: the mean of its start and end readings, or whichever exists. */
export function meanSnapshotMhz(before: LoadSnapshot, after: LoadSnapshot): number | null {
  return meanMhz([before.cpuMhz, after.cpuMhz].filter((mhz): mhz is number => typeof mhz === 'number'));
}

/** Steal share of a guest's CPU time between two readings of its /proc/stat; null without both. */
export function guestStealFraction(before: CpuTicks | null, after: CpuTicks | null): number | null {
  if (before === null || after === null) return null;
  const total = after.total - before.total;
  if (!(total > 0)) return null;
  return Math.min(1, Math.max(0, (after.steal - before.steal) / total));
}

/** What happened between two snapshots; fractions of all CPUs' time. */
export function summarizeLoad(before: LoadSnapshot, after: LoadSnapshot): LoadSummary {
  const cpuMhz = meanSnapshotMhz(before, after);
  if (before.cpu === null || after.cpu === null) return { loadAverage: after.loadAverage, otherBusyFraction: null, stealFraction: null, cpuMhz };
  const total = after.cpu.total - before.cpu.total;
  if (!(total > 0)) return { loadAverage: after.loadAverage, otherBusyFraction: null, stealFraction: null, cpuMhz };
  const busy = total - (after.cpu.idle - before.cpu.idle);
  const steal = (after.cpu.steal - before.cpu.steal) / total;
  const own = before.ownTicks === null || after.ownTicks === null ? null : after.ownTicks - before.ownTicks;
  const clamp = (x: number): number => Math.min(1, Math.max(0, x));
  return { loadAverage: after.loadAverage, otherBusyFraction: own === null ? null : clamp((busy - own) / total), stealFraction: clamp(steal), cpuMhz };
}

export const logicalCpuCount = (): number => Math.max(1, cpus().length);

/** A boot measured while other processes used more than this share of the host's CPUs is flagged. */
export const BUSY_OTHER_FRACTION = 0.25;
/** Without per-process figures: a load average above this many per CPU (the VM itself counts ~1). */
export const BUSY_LOAD_PER_CPU = 1.5;
export const BUSY_STEAL_FRACTION = 0.05;

/** Why a boot's host was busy, or null when it was not. */
export function busyReason(load: LoadSummary, logicalCpus: number): string | null {
  if (load.otherBusyFraction !== null && load.otherBusyFraction > BUSY_OTHER_FRACTION)
    return `other processes used ${Math.round(load.otherBusyFraction * 100)}% of the host's CPU time`;
  if (load.stealFraction !== null && load.stealFraction > BUSY_STEAL_FRACTION)
    return `${Math.round(load.stealFraction * 100)}% of CPU time was stolen by the host's hypervisor`;
  if (load.otherBusyFraction === null && load.loadAverage > BUSY_LOAD_PER_CPU * logicalCpus)
    return `load average ${load.loadAverage.toFixed(1)} on ${logicalCpus} CPUs`;
  return null;
}

/**
 * One warning per file whose boots ran on a busy host: how many boots, and the worst one.
 * logicalCpus is the measuring host's (from the results file), not this machine's.
 */
export function hostLoadWarnings(label: string, samples: readonly HostLoadSample[] | undefined, logicalCpus: number): string[] {
  if (samples === undefined || samples.length === 0) return [];
  const busy = samples.map((s) => ({ s, reason: busyReason(s, logicalCpus) })).filter((b) => b.reason !== null);
  if (busy.length === 0) return [];
  const worst = busy.reduce((a, b) =>
    (b.s.otherBusyFraction ?? b.s.loadAverage / logicalCpus) > (a.s.otherBusyFraction ?? a.s.loadAverage / logicalCpus) ? b : a,
  );
  return [
    `${label}: the host was busy during ${busy.length} of ${samples.length} boots (worst: ${worst.s.variant} round ${worst.s.boot + 1}, ${worst.reason}); its numbers are noisier and slower than on an idle host`,
  ];
}
