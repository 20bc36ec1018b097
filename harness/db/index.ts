/**
 * kbench's embedded database (SQLite through better-sqlite3): every local run and every
 * ingested submission, so history, trends and the community report are queries. Writes happen
 * only in insertRuns/recordBaseline, each one transaction: a command writes everything or nothing.
 * Rows read back are validated with the results schema: a database file is input like any other.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InputError, KbenchError } from '../errors/index.ts';
import { ResultsFile } from '../results/schema.ts';
import { formatFieldPath } from '../results/store.ts';
import { canonicalJson, ChipClass, fingerprintOf, sha256Hex, type SubmissionFingerprint } from '../submit/bundle.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';

export type Origin = 'submission' | 'run';

export interface RunRecord {
  /** SHA-256 of the content: the bundle id for a submission, of the results file for a local run. */
  id: string;
  origin: Origin;
  machineId: string;
  source: string;
  results: ResultsFile;
}

export interface StoredRun extends RunRecord {
  fingerprint: SubmissionFingerprint;
  recordedAt: string;
}

/** The id of a local run: the hash of its results file's canonical JSON. */
export const localRunId = (results: ResultsFile): string => sha256Hex(canonicalJson(results));

export interface OpenOptions {
  /** Open an existing database for reading only; never creates or migrates. */
  readonly?: boolean;
}

