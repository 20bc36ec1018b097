/**
 * Results files across schema versions, the way asv's `update_to_2` carries old benchmark data
 * forward: one pure function per step N → N+1, applied in order on read, after the strict JSON
 * reader and before the zod schema, which therefore only ever sees the current version. A file
 * newer than this kbench is refused (one line, exit 2) before any field is judged: its fields may
 * legitimately look wrong to us.
 *
 * Adding version N+1: bump RESULTS_SCHEMA_VERSION in schema.ts, change the schema, and add the
 * entry `N: (data) => …` here that turns a version-N document into a version-N+1 one (pure: it
 * returns a new object and never reads anything else). test/results/migrations.test.ts replays the
 * real version-1 run in test/fixtures/results/ through the chain.
 *
 * Version 1 is the only one so far, so the registry is empty: nothing has needed migrating yet.
 */
import { InputError, showValue } from '../errors/index.ts';
import { RESULTS_SCHEMA_VERSION } from './schema.ts';

/** A version-N document (already parsed, not yet validated) to a version-N+1 one. */
export type ResultsMigration = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** Keyed by the version migrated from. */
export const RESULTS_MIGRATIONS: Readonly<Record<number, ResultsMigration>> = {};

/**
 * Brings parsed results data to `current` (the schema's version). Data that is not an object or
 * has no whole-number version is passed on unchanged for the schema to name what is wrong.
 */
export function migrateResults(
  data: unknown,
  file: string,
  current: number = RESULTS_SCHEMA_VERSION,
  migrations: Readonly<Record<number, ResultsMigration>> = RESULTS_MIGRATIONS,
): unknown {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  let document = data as Record<string, unknown>;
  const version = document.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return data;
  if (version > current)
    throw new InputError(`${file}: field schemaVersion: version ${version} is newer than this kbench understands (${current}); upgrade kbench`);
  for (let from = version; from < current; from++) {
    const step = Object.hasOwn(migrations, from) ? migrations[from] : undefined;
    // A kbench that declares version `current` must carry every older one forward: a gap is a bug here, not bad input.
    if (step === undefined) throw new Error(`results migrations: no step from version ${from} to ${from + 1}`);
    document = { ...step(document), schemaVersion: from + 1 };
  }
  if (document.schemaVersion !== current) throw new Error(`results migrations: ended at version ${showValue(document.schemaVersion)}, not ${current}`);
  return document;
}
