/** A new, empty results file: the one place its header (format, kind, versions, times) is written. */
import { RESULTS_SCHEMA_VERSION, type ResultsFile } from './schema.ts';
import { KBENCH_VERSION } from '../version.ts';

export function newResultsFile(
  kind: ResultsFile['kind'],
  fields: Pick<ResultsFile, 'complete' | 'settings' | 'host'> & { runId: (at: string) => string },
  now = new Date(),
): ResultsFile {
  const at = now.toISOString();
  return {
    format: 'kbench-results',
    kind,
    schemaVersion: RESULTS_SCHEMA_VERSION,
    kbenchVersion: KBENCH_VERSION,
    runId: fields.runId(at),
    createdAt: at,
    updatedAt: at,
    complete: fields.complete,
    settings: fields.settings,
    completedUnits: [],
    sources: [],
    host: fields.host,
    targets: [],
  };
}
