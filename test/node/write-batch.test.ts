import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqlite, type NodeSql } from "../../src/node/sql.js";
import { WriteBatch } from "../../src/node/write-batch.js";

function database(): NodeSql {
  const sql = openSqlite(join(mkdtempSync(join(tmpdir(), "herald-batch-")), "t.db"));
  sql.script("CREATE TABLE t (n INTEGER)");
  return sql;
}

const count = (sql: NodeSql) => sql.query<{ n: number }>("SELECT count(*) AS n FROM t")[0]!.n;

describe("write batch", () => {
  it("commits the writes of one turn together, then flushes, then answers", async () => {
    const sql = database();
    const order: string[] = [];
    const batch = new WriteBatch(sql, () => order.push("failure"));
    const writes = [1, 2, 3].map((n) =>
      batch.write(() => {
        sql.query("INSERT INTO t VALUES (?)", n);
        batch.markDirty({ flush: () => order.push(`flush with ${count(sql)} committed`) });
        return n;
      }),
    );
    expect(await Promise.all(writes)).toEqual([1, 2, 3]);
    expect(batch.commits).toBe(1);
    expect(order).toEqual(["flush with 3 committed", "flush with 3 committed", "flush with 3 committed"]);
    expect(sql.inBatch).toBe(false);
  });

  it("rolls back only the write that threw", async () => {
    const sql = database();
    const batch = new WriteBatch(sql, () => {});
    const ok = batch.write(() => sql.query("INSERT INTO t VALUES (1)"));
    const failed = batch.write(() => {
      sql.query("INSERT INTO t VALUES (2)");
      throw new Error("refused");
    });
    await expect(failed).rejects.toThrow("refused");
    await ok;
    expect(sql.query("SELECT n FROM t")).toEqual([{ n: 1 }]);
  });

  it("on a failed commit rejects every write, flushes nothing and reports it", async () => {
    const sql = database();
    const failing: NodeSql = {
      ...sql,
      get inBatch() {
        return sql.inBatch;
      },
      commitBatch() {
        sql.commitBatch();
        throw new Error("disk full");
      },
    };
    const reported: unknown[] = [];
    const flushed: string[] = [];
    const batch = new WriteBatch(failing, (error) => reported.push(error));
    const write = batch.write(() => batch.markDirty({ flush: () => flushed.push("x") }));
    await expect(write).rejects.toThrow("disk full");
    expect(flushed).toEqual([]);
    expect(reported).toHaveLength(1);
  });
});
