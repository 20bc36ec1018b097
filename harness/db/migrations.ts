/**
 * The database schema as numbered migrations. PRAGMA user_version holds the version a file is
 * at; opening applies the missing ones in order, each in its own transaction. A migration is
 * never edited once released: a change is a new entry at the end.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs (local and submitted) with their host fingerprint, targets, metrics, samples; accepted baselines',
    sql: `
      CREATE TABLE runs (
        id                TEXT PRIMARY KEY CHECK (length(id) = 64),   -- SHA-256 of the content
        origin            TEXT NOT NULL CHECK (origin IN ('submission', 'run')),
        run_id            TEXT NOT NULL,
        machine_id        TEXT NOT NULL,
        chip              TEXT NOT NULL,
        chip_class        TEXT NOT NULL,
        model_id          TEXT NOT NULL,
        arch              TEXT NOT NULL,
        performance_cores INTEGER NOT NULL,
        efficiency_cores  INTEGER NOT NULL,
        memory_bytes      INTEGER NOT NULL,
        host_os           TEXT NOT NULL,
        host_os_version   TEXT NOT NULL,
        hypervisor        TEXT NOT NULL,
        acceleration      TEXT NOT NULL,
        kbench_version    TEXT NOT NULL,
        created_at        TEXT NOT NULL,
        recorded_at       TEXT NOT NULL,
        source            TEXT NOT NULL,                              -- file name it came from
        document          TEXT NOT NULL                               -- the results file, JSON
      ) STRICT;
      CREATE INDEX runs_by_time ON runs (created_at);
      CREATE INDEX runs_by_machine ON runs (machine_id);
      CREATE TABLE targets (
        run            TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        target_id      TEXT NOT NULL,
        guest_os       TEXT NOT NULL,
        kernel_variant TEXT NOT NULL,
        kernel_release TEXT NOT NULL,
        zfs_version    TEXT,
        PRIMARY KEY (run, target_id)
      ) STRICT;
      CREATE INDEX targets_by_id ON targets (target_id);
      CREATE TABLE metrics (
        run                TEXT NOT NULL,
        target_id          TEXT NOT NULL,
        metric_id          TEXT NOT NULL,
        unit               TEXT NOT NULL,
        direction          TEXT NOT NULL,
        status             TEXT NOT NULL,
        unsupported_reason TEXT,
        failures           INTEGER NOT NULL,
        PRIMARY KEY (run, target_id, metric_id),
        FOREIGN KEY (run, target_id) REFERENCES targets (run, target_id) ON DELETE CASCADE
      ) STRICT;
      CREATE TABLE samples (
        run       TEXT NOT NULL,
        target_id TEXT NOT NULL,
        metric_id TEXT NOT NULL,
        seq       INTEGER NOT NULL,
        value     REAL NOT NULL,
        at        TEXT NOT NULL,
        boot      INTEGER NOT NULL,
        PRIMARY KEY (run, target_id, metric_id, seq),
        FOREIGN KEY (run, target_id, metric_id) REFERENCES metrics (run, target_id, metric_id) ON DELETE CASCADE
      ) STRICT;
      CREATE TABLE baselines (
        accepted_at TEXT NOT NULL,
        file        TEXT NOT NULL,
        run         TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        PRIMARY KEY (accepted_at, file, run)
      ) STRICT;
    `,
  },
  {
    version: 2,
    description: 'content id of each run (its samples, whoever sends them) and the public key a submission was signed with',
    sql: `
      ALTER TABLE runs ADD COLUMN content_id TEXT;
      ALTER TABLE runs ADD COLUMN public_key TEXT;
      CREATE INDEX runs_by_content ON runs (content_id);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
