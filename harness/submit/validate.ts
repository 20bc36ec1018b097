/**
 * The gate every submission passes before it reaches the database. A submission is hostile
 * until proven otherwise: size checked before reading, JSON parsed with a depth limit and no
 * duplicate or prototype keys, the strict schema (no unknown field), then limits per unit, per
 * file and per string, no identifying text left, and an id that is the hash of the content.
 * The first problem is returned as { field, message, value }. Pure except readSubmissionFile.
 */
import { closeSync, fstatSync, lstatSync, openSync, readSync, constants as fsConstants } from 'node:fs';
import type { z } from 'zod';
import { formatFieldPath } from '../results/store.ts';
import { RESULTS_SCHEMA_VERSION, type Metric, type ResultsFile } from '../results/schema.ts';
import { bundleId, canonicalJson, fingerprintOf, roundMemoryBytes, SUBMISSION_FORMAT, SUBMISSION_SCHEMA_VERSION, SubmissionBundle, toHour } from './bundle.ts';
import { platformProblem } from './platform.ts';
import { machineIdOfPublicKey, verifyId } from './signing.ts';
import { findIdentifying, INVISIBLE, MARKUP } from './identifying.ts';
import * as limits from './limits.ts';
import { describeJsonProblem, parseJsonStrict } from '../fs/json.ts';

export interface Problem {
  field: string;
  message: string;
  /** The offending value, when there is one to show. */
  value?: unknown;
}

export type Checked = { ok: true; bundle: SubmissionBundle } | { ok: false; problem: Problem };

const reject = (field: string, message: string, value?: unknown): Checked => ({
  ok: false,
  problem: value === undefined ? { field, message } : { field, message, value },
});

/**
 * A value as it may be printed on a terminal: JSON-quoted, every character outside printable
 * ASCII as \uXXXX (so escape sequences, bidi overrides and NULs stay visible and inert), cut to 80.
 */
