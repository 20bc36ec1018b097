/**
 * The forest plot's rows for one guest OS (reports/charts/community.vl.json draws them). Pure.
 *
 * FOREST_CLIP (named choice): the axis spans the headline speedups and claimed values, widened
 * by a factor of 2 each way (and always including 1×); an interval or machine beyond that is
 * drawn to the edge with a triangle and its value printed. One cell's [0.03×, 59.5×] from a
 * single noisy machine then no longer squashes every other row into a few pixels.
 */
import type { ChartRow } from '../charts.ts';
import type { CommunityCell, ForestCell } from '../../community/aggregate.ts';

export type { ForestCell };

export const FOREST_CLIP_FACTOR = 2;

export const SERIES = {
  cell: 'headline (trimmed mean) and 95% interval',
  machine: 'one machine',
  claim: 'claimed by the seed',
  clip: 'clipped at the axis (value printed)',
} as const;

const chipText = (chip: string): string => (chip === 'other' ? 'other chips' : `Apple ${chip}`);
const times = (x: number): string => `${x >= 1000 || x < 0.001 ? x.toExponential(1) : x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;

/** "zfs.scrub.seconds · Apple M2, vz, aarch64 · 3 machines": what the row is and how many machines it rests on. */
export function forestLabel(cell: CommunityCell, kernelIndex: number): string {
  const where = [
    chipText(cell.chipClass),
    `${cell.acceleration}${cell.emulated ? ' (emulated)' : ''}`,
    cell.guestArch === 'unknown' ? 'arch unknown' : cell.guestArch,
  ];
  const kernels = kernelIndex > 0 ? ` · kernels #${kernelIndex + 1}` : '';
  return `${cell.metricId} · ${where.join(', ')}${kernels} · N=${cell.machines} machine${cell.machines === 1 ? '' : 's'}`;
}

export function forestAxis(cells: readonly ForestCell[]): { low: number; high: number } {
  const anchors = [1, ...cells.map((c) => c.speedup), ...cells.flatMap((c) => (c.claimed === null ? [] : [c.claimed]))].filter(
    (x) => Number.isFinite(x) && x > 0,
  );
  return { low: Math.min(...anchors) / FOREST_CLIP_FACTOR, high: Math.max(...anchors) * FOREST_CLIP_FACTOR };
}

export function forestRows(cells: readonly ForestCell[]): ChartRow[] {
  const axis = forestAxis(cells);
  const clamp = (x: number) => Math.min(axis.high, Math.max(axis.low, x));
  const rows: ChartRow[] = [];
  const kernelPairs = new Map<string, string[]>();
  cells.forEach((cell, order) => {
    const group = JSON.stringify([cell.metricId, cell.chipClass, cell.acceleration, cell.guestArch, cell.emulated]);
    const pairs = kernelPairs.get(group) ?? [];
    if (!pairs.includes(cell.kernelPair)) pairs.push(cell.kernelPair);
    kernelPairs.set(group, pairs);
    const row = forestLabel(cell, pairs.indexOf(cell.kernelPair));
    const base = { row, order };
    rows.push({
      ...base,
      kind: 'cell',
      series: SERIES.cell,
      speedup: clamp(cell.speedup),
      low: cell.ci === null ? null : clamp(cell.ci.low),
      high: cell.ci === null ? null : clamp(cell.ci.high),
      text: null,
      edge: null,
    });
    for (const machine of cell.perMachine)
      rows.push({ ...base, kind: 'machine', series: SERIES.machine, speedup: clamp(machine.speedup), low: null, high: null, text: null, edge: null });
    if (cell.claimed !== null)
      rows.push({ ...base, kind: 'claim', series: SERIES.claim, speedup: cell.claimed, low: null, high: null, text: null, edge: null });
    const clipped = [cell.ci?.low, cell.ci?.high, ...cell.perMachine.map((m) => m.speedup)].filter((x): x is number => x !== undefined);
    const below = clipped.filter((x) => x < axis.low);
    const above = clipped.filter((x) => x > axis.high);
    if (below.length > 0)
      rows.push({ ...base, kind: 'clip', series: SERIES.clip, speedup: axis.low, low: null, high: null, text: times(Math.min(...below)), edge: 'low' });
    if (above.length > 0)
      rows.push({ ...base, kind: 'clip', series: SERIES.clip, speedup: axis.high, low: null, high: null, text: times(Math.max(...above)), edge: 'high' });
  });
  return rows;
}
