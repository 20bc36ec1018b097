/**
 * `kbench report`: validates every input before anything is written (bad input = one-line
 * InputError, no file), builds the ReportModel, renders one format and writes it atomically.
 */
import { readdirSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors/index.ts';
import type { ResultsFile } from '../results/schema.ts';
import { loadResults, writeFileAtomicSync } from '../results/store.ts';
import { DEFAULT_CLAIMS_FILE, loadClaimsSync } from './claims.ts';
import { historyFromDb } from '../history/db.ts';
import { resolveDbFile } from '../db/paths.ts';
import { exporterFor, REPORT_FORMATS, type ReportFormat } from './exporters/index.ts';
import { buildReportModel, type ReportModel } from './model.ts';

export interface ReportCommandOptions {
  files: string[];
  baseline?: string | null;
  /** Directory of earlier results files (*.json) for the history charts. */
  historyDir?: string | null;
  /** Database to read the history from (--db), instead of a directory. */
  historyDb?: string | null;
  format?: ReportFormat | string;
  /** Output file; "-" returns the text instead of writing; default report.<extension>. */
  out?: string | null;
  alpha?: number;
  noiseThreshold?: number;
  seed?: number;
  /** CI mode (--ci or $CI): verdicts made under different conditions are marked †. */
  ci?: boolean;
  claimsFile?: string;
  /** ISO time stamped into the report; defaults to now. */
  generatedAt?: string;
}

export interface ReportCommandResult {
  format: ReportFormat;
  /** The file written, or null when out was "-". */
  out: string | null;
  bytes: number;
  headline: string;
  counts: ReportModel['counts'];
  /** Keys of the regressed metrics, e.g. "debian/custom vs baseline: zfs.scrub.seconds". */
  regressions: string[];
  /** The rendered report when out was "-". */
  text: string | null;
}

export function checkOutput(out: string, inputs: string[]): string {
  const resolved = path.resolve(out);
  const dir = path.dirname(resolved);
  let dirStat: Stats;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new InputError(`${out}: directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new InputError(`${out}: ${dir} is not a directory`);
  try {
    if (statSync(resolved).isDirectory()) throw new InputError(`${out}: is a directory; name a file with -o`);
  } catch (error) {
    if (error instanceof InputError) throw error;
  }
  if (inputs.some((input) => path.resolve(input) === resolved)) throw new InputError(`${out}: is one of the input files; choose another -o`);
  return resolved;
}

async function loadHistory(dir: string): Promise<ResultsFile[]> {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError(`${dir}: --history must be a directory of results files`);
    names = readdirSync(dir);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`${dir}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const history: ResultsFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) history.push(await loadResults(path.join(dir, name)));
  return history;
}

export async function runReportCommand(options: ReportCommandOptions): Promise<ReportCommandResult> {
  const format = options.format ?? 'html';
  const exporter = exporterFor(format);
  if (exporter === null) throw new InputError(`--format: must be one of ${REPORT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
  if (options.files.length === 0) throw new InputError('report: give at least one results file');
  const out = options.out ?? `report.${exporter.extension}`;
  const inputs = [...options.files, ...(options.baseline ? [options.baseline] : [])];
  const target = out === '-' ? null : checkOutput(out, inputs);

  const results: ResultsFile[] = [];
  for (const file of options.files) results.push(await loadResults(file));
  const baseline = options.baseline ? await loadResults(options.baseline) : null;
  if (options.historyDir && options.historyDb) throw new InputError('--history and --db both name a history: pick one');
  const history = options.historyDir
    ? await loadHistory(options.historyDir)
    : options.historyDb
      ? historyFromDb(resolveDbFile(options.historyDb), results)
      : null;
  const claims = loadClaimsSync(options.claimsFile ?? DEFAULT_CLAIMS_FILE);

  const model = buildReportModel({
    results,
    baseline,
    history,
    options: {
      alpha: options.alpha,
      noiseThreshold: options.noiseThreshold,
      seed: options.seed,
      ci: options.ci === true,
      claims,
      generatedAt: options.generatedAt,
      sources: { results: options.files, baseline: options.baseline ?? null },
    },
  });
  const text = await exporter.render(model);
  if (target !== null) writeFileAtomicSync(target, text);
  return {
    format: exporter.format as ReportFormat,
    out: target,
    bytes: Buffer.byteLength(text, 'utf8'),
    headline: model.headline,
    counts: model.counts,
    regressions: model.verdicts.filter((row) => row.verdict === 'regressed').map((row) => `${row.setTitle}: ${row.metricId}`),
    text: target === null ? text : null,
  };
}
