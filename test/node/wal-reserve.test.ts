import { copyFileSync, existsSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { openSqlite } from "../../src/node/sql.js";
import { reserveWal } from "../../src/node/wal-reserve.js";

const dir = () => mkdtempSync(join(tmpdir(), "herald-wal-"));
/** SQLite's defaults: 1,000 pages of 4 KiB before a checkpoint. */
const RESERVED = 32 + 1000 * (4096 + 24);

describe("WAL reserve", () => {
  it("opens a new database with its WAL already at checkpoint size", () => {
    const path = join(dir(), "h.db");
    openSqlite(path);
    expect(statSync(`${path}-wal`).size).toBe(RESERVED);
  });

  it("keeps every committed row when the process dies without closing (the files as they are, reopened)", () => {
    const from = dir();
    const path = join(from, "h.db");
    const sql = openSqlite(path);
    sql.script("CREATE TABLE t (n INTEGER)");
    // Past 1,000 pages, so SQLite checkpoints and starts the log over once.
    for (let n = 1; n <= 1500; n++) sql.transaction(() => sql.query("INSERT INTO t VALUES (?)", n));
    // No close: copy what is on disk, as a crash would leave it (the
    // wal-index in -shm is rebuilt from the WAL on open).
    const to = join(dir(), "h.db");
    copyFileSync(path, to);
    copyFileSync(`${path}-wal`, `${to}-wal`);
    const reopened = new DatabaseSync(to);
    expect(reopened.prepare("SELECT count(*) AS n, sum(n) AS s FROM t").get()).toEqual({ n: 1500, s: (1500 * 1501) / 2 });
    expect(reopened.prepare("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  });

  it("finds the WAL beside the real file when the database path is a symlink", () => {
    const root = dir();
    mkdirSync(join(root, "real"));
    mkdirSync(join(root, "link"));
    openSqlite(join(root, "real", "h.db")).close();
    symlinkSync(join(root, "real", "h.db"), join(root, "link", "h.db"));
    const sql = openSqlite(join(root, "link", "h.db"));
    expect(statSync(join(root, "real", "h.db-wal")).size).toBe(RESERVED);
    expect(existsSync(join(root, "link", "h.db-wal"))).toBe(false);
    sql.close();
  });

  it("leaves a WAL that already holds more alone, and a missing one missing", () => {
    const path = join(dir(), "x-wal");
    writeFileSync(path, Buffer.alloc(RESERVED + 10, 7));
    reserveWal(path, RESERVED);
    expect(statSync(path).size).toBe(RESERVED + 10);
    reserveWal(`${path}-none`, RESERVED);
    expect(existsSync(`${path}-none`)).toBe(false);
  });
});
