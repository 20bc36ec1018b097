/** The database: migrations, one transaction per command, history queries, the run/baseline hook. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { KbenchDb, localRunId } from '../../harness/db/index.ts';
import { LATEST_SCHEMA_VERSION } from '../../harness/db/migrations.ts';
import { recordRunsInDb } from '../../harness/db/record.ts';
import { historyFromDb } from '../../harness/history/db.ts';
import { parseResults } from '../../harness/results/store.ts';
import { contentIdOf } from '../../harness/submit/bundle.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/results');
const load = (name: string) => parseResults(readFileSync(path.join(FIXTURES, name), 'utf8'), name);
const temp = () => mkdtempSync(path.join(tmpdir(), 'kbench-db-'));

describe('KbenchDb', () => {
  it('creates the schema at the latest version and refuses a newer or foreign database', () => {
    const file = path.join(temp(), 'k.db');
    KbenchDb.open(file).close();
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => KbenchDb.open(file)).toThrow(/schema 99 is newer than this kbench understands/);
    const foreign = path.join(temp(), 'f.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(() => KbenchDb.open(foreign)).toThrow(/not a kbench database/);
    expect(() => KbenchDb.open(path.join(temp(), 'missing.db'), { readonly: true })).toThrow(/no kbench database here/);
  });

  it('inserts runs with their samples in one transaction, skips known ids, and reads them back identical', () => {
    const db = KbenchDb.open(path.join(temp(), 'k.db'));
    const run = load('testbed-run.json');
    const record = { id: localRunId(run), origin: 'run' as const, machineId: 'a'.repeat(32), source: 'testbed-run.json', results: run };
    expect(db.insertRuns([record])).toEqual({ inserted: [record.id], duplicates: [] });
    expect(db.insertRuns([record])).toEqual({ inserted: [], duplicates: [record.id] });
    const [stored] = db.runs();
    expect(stored!.results).toEqual(run);
    expect(stored!.fingerprint.chipClass).toBe('other');
    const samples = run.targets.reduce((n, t) => n + t.metrics.reduce((m, x) => m + x.samples.length, 0), 0);
    expect(db.counts()).toEqual({ runs: 1, submissions: 0, machines: 1, samples });
    db.close();
  });

  it('rolls back the whole command when one run fails to insert', () => {
    const file = path.join(temp(), 'k.db');
    const db = KbenchDb.open(file);
    const run = load('debian-run-1.json');
    const good = { id: localRunId(run), origin: 'run' as const, machineId: 'a'.repeat(32), source: 'a', results: run };
    const bad = { ...good, id: 'short' }; // violates CHECK (length(id) = 64)
    expect(() => db.insertRuns([good, bad])).toThrow();
    expect(db.counts().runs).toBe(0);
    db.close();
  });
});

describe('schema 2', () => {
  it('migrates a schema-1 database: every stored run gets its content id from its document', () => {
    const file = path.join(temp(), 'k.db');
    const db = KbenchDb.open(file);
    const run = load('testbed-run.json');
    db.insertRuns([{ id: localRunId(run), origin: 'run', machineId: 'a'.repeat(32), source: 'r.json', results: run }]);
    expect(db.byContent(contentIdOf(run))).toEqual({ id: localRunId(run), machineId: 'a'.repeat(32) });
    db.close();
    // Back to what schema 1 had: no content id, no public key.
    const raw = new Database(file);
    raw.exec('DROP INDEX runs_by_content; ALTER TABLE runs DROP COLUMN content_id; ALTER TABLE runs DROP COLUMN public_key; PRAGMA user_version = 1');
    raw.close();
    const migrated = KbenchDb.open(file);
    expect(migrated.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(migrated.byContent(contentIdOf(run))?.id).toBe(localRunId(run));
    migrated.close();
  });
});

describe('history from the database', () => {
  it('kbench run and baseline update record runs; the report history is a query of them', () => {
    const dir = temp();
    const file = path.join(dir, 'k.db');
    const warnings: string[] = [];
    const run1 = load('debian-run-1.json');
    const run2 = load('debian-run-2-regression.json');
    recordRunsInDb([{ file: 'runs/1.json', results: run1 }], { db: file, warn: (l) => warnings.push(l) });
    recordRunsInDb(
      [
        { file: 'runs/1.json', results: run1 },
        { file: 'runs/2.json', results: run2 },
      ],
      { db: file, baselineFile: path.join(dir, 'baseline.json'), warn: (l) => warnings.push(l) },
    );
    expect(warnings).toEqual([]);
    const history = historyFromDb(file, [run2]);
    expect(history.map((r) => r.runId)).toEqual([run1.runId, run2.runId]);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM baselines').get()).toEqual({ n: 2 });
    raw.close();
  });

  it('a database problem is one warning, never a failed run', () => {
    const dir = temp();
    const notADir = path.join(dir, 'file');
    writeFileSync(notADir, 'x');
    const warnings: string[] = [];
    recordRunsInDb([{ file: 'r.json', results: load('debian-run-1.json') }], { db: path.join(notADir, 'k.db'), warn: (l) => warnings.push(l) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^kbench: warning: not recorded in the database .*k\.db: /);
  });
});
