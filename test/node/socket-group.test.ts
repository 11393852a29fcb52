import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import { Counters } from "../../src/core/counters.js";
import { migratedSqlite } from "../support/migrations.js";
import { TopicChannel } from "../../src/core/topic-channel.js";
import { SocketGroup } from "../../src/node/socket-group.js";
import { SocketSink } from "../../src/node/socket-sink.js";
import { WriteBatch } from "../../src/node/write-batch.js";

/**
 * A topic's socket streams share one queue per turn (socket-group.ts). These
 * drive a real topic over real SQLite and the Node write batch, and read
 * what each stream wrote with a standard SSE parser.
 */
function topic(env: Record<string, string> = {}) {
  const sql = migratedSqlite(join(mkdtempSync(join(tmpdir(), "herald-group-")), "t.db"));
  const batch = new WriteBatch(sql, (error) => {
    throw error;
  });
  const group = new SocketGroup(batch);
  const counters = new Counters();
  const channel = new TopicChannel("t", sql, parseConfig(env), counters);
  const publish = (data: string) => batch.write(() => channel.publish({ data }, Date.now()));
  const subscribe = (lastEventId?: string) => {
    const closed: string[] = [];
    const sink = channel.subscribe({ lastEventId }, Date.now(), (o) => {
      const onClose = o.onClose;
      return new SocketSink({ ...o, onClose: (s, reason) => (closed.push(reason), onClose(s, reason)) }, batch, group);
    });
    return { sink, closed };
  };
  return { channel, counters, batch, publish, subscribe };
}

/** A stream's socket: collects what is written, read by eventsource-parser. */
function socket() {
  const out = new PassThrough();
  const events: EventSourceMessage[] = [];
  let text = "";
  const parser = createParser({ onEvent: (event) => events.push(event) });
  out.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    parser.feed(chunk.toString("utf8"));
  });
  return { out, text: () => text, data: () => events.map((e) => e.data) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("socket group", () => {
  it("sends a resuming subscriber an event published in the same turn exactly once", async () => {
    const t = topic();
    // Someone is already reading, so the turn's event is queued in the group.
    t.subscribe().sink.attach(new PassThrough());
    const first = await t.publish("one");
    const second = t.publish("two");
    const { sink } = t.subscribe(first.id);
    const s = socket();
    sink.attach(s.out);
    await second;
    await turn();
    expect(s.data()).toEqual(["two"]);
  });

  it("does not send a live subscriber an event published earlier in its turn", async () => {
    const t = topic();
    t.subscribe().sink.attach(new PassThrough());
    const published = t.publish("before");
    const { sink } = t.subscribe();
    const s = socket();
    sink.attach(s.out);
    const after = t.publish("after");
    const { id } = await published;
    await after;
    await turn();
    expect(s.data()).toEqual(["after"]);
    // The stream starts at the event it was not sent (an id-only frame).
    expect(s.text()).toContain(`\n\nid: ${id}\n\n`);
  });

  it("keeps events for a stream whose socket is not there yet, after its head", async () => {
    const t = topic();
    const { sink } = t.subscribe();
    await t.publish("one");
    await t.publish("two");
    const s = socket();
    sink.attach(s.out);
    await turn();
    expect(s.data()).toEqual(["one", "two"]);
  });

  it("writes the events of one turn to a socket in one write, in order", async () => {
    const t = topic();
    const { sink } = t.subscribe();
    const s = socket();
    sink.attach(s.out);
    await turn();
    const writes: number[] = [];
    s.out.on("data", (chunk: Buffer) => writes.push(chunk.byteLength));
    const results = await Promise.all(["a", "b", "c"].map((data) => t.publish(data)));
    await turn();
    expect(s.data()).toEqual(["a", "b", "c"]);
    expect(writes).toHaveLength(1);
    expect(results.map((r) => r.delivered)).toEqual([1, 1, 1]);
  });

  it("drops a reader whose unread bytes pass MAX_BUFFERED_BYTES, and only that one", async () => {
    const t = topic({ MAX_BUFFERED_BYTES: "4096" });
    const stalled = t.subscribe();
    const reading = t.subscribe();
    // Nothing reads this one: its bytes stay buffered.
    stalled.sink.attach(new PassThrough({ highWaterMark: 1 }));
    const s = socket();
    reading.sink.attach(s.out);
    for (let i = 0; i < 5; i++) await t.publish("x".repeat(1000));
    await turn();
    expect(stalled.closed).toEqual(["slow"]);
    expect(reading.closed).toEqual([]);
    expect(s.data()).toHaveLength(5);
    expect(t.channel.subscribers).toBe(1);
    expect(t.counters.dropped).toBe(1);
  });
});
