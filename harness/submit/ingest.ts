/**
 * `kbench ingest`: every file is checked before the database is touched. One rejected file and
 * the command writes nothing (the database stays byte for byte as it was); otherwise all new
 * bundles go in one transaction and bundles already there (same content hash) are skipped.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { clusterMachines, type ClusterLink } from '../community/clusters.ts';
import { KbenchDb } from '../db/index.ts';
import { contentIdOf, type SubmissionBundle } from './bundle.ts';
import { MAX_INGEST_BYTES, MAX_INGEST_FILES } from './limits.ts';
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
  /** Machine ids whose runs look like copies of another id's (clusters.ts): counted as one machine. */
  flagged: ClusterLink[];
  /** Machines (clusters of ids) and ids in the database after this command. */
  machines: { clusters: number; ids: number } | null;
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
    let names: string[];
    try {
      names = readdirSync(input)
        .filter((name) => name.endsWith('.json'))
        .sort();
    } catch (error) {
      rejected.push({
        file: input,
        line: rejectionLine(input, { field: '(file)', message: `cannot list the folder (${(error as NodeJS.ErrnoException).code ?? 'error'})` }),
      });
      continue;
    }
    if (names.length === 0) rejected.push({ file: input, line: rejectionLine(input, { field: '(file)', message: 'is a directory with no .json files' }) });
    files.push(...names.map((name) => path.join(input, name)));
  }
  return { files, rejected };
}

export function ingest(inputs: readonly string[], dbFile: string, now: Date = new Date()): IngestOutcome {
  const { files, rejected } = expandInputs(inputs);
  const outcome: IngestOutcome = { db: dbFile, ingested: [], duplicates: [], rejected, flagged: [], machines: null };
  if (files.length > MAX_INGEST_FILES) {
    rejected.push({
      file: '(command)',
      line: `${files.length} files in one command, more than the ${MAX_INGEST_FILES}-file limit: ingest them in smaller batches`,
    });
    return outcome;
  }
  const accepted: { file: string; bundle: SubmissionBundle; contentId: string }[] = [];
  let total = 0;
  for (const file of files) {
    const read = readSubmissionFile(file);
    if (!read.ok) {
      rejected.push({ file, line: rejectionLine(file, read.problem) });
      continue;
    }
    total += read.bytes;
    if (total > MAX_INGEST_BYTES) {
      rejected.push({
        file,
        line: `${rejectionLine(file, { field: '(file)', message: `brings this command past the ${MAX_INGEST_BYTES}-byte limit for one ingest: ingest the rest in another command` })}`,
      });
      break;
    }
    const checked = checkSubmissionText(read.text, now);
    if (!checked.ok) rejected.push({ file, line: rejectionLine(file, checked.problem) });
    else accepted.push({ file, bundle: checked.bundle, contentId: contentIdOf(checked.bundle.results) });
  }
  if (rejected.length > 0) return outcome;

  const seen = new Set<string>();
  /** Content id -> the file and machine id it first came with in this command. */
  const seenContent = new Map<string, { file: string; machineId: string }>();
  const fresh: typeof accepted = [];
  const db = existsSync(dbFile) ? KbenchDb.open(dbFile) : null;
  try {
    for (const entry of accepted) {
      const { id, machineId } = entry.bundle;
      const earlier = seenContent.get(entry.contentId);
      const stored = db?.byContent(entry.contentId) ?? null;
      const another = (other: string) => (other === machineId ? '' : ' under another machine id');
      if (seen.has(id)) outcome.duplicates.push({ file: entry.file, id, reason: 'given twice in this command (same content hash)' });
      else if (db?.has(id)) outcome.duplicates.push({ file: entry.file, id, reason: 'already in the database (same content hash)' });
      else if (earlier !== undefined)
        outcome.duplicates.push({
          file: entry.file,
          id,
          reason: `the same samples as ${earlier.file} in this command${another(earlier.machineId)}: a replay counts once`,
        });
      else if (stored !== null)
        outcome.duplicates.push({
          file: entry.file,
          id,
          reason: `the same samples as run ${stored.id.slice(0, 16)} already in the database${another(stored.machineId)}: a replay counts once`,
        });
      else fresh.push(entry);
      seen.add(id);
      if (earlier === undefined) seenContent.set(entry.contentId, { file: path.basename(entry.file), machineId });
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
          publicKey: bundle.publicKey,
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
      const clusters = clusterMachines(writer.runs());
      const mine = new Set(outcome.ingested.map((item) => item.id));
      outcome.flagged = clusters.links.filter((link) => mine.has(link.run) || mine.has(link.otherRun));
      outcome.machines = { clusters: clusters.count, ids: clusters.clusterOf.size };
    } finally {
      if (writer !== db) writer.close();
    }
  } finally {
    db?.close();
  }
  return outcome;
}