export function showUntrusted(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Fields validated by the schema as ids, hashes or times; everything else is free text. */
const STRUCTURED_KEYS = new Set(['id', 'machineId', 'kernelConfigSha256', 'at', 'createdAt', 'updatedAt', 'publicKey', 'signature']);

function checkText(text: string, field: string, structured: boolean): Problem | null {
  if (text.length > limits.MAX_TEXT_LENGTH) return { field, message: `longer than ${limits.MAX_TEXT_LENGTH} characters`, value: text };
  if (LONE_SURROGATE.test(text)) return { field, message: 'holds an unpaired surrogate (not valid Unicode text)', value: text };
  if (INVISIBLE.test(text)) return { field, message: 'holds a control or invisible formatting character', value: text };
  if (MARKUP.test(text)) return { field, message: 'holds markup', value: text };
  if (!structured) {
    const found = findIdentifying(text);
    if (found !== null)
      return { field, message: `still holds an identifying ${found.kind}; make the bundle with kbench submit, which removes it`, value: found.match };
  }
  return null;
}

/** Walks every string and key without recursion (depth is bounded, but a stack is cheaper to reason about). */
function checkAllText(root: unknown): Problem | null {
  const pending: { node: unknown; path: (string | number)[]; key: string }[] = [{ node: root, path: [], key: '' }];
  while (pending.length > 0) {
    const { node, path, key } = pending.pop()!;
    if (typeof node === 'string') {
      const problem = checkText(node, formatFieldPath(path), STRUCTURED_KEYS.has(key));
      if (problem !== null) return problem;
    } else if (Array.isArray(node)) for (const [i, item] of node.entries()) pending.push({ node: item, path: [...path, i], key });
    else if (node !== null && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        const problem = checkText(k, formatFieldPath([...path, k]), false);
        if (problem !== null) return { ...problem, message: `key ${problem.message}` };
        pending.push({ node: v, path: [...path, k], key: k });
      }
  }
  return null;
}

/** kbench submit writes every time as UTC floored to the hour; anything else was made another way. */
function checkSubmittedTime(iso: string, field: string): Problem | null {
  if (!iso.endsWith('Z')) return { field, message: 'must be UTC ("…Z"), as kbench submit writes it', value: iso };
  if (toHour(iso) !== iso) return { field, message: 'must be on the hour (kbench submit coarsens times to the hour)', value: iso };
  return null;
}

function checkTime(iso: string, field: string, now: Date): Problem | null {
  const submitted = checkSubmittedTime(iso, field);
  if (submitted !== null) return submitted;
  const t = Date.parse(iso);
  if (t < limits.EARLIEST_TIME) return { field, message: 'is before any kbench run could have happened', value: iso };
  if (t > now.getTime() + limits.CLOCK_SKEW_MS) return { field, message: 'is in the future', value: iso };
  return null;
}

function checkMetric(metric: Metric, field: string, window: { from: number; to: number }): Problem | null {
  const unit = limits.unitForMetricId(metric.id);
  if (unit === null) return { field: `${field}.id`, message: 'its last part must name its unit (seconds, bytes, …_per_s, …)', value: metric.id };
  if (unit !== metric.unit) return { field: `${field}.unit`, message: `must be ${unit} for a metric named ${metric.id}`, value: metric.unit };
  const rule = limits.UNIT_RULES[unit];
  if (rule.direction !== 'either' && rule.direction !== metric.direction)
    return { field: `${field}.direction`, message: `must be ${rule.direction} for ${unit}`, value: metric.direction };
  if (metric.samples.length > limits.MAX_SAMPLES_PER_METRIC)
    return { field: `${field}.samples`, message: `more than ${limits.MAX_SAMPLES_PER_METRIC} samples`, value: metric.samples.length };
  if (metric.failures.length > limits.MAX_SAMPLES_PER_METRIC)
    return { field: `${field}.failures`, message: `more than ${limits.MAX_SAMPLES_PER_METRIC} failures`, value: metric.failures.length };
  for (const [list, entries] of [
    ['samples', metric.samples],
    ['warmup', metric.warmup],
    ['failures', metric.failures],
  ] as const)
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const at = `${field}.${list}[${i}]`;
      if ('value' in entry) {
        if (entry.value > rule.max) return { field: `${at}.value`, message: `above ${rule.max} ${unit}, not believable`, value: entry.value };
        if (rule.positive && entry.value === 0)
          return { field: `${at}.value`, message: `a rate of 0 is a failed sample, not a measurement`, value: entry.value };
      }
      if (entry.boot > limits.MAX_BOOT_INDEX) return { field: `${at}.boot`, message: `above ${limits.MAX_BOOT_INDEX}`, value: entry.boot };
      const submitted = checkSubmittedTime(entry.at, `${at}.at`);
      if (submitted !== null) return submitted;
      const t = Date.parse(entry.at);
      if (t < window.from || t > window.to) return { field: `${at}.at`, message: 'is outside the run (createdAt..updatedAt)', value: entry.at };
    }
  return null;
}

