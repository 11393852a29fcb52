import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import { TopicChannel } from "../../src/core/topic-channel.js";
import { migratedSqlite } from "../support/migrations.js";

const T = Date.parse("2026-01-01T00:00:00Z");

/** A stream of `channel` opened at `now`, and what it has read since last asked. */
function readerOf(channel: TopicChannel, now: number) {
  const reader = channel.subscribe({}, now).stream.getReader();
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
});
