/**
 * Loading and saving results files. Every load is bounded (harness/results/limits.ts) and
 * validated strictly; every failure is one line naming the file, the field and the value, never
 * the file's raw text. Writes are atomic (harness/fs/atomic.ts): a crash never leaves a torn file.
 */
import type { z } from 'zod';
import { cut, InputError, showValue } from '../errors/index.ts';
import { writeFileAtomicSync } from '../fs/atomic.ts';
import { parseJsonOrThrow, type JsonLimits } from '../fs/json.ts';
import { readInputFileSync } from '../fs/read.ts';
import { checkParsedLimits, formatFieldPath, inputLimits, LIMIT_HINT, type InputLimits } from './limits.ts';
import { migrateResults } from './migrations.ts';
import { ResultsFile } from './schema.ts';

export { formatFieldPath } from './limits.ts';
export { writeFileAtomicSync } from '../fs/atomic.ts';

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
  throw new InputError(`${file}: field ${field}: ${cut(issue.message, 200)} (${shown})`);
}

/** The strict parser's bounds for results: per-metric arrays may be as long as the sample limit. */
function jsonLimitsOf(limits: InputLimits): JsonLimits {
  return { maxDepth: limits.maxDepth, maxStringLength: limits.maxStringChars, maxItems: Math.max(limits.maxItems, limits.maxSamplesPerMetric) };
}

/**
 * The strict parser (fs/json.ts: depth, duplicate keys, no ±Infinity), then the per-field limits:
 * the one way kbench turns results text into data.
 */
export function parseJsonText(text: string, file: string, limits: InputLimits = inputLimits()): unknown {
  const data = parseJsonOrThrow(text, file, jsonLimitsOf(limits));
  checkParsedLimits(data, file, limits);
  return data;
}

/**
 * Parses results JSON text; `file` is only used to name the source in errors. The strict reader,
 * then the migrations to the current schema version (migrations.ts; a newer version is refused
 * there), then the schema.
 */
export function parseResults(text: string, file: string, limits: InputLimits = inputLimits()): ResultsFile {
  const data = parseJsonText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, file, limits);
  return validateOrThrow(ResultsFile, migrateResults(data, file), file);
}

export async function loadResults(file: string, limits: InputLimits = inputLimits()): Promise<ResultsFile> {
  return parseResults(readInputFileSync(file, limits.maxFileBytes, LIMIT_HINT), file, limits);
}

/** Validates before writing so kbench never writes a file it would itself refuse to load. */
export function saveResultsSync(file: string, results: ResultsFile): void {
  const checked = validateOrThrow(ResultsFile, results, file);
  checkParsedLimits(checked, file);
  const text = `${JSON.stringify(checked, null, 2)}\n`;
  if (Buffer.byteLength(text) > inputLimits().maxFileBytes)
    throw new InputError(`${file}: the file would be larger than the limit of ${inputLimits().maxFileBytes} bytes (${LIMIT_HINT})`);
  writeFileAtomicSync(file, text);
}
