/**
 * `kbench report --community`: the database's runs as custom-vs-stock speedups per chip class
 * and guest OS, machines as the unit (aggregate.ts), with the seed's claims judged on them.
 * The model is plain data; html.ts and the Markdown below only format it.
 */
import { judgeClaims, type ClaimJudgement } from '../claims/judge.ts';
import { claimFor, type ClaimsFile } from '../claims/file.ts';
import { measurementsFromCells } from '../claims/measurements.ts';
import type { StoredRun } from '../db/index.ts';
import { CHIP_CLASSES, type ChipClass } from '../submit/bundle.ts';
import { KBENCH_VERSION } from '../version.ts';
import { aggregateSpeedups, COMMUNITY_CONFIDENCE, type CommunityCell, type RunSpeedup } from './aggregate.ts';
import { clusterMachines, type Clusters } from './clusters.ts';
import type { ForestCell } from './aggregate.ts';
import { runSpeedups } from './measure.ts';

/** Every run's speedups, each counted for its machine's cluster, not its machine id. */
export function communitySpeedups(runs: readonly StoredRun[], seed?: number): { speedups: RunSpeedup[]; clusters: Clusters } {
  const clusters = clusterMachines(runs);
  const speedups = runs.flatMap((run) => runSpeedups(run.results, clusters.clusterOf.get(run.machineId) ?? run.machineId, seed));
  return { speedups, clusters };
}

export interface CommunityModel {
  format: 'kbench-community-report';
  version: 1;
  generatedAt: string;
  kbenchVersion: string;
  confidence: number;
  /** Machines are clusters of machine ids (clusters.ts); `machineIds` is how many ids they were sent under. */
  counts: { runs: number; machines: number; machineIds: number; submissions: number };
  /** One entry per guest OS, chips in CHIP_CLASSES order. */
  guests: { guestOs: string; chips: ChipClass[]; cells: ForestCell[] }[];
  claims: ClaimJudgement[];
}

export function buildCommunityModel(runs: readonly StoredRun[], options: { claims: ClaimsFile | null; generatedAt?: string; seed?: number }): CommunityModel {
  const { speedups, clusters } = communitySpeedups(runs, options.seed);
  const cells = aggregateSpeedups(speedups);
  const guestOses = [...new Set(cells.map((c) => c.guestOs))].sort();
  return {
    format: 'kbench-community-report',
    version: 1,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    kbenchVersion: KBENCH_VERSION,
    confidence: COMMUNITY_CONFIDENCE,
    counts: {
      runs: runs.length,
      machines: clusters.count,
      machineIds: clusters.clusterOf.size,
      submissions: runs.filter((r) => r.origin === 'submission').length,
    },
    guests: guestOses.map((guestOs) => {
      const mine = cells
        .filter((c) => c.guestOs === guestOs)
        .map((c) => ({ ...c, claimed: options.claims === null ? null : (claimFor(options.claims, c.metricId, c.guestOs)?.speedup ?? null) }));
      return { guestOs, chips: CHIP_CLASSES.filter((chip) => mine.some((c) => c.chipClass === chip)), cells: mine };
    }),
    claims: options.claims === null ? [] : judgeClaims(options.claims, measurementsFromCells(cells)),
  };
}

/** What the community numbers are, in one paragraph (Markdown and HTML). */
export const COMMUNITY_METHOD = (confidence: number): string =>
  `Speedup of the custom over the stock kernel (> 1 = custom better) per cell: chip class × guest OS × guest architecture × accelerator × kernel pair, never pooled across them. Machines are the unit, and machine ids that look like one machine (same hardware, near-copy samples) count once. Each machine's runs are summarized first (geometric mean); the headline is the trimmed mean of the machines' log speedups (TRIMMED_LOG_MEAN: the median at 3-4 machines, 20% trimmed from 5), so one odd machine cannot move it, with a ${confidence * 100}% trimmed t interval. Confirmed or refuted needs at least 3 machines; emulated cells (TCG, icount, foreign guest architecture) never count towards a hardware claim.`;

/** "aarch64 guest, vz; stock 6.1.0 (config aaaaaaaa) vs custom …": what one cell holds. */
export const describeCell = (cell: CommunityCell): string =>
  `${cell.guestArch === 'unknown' ? 'guest arch unknown' : `${cell.guestArch} guest`}, ${cell.acceleration}${cell.emulated ? ' (emulated)' : ''}; ${cell.kernelPair}`;

export const chipLabel = (chip: ChipClass): string => (chip === 'other' ? 'other chips' : `Apple ${chip}`);

const times = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);

/** Markdown cells: pipes, backticks, brackets and angle brackets cannot break the table or become markup. */
const md = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g, ' ');

export function renderCommunityMarkdown(model: CommunityModel): string {
  const lines = [
    '## kbench community report',
    '',
    `${model.counts.machines} machine(s) (sent under ${model.counts.machineIds} machine id(s)), ${model.counts.runs} run(s) (${model.counts.submissions} submitted). ${COMMUNITY_METHOD(model.confidence)}`,
    '',
  ];
  for (const guest of model.guests) {
    lines.push(`### ${md(guest.guestOs)}`, '', '| metric | chip | cell | speedup | 95% CI | machines | runs | CI from |', '|---|---|---|---|---|---|---|---|');
    for (const cell of guest.cells)
      lines.push(
        `| \`${cell.metricId}\` | ${md(chipLabel(cell.chipClass))} | ${md(describeCell(cell))} | ${times(cell.speedup)} | ${cell.ci === null ? '—' : `[${times(cell.ci.low)}, ${times(cell.ci.high)}]`} | ${cell.machines} | ${cell.runs} | ${md(cell.ciBasis)} |`,
      );
    lines.push('');
  }
  if (model.guests.length === 0) lines.push('No custom-vs-stock data in the database yet.', '');
  if (model.claims.length > 0) {
    lines.push("### The seed's claims, judged", '', '| metric | claim | verdict | measured [95% CI] | n | measured on |', '|---|---|---|---|---|---|');
    for (const row of model.claims)
      lines.push(
        `| \`${row.metricId}\` | ${md(row.stated)} for ${md(row.claimGuestOs ?? 'any guest')} | **${row.verdict}**${row.verdictReason === null ? '' : `: ${md(row.verdictReason)}`} | ${row.speedup === null ? '—' : `${times(row.speedup)} ${row.ci === null ? '' : `[${times(row.ci.low)}, ${times(row.ci.high)}]`}`} | ${md(row.n ?? '—')} | ${md(row.platform === null ? '—' : `${row.measuredGuestOs} on ${row.platform}${row.onClaimedPlatform === false ? ' (not the claimed platform)' : ''}`)} |`,
      );
    lines.push('');
  }
  lines.push(`<sub>kbench ${md(model.kbenchVersion)}, ${md(model.generatedAt)}</sub>`, '');
  return lines.join('\n');
}
