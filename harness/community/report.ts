/**
 * `kbench report --community`: the database's runs as custom-vs-stock speedups per chip class
 * and guest OS, machines as the unit (aggregate.ts), with the seed's claims judged on them.
 * The model is plain data; html.ts and the Markdown below only format it.
 */
import { judgeClaims, type ClaimJudgement } from '../claims/judge.ts';
import type { ClaimsFile } from '../claims/file.ts';
import { measurementsFromCells } from '../claims/measurements.ts';
import type { StoredRun } from '../db/index.ts';
import { CHIP_CLASSES, type ChipClass } from '../submit/bundle.ts';
import { KBENCH_VERSION } from '../version.ts';
import { aggregateSpeedups, COMMUNITY_CONFIDENCE, type CommunityCell } from './aggregate.ts';
import { runSpeedups } from './measure.ts';

export interface CommunityModel {
  format: 'kbench-community-report';
  version: 1;
  generatedAt: string;
  kbenchVersion: string;
  db: string;
  confidence: number;
  counts: { runs: number; machines: number; submissions: number };
  /** One entry per guest OS, chips in CHIP_CLASSES order. */
  guests: { guestOs: string; chips: ChipClass[]; cells: CommunityCell[] }[];
  claims: ClaimJudgement[];
}

export function buildCommunityModel(
  runs: readonly StoredRun[],
  options: { db: string; claims: ClaimsFile | null; generatedAt?: string; seed?: number },
): CommunityModel {
  const speedups = runs.flatMap((run) => runSpeedups(run.results, run.machineId, options.seed));
  const cells = aggregateSpeedups(speedups);
  const guestOses = [...new Set(cells.map((c) => c.guestOs))].sort();
  return {
    format: 'kbench-community-report',
    version: 1,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    kbenchVersion: KBENCH_VERSION,
    db: options.db,
    confidence: COMMUNITY_CONFIDENCE,
    counts: {
      runs: runs.length,
      machines: new Set(runs.map((r) => r.machineId)).size,
      submissions: runs.filter((r) => r.origin === 'submission').length,
    },
    guests: guestOses.map((guestOs) => {
      const mine = cells.filter((c) => c.guestOs === guestOs);
      return { guestOs, chips: CHIP_CLASSES.filter((chip) => mine.some((c) => c.chipClass === chip)), cells: mine };
    }),
    claims: options.claims === null ? [] : judgeClaims(options.claims, measurementsFromCells(cells)),
  };
}

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
    `${model.counts.machines} machine(s), ${model.counts.runs} run(s) (${model.counts.submissions} submitted). Speedup of custom over stock kernel (> 1 = custom better): geometric mean over machines, ${model.confidence * 100}% t interval across machines (each machine summarized first).`,
    '',
  ];
  for (const guest of model.guests) {
    lines.push(`### ${md(guest.guestOs)}`, '', '| metric | chip | speedup | 95% CI | machines | runs | CI from |', '|---|---|---|---|---|---|---|');
    for (const cell of guest.cells)
      lines.push(
        `| \`${cell.metricId}\` | ${md(chipLabel(cell.chipClass))} | ${times(cell.speedup)} | ${cell.ci === null ? '—' : `[${times(cell.ci.low)}, ${times(cell.ci.high)}]`} | ${cell.machines} | ${cell.runs} | ${md(cell.ciBasis)} |`,
      );
    lines.push('');
  }
  if (model.guests.length === 0) lines.push('No custom-vs-stock data in the database yet.', '');
  if (model.claims.length > 0) {
    lines.push('### The seed\'s claims, judged', '', '| metric | claim | verdict | measured [95% CI] | n | measured on |', '|---|---|---|---|---|---|');
    for (const row of model.claims)
      lines.push(
        `| \`${row.metricId}\` | ${md(row.stated)} for ${md(row.claimGuestOs ?? 'any guest')} | **${row.verdict}** | ${row.speedup === null ? '—' : `${times(row.speedup)} ${row.ci === null ? '' : `[${times(row.ci.low)}, ${times(row.ci.high)}]`}`} | ${md(row.n ?? '—')} | ${md(row.platform === null ? '—' : `${row.measuredGuestOs} on ${row.platform}${row.onClaimedPlatform === false ? ' (not the claimed platform)' : ''}`)} |`,
      );
    lines.push('');
  }
  lines.push(`<sub>kbench ${md(model.kbenchVersion)}, ${md(model.generatedAt)}</sub>`, '');
  return lines.join('\n');
}
