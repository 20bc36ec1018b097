/**
 * The submission bundle: one run's results plus the host fingerprint, anonymized, with the
 * SHA-256 of its canonical content as its id (the same numbers always get the same id, so a
 * bundle sent twice is recognised as one). Pure: the caller supplies identity, machine id and clock.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { Acceleration, ResultsFile, type HostFingerprint } from '../results/schema.ts';
import { neutralizeText, scrubText, type LocalIdentity } from './identifying.ts';

export const SUBMISSION_FORMAT = 'kbench-submission';
export const SUBMISSION_SCHEMA_VERSION = 1;

/** Apple M-series generations the community report tells apart; every other CPU is "other". */
export const CHIP_CLASSES = ['M1', 'M2', 'M3', 'M4', 'M5', 'other'] as const;
export const ChipClass = z.enum(CHIP_CLASSES);
export type ChipClass = z.infer<typeof ChipClass>;

/** "Apple M2 Pro" -> M2; "AMD EPYC" -> other. */
export function chipClassOf(chip: string): ChipClass {
  const match = /\bApple M([1-5])\b/i.exec(chip);
  return match === null ? 'other' : (`M${match[1]}` as ChipClass);
}

const hex = (digits: number) => z.string().regex(new RegExp(`^[0-9a-f]{${digits}}$`), `must be ${digits} lowercase hex digits`);

export const SubmissionFingerprint = z.strictObject({
  chip: z.string(),
  chipClass: ChipClass,
  modelId: z.string(),
  arch: z.string().min(1),
  performanceCores: z.number().int().nonnegative(),
  efficiencyCores: z.number().int().nonnegative(),
  logicalCpus: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  os: z.string().min(1),
  osVersion: z.string(),
  hypervisor: z.enum(['qemu', 'lima', 'none']),
  acceleration: Acceleration,
  /** The kbench version that made the run. */
  kbenchVersion: z.string(),
});
export type SubmissionFingerprint = z.infer<typeof SubmissionFingerprint>;

export const SubmissionBundle = z.strictObject({
  format: z.literal(SUBMISSION_FORMAT),
  schemaVersion: z.literal(SUBMISSION_SCHEMA_VERSION),
  /** SHA-256 of the canonical JSON of every other field. */
  id: hex(64),
  /** The kbench version that made the bundle. */
  submittedWith: z.string(),
  /**
   * A random number made once per machine (kept in ~/.local/share/kbench/machine-id), never
   * derived from hardware: it lets the community report count machines, not runs, and says
   * nothing about the machine. Deleting the file makes a new one.
   */
  machineId: hex(32),
  fingerprint: SubmissionFingerprint,
  results: ResultsFile,
});
export type SubmissionBundle = z.infer<typeof SubmissionBundle>;

/** JSON with object keys sorted at every level: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const sorted: Record<string, unknown> = {};
    // defineProperty, not assignment: a "__proto__" key stays a key instead of becoming the prototype.
    for (const key of Object.keys(node).sort())
      Object.defineProperty(sorted, key, { value: (node as Record<string, unknown>)[key], enumerable: true, writable: true, configurable: true });
    return sorted;
  });
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The id a bundle must carry: the hash of everything but the id. */
export function bundleId(bundle: Omit<SubmissionBundle, 'id'> & { id?: string }): string {
  const { id: _id, ...content } = bundle;
  return sha256Hex(canonicalJson(content));
}

export function fingerprintOf(host: HostFingerprint, kbenchVersion: string): SubmissionFingerprint {
  return {
    chip: host.chip,
    chipClass: chipClassOf(host.chip),
    modelId: host.modelId,
    arch: host.arch,
    performanceCores: host.performanceCores,
    efficiencyCores: host.efficiencyCores,
    logicalCpus: host.logicalCpus,
    memoryBytes: host.memoryBytes,
    os: host.os,
    osVersion: host.osVersion,
    hypervisor: host.hypervisor,
    acceleration: host.acceleration,
    kbenchVersion,
  };
}

/** Every string value and object key scrubbed; file paths cut to their last part first. */
function scrubDeep(value: unknown, identity: LocalIdentity, key = ''): unknown {
  if (typeof value === 'string') return neutralizeText(scrubText(key === 'file' ? path.basename(value) : value, identity));
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, identity));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [neutralizeText(scrubText(k, identity)), scrubDeep(v, identity, k)]),
    );
  return value;
}

export interface BundleInput {
  results: ResultsFile;
  machineId: string;
  identity: LocalIdentity;
  submittedWith: string;
}

/**
 * Why a run cannot be submitted, or null. Only finished runs with a host: an interrupted run's
 * numbers would sit in the community report as if they were complete.
 */
export function unsubmittable(results: ResultsFile): { field: string; message: string } | null {
  if (results.kind !== 'run') return { field: 'kind', message: 'only a run can be submitted, not a baseline' };
  if (!results.complete) return { field: 'complete', message: 'the run did not finish (resume it with kbench run --resume first)' };
  if (results.host === null) return { field: 'host', message: 'the run has no host fingerprint' };
  if (results.targets.length === 0) return { field: 'targets', message: 'the run has no targets' };
  return null;
}

export function buildBundle(input: BundleInput): SubmissionBundle {
  const problem = unsubmittable(input.results);
  if (problem !== null) throw new Error(`${problem.field}: ${problem.message}`);
  const results = ResultsFile.parse(scrubDeep(input.results, input.identity));
  const content = {
    format: SUBMISSION_FORMAT,
    schemaVersion: SUBMISSION_SCHEMA_VERSION,
    submittedWith: input.submittedWith,
    machineId: input.machineId,
    fingerprint: fingerprintOf(results.host!, results.kbenchVersion),
    results,
  } as const;
  return { ...content, id: bundleId(content) };
}
