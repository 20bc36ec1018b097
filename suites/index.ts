import { InputError } from '../harness/errors/index.ts';
import type { Workload } from './types.ts';
import { zfsSuite } from './zfs/index.ts';

export const SUITES: Record<string, Workload[]> = { zfs: zfsSuite };

export function getSuite(name: string): Workload[] {
  const suite = SUITES[name];
  if (suite === undefined) throw new InputError(`--suite: unknown suite "${name}" (known: ${Object.keys(SUITES).join(', ')})`);
  return suite;
}

/** Every metric id the suite can produce, in order. */
export function metricIds(suite: Workload[]): string[] {
  return suite.flatMap((workload) => workload.metrics.map((metric) => metric.id));
}
