/**
 * kbench's embedded database (SQLite through better-sqlite3): every local run and every
 * ingested submission, so history, trends and the community report are queries. Writes happen
 * only in insertRuns/recordBaseline, each one transaction: a command writes everything or nothing.
 * Rows read back are validated with the results schema: a database file is input like any other.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InfraError, InputError, KbenchError } from '../errors/index.ts';
import { describeJsonProblem, parseJsonStrict, type JsonLimits } from '../fs/json.ts';
import { DEFAULT_LIMITS } from '../results/limits.ts';
import { migrateResults } from '../results/migrations.ts';
import { ResultsFile } from '../results/schema.ts';
import { formatFieldPath } from '../results/store.ts';
import { canonicalJson, ChipClass, contentIdOf, fingerprintOf, sha256Hex, type SubmissionFingerprint } from '../submit/bundle.ts';
import { describeLockHolder } from './holder.ts';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts';

/** A stored document is a results file kbench checked on the way in: read back with the same bounds. */
const STORED_JSON_LIMITS: JsonLimits = {
  maxDepth: DEFAULT_LIMITS.maxDepth,
  maxStringLength: DEFAULT_LIMITS.maxStringChars,
  maxItems: Math.max(DEFAULT_LIMITS.maxItems, DEFAULT_LIMITS.maxSamplesPerMetric),
};

export type Origin = 'submission' | 'run';

