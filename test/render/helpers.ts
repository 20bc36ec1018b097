import { readFileSync } from 'node:fs';
import { parseResults, type ResultsFile } from '../../harness/results/index.ts';
import { syntheticRun } from '../fixtures/results/synthetic.ts';

export const FIXTURES = new URL('../fixtures/results/', import.meta.url);
export const fixturePath = (name: string): string => new URL(name, FIXTURES).pathname;
export const loadFixture = (name: string): ResultsFile => parseResults(readFileSync(new URL(name, FIXTURES), 'utf8'), name);

/** Twelve daily runs; from run 7 on, the custom kernel's scrub is 20% slower. */
export function scrubStepHistory(): ResultsFile[] {
  return Array.from({ length: 12 }, (_, i) =>
    syntheticRun({
      runId: `history-${String(i).padStart(2, '0')}`,
      createdAt: new Date(Date.UTC(2026, 9, 1 + i, 9)).toISOString(),
      seed: 1000 + i,
      shifts: i >= 7 ? [{ target: 'debian/custom', metric: 'zfs.scrub.seconds', factor: 1.2 }] : [],
    }),
  );
}

export const GENERATED_AT = '2026-11-25T12:00:00.000Z';
