/**
 * History from the database: the earlier local runs that share a target with the runs being
 * reported, in time order, for the trend charts and change points (stats/changepoints.ts).
 */
import { KbenchDb, type StoredRun } from '../db/index.ts';
import type { ResultsFile } from '../results/schema.ts';

/** Local runs (not other people's submissions) with any of these target ids, oldest first. */
export function historyFromDb(dbFile: string, current: readonly ResultsFile[]): ResultsFile[] {
  const db = KbenchDb.open(dbFile, { readonly: true });
  try {
    const targetIds = [...new Set(current.flatMap((run) => run.targets.map((t) => t.id)))];
    return db.runs({ targetIds, origins: ['run'] }).map((run) => run.results);
  } finally {
    db.close();
  }
}

/** Every run in the database (local and submitted), oldest first. */
export function allRunsFromDb(dbFile: string): StoredRun[] {
  const db = KbenchDb.open(dbFile, { readonly: true });
  try {
    return db.runs();
  } finally {
    db.close();
  }
}
