/**
 * The results migration hook (harness/results/migrations.ts) on a real version-1 file:
 * test/fixtures/results/testbed-icount-idle-run.json (schemaVersion 1), the idle main-job run
 * recorded on this repository's 2-core x86_64 Debian 12 host on 2026-12-03 (`kbench run`, debian-testbed on qemu
 * TCG, 3 boots per kernel, quick suite; one of the three runs baseline.json was re-measured from).
 * It is kept byte for byte as recorded.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrateResults, RESULTS_MIGRATIONS, type ResultsMigration } from '../../harness/results/migrations.ts';
import { RESULTS_SCHEMA_VERSION, ResultsFile } from '../../harness/results/schema.ts';
import { loadResults, parseResults } from '../../harness/results/store.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/results/testbed-icount-idle-run.json');
const text = readFileSync(fixture, 'utf8');

function thrown(action: () => unknown): Error & { exitCode?: number } {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

describe('results schema versions', () => {
  it('the fixture is a real version-1 run and reads unchanged at the current version', async () => {
    const raw = JSON.parse(text) as Record<string, unknown>;
    expect(raw.schemaVersion).toBe(1);
    expect(RESULTS_SCHEMA_VERSION).toBe(1);
    const results = await loadResults(fixture);
    expect(results).toEqual(raw);
    expect(results.targets.map((t) => t.id)).toEqual(['debian/stock', 'debian/custom']);
  });

  it('every version before the current one has its step: the chain is complete', () => {
    for (let from = 1; from < RESULTS_SCHEMA_VERSION; from++) expect(Object.hasOwn(RESULTS_MIGRATIONS, from), `step ${from} -> ${from + 1}`).toBe(true);
  });

  it('applies the steps in order, before the schema, on the real v1 file (a synthetic version 3)', () => {
    const seen: number[] = [];
    // v1 -> v2 renames runId to id; v2 -> v3 adds a field. Both pure: the input is frozen.
    const chain: Record<number, ResultsMigration> = {
      1: (d) => {
        seen.push(d.schemaVersion as number);
        const { runId, ...rest } = d;
        return { ...rest, id: runId };
      },
      2: (d) => {
        seen.push(d.schemaVersion as number);
        return { ...d, migratedBy: 'test' };
      },
    };
    const v1 = Object.freeze(JSON.parse(text) as Record<string, unknown>);
    const migrated = migrateResults(v1, 'run.json', 3, chain) as Record<string, unknown>;
    expect(seen).toEqual([1, 2]);
    expect(migrated.schemaVersion).toBe(3);
    expect(migrated.id).toBe(v1.runId);
    expect('runId' in migrated).toBe(false);
    expect(migrated.migratedBy).toBe('test');
    expect(v1.schemaVersion).toBe(1);
    // Undoing the synthetic steps gives back a file the real schema accepts as it was.
    const { id, migratedBy: _, ...rest } = migrated;
    expect(ResultsFile.parse({ ...rest, runId: id, schemaVersion: 1 })).toEqual(JSON.parse(text));
  });

  it('a missing step is a bug of kbench, not bad input', () => {
    expect(() => migrateResults(JSON.parse(text), 'run.json', 2, {})).toThrow('results migrations: no step from version 1 to 2');
  });

  it('refuses a version newer than it knows with one line, exit 2, before the schema looks', async () => {
    const future = { ...(JSON.parse(text) as Record<string, unknown>), schemaVersion: RESULTS_SCHEMA_VERSION + 1, someNewField: { shape: 'unknown to us' } };
    const error = thrown(() => parseResults(JSON.stringify(future), 'future.json'));
    expect(error.message).toBe(
      `future.json: field schemaVersion: version ${RESULTS_SCHEMA_VERSION + 1} is newer than this kbench understands (${RESULTS_SCHEMA_VERSION}); upgrade kbench`,
    );
    expect(error.exitCode).toBe(2);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'kb-migrate-')), 'future.json');
    writeFileSync(file, JSON.stringify(future));
    await expect(loadResults(file)).rejects.toThrow(/is newer than this kbench understands/);
  });

  it('a version that is not a whole positive number is left to the schema to name', () => {
    for (const bad of [0, 1.5, '1', null]) {
      const data = { ...(JSON.parse(text) as Record<string, unknown>), schemaVersion: bad };
      expect(migrateResults(data, 'r.json')).toBe(data);
      expect(() => parseResults(JSON.stringify(data), 'r.json')).toThrow(/^r\.json: field schemaVersion: /);
    }
  });
});
