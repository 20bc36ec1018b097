/** Typed access to the scipy-generated table (see generate-reference.py). */
import { readFileSync } from 'node:fs';

export interface ReferenceTable {
  comment: string;
  scipyVersion: string;
  normalSurvival: { z: number; sf: number }[];
  descriptive: { xs: number[]; median: number; mad: number }[];
}

export const reference = JSON.parse(readFileSync(new URL('./scipy-reference.json', import.meta.url), 'utf8')) as ReferenceTable;
