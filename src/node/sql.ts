import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { Sql, SqlRow, SqlValue } from "../core/sql.js";

/**
 * The core's SQL interface over node:sqlite (built into Node, so nothing
 * native to build on a Raspberry Pi). WAL with synchronous=FULL: a commit
 * is on disk before the publish that made it is acknowledged.
 */
export interface NodeSql extends Sql {
  close(): void;
}

export function openSqlite(path: string): NodeSql {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
  const statements = new Map<string, StatementSync>();
  const prepared = (statement: string): StatementSync => {
    let cached = statements.get(statement);
    if (!cached) {
      cached = db.prepare(statement);
      statements.set(statement, cached);
    }
    return cached;
  };
  let depth = 0;
  return {
    query<T extends SqlRow>(statement: string, ...params: SqlValue[]): T[] {
      return prepared(statement).all(...params) as T[];
    },
    script(sql: string): void {
      db.exec(sql);
    },
    transaction<T>(fn: () => T): T {
      // Nested calls join the outer transaction, as transactionSync does.
      if (depth > 0) return fn();
      db.exec("BEGIN IMMEDIATE");
      depth++;
      try {
        const result = fn();
        db.exec("COMMIT");
        return result;
      } catch (error) {
        db.exec("ROLLBACK");
        throw error;
      } finally {
        depth--;
      }
    },
    close(): void {
      db.close();
    },
  };
}
