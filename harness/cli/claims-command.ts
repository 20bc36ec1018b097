/** `kbench claims`: every claim of kernels/claims.json judged against results files or the database. */
import type { Command } from 'commander';
import { CLAIM_VERDICTS, judgeClaims, countVerdicts, type ClaimJudgement, type Measurement } from '../claims/judge.ts';
import { DEFAULT_CLAIMS_FILE, loadClaimsSync } from '../claims/file.ts';
import { measurementsFromCells, measurementsFromRun, runSpeedupRows } from '../claims/measurements.ts';
import { communitySpeedups } from '../community/report.ts';
import { aggregateSpeedups } from '../community/aggregate.ts';
import { runSpeedups } from '../community/measure.ts';
import { resolveDbFile } from '../db/paths.ts';
import { InputError } from '../errors/index.ts';
import { allRunsFromDb } from '../history/db.ts';
import { loadResults } from '../results/store.ts';
import { INVISIBLE } from '../submit/identifying.ts';
import { numberInRange, type CliIo } from './options.ts';

/** Text from results files on a terminal: control and bidi characters shown as \uXXXX, never obeyed. */
const safe = (text: string): string => text.replace(new RegExp(INVISIBLE.source, 'g'), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const times = (x: number): string => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

export function renderClaimsTable(rows: readonly ClaimJudgement[], claimsFile: string): string {
  const counts = countVerdicts(rows);
  const table = rows.map((row) => [
    row.metricId,
    `${row.stated} for ${row.claimGuestOs ?? 'any guest'}`,
    row.verdictReason === null ? row.verdict : `${row.verdict}: ${row.verdictReason.replace(/;.*$/, '')}`,
    row.speedup === null ? '—' : `${times(row.speedup)}${row.ci === null ? '' : ` [${times(row.ci.low)}, ${times(row.ci.high)}]`}`,
    row.n ?? '—',
    row.platform === null
      ? '—'
      : `${row.measuredGuestOs} guest on ${row.platform}${row.onClaimedPlatform === false ? ' (not the claimed platform)' : ''}${row.measuredKernel === null ? '' : `, kernel ${row.measuredKernel}${row.onClaimedKernel === false ? ' (not the claimed kernel)' : ''}`}`,
  ]);
  const header = ['metric', 'claim', 'verdict', 'measured [95% CI]', 'n', 'measured on'];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const out = [`${claimsFile}: ${rows.length} claim rows: ${CLAIM_VERDICTS.map((verdict) => `${counts[verdict]} ${verdict}`).join(', ')}`, line(header)];
  rows.forEach((row, i) => {
    out.push(line(table[i]!));
    if (row.verdict !== 'not measured') out.push(`    ${row.note}`);
  });
  return `${out.map(safe).join('\n')}\n`;
}

export function registerClaimsCommand(program: Command, io: CliIo): void {
  program
    .command('claims')
    .description(
      'Judge every claim of kernels/claims.json on the kernel it is about: confirmed (CI at or above the claim), refuted (CI wholly below), inconclusive (CI contains it), measured on another kernel (no verdict), not measured.',
    )
    .argument('[results.json...]', 'results files (default: the database)')
    .option('--db <file>', 'judge on the database across machines (default $KBENCH_DB or ~/.local/share/kbench/kbench.db)')
    .option('--claims <file>', 'claims file', DEFAULT_CLAIMS_FILE.pathname)
    .option(
      '--seed <n>',
      'seed recorded in the output (no statistic kbench computes draws random numbers)',
      numberInRange('--seed', 0, 2 ** 32 - 1, { integer: true }),
      20261125,
    )
    .option('--json', 'machine-readable output')
    .action(async (files: string[], flags: { db?: string; claims: string; seed: number; json?: boolean }) => {
      if (files.length > 0 && flags.db !== undefined) throw new InputError('claims: give results files or --db, not both');
      const claims = loadClaimsSync(flags.claims);
      let measurements: Measurement[];
      if (files.length > 0) {
        measurements = [];
        for (const file of files) {
          const run = await loadResults(file);
          measurements.push(...measurementsFromRun(runSpeedupRows(runSpeedups(run, 'local', flags.seed)), run, file));
        }
      } else {
        const runs = allRunsFromDb(resolveDbFile(flags.db));
        measurements = measurementsFromCells(aggregateSpeedups(communitySpeedups(runs, flags.seed).speedups));
      }
      const rows = judgeClaims(claims, measurements);
      if (flags.json) io.out(`${JSON.stringify({ claims: flags.claims, counts: countVerdicts(rows), rows }, null, 2)}\n`);
      else io.out(renderClaimsTable(rows, flags.claims === DEFAULT_CLAIMS_FILE.pathname ? 'kernels/claims.json' : flags.claims));
    });
}
