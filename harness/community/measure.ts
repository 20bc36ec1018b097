/**
 * Turns runs into per-run custom-vs-stock speedups, with the project's statistics
 * (pairStockVsCustom + compareSets from harness/compare): the ratio and its CI per metric.
 */
import { compareSets, DEFAULT_SEED, pairStockVsCustom } from '../compare/index.ts';
import { speedupInterval, toSpeedup } from '../stats/index.ts';
import { guestClockOf, type ResultsFile } from '../results/schema.ts';
import { normalizeMachine } from '../guest/common/facts.ts';
import { chipClassOf } from '../submit/bundle.ts';
import { isEmulated } from '../submit/platform.ts';
import type { RunSpeedup } from './aggregate.ts';

export function platformOf(run: ResultsFile): string {
  const host = run.host;
  if (host === null) return 'unknown host';
  const clock = guestClockOf(host);
  // An icount time counts guest instructions at 2^shift ns each: code-path length, not hardware speed.
  const clockText = clock.kind === 'icount' ? `, icount shift=${clock.shift} (instructions at a fixed virtual rate, not hardware speed)` : '';
  return `${host.chip}, ${host.arch}, ${host.acceleration}${clockText}`;
}

/** Samples per side of a metric, read from the run itself. */
function sampleCounts(run: ResultsFile, guestOs: string, metricId: string): { stock: number; custom: number } {
  const count = (variant: 'stock' | 'custom'): number =>
    run.targets.find((t) => t.guest.os === guestOs && t.guest.kernelVariant === variant)?.metrics.find((m) => m.id === metricId)?.samples.length ?? 0;
  return { stock: count('stock'), custom: count('custom') };
}

/** What a guest OS's two kernels were: release and config hash of each (the config says more than the name). */
export function kernelPairOf(run: ResultsFile, guestOs: string): string {
  const side = (variant: 'stock' | 'custom'): string => {
    const guest = run.targets.find((t) => t.guest.os === guestOs && t.guest.kernelVariant === variant)?.guest;
    if (guest === undefined) return `${variant} none`;
    return `${variant} ${guest.kernelRelease} (config ${guest.kernelConfigSha256?.slice(0, 8) ?? 'unknown'})`;
  };
  return `${side('stock')} vs ${side('custom')}`;
}

function guestArchOf(run: ResultsFile, guestOs: string): string {
  const arch = run.targets.find((t) => t.guest.os === guestOs && typeof t.guest.arch === 'string')?.guest.arch;
  return typeof arch === 'string' ? normalizeMachine(arch) : 'unknown';
}

export function runSpeedups(run: ResultsFile, machineId: string, seed = DEFAULT_SEED): RunSpeedup[] {
  const outcome = compareSets(pairStockVsCustom(run), { seed });
  const chipClass = chipClassOf(run.host?.chip ?? '');
  const platform = platformOf(run);
  return outcome.sets.flatMap((set) =>
    set.rows.flatMap((row): RunSpeedup[] => {
      const speedup = toSpeedup(row.ratio, row.direction);
      if (speedup === null) return [];
      const guestArch = guestArchOf(run, row.guestOs);
      return [
        {
          machineId,
          runId: run.runId,
          chipClass,
          platform,
          guestOs: row.guestOs,
          guestArch,
          acceleration: run.host?.acceleration ?? 'none',
          emulated: run.host === null ? true : isEmulated(run.host, guestArch === 'unknown' ? null : guestArch),
          kernelPair: kernelPairOf(run, row.guestOs),
          metricId: row.metricId,
          unit: row.unit,
          direction: row.direction,
          speedup,
          ci: speedupInterval(row.ratioCI, row.direction),
          samples: sampleCounts(run, row.guestOs, row.metricId),
        },
      ];
    }),
  );
}
