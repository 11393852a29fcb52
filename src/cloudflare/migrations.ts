import { migrationFromFile, type Migration } from "../core/sql.js";
import eventLog from "../../migrations/0001_event_log.sql";

/** The files of migrations/, bundled as text (wrangler.toml's Text rule). */
export const MIGRATIONS: Migration[] = [migrationFromFile("0001_event_log.sql", eventLog)];