export interface RunRecord {
  /** SHA-256 of the content: the bundle id for a submission, of the results file for a local run. */
  id: string;
  origin: Origin;
  machineId: string;
  source: string;
  results: ResultsFile;
  /** The Ed25519 public key a submission was signed with (null for a local run). */
  publicKey?: string | null;
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
    if (options.readonly && !existsSync(file)) throw new InputError(`${file}: no kbench database here (kbench ingest or kbench run creates it; or pass --db)`);
    if (existsSync(file) && !statSync(file).isFile()) throw new InputError(`${file}: is not a file; pass --db a kbench database file`);
    return withDbRetry(() => {
      let db: Database.Database;
      try {
        if (!options.readonly) mkdirSync(path.dirname(file), { recursive: true });
        db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
        db.pragma('foreign_keys = ON');
        // Waits for another kbench writing at the same time instead of failing at once.
        db.pragma(`busy_timeout = ${busyTimeoutMs()}`);
      } catch (error) {
        throw translateDbError(error, file, 'open');
      }
      const opened = new KbenchDb(db, file);
      try {
        opened.migrate(options.readonly ?? false);
      } catch (error) {
        db.close();
        throw error;
      }
      return opened;
    });
  }

  /**
   * Brings the file to the latest schema. The version is read again inside an IMMEDIATE
   * transaction (the write lock): three processes creating one new database at once apply the
   * migrations once, the others wait for the lock and find them done.
   */
  private migrate(readonly: boolean): void {
    const version = this.readVersion();
    if (version === LATEST_SCHEMA_VERSION) return;
    if (readonly) {
      this.checkVersion(version);
      throw new InputError(`${this.file}: database schema ${version} is older than ${LATEST_SCHEMA_VERSION}; run kbench ingest once to migrate it`);
    }
    try {
      this.db
        .transaction(() => {
          const current = this.readVersion();
          this.checkVersion(current);
          for (const migration of MIGRATIONS.filter((m) => m.version > current)) {
            this.db.exec(migration.sql);
            this.db.pragma(`user_version = ${migration.version}`);
          }
          this.fillContentIds();
        })
        .immediate();
    } catch (error) {
      throw translateDbError(error, this.file, 'create or migrate the schema of');
    }
  }

  private readVersion(): number {
    try {
      return this.db.pragma('user_version', { simple: true }) as number;
    } catch (error) {
      const translated = translateDbError(error, this.file, 'read');
      if (translated instanceof InfraError) throw translated;
      throw new InputError(`${this.file}: not a kbench database (${(error as Error).message})`);
    }
  }

  private checkVersion(version: number): void {
    if (version > LATEST_SCHEMA_VERSION)
      throw new InputError(`${this.file}: database schema ${version} is newer than this kbench understands (${LATEST_SCHEMA_VERSION}); upgrade kbench`);
    if (version === 0) {
      const { n } = this.db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
      if (n > 0) throw new InputError(`${this.file}: not a kbench database (it has tables but no kbench schema version)`);
    }
  }

  /** Runs stored before schema 2 get their content id from their document. */
  private fillContentIds(): void {
    const rows = this.db.prepare('SELECT id, document FROM runs WHERE content_id IS NULL').all() as { id: string; document: string }[];
    const update = this.db.prepare('UPDATE runs SET content_id = ? WHERE id = ?');
    for (const row of rows) {
      const json = parseJsonStrict(row.document, STORED_JSON_LIMITS);
      const parsed = json.ok ? ResultsFile.safeParse(migrateResults(json.value, `${this.file}: run ${row.id}`)) : null;
      if (parsed?.success) update.run(contentIdOf(parsed.data), row.id);
    }
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    this.db.close();
  }

  has(id: string): boolean {
    return this.guard('read', () => this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined);
  }

  /** The stored run with these samples (same content id), whoever sent it. */
  byContent(contentId: string): { id: string; machineId: string } | null {
    const row = this.guard('read', () => this.db.prepare('SELECT id, machine_id AS machineId FROM runs WHERE content_id = ? LIMIT 1').get(contentId)) as
      | { id: string; machineId: string }
      | undefined;
    return row ?? null;
  }

  /** Runs one operation; a busy database is retried once, every SQLite error becomes one line. */
  private guard<T>(what: string, operation: () => T): T {
    return withDbRetry(() => {
      try {
        return operation();
      } catch (error) {
        throw translateDbError(error, this.file, what);
      }
    });
  }

  /**
   * Inserts the runs in one transaction; a run whose id is already there is skipped (and
   * returned in `duplicates`). Any failure rolls the whole command back.
   */
  insertRuns(records: readonly RunRecord[], recordedAt = new Date().toISOString()): { inserted: string[]; duplicates: string[] } {
    return this.guard('write', () => this.insertRunsOnce(records, recordedAt));
  }

  private insertRunsOnce(records: readonly RunRecord[], recordedAt: string): { inserted: string[]; duplicates: string[] } {
    const insertRun = this.db.prepare(`
      INSERT INTO runs (id, origin, run_id, machine_id, chip, chip_class, model_id, arch, performance_cores, efficiency_cores,
        memory_bytes, host_os, host_os_version, hypervisor, acceleration, kbench_version, created_at, recorded_at, source, document, content_id, public_key)
      VALUES (@id, @origin, @runId, @machineId, @chip, @chipClass, @modelId, @arch, @performanceCores, @efficiencyCores,
        @memoryBytes, @os, @osVersion, @hypervisor, @acceleration, @kbenchVersion, @createdAt, @recordedAt, @source, @document, @contentId, @publicKey)
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
    this.db
      .transaction(() => {
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
            contentId: contentIdOf(record.results),
            publicKey: record.publicKey ?? null,
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
              for (const [seq, sample] of metric.samples.entries())
                insertSample.run(record.id, target.id, metric.id, seq, sample.value, sample.at, sample.boot);
            }
          }
        }
      })
      .immediate();
    return { inserted, duplicates };
  }

  /** Marks runs (already inserted) as accepted into a baseline file. */
  recordBaseline(file: string, runIds: readonly string[], acceptedAt = new Date().toISOString()): void {
    const insert = this.db.prepare('INSERT OR IGNORE INTO baselines (accepted_at, file, run) VALUES (?, ?, ?)');
    this.db
      .transaction(() => {
        for (const id of runIds) insert.run(acceptedAt, file, id);
      })
      .immediate();
  }

  /** Runs in time order, optionally only those with one of these target ids. */
  runs(filter: { targetIds?: readonly string[]; origins?: readonly Origin[] } = {}): StoredRun[] {
    return this.guard('read', () => this.runsOnce(filter));
  }

  private runsOnce(filter: { targetIds?: readonly string[]; origins?: readonly Origin[] }): StoredRun[] {
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
      const json = parseJsonStrict(row.document, STORED_JSON_LIMITS);
      if (!json.ok)
        throw new KbenchError(`${this.file}: run ${row.id}: stored document ${describeJsonProblem(json.error)} (the database was changed outside kbench)`);
      // A run stored by an older kbench is carried to the current results version like a file.
      const parsed = ResultsFile.safeParse(migrateResults(json.value, `${this.file}: run ${row.id}`));
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
    const row = this.guard('read', () =>
      this.db
        .prepare(
          "SELECT count(*) AS runs, coalesce(sum(origin = 'submission'), 0) AS submissions, count(DISTINCT machine_id) AS machines, (SELECT count(*) FROM samples) AS samples FROM runs",
        )
        .get(),
    ) as { runs: number; submissions: number; machines: number; samples: number };
    return row;
  }
}

/** How long a command waits for another writer before the one retry ($KBENCH_DB_BUSY_TIMEOUT_MS, default 5 s). */
export function busyTimeoutMs(): number {
  const env = Number(process.env.KBENCH_DB_BUSY_TIMEOUT_MS);
  return Number.isInteger(env) && env >= 0 && env <= 600_000 && process.env.KBENCH_DB_BUSY_TIMEOUT_MS !== '' ? env : 5000;
}

/** Marks a busy database inside translateDbError, so withDbRetry knows to try once more. */
class DbBusyError extends InfraError {}

/**
 * A SQLite error as one line with the exit code it deserves: a read-only or unreadable file is
 * the user's to fix (2); a database another process holds, a full disk or an I/O error is the
 * host's (3). Errors kbench raised itself pass through.
 */
export function translateDbError(error: unknown, file: string, what: string): KbenchError {
  if (error instanceof KbenchError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const message = (error as Error).message ?? String(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new DbBusyError(
      `${file}: the database is locked by another writer (${describeLockHolder(file)}) for more than ${busyTimeoutMs() / 1000} s, twice; try again when it is done`,
    );
  if (code.startsWith('SQLITE_READONLY'))
    return new InputError(`${file}: the database is read-only for this user (cannot ${what} it); make it writable or pass --db to another file`);
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH'))
    return new InputError(`${file}: cannot ${what} the database (${message}): check the file and its folder are readable and writable, or pass --db`);
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return new InputError(`${file}: not a kbench database, or a damaged one (${message})`);
  if (code.startsWith('SQLITE_')) return new InfraError(`${file}: cannot ${what} the database (${code}: ${message})`);
  return new InfraError(`${file}: cannot ${what} the database (${message})`);
}

/** One retry after the busy timeout: a writer that held the lock for one timeout is often done by the next. */
function withDbRetry<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (!(error instanceof DbBusyError)) throw error;
    return operation();
  }
}
