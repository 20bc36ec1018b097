/** `kbench report --community`: reads the database, writes HTML or Markdown atomically. */
import { InputError } from '../../errors/index.ts';
import { loadClaimsSync } from '../../claims/file.ts';
import { resolveDbFile } from '../../db/paths.ts';
import { allRunsFromDb } from '../../history/db.ts';
import { checkOutput } from '../command.ts';
import { writeFileAtomicSync } from '../../results/store.ts';
import { renderCommunityHtml } from './html.ts';
import { buildCommunityModel, renderCommunityMarkdown } from '../../community/report.ts';

export interface CommunityReportOptions {
  files: string[];
  db: string | null;
  format: string;
  out: string | null;
  seed?: number;
  generatedAt?: string;
}

export async function runCommunityReport(options: CommunityReportOptions) {
  if (options.files.length > 0) throw new InputError('--community: reports the database, takes no results files (ingest them first)');
  if (options.format !== 'html' && options.format !== 'md')
    throw new InputError(`--format: --community writes html or md (got ${JSON.stringify(options.format)})`);
  const format = options.format;
  const out = options.out ?? `community.${format}`;
  const target = out === '-' ? null : checkOutput(out, []);
  const db = resolveDbFile(options.db);
  const model = buildCommunityModel(allRunsFromDb(db), { claims: loadClaimsSync(), generatedAt: options.generatedAt, seed: options.seed });
  const text = format === 'html' ? await renderCommunityHtml(model) : renderCommunityMarkdown(model);
  if (target !== null) writeFileAtomicSync(target, text);
  return {
    format,
    out: target,
    bytes: Buffer.byteLength(text, 'utf8'),
    headline: `${model.counts.machines} machine(s), ${model.counts.runs} run(s), ${model.guests.length} guest OS(es)`,
    text: target === null ? text : null,
  };
}
