import { readdirSync, readFileSync } from "node:fs";
import { migrationFromFile, type Migration } from "../../src/core/sql.js";

/** Every file of migrations/, as both entries bundle them (src/migrations.ts). */
export function allMigrations(): Migration[] {
  const dir = new URL("../../migrations/", import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".sql"))
    .map((file) => migrationFromFile(file, readFileSync(new URL(file, dir), "utf8")));
}