export class KbenchDb {
  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
  ) {}

  static open(file: string, options: OpenOptions = {}): KbenchDb {
    if (options.readonly && !existsSync(file))
      throw new InputError(`${file}: no kbench database here (kbench ingest or kbench run creates it; or pass --db)`);
    let db: Database.Database;
    try {
      if (!options.readonly) mkdirSync(path.dirname(file), { recursive: true });
      db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
      db.pragma('foreign_keys = ON');
      // Waits for another kbench writing at the same time instead of failing at once.
      db.pragma('busy_timeout = 5000');
    } catch (error) {
      throw new InputError(`${file}: cannot open the database (${(error as Error).message})`);
    }
    const opened = new KbenchDb(db, file);
    try {
      opened.migrate(options.readonly ?? false);
    } catch (error) {
      db.close();
      throw error;
    }
    return opened;
  }

  private migrate(readonly: boolean): void {
    let version: number;
    try {
      version = this.db.pragma('user_version', { simple: true }) as number;
    } catch (error) {
      throw new InputError(`${this.file}: not a kbench database (${(error as Error).message})`);
    }
    if (version > LATEST_SCHEMA_VERSION)
      throw new InputError(`${this.file}: database schema ${version} is newer than this kbench understands (${LATEST_SCHEMA_VERSION}); upgrade kbench`);
    if (version === LATEST_SCHEMA_VERSION) return;
    if (version === 0) {
      const { n } = this.db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
      if (n > 0) throw new InputError(`${this.file}: not a kbench database (it has tables but no kbench schema version)`);
    }
    if (readonly)
      throw new InputError(`${this.file}: database schema ${version} is older than ${LATEST_SCHEMA_VERSION}; run kbench ingest once to migrate it`);
    for (const migration of MIGRATIONS.filter((m) => m.version > version))
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        this.db.pragma(`user_version = ${migration.version}`);
      })();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  has(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
  }

  /**
   * Inserts the runs in one transaction; a run whose id is already there is skipped (and
   * returned in `duplicates`). Any failure rolls the whole command back.
   */
  insertRuns(records: readonly RunRecord[], recordedAt = new Date().toISOString()): { inserted: string[]; duplicates: string[] } {
    const insertRun = this.db.prepare(`
      INSERT INTO runs (id, origin, run_id, machine_id, chip, chip_class, model_id, arch, performance_cores, efficiency_cores,
        memory_bytes, host_os, host_os_version, hypervisor, acceleration, kbench_version, created_at, recorded_at, source, document)
      VALUES (@id, @origin, @runId, @machineId, @chip, @chipClass, @modelId, @arch, @performanceCores, @efficiencyCores,
        @memoryBytes, @os, @osVersion, @hypervisor, @acceleration, @kbenchVersion, @createdAt, @recordedAt, @source, @document)
      ON CONFLICT (id) DO NOTHING`); // not OR IGNORE: that would also swallow a failed CHECK
    const insertTarget = this.db.prepare(
      'INSERT INTO targets (run, target_id, guest_os, kernel_variant, kernel_release, zfs_version) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const insertMetric = this.db.prepare(
      'INSERT INTO metrics (run, target_id, metric_id, unit, direction, status, unsupported_reason, failures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertSample = this.db.prepare('INSERT INTO samples (run, target_id, metric_id, seq, value, at, boot) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const inserted: string[] = [];
    const duplicates: string[] = [];
    this.db.transaction(() => {
      for (const record of records) {
        const host = record.results.host;
        if (host === null) throw new InputError(`${record.source}: field host: a run without a host fingerprint cannot be recorded`);
        const fingerprint = fingerprintOf(host, record.results.kbenchVersion);
        const changes = insertRun.run({
          ...fingerprint,
          id: record.id,
          origin: record.origin,
          runId: record.results.runId,
          machineId: record.machineId,
          createdAt: record.results.createdAt,
          recordedAt,
          source: record.source,
          document: canonicalJson(record.results),
        }).changes;
        if (changes === 0) {
          duplicates.push(record.id);
          continue;
        }
        inserted.push(record.id);
        for (const target of record.results.targets) {
          insertTarget.run(record.id, target.id, target.guest.os, target.guest.kernelVariant, target.guest.kernelRelease, target.guest.zfsVersion);
          for (const metric of target.metrics) {
            insertMetric.run(
              record.id,
              target.id,
              metric.id,
              metric.unit,
              metric.direction,
              metric.status.kind,
              metric.status.kind === 'unsupported' ? metric.status.reason : null,
              metric.failures.length,
            );
            metric.samples.forEach((sample, seq) => insertSample.run(record.id, target.id, metric.id, seq, sample.value, sample.at, sample.boot));
          }
        }
      }
    }).immediate();
    return { inserted, duplicates };
  }

  /** Marks runs (already inserted) as accepted into a baseline file. */
  recordBaseline(file: string, runIds: readonly string[], acceptedAt = new Date().toISOString()): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO baselines (accepted_at, file, run) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      for (const id of runIds) insert.run(acceptedAt, file, id);
    }).immediate();
  }

  /** Runs in time order, optionally only those with one of these target ids. */
  runs(filter: { targetIds?: readonly string[]; origins?: readonly Origin[] } = {}): StoredRun[] {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.origins !== undefined) {
      where.push(`origin IN (${filter.origins.map(() => '?').join(', ') || "''"})`);
      params.push(...filter.origins);
    }
    if (filter.targetIds !== undefined) {
      where.push(`id IN (SELECT run FROM targets WHERE target_id IN (${filter.targetIds.map(() => '?').join(', ') || "''"}))`);
      params.push(...filter.targetIds);
    }
    const rows = this.db
      .prepare(
        `SELECT id, origin, machine_id, chip_class, source, recorded_at, document FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`,
      )
      .all(...params) as { id: string; origin: Origin; machine_id: string; chip_class: string; source: string; recorded_at: string; document: string }[];
    return rows.map((row) => {
      let data: unknown;
      try {
        data = JSON.parse(row.document);
      } catch {
        throw new KbenchError(`${this.file}: run ${row.id}: stored document is not JSON (the database was changed outside kbench)`);
      }
      const parsed = ResultsFile.safeParse(data);
      if (!parsed.success)
        throw new KbenchError(
          `${this.file}: run ${row.id}: field ${formatFieldPath(parsed.error.issues[0]!.path)}: ${parsed.error.issues[0]!.message} (the database was changed outside kbench)`,
        );
      const results = parsed.data;
      const chipClass = ChipClass.safeParse(row.chip_class);
      const fingerprint = fingerprintOf(results.host!, results.kbenchVersion);
      if (!chipClass.success || chipClass.data !== fingerprint.chipClass)
        throw new KbenchError(`${this.file}: run ${row.id}: chip_class ${JSON.stringify(row.chip_class)} does not match its document`);
      return { id: row.id, origin: row.origin, machineId: row.machine_id, source: row.source, recordedAt: row.recorded_at, results, fingerprint };
    });
  }

  counts(): { runs: number; submissions: number; machines: number; samples: number } {
    const row = this.db
      .prepare(
        "SELECT count(*) AS runs, coalesce(sum(origin = 'submission'), 0) AS submissions, count(DISTINCT machine_id) AS machines, (SELECT count(*) FROM samples) AS samples FROM runs",
      )
      .get() as { runs: number; submissions: number; machines: number; samples: number };
    return row;
  }
}
