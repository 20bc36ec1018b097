/**
 * Loading and saving results files. Every load is validated strictly; every failure is one line
 * naming the file, the field and the value. Writes are atomic (temp file + fsync + rename), so a
 * crash never leaves a half-written file behind.
 */
import { promises as fs, openSync, writeSync, fsyncSync, closeSync, renameSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { InputError, showValue } from '../errors/index.ts';
import { RESULTS_SCHEMA_VERSION, ResultsFile } from './schema.ts';

/** Turns a zod issue path into "targets[0].metrics[2].samples[1].value". */
export function formatFieldPath(pathParts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of pathParts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(top level)' : out;
}

function valueAt(root: unknown, pathParts: readonly PropertyKey[]): unknown {
  let node: unknown = root;
  for (const part of pathParts) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[part as string];
  }
  return node;
}

/** Validates parsed JSON against a schema; throws one InputError line for the first problem. */
export function validateOrThrow<T>(schema: z.ZodType<T>, data: unknown, file: string): T {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = formatFieldPath(issue.path);
  const value = valueAt(data, issue.path);
  const shown = value === undefined ? 'missing' : `value ${showValue(value)}`;
  throw new InputError(`${file}: field ${field}: ${issue.message} (${shown})`);
}

/** Parses results JSON text; `file` is only used to name the source in errors. */
export function parseResults(text: string, file: string): ResultsFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  // A newer schema version is checked first: its fields may legitimately look "wrong" to us.
  if (data !== null && typeof data === 'object' && 'schemaVersion' in data) {
    const version = (data as { schemaVersion: unknown }).schemaVersion;
    if (typeof version === 'number' && version > RESULTS_SCHEMA_VERSION)
      throw new InputError(
        `${file}: field schemaVersion: version ${version} is newer than this kbench understands (${RESULTS_SCHEMA_VERSION}); upgrade kbench`,
      );
  }
  return validateOrThrow(ResultsFile, data, file);
}

export async function loadResults(file: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`${file}: cannot read (${code})`);
  }
  return parseResults(text, file);
}

/** Writes text atomically: a reader sees the old file or the new one, never a torn one. */
export function writeFileAtomicSync(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      /* already gone */
    }
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
}

/** Validates before writing so kbench never writes a file it would itself refuse to load. */
export function saveResultsSync(file: string, results: ResultsFile): void {
  const checked = validateOrThrow(ResultsFile, results, file);
  writeFileAtomicSync(file, `${JSON.stringify(checked, null, 2)}\n`);
}
