/**
 * The community view: custom-vs-stock speedup per cell across machines. A cell is one chip class
 * x guest OS x guest architecture x accelerator x kernel pair (stock and custom kernel release
 * and config hash) x metric: never pooled across them, since an aarch64 guest under TCG, an
 * amd64 guest under KVM and another custom kernel measure different things. Pure.
 *
 * The unit is the machine, not the run, and a machine is a cluster of machine ids
 * (clusters.ts), not an id: one machine that ran the suite twenty times, or sent one run under
 * five ids, is one observation. Each machine is summarized first (the mean of its runs' log
 * speedups), then:
 *
 * TRIMMED_LOG_MEAN (named choice): the headline is the trimmed mean of the k machines' log
 * speedups, dropping g = max(1, floor(0.2 k)) machines at each end once k >= 3 (the median at
 * k = 3 and 4), so one odd machine cannot move it: one 10x machine among five at 1.02x leaves
 * it at 1.02x, where the plain mean said 1.49x. The interval is Tukey and McLaughlin's trimmed
 * t interval with g = floor(0.1 k): trimmed mean +- t(k - 2g - 1) s_w / ((1 - 2g/k) sqrt k), s_w
 * the winsorized standard deviation; for k < 10 (g = 0) that is the plain t interval on the log
 * speedups. 20% trimming for the interval too was tried: it covered 92.5% at k = 5 (its
 * winsorized sd underestimates with so few machines). An outlier widens the plain t interval
 * instead of moving the headline, so it can make a verdict inconclusive, never overstate one. Why t and not a bootstrap: with a handful of machines a
 * percentile bootstrap cannot be wider than the few values it resamples and undercovers, while
 * t widens honestly as k falls. bench/community-coverage.ts simulates the coverage (>= 93% at
 * 3-10 machines is the target; it prints what it measures).
 *
 * With one machine there is no spread across machines to measure: the interval shown is that
 * machine's own (across its runs with t when it has several, else the run's CI from
 * harness/compare), and it says so in `ciBasis`. It does not speak for other machines, and no
 * claim is confirmed or refuted on fewer than MIN_MACHINES_FOR_VERDICT machines.
 */
import { headlineTrim, intervalTrim, logMeanInterval, mean, robustLogSummary } from '../stats/index.ts';
import type { ChipClass } from '../submit/bundle.ts';

/** The one interval type (stats/welch.ts). */
import type { Interval } from '../stats/index.ts';
export type { Interval };

/** Confirmed or refuted needs at least this many distinct machines (clusters). */
export const MIN_MACHINES_FOR_VERDICT = 3;

/** What a cell of the community table is: one chip class, guest, acceleration, kernel pair and metric. */
export interface CellIdentity {
  chipClass: ChipClass;
  guestOs: string;
  /** The guest's architecture (aarch64, x86_64; "unknown" in files from before it was recorded). */
  guestArch: string;
  acceleration: string;
  /** Software emulation (TCG, icount, foreign guest architecture): never counts towards a hardware claim. */
  emulated: boolean;
  /** "stock 6.1.0-41-amd64 (config aaaaaaaa) vs custom 6.1.0-41-cloud-amd64 (config bbbbbbbb)". */
  kernelPair: string;
  metricId: string;
  unit: string;
  direction: 'lower' | 'higher';
}

/** One run's custom-vs-stock speedup for one metric (> 1 = custom better). */
export interface RunSpeedup extends CellIdentity {
  /** The machine (cluster of machine ids) it counts for. */
  machineId: string;
  runId: string;
  /** "Apple M2 Pro, arm64, vz": what the run was measured on. */
  platform: string;
  speedup: number;
  /** The run's own CI of the speedup, when the statistics gave one. */
  ci: Interval | null;
  /** Samples per side in this run (stock, custom). */
  samples: { stock: number; custom: number };
}

export type CiBasis = 'machines' | 'one machine, its runs' | 'one run' | 'none';

export interface CommunityCell extends CellIdentity {
  machines: number;
  runs: number;
  /** TRIMMED_LOG_MEAN over machines of each machine's geometric mean speedup. */
  speedup: number;
  ci: Interval | null;
  ciBasis: CiBasis;
  /** Distinct platforms the machines measured on. */
  platforms: string[];
  /** Per machine, for the forest plot's points. */
  perMachine: { machineId: string; speedup: number; runs: number }[];
}

/** A cell of the community forest plot: the cell and the seed's claim for it. */
export interface ForestCell extends CommunityCell {
  /** The seed's claimed speedup for this metric and guest, or null. */
  claimed: number | null;
}

export const COMMUNITY_CONFIDENCE = 0.95;

/** The interval maths lives in stats/trimmed.ts (the one Student t); re-exported for this module's users. */
export { headlineTrim, intervalTrim, logMeanInterval, robustLogSummary };

const CHIP_ORDER: readonly string[] = ['M1', 'M2', 'M3', 'M4', 'M5', 'other'];

/** What a cell is: everything but the metric. Two runs share a cell only when all of it is equal. */
export const cellPlatformKey = (r: Pick<RunSpeedup, 'chipClass' | 'guestOs' | 'guestArch' | 'acceleration' | 'kernelPair'>): string =>
  JSON.stringify([r.chipClass, r.guestOs, r.guestArch, r.acceleration, r.kernelPair]);

export function aggregateSpeedups(runs: readonly RunSpeedup[], confidence = COMMUNITY_CONFIDENCE): CommunityCell[] {
  const cells = new Map<string, RunSpeedup[]>();
  for (const run of runs) {
    if (!(Number.isFinite(run.speedup) && run.speedup > 0)) continue;
    const key = JSON.stringify([cellPlatformKey(run), run.metricId]);
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
    const summary = robustLogSummary(logs, confidence);
    let ci: Interval | null;
    let ciBasis: CiBasis;
    if (perMachine.length >= 2) {
      ci = { low: Math.exp(summary.low!), high: Math.exp(summary.high!) };
      ciBasis = 'machines';
    } else {
      const only = perMachine[0]!.runs;
      if (only.length >= 2) {
        ci = logMeanInterval(
          only.map((r) => Math.log(r.speedup)),
          confidence,
        );
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
      guestArch: first.guestArch,
      acceleration: first.acceleration,
      emulated: first.emulated,
      kernelPair: first.kernelPair,
      metricId: first.metricId,
      unit: first.unit,
      direction: first.direction,
      machines: perMachine.length,
      runs: list.length,
      speedup: Math.exp(summary.center),
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
      cellPlatformKey(a).localeCompare(cellPlatformKey(b)) ||
      a.metricId.localeCompare(b.metricId),
  );
}
