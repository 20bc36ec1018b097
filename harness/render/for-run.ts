/** The HTML report `kbench run --report` writes next to its results: custom vs stock of that run. */
import { ciMode } from '../compare/index.ts';
import type { ResultsFile } from '../results/schema.ts';
import { writeFileAtomicSync } from '../results/store.ts';
import { loadClaimsSync } from './claims.ts';
import { renderHtmlReport } from './exporters/html.ts';
import { buildReportModel, type ReportOptions } from './model.ts';

export async function writeRunReport(results: ResultsFile, outFile: string, options: ReportOptions = {}): Promise<string> {
  // CI mode ($CI): verdicts made under different conditions are marked † in the report too.
  const model = buildReportModel({
    results: [results],
    baseline: null,
    history: null,
    options: { claims: loadClaimsSync(), ci: ciMode(undefined), ...options },
  });
  writeFileAtomicSync(outFile, await renderHtmlReport(model));
  return outFile;
}
