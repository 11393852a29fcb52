import type { Sql, SqlRow, SqlValue } from "../core/sql.js";

/** The core's SQL interface over a Durable Object's SQLite storage. */
export function durableObjectSql(storage: DurableObjectStorage): Sql {
  return {
    query<T extends SqlRow>(statement: string, ...params: SqlValue[]): T[] {
      return storage.sql.exec<T>(statement, ...params).toArray();
    },
    script(sql: string): void {
      storage.sql.exec(sql).toArray();
    },
    // BEGIN is refused in a Durable Object; transactionSync is its way.
    transaction: (fn) => storage.transactionSync(fn),
  };
}