function checkResults(results: ResultsFile, now: Date): Problem | null {
  if (results.schemaVersion !== RESULTS_SCHEMA_VERSION)
    return { field: 'results.schemaVersion', message: `must be ${RESULTS_SCHEMA_VERSION}`, value: results.schemaVersion };
  if (results.kind !== 'run') return { field: 'results.kind', message: 'must be "run"', value: results.kind };
  if (!results.complete) return { field: 'results.complete', message: 'the run did not finish', value: results.complete };
  if (!/^run-[0-9a-f]{16}$/.test(results.runId))
    return { field: 'results.runId', message: 'must be "run-" and 16 hex digits, as kbench submit writes it', value: results.runId };
  for (const key of ['createdAt', 'updatedAt'] as const) {
    const problem = checkTime(results[key], `results.${key}`, now);
    if (problem !== null) return problem;
  }
  const from = Date.parse(results.createdAt);
  const to = Date.parse(results.updatedAt);
  if (to < from) return { field: 'results.updatedAt', message: 'is before createdAt', value: results.updatedAt };
  const host = results.host;
  if (host === null) return { field: 'results.host', message: 'is required' };
  if (host.logicalCpus > limits.MAX_CPUS) return { field: 'results.host.logicalCpus', message: `above ${limits.MAX_CPUS}`, value: host.logicalCpus };
  if (host.performanceCores + host.efficiencyCores > host.logicalCpus)
    return { field: 'results.host.performanceCores', message: 'performance + efficiency cores exceed the logical CPUs', value: host.performanceCores };
  if (host.memoryBytes > limits.MAX_HOST_MEMORY_BYTES)
    return { field: 'results.host.memoryBytes', message: `above ${limits.MAX_HOST_MEMORY_BYTES} bytes`, value: host.memoryBytes };
  if (roundMemoryBytes(host.memoryBytes) !== host.memoryBytes)
    return {
      field: 'results.host.memoryBytes',
      message: 'must be rounded to a size sold (8, 12, 16, 24 … GiB), as kbench submit writes it',
      value: host.memoryBytes,
    };
  const platform = platformProblem(host, results.targets);
  if (platform !== null) return platform;
  if (results.targets.length === 0) return { field: 'results.targets', message: 'a run with no targets has nothing to compare' };
  for (const os of new Set(results.targets.map((t) => t.guest.os))) {
    const variants = new Set(results.targets.filter((t) => t.guest.os === os).map((t) => t.guest.kernelVariant));
    if (variants.size < 2)
      return { field: 'results.targets', message: `guest ${os} has only the ${[...variants][0]} kernel: a bundle compares stock with custom`, value: os };
  }
  for (let i = 0; i < (results.hostLoad ?? []).length; i++) {
    const load = results.hostLoad![i]!;
    const field = `results.hostLoad[${i}].at`;
    const problem = checkSubmittedTime(load.at, field);
    if (problem !== null) return problem;
    const t = Date.parse(load.at);
    if (t < from || t > to) return { field, message: 'is outside the run (createdAt..updatedAt)', value: load.at };
  }
  if (results.targets.length > limits.MAX_TARGETS)
    return { field: 'results.targets', message: `more than ${limits.MAX_TARGETS} targets`, value: results.targets.length };
  let samples = 0;
  for (let t = 0; t < results.targets.length; t++) {
    const target = results.targets[t]!;
    const field = `results.targets[${t}]`;
    const guest = target.guest;
    if (guest.vcpus > limits.MAX_CPUS) return { field: `${field}.guest.vcpus`, message: `above ${limits.MAX_CPUS}`, value: guest.vcpus };
    if (guest.memoryBytes > limits.MAX_GUEST_MEMORY_BYTES)
      return { field: `${field}.guest.memoryBytes`, message: `above ${limits.MAX_GUEST_MEMORY_BYTES} bytes`, value: guest.memoryBytes };
    for (const record of ['zfsTunables', 'poolProperties', 'zfsImplementations'] as const)
      if (Object.keys(guest[record]).length > limits.MAX_RECORD_ENTRIES)
        return { field: `${field}.guest.${record}`, message: `more than ${limits.MAX_RECORD_ENTRIES} entries`, value: Object.keys(guest[record]).length };
    if (target.metrics.length > limits.MAX_METRICS_PER_TARGET)
      return { field: `${field}.metrics`, message: `more than ${limits.MAX_METRICS_PER_TARGET} metrics`, value: target.metrics.length };
    for (let m = 0; m < target.metrics.length; m++) {
      const metric = target.metrics[m]!;
      samples += metric.samples.length + metric.warmup.length;
      const problem = checkMetric(metric, `${field}.metrics[${m}]`, { from: from - 60_000, to: to + 60_000 });
      if (problem !== null) return problem;
    }
  }
  if (samples > limits.MAX_SAMPLES_PER_FILE)
    return { field: 'results.targets', message: `more than ${limits.MAX_SAMPLES_PER_FILE} samples in the file`, value: samples };
  return null;
}

function schemaProblem(error: z.ZodError, data: unknown): Problem {
  const issue = error.issues[0]!;
  let node: unknown = data;
  for (const part of issue.path) node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[part as string] : undefined;
  // zod names unknown keys in its message; the value would be the whole enclosing object.
  const showValue = node !== undefined && issue.code !== 'unrecognized_keys';
  return { field: formatFieldPath(issue.path), message: issue.message, ...(showValue ? { value: node } : {}) };
}

