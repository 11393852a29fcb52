import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import type { Sql, SqlValue } from "../../src/core/sql.js";
import { TopicChannel, type SubscribeOptions } from "../../src/core/topic-channel.js";
import { migratedSqlite } from "../support/migrations.js";

const T = Date.parse("2026-01-01T00:00:00Z");

/** A stream of `channel` opened at `now`, and what it has read since last asked. */
function readerOf(channel: TopicChannel, now: number, options: SubscribeOptions = {}) {
  const reader = channel.subscribe(options, now).stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  void (async () => {
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value);
  })();
  // A queued chunk is read within a few microtasks; a timer turn is past them all.
  const readQueued = async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
    const read = text;
    text = "";
    return read;
  };
  return { reader, readQueued };
}

/** A topic over real SQLite with one stream opened at T, its head already read. */
async function topicWithReader(heartbeatSeconds: number) {
  const channel = new TopicChannel("t", migratedSqlite(), parseConfig({ HEARTBEAT_SECONDS: String(heartbeatSeconds) }));
  const stream = readerOf(channel, T);
  expect(await stream.readQueued()).toContain("retry:");
  return { channel, ...stream };
}

/** Real SQLite that notes the seqs of every read of events' data. */
function sqlNotingReads() {
  const sql = migratedSqlite();
  const reads: SqlValue[][] = [];
  const noting: Sql = {
    ...sql,
    query(statement, ...params) {
      if (/^SELECT .*\bdata\b.* FROM herald_events/.test(statement)) reads.push(params.slice(1));
      return sql.query(statement, ...params);
    },
  };
  return { sql: noting, reads };
}

/** The data lines of an SSE text, in order. */
function dataOf(text: string): string[] {
  return [...text.matchAll(/^data: (.*)$/gm)].map((m) => m[1]!);
}

describe("topic channel", () => {
  it("pings its streams a heartbeat after its first tick, not on it", async () => {
    const { channel, readQueued } = await topicWithReader(25);
    channel.tick(T + 1000);
    expect(await readQueued()).not.toContain(": ping");
    channel.tick(T + 25_000);
    expect(await readQueued()).not.toContain(": ping");
    channel.tick(T + 26_000);
    expect(await readQueued()).toContain(": ping");
  });

  it("starts the heartbeat clock again when streams open on a topic whose last stream had closed", async () => {
    const { channel, reader, readQueued } = await topicWithReader(25);
    channel.tick(T + 1000);
    await reader.cancel();
    channel.tick(T + 2000);
    const next = readerOf(channel, T + 60_000);
    await next.readQueued();
    channel.tick(T + 61_000);
    expect(await next.readQueued()).not.toContain(": ping");
    channel.tick(T + 86_000);
    expect(await next.readQueued()).toContain(": ping");
    expect(await readQueued()).toBe("");
  });

  it("reads a replayed event's data from the log once while a crowd resumes, then only what is new", async () => {
    const { sql, reads } = sqlNotingReads();
    const channel = new TopicChannel("t", sql, parseConfig({}));
    const ids = ["a", "b", "c", "d"].map((data) => channel.publish({ data }, T).id);
    const first = await readerOf(channel, T, { lastEventId: ids[0] }).readQueued();
    const second = await readerOf(channel, T, { lastEventId: ids[0] }).readQueued();
    expect(dataOf(first)).toEqual(["b", "c", "d"]);
    expect(second).toBe(first);
    expect(reads).toEqual([[2, 4]]);

    channel.publish({ data: "e" }, T);
    const third = await readerOf(channel, T, { lastEventId: ids[0] }).readQueued();
    expect(dataOf(third)).toEqual(["b", "c", "d", "e"]);
    expect(reads).toEqual([[2, 4], [5, 5]]);
  });

  it("never replays a cached frame of an event the log has since trimmed: the resume is told of the gap", async () => {
    const channel = new TopicChannel("t", migratedSqlite(), parseConfig({ HISTORY_LIMIT: "3" }));
    const ids = ["a", "b", "c"].map((data) => channel.publish({ data }, T).id);
    expect(dataOf(await readerOf(channel, T, { lastEventId: ids[0] }).readQueued())).toEqual(["b", "c"]);
    for (const data of ["d", "e", "f"]) channel.publish({ data }, T);
    const resumed = await readerOf(channel, T, { lastEventId: ids[0] }).readQueued();
    expect(resumed).toContain("event: herald.gap");
    expect(dataOf(resumed).slice(1)).toEqual(["d", "e", "f"]);
  });
});
