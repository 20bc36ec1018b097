/** Typed access to the scipy-generated table (see generate-reference.py). */
import { readFileSync } from 'node:fs';

export interface MannWhitneyReferenceCase {
  name: string;
  x: number[];
  y: number[];
  u: number;
  p: number;
  method: 'exact' | 'normal';
}

export interface ReferenceTable {
  comment: string;
  scipyVersion: string;
  mannWhitney: MannWhitneyReferenceCase[];
  normalSurvival: { z: number; sf: number }[];
  descriptive: { xs: number[]; median: number; mad: number }[];
}

export const reference = JSON.parse(
  readFileSync(new URL('./mannwhitney-reference.json', import.meta.url), 'utf8'),
) as ReferenceTable;
