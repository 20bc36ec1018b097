/** Measurements claims are judged on: from one run's comparison rows, or from the community cells. */
import { MIN_MACHINES_FOR_VERDICT, type CommunityCell, type RunSpeedup } from '../community/aggregate.ts';
import type { ResultsFile } from '../results/schema.ts';
import { chipClassOf } from '../submit/bundle.ts';
import { platformOf } from '../community/measure.ts';
import type { Interval, Measurement } from './judge.ts';

/** "9+9 samples, 3+3 boots (stock+custom)", read from the run itself. */
export function describeRunN(run: ResultsFile, guestOs: string, metricId: string): string {
  const side = (variant: 'stock' | 'custom') => {
    const metric = run.targets.find((t) => t.guest.os === guestOs && t.guest.kernelVariant === variant)?.metrics.find((m) => m.id === metricId);
    return { samples: metric?.samples.length ?? 0, boots: new Set(metric?.samples.map((s) => s.boot) ?? []).size };
  };
  const stock = side('stock');
  const custom = side('custom');
  return `${stock.samples}+${custom.samples} samples, ${stock.boots}+${custom.boots} boots (stock+custom)`;
}

/** The custom kernel a run measured on that guest OS (`uname -r`), or null when the run has no custom target for it. */
export function customKernelRelease(run: ResultsFile, guestOs: string): string | null {
  return run.targets.find((t) => t.guest.os === guestOs && t.guest.kernelVariant === 'custom')?.guest.kernelRelease ?? null;
}

export interface RowSpeedup {
  guestOs: string;
  metricId: string;
  speedup: number | null;
  speedupCI: Interval | null;
}

/** From custom-vs-stock rows of one run (the report's rows, or runSpeedups). */
export function measurementsFromRun(rows: readonly RowSpeedup[], run: ResultsFile, source: string): Measurement[] {
  const chipClass = chipClassOf(run.host?.chip ?? '');
  return rows.flatMap((row) =>
    row.speedup === null
      ? []
      : [
          {
            guestOs: row.guestOs,
            metricId: row.metricId,
            speedup: row.speedup,
            ci: row.speedupCI,
            n: describeRunN(run, row.guestOs, row.metricId),
            chipClasses: [chipClass],
            platform: platformOf(run),
            source,
            ciBasis: null,
            kernelRelease: customKernelRelease(run, row.guestOs),
          },
        ],
  );
}

export const runSpeedupRows = (speedups: readonly RunSpeedup[]): RowSpeedup[] =>
  speedups.map((s) => ({ guestOs: s.guestOs, metricId: s.metricId, speedup: s.speedup, speedupCI: s.ci }));

const CI_BASIS_TEXT: Record<CommunityCell['ciBasis'], string | null> = {
  machines: null,
  'one machine, its runs': 'one machine only: t interval across its runs, says nothing about other machines',
  'one run': "one machine, one run: the run's own CI, says nothing about other machines",
  none: null,
};

/** Why a community cell cannot confirm or refute a hardware claim, or null. */
export function cellVerdictLimit(cell: CommunityCell): string | null {
  if (cell.emulated) return `emulated (${cell.acceleration}${cell.guestArch === 'unknown' ? '' : `, ${cell.guestArch} guest`}): says nothing about hardware`;
  if (cell.machines < MIN_MACHINES_FOR_VERDICT) return `${cell.machines} machine(s); confirmed or refuted needs at least ${MIN_MACHINES_FOR_VERDICT}`;
  return null;
}

export function measurementsFromCells(cells: readonly CommunityCell[]): Measurement[] {
  return cells.map((cell) => ({
    inconclusiveBecause: cellVerdictLimit(cell),
    guestOs: cell.guestOs,
    metricId: cell.metricId,
    speedup: cell.speedup,
    ci: cell.ci,
    n: `${cell.machines} machine${cell.machines === 1 ? '' : 's'} (${cell.runs} run${cell.runs === 1 ? '' : 's'})`,
    chipClasses: [cell.chipClass],
    platform: `${cell.chipClass === 'other' ? 'other chips' : `Apple ${cell.chipClass}`}, ${cell.guestArch} guest, ${cell.acceleration}, ${cell.kernelPair}: ${cell.platforms.join('; ')}`,
    source: 'database',
    ciBasis: cell.ciBasis === 'machines' ? `trimmed t interval across ${cell.machines} machines (TRIMMED_LOG_MEAN)` : CI_BASIS_TEXT[cell.ciBasis],
    // The community cells pool machines and do not carry the kernel release (harness/community).
    kernelRelease: null,
  }));
}
