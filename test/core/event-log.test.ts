import { describe, expect, it } from "vitest";
import { EventLog, type Resume } from "../../src/core/event-log.js";
import type { Sql } from "../../src/core/sql.js";
import { migratedSqlite } from "../support/migrations.js";

const T = Date.parse("2026-01-01T00:00:00Z");

/** e1 at T, e2 at T+5 s, then the clock steps back: e3 at T+3 s, e4 at T+6 s. */
function logWithClockStep() {
  const log = new EventLog(migratedSqlite(), "t", { limit: 100, ttlSeconds: 10 });
  const ids = [0, 5000, 3000, 6000].map((at, i) => {
    const appended = log.append({ data: `e${i + 1}` }, T + at);
    if (appended.duplicate) throw new Error("not a duplicate");
    return appended.id;
  });
  return { log, ids };
}

/** The data of the events a resume replays. */
function replayed(log: EventLog, resume: Resume): string[] {
  return log.read(resume.startSeq + 1, resume.endSeq).map((e) => e.data);
}

/**
 * The log's edge cases that need a chosen clock or a failing statement,
 * over real SQLite (the same migrations as both entries). Everything else
 * about it is covered end to end by the contract suite.
 */
describe("event log", () => {
  it("expires events as one run of seqs when the clock stepped back, so a resume is told of the gap", () => {
    const { log, ids } = logWithClockStep();
    // At T+13.5 s, e1 and e3 are past the 10 s TTL: e2, between them, goes too.
    const resume = log.resume({ lastEventId: ids[0] }, T + 13_500);
    expect(resume.gap).toMatchObject({ reason: "trimmed", requested: ids[0], oldestId: ids[3] });
    expect(replayed(log, resume)).toEqual(["e4"]);
  });

  it("replays from `since` every event after the first one created since then, whatever the clock said", () => {
    const { log } = logWithClockStep();
    const resume = log.resume({ since: T + 4000 }, T + 6500);
    expect(replayed(log, resume)).toEqual(["e2", "e3", "e4"]);
  });

  it("stores nothing for a topic that is only read", () => {
    const sql = migratedSqlite();
    const log = new EventLog(sql, "t", { limit: 100, ttlSeconds: 60 });
    log.resume({}, T);
    log.resume({ lastEventId: "nonsense" }, T);
    log.resume({ since: 0 }, T);
    log.stats(T);
    expect(sql.query("SELECT count(*) AS n FROM herald_topics")).toEqual([{ n: 0 }]);
  });

  it("resumes a client that connected before the first event exactly, after a restart", () => {
    const sql = migratedSqlite();
    // Read before the first event, then (a new process on the same database) published to.
    const before = new EventLog(sql, "t", { limit: 100, ttlSeconds: 60 }).idOf(0);
    const log = new EventLog(sql, "t", { limit: 100, ttlSeconds: 60 });
    log.append({ data: "a" }, T);
    log.append({ data: "b" }, T);
    const resume = log.resume({ lastEventId: before }, T);
    expect(resume.gap).toBeUndefined();
    expect(replayed(log, resume)).toEqual(["a", "b"]);
  });

  it("tells a client whose position is from a wiped database of a gap, even one taken before any event", () => {
    const before = new EventLog(migratedSqlite(), "t", { limit: 100, ttlSeconds: 60 }).idOf(0);
    const log = new EventLog(migratedSqlite(), "t", { limit: 100, ttlSeconds: 60 });
    log.append({ data: "a" }, T);
    const resume = log.resume({ lastEventId: before }, T);
    expect(resume.gap).toMatchObject({ reason: "unknown", requested: before });
    expect(replayed(log, resume)).toEqual(["a"]);
  });

  it("keeps no epoch whose topic row failed to be stored, so ids stay the same after a restart", () => {
    const sql = migratedSqlite();
    let failInsert = true;
    const failing: Sql = {
      ...sql,
      query(statement, ...params) {
        if (failInsert && statement.startsWith("INSERT INTO herald_topics")) {
          failInsert = false;
          throw new Error("disk full");
        }
        return sql.query(statement, ...params);
      },
    };
    const log = new EventLog(failing, "t", { limit: 100, ttlSeconds: 60 });
    expect(() => log.append({ data: "a" }, T)).toThrow("disk full");
    const b = log.append({ data: "b" }, T);
    const reopened = new EventLog(sql, "t", { limit: 100, ttlSeconds: 60 });
    expect(reopened.idOf(1)).toBe(b.id);
    expect(reopened.resume({ lastEventId: b.id }, T).gap).toBeUndefined();
  });
});
