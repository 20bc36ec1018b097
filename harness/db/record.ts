/**
 * The hooks `kbench run` and `kbench baseline update` call: record finished local runs in the
 * database, so history comes from queries. A database problem never fails the run (its results
 * file is already written): it is one warning line.
 */
import path from 'node:path';
import type { ResultsFile } from '../results/schema.ts';
import { machineId } from '../submit/machine-id.ts';
import { KbenchDb, localRunId } from './index.ts';
import { resolveDbFile } from './paths.ts';

export interface RecordOptions {
  /** Set when the runs were just accepted into this baseline file. */
  baselineFile?: string;
  db?: string | null;
  warn: (line: string) => void;
}

export function recordRunsInDb(runs: readonly { file: string; results: ResultsFile }[], options: RecordOptions): void {
  const file = resolveDbFile(options.db);
  const recordable = runs.filter(({ results }) => results.kind === 'run' && results.host !== null);
  if (recordable.length === 0) return;
  try {
    const id = machineId();
    const db = KbenchDb.open(file);
    try {
      const records = recordable.map(({ file: source, results }) => ({
        id: localRunId(results),
        origin: 'run' as const,
        machineId: id,
        source: path.resolve(source),
        results,
      }));
      db.insertRuns(records);
      if (options.baselineFile !== undefined)
        db.recordBaseline(
          path.resolve(options.baselineFile),
          records.map((r) => r.id),
        );
    } finally {
      db.close();
    }
  } catch (error) {
    options.warn(`kbench: warning: not recorded in the database ${file}: ${(error as Error).message}\n`);
  }
}
