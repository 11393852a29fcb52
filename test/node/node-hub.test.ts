import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import { parseCursor } from "../../src/core/cursor.js";
import { partsOf } from "../../src/core/publish-batch.js";
import { migratedSqlite } from "../support/migrations.js";
import type { Runtime } from "../../src/http/app.js";
import { openMultiplexed } from "../../src/http/multiplex.js";
import { NodeHub } from "../../src/node/node-hub.js";
import type { NodeSql } from "../../src/node/sql.js";

/**
 * What a stream may carry while a publish's batch is still uncommitted:
 * nothing of it. These drive the real hub over real SQLite whose next
 * commit can be made to fail (rolled back, as a full disk would), and read
 * the streams with a standard SSE parser.
 */
function hubWithFailingCommit() {
  const sql = migratedSqlite(join(mkdtempSync(join(tmpdir(), "herald-hub-")), "t.db"));
  const log: string[] = [];
  let failNext = false;
  const failing: NodeSql = {
    ...sql,
    get inBatch() {
      return sql.inBatch;
    },
    commitBatch() {
      if (!failNext) {
        sql.commitBatch();
        log.push("commit");
        return;
      }
      failNext = false;
      sql.script("ROLLBACK");
      expect(() => sql.commitBatch()).toThrow();
      log.push("failed commit");
      throw new Error("disk full");
    },
  };
  const config = parseConfig({ PUBLIC_TOPICS: "*" });
  const hub = new NodeHub(failing, config, 1000);
  const runtime = { config, hub, every: hub.every } as unknown as Runtime;
  const stored = () => sql.query<{ data: string }>("SELECT data FROM herald_events ORDER BY seq").map((r) => r.data);
  /** Publishes to t in a batch whose commit will fail; resolves to what the publisher is told. */
  const publishFailing = (data: string) => {
    failNext = true;
    return hub.publish("t", { data }).then(
      () => "acknowledged",
      (error: Error) => error.message,
    );
  };
  return { hub, runtime, log, stored, publishFailing };
}

