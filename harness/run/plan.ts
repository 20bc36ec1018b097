/**
 * The run plan: which boots happen in which order and what each boot measures. Pure. Kernels
 * boot alternately (stock, custom, stock, custom…) so drift over time hits both equally.
 */
import type { KernelVariant } from '../results/schema.ts';
import type { Workload } from '../../suites/types.ts';

export interface PlannedBoot {
  round: number;
  variant: KernelVariant;
  /** Measures only the per-boot workloads (boot time, memory, kernel size): a cheap extra replicate. */
  bootOnly: boolean;
}

export interface PlannedUnit {
  key: string;
  workload: Workload;
  /** 0 = warm-up for iterated workloads; per-boot workloads have one unit, iteration 1. */
  iteration: number;
  warmup: boolean;
}

export function unitKey(round: number, variant: KernelVariant, workloadId: string, iteration: number): string {
  return `${round}/${variant}/${workloadId}/${iteration}`;
}

/** Full rounds first, then boot-only rounds; kernels alternate within every round. */
export function bootOrder(rounds: number, variants: KernelVariant[], bootOnlyRounds = 0): PlannedBoot[] {
  const boots: PlannedBoot[] = [];
  for (let round = 0; round < rounds + bootOnlyRounds; round++) for (const variant of variants) boots.push({ round, variant, bootOnly: round >= rounds });
  return boots;
}

/** Measured iterations per boot of each iterated workload: the plan's, else the suite size's. */
export type IterationCounts = number | Readonly<Record<string, number>>;

const iterationsOf = (counts: IterationCounts, workloadId: string, fallback = 3): number =>
  typeof counts === 'number' ? counts : (counts[workloadId] ?? fallback);

/** Units of one boot: per-boot workloads once, iterated ones (full rounds only) as warm-up + iterations. */
export function unitsForBoot(boot: PlannedBoot, suite: Workload[], iterations: IterationCounts, fallbackIterations = 3): PlannedUnit[] {
  const units: PlannedUnit[] = [];
  for (const workload of suite) {
    if (workload.schedule === 'per-boot') {
      units.push({ key: unitKey(boot.round, boot.variant, workload.id, 1), workload, iteration: 1, warmup: false });
      continue;
    }
    if (boot.bootOnly) continue;
    for (let iteration = 0; iteration <= iterationsOf(iterations, workload.id, fallbackIterations); iteration++)
      units.push({ key: unitKey(boot.round, boot.variant, workload.id, iteration), workload, iteration, warmup: iteration === 0 });
  }
  return units;
}

/** Units still to do, given the keys a (resumed) results file says are done. */
export function remainingUnits(units: PlannedUnit[], completed: ReadonlySet<string>): PlannedUnit[] {
  const left = units.filter((unit) => !completed.has(unit.key));
  // A warm-up exists only to warm this boot's caches: after a resume it must run again before
  // any measured iteration of the same workload, even if it was done in the earlier boot.
  const needsWarmup = new Set(left.filter((unit) => !unit.warmup && unit.workload.schedule === 'iterated').map((unit) => unit.workload.id));
  return units.filter((unit) => !completed.has(unit.key) || (unit.warmup && needsWarmup.has(unit.workload.id)));
}
