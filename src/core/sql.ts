/**
 * The tiny synchronous SQL interface the event log needs. A Durable
 * Object's `ctx.storage.sql` and Node's `node:sqlite` both implement it in a
 * few lines, so one log implementation serves both runtimes.
 */
export type SqlValue = string | number | null;
export type SqlRow = Record<string, SqlValue>;

export interface Sql {
  /** Runs one statement and returns its rows. */
  query<T extends SqlRow = SqlRow>(statement: string, ...params: SqlValue[]): T[];
  /** Runs a script of several statements (a migration). */
  script(sql: string): void;
  /** Runs `fn` in one transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const SCHEMA_TABLE = `CREATE TABLE IF NOT EXISTS herald_schema (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
)`;

/** `0001_event_log.sql` → version 1. */
export function migrationFromFile(fileName: string, sql: string): Migration {
  const match = /^(\d+)_([\w-]+)\.sql$/.exec(fileName);
  if (!match) throw new Error(`migration file name must look like 0001_name.sql: ${fileName}`);
  return { version: Number(match[1]), name: match[2]!, sql };
}

/** Applies, in order and once each, the migrations newer than the database. */
export function applyMigrations(sql: Sql, migrations: readonly Migration[]): number[] {
  sql.script(SCHEMA_TABLE);
  const [row] = sql.query<{ version: number | null }>("SELECT max(version) AS version FROM herald_schema");
  const current = row?.version ?? 0;
  const pending = [...migrations].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  for (const migration of pending) {
    sql.transaction(() => {
      sql.script(migration.sql);
      sql.query(
        "INSERT INTO herald_schema (version, name, applied_at) VALUES (?, ?, ?)",
        migration.version,
        migration.name,
        Date.now(),
      );
    });
  }
  return pending.map((m) => m.version);
}
