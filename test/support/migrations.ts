import { readdirSync, readFileSync } from "node:fs";
import { applyMigrations, migrationFromFile, type Migration } from "../../src/core/sql.js";
import { openSqlite, type NodeSql } from "../../src/node/sql.js";

/** Every file of migrations/, as both entries bundle them (src/migrations.ts). */
export function allMigrations(): Migration[] {
  const dir = new URL("../../migrations/", import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .map((file) => migrationFromFile(file, readFileSync(new URL(file, dir), "utf8")));
}

/** A SQLite database (in memory unless a path is given) with every migration applied, as the hub opens it. */
export function migratedSqlite(path = ":memory:"): NodeSql {
  const sql = openSqlite(path);
  applyMigrations(sql, allMigrations());
  return sql;
}
