/**
 * `kbench ingest`: every file is checked before the database is touched. One rejected file and
 * the command writes nothing (the database stays byte for byte as it was); otherwise all new
 * bundles go in one transaction and bundles already there (same content hash) are skipped.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { KbenchDb } from '../db/index.ts';
import type { SubmissionBundle } from './bundle.ts';
import { checkSubmissionText, readSubmissionFile, showUntrusted, type Problem } from './validate.ts';

export interface IngestedFile {
  file: string;
  id: string;
  chip: string;
  guests: string[];
}

export interface IngestOutcome {
  db: string;
  ingested: IngestedFile[];
  /** Already in the database, or given twice: not written again. */
  duplicates: { file: string; id: string; reason: string }[];
  /** One line each: file, field and value. Non-empty means nothing was written. */
  rejected: { file: string; line: string }[];
}

const MAX_FIELD_SHOWN = 120;

/** "file: field results.targets[0].metrics[1].unit: must be s … (value "ms")", safe on a terminal. */
export function rejectionLine(file: string, problem: Problem): string {
  const where = showUntrusted(file).slice(1, -1);
  const field = problem.field.length > MAX_FIELD_SHOWN ? `${problem.field.slice(0, MAX_FIELD_SHOWN)}…` : problem.field;
  const value = problem.value === undefined ? '' : ` (value ${showUntrusted(problem.value)})`;
  if (field === '(file)') return `${where}: ${problem.message}`;
  return `${where}: field ${showUntrusted(field).slice(1, -1)}: ${problem.message}${value}`;
}

/** Directories become their *.json files (not recursive, sorted); other paths stay as given. */
export function expandInputs(inputs: readonly string[]): { files: string[]; rejected: { file: string; line: string }[] } {
  const files: string[] = [];
  const rejected: { file: string; line: string }[] = [];
  for (const input of inputs) {
    let isDir = false;
    try {
      isDir = statSync(input).isDirectory();
    } catch {
      /* reported when the file is read */
    }
    if (!isDir) {
      files.push(input);
      continue;
    }
    const names = readdirSync(input)
      .filter((name) => name.endsWith('.json'))
      .sort();
    if (names.length === 0) rejected.push({ file: input, line: rejectionLine(input, { field: '(file)', message: 'is a directory with no .json files' }) });
    files.push(...names.map((name) => path.join(input, name)));
  }
  return { files, rejected };
}

export function ingest(inputs: readonly string[], dbFile: string, now: Date = new Date()): IngestOutcome {
  const { files, rejected } = expandInputs(inputs);
  const accepted: { file: string; bundle: SubmissionBundle }[] = [];
  for (const file of files) {
    const read = readSubmissionFile(file);
    if (!read.ok) {
      rejected.push({ file, line: rejectionLine(file, read.problem) });
      continue;
    }
    const checked = checkSubmissionText(read.text, now);
    if (!checked.ok) rejected.push({ file, line: rejectionLine(file, checked.problem) });
    else accepted.push({ file, bundle: checked.bundle });
  }
  const outcome: IngestOutcome = { db: dbFile, ingested: [], duplicates: [], rejected };
  if (rejected.length > 0) return outcome;

  const seen = new Set<string>();
  const fresh: { file: string; bundle: SubmissionBundle }[] = [];
  const db = existsSync(dbFile) ? KbenchDb.open(dbFile) : null;
  try {
    for (const entry of accepted) {
      const { id } = entry.bundle;
      if (seen.has(id)) outcome.duplicates.push({ file: entry.file, id, reason: 'given twice in this command (same content hash)' });
      else if (db?.has(id)) outcome.duplicates.push({ file: entry.file, id, reason: 'already in the database (same content hash)' });
      else fresh.push(entry);
      seen.add(id);
    }
    if (fresh.length === 0) return outcome;
    const writer = db ?? KbenchDb.open(dbFile);
    try {
      const { duplicates } = writer.insertRuns(
        fresh.map(({ file, bundle }) => ({
          id: bundle.id,
          origin: 'submission' as const,
          machineId: bundle.machineId,
          source: path.basename(file),
          results: bundle.results,
        })),
        now.toISOString(),
      );
      for (const { file, bundle } of fresh) {
        if (duplicates.includes(bundle.id)) {
          outcome.duplicates.push({ file, id: bundle.id, reason: 'ingested by another kbench meanwhile (same content hash)' });
          continue;
        }
        outcome.ingested.push({
          file,
          id: bundle.id,
          chip: `${bundle.fingerprint.chip} (${bundle.fingerprint.chipClass})`,
          guests: [...new Set(bundle.results.targets.map((t) => t.guest.os))],
        });
      }
    } finally {
      if (writer !== db) writer.close();
    }
  } finally {
    db?.close();
  }
  return outcome;
}
