/**
 * The submission bundle: one run's results plus the host fingerprint, anonymized, with the
 * SHA-256 of its canonical content as its id (the same numbers always get the same id, so a
 * bundle sent twice is recognised as one). Pure: the caller supplies identity, machine id and clock.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors/index.ts';
import { formatFieldPath } from '../results/store.ts';
import { Acceleration, ResultsFile, type HostFingerprint } from '../results/schema.ts';
import { findIdentifying, neutralizeText, scrubPatterns, scrubText, type LocalIdentity } from './identifying.ts';
import { signId, type MachineKey } from './signing.ts';

export const SUBMISSION_FORMAT = 'kbench-submission';
/** 2: signed (publicKey, signature), machine id from the key, times to the hour, RAM rounded. */
export const SUBMISSION_SCHEMA_VERSION = 2;

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
   * The first 32 hex digits of the SHA-256 of `publicKey`: a random key made once per machine
   * (submit/signing.ts), never derived from hardware. It lets the community report count
   * machines, not runs, and says nothing about the machine.
   */
  machineId: hex(32),
  /** Base64 DER (SPKI) of the machine's Ed25519 public key. */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{59}=$/, 'must be a base64 Ed25519 public key'),
  /** Base64 Ed25519 signature of `id` by that key; not part of the id. */
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 Ed25519 signature'),
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

/** The id a bundle must carry: the hash of everything but the id and the signature. */
export function bundleId(bundle: Omit<SubmissionBundle, 'id' | 'signature'> & { id?: string; signature?: string }): string {
  const { id: _id, signature: _signature, ...content } = bundle;
  return sha256Hex(canonicalJson(content));
}

/** A time floored to its hour, in UTC ("2026-11-25T21:00:00.000Z"): minutes and milliseconds say when someone was at their desk. */
export function toHour(iso: string): string {
  const t = new Date(Date.parse(iso));
  t.setUTCMinutes(0, 0, 0);
  return t.toISOString();
}

const GIB = 1024 ** 3;
/**
 * RAM as the nearest size sold (2^k or 1.5 x 2^k GiB: 8, 12, 16, 24, 32, 48 …): the exact byte
 * count a kernel reports differs between machines of one model and would tell them apart.
 */
export function roundMemoryBytes(bytes: number): number {
  const unit = bytes >= GIB ? GIB : 1024 ** 2;
  const x = bytes / unit;
  const k = Math.floor(Math.log2(Math.max(x, 1)));
  const candidates = [2 ** k, 1.5 * 2 ** k, 2 ** (k + 1)];
  const best = candidates.reduce((a, b) => (Math.abs(Math.log(b / x)) < Math.abs(Math.log(a / x)) ? b : a));
  return Math.round(best * unit);
}

/**
 * The identity of a run's measurements, independent of who sends them: the samples (value,
 * boot, hour) of every target's metrics with the kernels they ran on, and the hour the run
 * began. The same run sent under another machine id has the same content id, and is a
 * duplicate; machine id, run id, names and free text are not part of it.
 */
export function contentIdOf(results: ResultsFile): string {
  return sha256Hex(
    canonicalJson({
      createdAt: toHour(results.createdAt),
      targets: results.targets.map((t) => ({
        id: t.id,
        kernelRelease: t.guest.kernelRelease,
        kernelConfigSha256: t.guest.kernelConfigSha256,
        metrics: t.metrics.map((m) => ({ id: m.id, samples: m.samples.map((s) => [s.value, s.boot, toHour(s.at)]) })),
      })),
    }),
  );
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

/**
 * Keys whose strings are ids, enums, hashes or times, validated by the schema: the scrubber never
 * touches them (rewriting "debian/stock" because a host is called "stock" broke the bundle).
 */
const STRUCTURAL_KEYS = new Set([
  'format',
  'kind',
  'id',
  'os',
  'kernelVariant',
  'unit',
  'direction',
  'timing',
  'scratch',
  'backend',
  'kernels',
  'workloads',
  'completedUnits',
  'runId',
  'at',
  'createdAt',
  'updatedAt',
  'kernelConfigSha256',
  'variant',
  'arch',
  'hypervisor',
  'acceleration',
  'kbenchVersion',
  'calibration',
]);

/** Prose a person or a tool wrote, where a host or user name can appear: names and patterns are scrubbed. */
const PROSE_KEYS = new Set(['reason', 'osVersion', 'target', 'suite', 'file']);

/**
 * Kbench's own vocabulary for this run: a host or user called "zfs", "stock" or "fastest" is
 * not scrubbed by name (the word is everywhere in kbench's own text and names nobody); the
 * patterns still apply.
 */
function ordinaryWords(results: ResultsFile): Set<string> {
  const words = new Set([
    'stock',
    'custom',
    'zfs',
    'pool',
    'scrub',
    'boot',
    'guest',
    'host',
    'kernel',
    'fastest',
    'cycle',
    'scalar',
    'generic',
    'seconds',
    'bytes',
    'default',
    'testbed',
    'qemu',
    'lima',
    'linux',
    'macos',
    'darwin',
    'apple',
    'intel',
    'amd',
    'epyc',
    'arm64',
    'aarch64',
    'x86_64',
    'amd64',
  ]);
  const add = (text: string) => {
    for (const part of text.toLowerCase().split(/[^a-z0-9_]+/)) if (part.length > 0) words.add(part);
  };
  for (const target of results.targets) {
    add(target.id);
    for (const metric of target.metrics) add(metric.id);
    for (const record of [target.guest.zfsTunables, target.guest.poolProperties, target.guest.zfsImplementations])
      for (const [key, value] of Object.entries(record)) {
        add(key);
        add(value);
      }
  }
  for (const workload of results.settings?.workloads ?? []) add(workload);
  for (const key of Object.keys(results.settings?.iterations ?? {})) add(key);
  return words;
}

/**
 * Every free-text string scrubbed (patterns everywhere; host and user names in prose only),
 * structural fields left exactly as they were; file paths cut to their last part first.
 */
function scrubDeep(value: unknown, identity: LocalIdentity, key = ''): unknown {
  if (typeof value === 'string') {
    if (STRUCTURAL_KEYS.has(key)) return value;
    const text = key === 'file' ? path.basename(value) : value;
    return neutralizeText(PROSE_KEYS.has(key) ? scrubText(text, identity) : scrubPatterns(text));
  }
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, identity, key));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [STRUCTURAL_KEYS.has(key) ? k : neutralizeText(scrubPatterns(k)), scrubDeep(v, identity, k)]),
    );
  return value;
}

