import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/core/config.js";
import { applyMigrations } from "../../src/core/sql.js";
import { TopicChannel } from "../../src/core/topic-channel.js";
import { openSqlite } from "../../src/node/sql.js";
import { allMigrations } from "../support/migrations.js";

const T = Date.parse("2026-01-01T00:00:00Z");

/** A topic over real SQLite with one open stream, and the text its stream has read. */
async function topicWithReader(heartbeatSeconds: number) {
  const sql = openSqlite(":memory:");
  applyMigrations(sql, allMigrations());
  const config = parseConfig({ HEARTBEAT_SECONDS: String(heartbeatSeconds) });
  const channel = new TopicChannel("t", sql, config);
  const reader = channel.subscribe({}, T).stream.getReader();
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
  expect(await readQueued()).toContain("retry:");
  return { channel, readQueued };
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
});
