import { realpathSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { reserveWal } from "./wal-reserve.js";
import type { Sql, SqlRow, SqlValue } from "../core/sql.js";

/**
 * The core's SQL interface over node:sqlite (built into Node, so nothing
 * native to build on a Raspberry Pi). WAL with synchronous=FULL: a commit
 * is on disk when COMMIT returns. Besides one-off transactions it can hold
 * a batch open across several callers, so one fsync commits many publishes
 * (see write-batch.ts); transactions inside it become savepoints.
 */
export interface NodeSql extends Sql {
  readonly inBatch: boolean;
  beginBatch(): void;
  /** Commits the batch; on failure rolls it back and throws. */
  commitBatch(): void;
  close(): void;
}

/** The WAL's size when SQLite checkpoints: a 32-byte header, then each page with a 24-byte frame header. */
function walBytes(db: DatabaseSync): number {
  const pageSize = Number(db.prepare("PRAGMA page_size").get()!["page_size"]);
  const pages = Number(db.prepare("PRAGMA wal_autocheckpoint").get()!["wal_autocheckpoint"]);
  return 32 + Math.max(pages, 0) * (pageSize + 24);
}

export function openSqlite(path: string): NodeSql {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  if (path !== ":memory:") {
    // A read opens the WAL, creating the file if the database is new. SQLite
    // follows a symlinked database to its file and puts the WAL beside it.
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    reserveWal(`${realpathSync(path)}-wal`, walBytes(db));
  }
  const statements = new Map<string, StatementSync>();
  const prepared = (statement: string): StatementSync => {
    let cached = statements.get(statement);
    if (!cached) {
      cached = db.prepare(statement);
      statements.set(statement, cached);
    }
    return cached;
  };
  // Transaction control runs on every publish: prepared once, like queries.
  const run = (statement: string): void => void prepared(statement).run();
  let depth = 0;
  let batch = false;

  function transaction<T>(fn: () => T): T {
    const savepoint = `herald_${depth}`;
    run(depth === 0 ? "BEGIN IMMEDIATE" : `SAVEPOINT ${savepoint}`);
    depth++;
    try {
      const result = fn();
      run(depth === 1 ? "COMMIT" : `RELEASE ${savepoint}`);
      return result;
    } catch (error) {
      if (depth === 1) run("ROLLBACK");
      else {
        run(`ROLLBACK TO ${savepoint}`);
        run(`RELEASE ${savepoint}`);
      }
      throw error;
    } finally {
      depth--;
    }
  }

  return {
    query<T extends SqlRow>(statement: string, ...params: SqlValue[]): T[] {
      return prepared(statement).all(...params) as T[];
    },
    script(sql: string): void {
      db.exec(sql);
    },
    transaction,
    get inBatch() {
      return batch;
    },
    beginBatch(): void {
      if (batch) return;
      run("BEGIN IMMEDIATE");
      depth = 1;
      batch = true;
    },
    commitBatch(): void {
      if (!batch) return;
      batch = false;
      depth = 0;
      try {
        run("COMMIT");
      } catch (error) {
        if (db.isTransaction) run("ROLLBACK");
        throw error;
      }
    },
    close(): void {
      db.close();
    },
  };
}