/** Validates the text of one submission. `now` bounds the times it may claim. */
export function checkSubmissionText(text: string, now: Date = new Date()): Checked {
  const parsed = parseJsonStrict(text, limits.JSON_LIMITS);
  if (!parsed.ok) return reject(parsed.error.field, describeJsonProblem(parsed.error, false));
  const data = parsed.value;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return reject('(top level)', 'must be a JSON object');
  const top = data as Record<string, unknown>;
  if (top.format !== SUBMISSION_FORMAT)
    return reject(
      'format',
      `must be "${SUBMISSION_FORMAT}"${top.format === 'kbench-results' ? ' (this is a results file: make a bundle with kbench submit)' : ''}`,
      top.format,
    );
  // A newer version is refused before the schema: its fields may legitimately look wrong to us.
  for (const [field, version, known] of [
    ['schemaVersion', top.schemaVersion, SUBMISSION_SCHEMA_VERSION],
    ['results.schemaVersion', (top.results as Record<string, unknown> | undefined)?.schemaVersion, RESULTS_SCHEMA_VERSION],
  ] as const)
    if (typeof version === 'number' && version > known)
      return reject(field, `version ${version} is newer than this kbench understands (${known}); upgrade kbench to ingest it`, version);
  if (top.schemaVersion === 1)
    return reject('schemaVersion', 'version 1 bundles are unsigned and keep exact times: make the bundle again with this kbench submit', 1);
  const schema = SubmissionBundle.safeParse(data);
  if (!schema.success) {
    const problem = schemaProblem(schema.error, data);
    return { ok: false, problem: { ...problem, field: problem.field } };
  }
  const bundle = schema.data;
  const textProblem = checkAllText(data);
  if (textProblem !== null) return { ok: false, problem: textProblem };
  const resultsProblem = checkResults(bundle.results, now);
  if (resultsProblem !== null) return { ok: false, problem: resultsProblem };
  const expected = canonicalJson(fingerprintOf(bundle.results.host!, bundle.results.kbenchVersion));
  if (canonicalJson(bundle.fingerprint) !== expected) return reject('fingerprint', "does not match results.host (the fingerprint must be the run's own)");
  const id = bundleId(bundle);
  if (id !== bundle.id)
    return reject('id', `is not the SHA-256 of the content (expected ${id.slice(0, 12)}…): the file was changed after kbench submit`, bundle.id);
  if (machineIdOfPublicKey(bundle.publicKey) !== bundle.machineId)
    return reject('machineId', "is not the one of the bundle's public key (a machine id is the hash of its signing key)", bundle.machineId);
  if (!verifyId(bundle.publicKey, bundle.id, bundle.signature))
    return reject('signature', "does not verify with the bundle's public key: the bundle was changed after kbench submit signed it");
  return { ok: true, bundle };
}

export type ReadOutcome = { ok: true; text: string; bytes: number } | { ok: false; problem: Problem };

/**
 * Reads one file for checking: refuses anything but a regular file (no symlink, device or
 * FIFO) and anything larger than the limit, both judged on the open descriptor before reading,
 * and bytes that are not UTF-8.
 */
export function readSubmissionFile(file: string, maxBytes = limits.MAX_SUBMISSION_BYTES): ReadOutcome {
  let fd: number;
  try {
    if (lstatSync(file).isSymbolicLink()) return { ok: false, problem: { field: '(file)', message: 'is a symbolic link; give the file itself' } };
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, problem: { field: '(file)', message: `cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})` } };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, problem: { field: '(file)', message: 'is not a regular file' } };
    if (stat.size > maxBytes)
      return { ok: false, problem: { field: '(file)', message: `is ${stat.size} bytes, more than the ${maxBytes}-byte limit for a submission` } };
    // Read at most one byte past the limit: a file that grows after fstat is still caught.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const got = readSync(fd, buffer, length, buffer.length - length, null);
      if (got === 0) break;
      length += got;
      // The buffer holds one byte more than the file had: filling it means the file grew.
      if (length === buffer.length) return { ok: false, problem: { field: '(file)', message: 'changed while being read' } };
    }
    try {
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buffer.subarray(0, length));
      return { ok: true, text, bytes: length };
    } catch {
      return { ok: false, problem: { field: '(file)', message: 'is not UTF-8 text' } };
    }
  } finally {
    closeSync(fd);
  }
}
