import { InputError } from '../harness/errors/index.ts';
import type { Workload } from './types.ts';
import { zfsSuite } from './zfs/index.ts';

export const SUITES: Record<string, Workload[]> = { zfs: zfsSuite };

export function getSuite(name: string): Workload[] {
  const suite = SUITES[name];
  if (suite === undefined) throw new InputError(`--suite: unknown suite "${name}" (known: ${Object.keys(SUITES).join(', ')})`);
  return suite;
}

/** The suite, or only the named workloads of it, in suite order. */
export function selectWorkloads(suiteName: string, only: string[] | null): Workload[] {
  const suite = getSuite(suiteName);
  if (only === null) return suite;
  const known = new Set(suite.map((workload) => workload.id));
  for (const id of only) if (!known.has(id)) throw new InputError(`--only: unknown workload "${id}" in suite ${suiteName} (known: ${[...known].join(', ')})`);
  return suite.filter((workload) => only.includes(workload.id));
}

/** Every metric id the suite can produce, in order. */
export function metricIds(suite: Workload[]): string[] {
  return suite.flatMap((workload) => workload.metrics.map((metric) => metric.id));
}
