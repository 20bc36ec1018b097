/**
 * This machine's id for the community report: 128 random bits made on first use and kept in
 * ~/.local/share/kbench/machine-id. Random, not derived from a serial number or MAC, so it
 * identifies "the same machine as before" and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { machineIdFile } from '../db/paths.ts';

const MACHINE_ID = /^[0-9a-f]{32}$/;

export function machineId(file: string = machineIdFile()): string {
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (MACHINE_ID.test(existing)) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = randomBytes(16).toString('hex');
  mkdirSync(path.dirname(file), { recursive: true });
  // 'wx': two kbench processes starting at once keep the first id, not the last.
  try {
    writeFileSync(file, `${id}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = readFileSync(file, 'utf8').trim();
    if (MACHINE_ID.test(raced)) return raced;
    writeFileSync(file, `${id}\n`, { mode: 0o600 });
  }
  return id;
}
