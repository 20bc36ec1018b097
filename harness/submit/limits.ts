/**
 * How big and how extreme a submission may be. Every bound is far beyond what a real run
 * produces (a --full adaptive run of every workload on five guests is under 2 MB and 20 000
 * samples) and far below what would hurt the database or a report.
 */
import type { Unit } from '../results/schema.ts';
import type { JsonLimits } from '../fs/json.ts';

/** Checked with stat before a byte is read: twice the largest bundle a --full run of every guest makes. */
export const MAX_SUBMISSION_BYTES = 4 * 1024 * 1024;
/** One `kbench ingest` reads at most this much and this many files: a folder of huge bundles cannot exhaust memory. */
export const MAX_INGEST_BYTES = 64 * 1024 * 1024;
export const MAX_INGEST_FILES = 1000;

export const JSON_LIMITS: JsonLimits = { maxDepth: 32, maxStringLength: 4096, maxItems: 20_000 };

/** Longest free-text value kept (failure reasons included). */
export const MAX_TEXT_LENGTH = 2048;
export const MAX_TARGETS = 10;
export const MAX_METRICS_PER_TARGET = 200;
export const MAX_SAMPLES_PER_METRIC = 10_000;
export const MAX_SAMPLES_PER_FILE = 100_000;
export const MAX_BOOT_INDEX = 1000;
export const MAX_RECORD_ENTRIES = 256;
export const MAX_HOST_MEMORY_BYTES = 2 ** 46; // 64 TiB
export const MAX_GUEST_MEMORY_BYTES = 2 ** 44; // 16 TiB
export const MAX_CPUS = 1024;
/** No kbench run existed before this; a later "at" than now + a day is a wrong clock or a forgery. */
export const EARLIEST_TIME = Date.parse('2024-01-01T00:00:00Z');
export const CLOCK_SKEW_MS = 24 * 3600 * 1000;

export interface UnitRule {
  /** The last part of a metric id that names this unit ("zfs.scrub.seconds"). */
  suffixes: readonly string[];
  direction: 'lower' | 'higher' | 'either';
  /** Largest believable value. */
  max: number;
  /** Rates are never 0: a workload that moved nothing failed, and is recorded as a failure. */
  positive: boolean;
}

const WEEK_SECONDS = 7 * 86400;

export const UNIT_RULES: Record<Unit, UnitRule> = {
  s: { suffixes: ['seconds'], direction: 'lower', max: WEEK_SECONDS, positive: false },
  ms: { suffixes: ['ms'], direction: 'lower', max: WEEK_SECONDS * 1000, positive: false },
  B: { suffixes: ['bytes'], direction: 'lower', max: 2 ** 50, positive: false },
  MiB: { suffixes: ['mib'], direction: 'lower', max: 2 ** 30, positive: false },
  // 1 TB/s: ten times the fastest checksum an M-series core does.
  'B/s': { suffixes: ['bytes_per_s'], direction: 'higher', max: 1e12, positive: true },
  'MB/s': { suffixes: ['mb_per_s'], direction: 'higher', max: 1e6, positive: true },
  'MiB/s': { suffixes: ['mib_per_s'], direction: 'higher', max: 1e6, positive: true },
  'ops/s': { suffixes: ['per_s'], direction: 'higher', max: 1e8, positive: true },
  count: { suffixes: ['count'], direction: 'either', max: 1e12, positive: false },
};

/** The unit a metric id's last part names, or null: "…bytes_per_s" is B/s before "…per_s" is ops/s. */
export function unitForMetricId(metricId: string): Unit | null {
  const last = metricId.slice(metricId.lastIndexOf('.') + 1);
  const entries = Object.entries(UNIT_RULES) as [Unit, UnitRule][];
  const exact = entries.find(([, rule]) => rule.suffixes.includes(last));
  if (exact !== undefined) return exact[0];
  const bySuffix = entries
    .flatMap(([unit, rule]) => rule.suffixes.map((suffix) => ({ unit, suffix })))
    .filter(({ suffix }) => last.endsWith(`_${suffix}`))
    .sort((a, b) => b.suffix.length - a.suffix.length);
  return bySuffix[0]?.unit ?? null;
}
