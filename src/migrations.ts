import { migrationFromFile, type Migration } from "./core/sql.js";
import eventLog from "../migrations/0001_event_log.sql";
import databaseEpoch from "../migrations/0002_database_epoch.sql";

/**
 * The files of migrations/, bundled as text by both builds (wrangler's
 * Text rule, esbuild's text loader), so both entries apply the same SQL.
 */
export const MIGRATIONS: Migration[] = [
  migrationFromFile("0001_event_log.sql", eventLog),
  migrationFromFile("0002_database_epoch.sql", databaseEpoch),
];