/** Reads a stream to its end (or until `stop`), noting what the hub had done when each event arrived. */
async function read(body: ReadableStream<Uint8Array>, log: string[], stop?: (events: EventSourceMessage[]) => boolean) {
  const events: EventSourceMessage[] = [];
  const seenAfter: string[][] = [];
  let lastId: string | undefined;
  const parser = createParser({
    onEvent: (event) => (events.push(event), seenAfter.push([...log])),
    onId: (id) => (lastId = id),
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!stop?.(events)) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch {
    // an aborted stream ends here too
  }
  await reader.cancel().catch(() => undefined);
  return { events, seenAfter, lastId: () => lastId };
}

describe("node hub", () => {
  it("sends nothing of a batch a storage fault stopped halfway, and leaves no hole in the topic's ids", async () => {
    const sql = migratedSqlite(join(mkdtempSync(join(tmpdir(), "herald-hub-")), "t.db"));
    let faultOn: string | undefined;
    const faulty: NodeSql = {
      ...sql,
      get inBatch() {
        return sql.inBatch;
      },
      query(statement, ...params) {
        if (statement.startsWith("INSERT INTO herald_events") && params[0] === faultOn) throw new Error("disk I/O error");
        return sql.query(statement, ...params);
      },
    };
    const config = parseConfig({ PUBLIC_TOPICS: "*" });
    const hub = new NodeHub(faulty, config, 1000);
    const runtime = { config, hub, every: hub.every } as unknown as Runtime;
    const a = await hub.publish("t", { data: "a" });
    const stream = read((await openMultiplexed(runtime, ["t"], { positions: new Map([["t", a.id]]) })).body!, []);
    faultOn = "u";
    const batch = partsOf([{ topic: "t", data: "b1" }, { topic: "t", data: "b2" }, { topic: "u", data: "x" }]);
    await expect(hub.publishBatch(batch)).rejects.toThrow("disk I/O error");
    faultOn = undefined;
    // Its stream was dropped (the client resumes from the log), before any of t's part reached it.
    expect((await stream).events.map((e) => e.data)).not.toContain("b1");
    expect(sql.query<{ data: string }>("SELECT data FROM herald_events ORDER BY seq").map((r) => r.data)).toEqual(["a"]);
    const c = await hub.publish("t", { data: "c" });
    expect(c.id).toBe(a.id.replace(/-1$/, "-2"));
  });

  it("starts a multiplexed stream opened in a publish's turn only after that publish commits", async () => {
    const { hub, runtime, log } = hubWithFailingCommit();
    const a = await hub.publish("t", { data: "a" });
    const b = hub.publish("t", { data: "b" });
    const response = await openMultiplexed(runtime, ["t"], { positions: new Map([["t", a.id]]) });
    const stream = await read(response.body!, log, (events) => events.some((e) => e.data === "b"));
    await b;
    const at = stream.events.findIndex((e) => e.data === "b");
    expect(stream.seenAfter[at]).toEqual(["commit", "commit"]);
  });

  it("never shows a multiplexed stream an event whose commit failed, and resumes it without a hole", async () => {
    const { hub, runtime, log, stored, publishFailing } = hubWithFailingCommit();
    const a = await hub.publish("t", { data: "a" });
    const b = publishFailing("b");
    // The topic's stream is dropped before it starts, so the request fails
    // (a client retries it) or its stream ends: either way, without b.
    const first = await openMultiplexed(runtime, ["t"], { positions: new Map([["t", a.id]]) }).then(
      (response) => read(response.body!, log),
      () => undefined,
    );
    expect(await b).toBe("disk full");
    expect(log).toEqual(["commit", "failed commit"]);
    expect(stored()).toEqual(["a"]);
    expect(first?.events.map((e) => e.data) ?? []).not.toContain("b");

    // The next event takes the id b would have had: a client resuming from
    // what it saw must get it.
    await hub.publish("t", { data: "c" });
    const cursor = first?.lastId();
    const again = await openMultiplexed(runtime, ["t"], { positions: cursor ? parseCursor(cursor) : new Map([["t", a.id]]) });
    const resumed = await read(again.body!, log, (events) => events.some((e) => e.data === "c"));
    expect(resumed.events.filter((e) => e.event !== "herald.open").map((e) => e.data)).toEqual(["c"]);
  });

  it("runs a tick that falls in a publish's turn after its commit, and sends nothing of a failed one", async () => {
    const { hub, log, publishFailing } = hubWithFailingCommit();
    const a = await hub.publish("t", { data: "a" });
    const b = publishFailing("b");
    // A stream whose token has just expired: the tick ends it with a last notice.
    const sink = hub.claim(await hub.subscribe("t", { lastEventId: a.id, expiresAt: Date.now() - 1 }))!;
    const out = new PassThrough();
    const written: string[] = [];
    out.on("data", (chunk: Buffer) => written.push(chunk.toString()));
    sink.attach(out);
    hub.tick(Date.now());
    expect(await b).toBe("disk full");
    await new Promise((resolve) => setImmediate(resolve));
    expect(written.join("")).not.toContain("data: b");
    expect(log).toEqual(["commit", "failed commit"]);
  });

  it("on shutdown in a publish's turn, waits for its commit before ending streams, and sends nothing of a failed one", async () => {
    const { hub, log, publishFailing } = hubWithFailingCommit();
    const a = await hub.publish("t", { data: "a" });
    const b = publishFailing("b");
    const sink = hub.claim(await hub.subscribe("t", { lastEventId: a.id }))!;
    const out = new PassThrough();
    sink.attach(out);
    const stream = read(
      new ReadableStream({ start: (c) => void (out.on("data", (d: Buffer) => c.enqueue(d)), out.on("close", () => c.close())) }),
      log,
    );
    await hub.close();
    expect(await b).toBe("disk full");
    expect(out.destroyed).toBe(true);
    expect((await stream).events.map((e) => e.data)).not.toContain("b");
    expect(log).toEqual(["commit", "failed commit"]);
  });
});
