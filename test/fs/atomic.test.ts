import { mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTemps, writeFileAtomicSync } from '../../harness/fs/atomic.ts';
import { killHard, startWriter } from './children.ts';

const dir = () => mkdtempSync(path.join(tmpdir(), 'kb-atomic-'));
const litter = (folder: string) => readdirSync(folder).filter((name) => name.includes('kbench-tmp') || name.endsWith('.tmp'));

describe('atomic writes', () => {
  it('writes every byte of a large text and leaves no temp file', () => {
    const folder = dir();
    const file = path.join(folder, 'big.json');
    const text = `${'é'.repeat(3 * 1024 * 1024)}\n`;
    writeFileAtomicSync(file, text);
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(litter(folder)).toEqual([]);
  });

  it('removes its temp file when the rename fails (target is a folder) and says why in one line', () => {
    const folder = dir();
    mkdirSync(path.join(folder, 'baseline.json'));
    expect(() => writeFileAtomicSync(path.join(folder, 'baseline.json'), '{}')).toThrow(/baseline\.json: cannot write \(EISDIR\)$/);
    expect(litter(folder)).toEqual([]);
  });

  it('removes temp files of dead writers and very old ones, not those of live writers or other files', () => {
    const folder = dir();
    const file = path.join(folder, 'r.json');
    const dead = `.r.json.999999999.1.0.kbench-tmp`;
    const oldFormat = `.r.json.999999998.1700000000000.tmp`;
    const live = `.r.json.${process.ppid}.1.0.kbench-tmp`;
    const ancient = `.r.json.${process.ppid}.2.0.kbench-tmp`;
    const other = `.other.json.999999999.1.0.kbench-tmp`;
    for (const name of [dead, oldFormat, live, ancient, other]) writeFileSync(path.join(folder, name), 'partial');
    utimesSync(path.join(folder, ancient), new Date(0), new Date(0));
    expect(removeStaleTemps(file).sort()).toEqual([dead, oldFormat, ancient].sort());
    expect(readdirSync(folder).sort()).toEqual([live, other].sort());
  });

  it('kill -9 at random points in 50 writes: never a torn file, no litter after the next write', async () => {
    const folder = dir();
    const file = path.join(folder, 'results.json');
    const payload = 4 * 1024 * 1024;
    let torn = 0;
    let interrupted = 0;
    let litterAfterNextWrite = 0;
    let previous: ReturnType<typeof startWriter> | null = null;
    const rounds = 50;
    for (let round = 0; round < rounds; round++) {
      const writer = startWriter('loop', file, String(payload));
      // The first write of each writer follows a kill: it must have cleaned what the kill left.
      const first = await writer.waitFor(/^wrote 1 /);
      if (previous !== null) litterAfterNextWrite += Number(/litter (\d+)/.exec(first)![1]);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 120));
      await killHard(writer);
      previous = writer;
      if (litter(folder).length > 0) interrupted++;
      const text = readFileSync(file, 'utf8');
      try {
        const data = JSON.parse(text) as { length: number; payload: string };
        if (data.payload.length !== data.length || data.length !== payload) torn++;
      } catch {
        torn++;
      }
    }
    writeFileAtomicSync(file, 'final');
    const left = litter(folder);
    console.log(
      `kill -9: ${rounds} rounds, ${interrupted} killed mid-write (temp file left), ${torn} torn files, ` +
        `${litterAfterNextWrite} temp files left after the next write, ${left.length} after the final write`,
    );
    expect(torn).toBe(0);
    expect(litterAfterNextWrite).toBe(0);
    expect(left).toEqual([]);
    // The random kills must really hit writes in progress, or the test proves nothing.
    expect(interrupted).toBeGreaterThan(5);
  }, 300_000);
});