/** Every time in the run floored to its hour, as UTC. */
function coarsenTimes(results: ResultsFile): void {
  results.createdAt = toHour(results.createdAt);
  results.updatedAt = toHour(results.updatedAt);
  for (const load of results.hostLoad ?? []) load.at = toHour(load.at);
  for (const target of results.targets)
    for (const metric of target.metrics) for (const entry of [...metric.samples, ...metric.warmup, ...metric.failures]) entry.at = toHour(entry.at);
}

export interface BundleInput {
  results: ResultsFile;
  key: MachineKey;
  identity: LocalIdentity;
  submittedWith: string;
}

/**
 * Why a run cannot be submitted, or null. Only finished runs with a host, measuring both
 * kernels of every guest: an interrupted run's numbers would sit in the community report as if
 * they were complete, and a one-sided run has no speedup to give.
 */
export function unsubmittable(results: ResultsFile): { field: string; message: string } | null {
  if (results.kind !== 'run') return { field: 'kind', message: 'only a run can be submitted, not a baseline' };
  if (!results.complete) return { field: 'complete', message: 'the run did not finish (resume it with kbench run --resume first)' };
  if (results.host === null) return { field: 'host', message: 'the run has no host fingerprint' };
  if (results.targets.length === 0) return { field: 'targets', message: 'the run has no targets' };
  for (const os of new Set(results.targets.map((t) => t.guest.os))) {
    const variants = new Set(results.targets.filter((t) => t.guest.os === os).map((t) => t.guest.kernelVariant));
    if (variants.size < 2)
      return {
        field: 'targets',
        message: `guest ${os} ran only the ${[...variants][0]} kernel: the community compares stock with custom, run both (--kernels stock,custom)`,
      };
  }
  return null;
}

/** Free text still failing ingest's check after scrubbing is replaced whole: submit never refuses what the user cannot change. */
function removeLeftovers(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return STRUCTURAL_KEYS.has(key) || findIdentifying(value) === null ? value : '[removed]';
  if (Array.isArray(value)) return value.map((item) => removeLeftovers(item, key));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, removeLeftovers(v, k)]));
  return value;
}

export function buildBundle(input: BundleInput): SubmissionBundle {
  const problem = unsubmittable(input.results);
  if (problem !== null) throw new InputError(`${problem.field}: ${problem.message}`);
  const identity: LocalIdentity = { ...input.identity, ordinaryWords: ordinaryWords(input.results) };
  const scrubbed = removeLeftovers(scrubDeep(structuredClone(input.results), identity)) as ResultsFile;
  // The run id is the target name and the start time to the millisecond: replaced by a hash of it.
  scrubbed.runId = `run-${sha256Hex(input.results.runId).slice(0, 16)}`;
  coarsenTimes(scrubbed);
  scrubbed.host = { ...scrubbed.host!, memoryBytes: roundMemoryBytes(scrubbed.host!.memoryBytes) };
  const parsed = ResultsFile.safeParse(scrubbed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`field results.${formatFieldPath(issue.path)}: ${issue.message} (after removing identifying text)`);
  }
  const results = parsed.data;
  const content = {
    format: SUBMISSION_FORMAT,
    schemaVersion: SUBMISSION_SCHEMA_VERSION,
    submittedWith: input.submittedWith,
    machineId: input.key.machineId,
    publicKey: input.key.publicKey,
    fingerprint: fingerprintOf(results.host!, results.kbenchVersion),
    results,
  } as const;
  const id = bundleId(content);
  return { ...content, id, signature: signId(input.key, id) };
}
