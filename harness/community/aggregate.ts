/**
 * The community view: custom-vs-stock speedup per (chip class, guest OS, metric) across
 * machines. Pure.
 *
 * The unit is the machine, not the run: one machine that ran the suite twenty times is one
 * observation of "what this kernel does on an M2", not twenty. So each machine is summarized
 * first (the geometric mean of its runs' speedups, i.e. the mean log speedup), and the CI is
 * taken across machines.
 *
 * Why a t interval on the log speedups, not a bootstrap: a community cell usually has a handful
 * of machines, and a percentile bootstrap with k < 10 undercovers badly (it cannot be wider than
 * the spread of the few values it resamples), while the t interval widens honestly as k falls
 * (t(0.975, 1 df) = 12.7). Log speedups are symmetric around "no change" (2x and 0.5x are
 * equally far from 1), and a per-machine mean of them is close to normal, which is what the
 * t interval assumes. The cost: one odd machine moves a mean more than it would a median.
 *
 * With one machine there is no spread across machines to measure: the interval shown is that
 * machine's own (across its runs with t when it has several, else the run's CI from
 * harness/compare), and it says so in `ciBasis`. It does not speak for other machines.
 */
import { studentTQuantile } from './student-t.ts';
import type { ChipClass } from '../submit/bundle.ts';

export interface Interval {
  low: number;
  high: number;
}

/** One run's custom-vs-stock speedup for one metric (> 1 = custom better). */
export interface RunSpeedup {
  machineId: string;
  runId: string;
  chipClass: ChipClass;
  /** "Apple M2 Pro, arm64, vz": what the run was measured on. */
  platform: string;
  guestOs: string;
  metricId: string;
  unit: string;
  direction: 'lower' | 'higher';
  speedup: number;
  /** The run's own CI of the speedup, when the statistics gave one. */
  ci: Interval | null;
  /** Samples per side in this run (stock, custom). */
  samples: { stock: number; custom: number };
}

export type CiBasis = 'machines' | 'one machine, its runs' | 'one run' | 'none';

export interface CommunityCell {
  chipClass: ChipClass;
  guestOs: string;
  metricId: string;
  unit: string;
  direction: 'lower' | 'higher';
  machines: number;
  runs: number;
  /** Geometric mean over machines of each machine's geometric mean speedup. */
  speedup: number;
  ci: Interval | null;
  ciBasis: CiBasis;
  /** Distinct platforms the machines measured on. */
  platforms: string[];
  /** Per machine, for the forest plot's points. */
  perMachine: { machineId: string; speedup: number; runs: number }[];
}

export const COMMUNITY_CONFIDENCE = 0.95;

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** t interval of the mean of logs, back on the ratio scale; null below two values. */
export function logMeanInterval(logs: readonly number[], confidence = COMMUNITY_CONFIDENCE): Interval | null {
  const k = logs.length;
  if (k < 2) return null;
  const m = mean(logs);
  const variance = logs.reduce((s, x) => s + (x - m) ** 2, 0) / (k - 1);
  const half = studentTQuantile(1 - (1 - confidence) / 2, k - 1) * Math.sqrt(variance / k);
  return { low: Math.exp(m - half), high: Math.exp(m + half) };
}

const CHIP_ORDER: readonly string[] = ['M1', 'M2', 'M3', 'M4', 'M5', 'other'];

export function aggregateSpeedups(runs: readonly RunSpeedup[], confidence = COMMUNITY_CONFIDENCE): CommunityCell[] {
  const cells = new Map<string, RunSpeedup[]>();
  for (const run of runs) {
    if (!(Number.isFinite(run.speedup) && run.speedup > 0)) continue;
    const key = JSON.stringify([run.chipClass, run.guestOs, run.metricId]);
    const list = cells.get(key) ?? [];
    list.push(run);
    cells.set(key, list);
  }
  const out: CommunityCell[] = [];
  for (const list of cells.values()) {
    const byMachine = new Map<string, RunSpeedup[]>();
    for (const run of list) byMachine.set(run.machineId, [...(byMachine.get(run.machineId) ?? []), run]);
    const perMachine = [...byMachine.entries()].map(([machineId, machineRuns]) => ({
      machineId,
      log: mean(machineRuns.map((r) => Math.log(r.speedup))),
      runs: machineRuns,
    }));
    const logs = perMachine.map((m) => m.log);
    let ci: Interval | null;
    let ciBasis: CiBasis;
    if (perMachine.length >= 2) {
      ci = logMeanInterval(logs, confidence);
      ciBasis = 'machines';
    } else {
      const only = perMachine[0]!.runs;
      if (only.length >= 2) {
        ci = logMeanInterval(only.map((r) => Math.log(r.speedup)), confidence);
        ciBasis = 'one machine, its runs';
      } else {
        ci = only[0]!.ci;
        ciBasis = ci === null ? 'none' : 'one run';
      }
    }
    const first = list[0]!;
    out.push({
      chipClass: first.chipClass,
      guestOs: first.guestOs,
      metricId: first.metricId,
      unit: first.unit,
      direction: first.direction,
      machines: perMachine.length,
      runs: list.length,
      speedup: Math.exp(mean(logs)),
      ci,
      ciBasis,
      platforms: [...new Set(list.map((r) => r.platform))].sort(),
      perMachine: perMachine.map((m) => ({ machineId: m.machineId, speedup: Math.exp(m.log), runs: m.runs.length })),
    });
  }
  return out.sort(
    (a, b) =>
      a.guestOs.localeCompare(b.guestOs) ||
      CHIP_ORDER.indexOf(a.chipClass) - CHIP_ORDER.indexOf(b.chipClass) ||
      a.metricId.localeCompare(b.metricId),
  );
}
