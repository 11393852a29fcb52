import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/cloudflare/env.js";
import { HELD, REPLACED_CLOSE, ruleHeaders } from "../../src/cloudflare/stream-owner-wire.js";
import { PING } from "../../src/cloudflare/topic-wire.js";
import type { OwnerRule } from "../../src/core/stream-owners.js";
import { eventually, uniqueTopic } from "../contract/harness.js";

const owners = (env as unknown as Env).STREAM_OWNERS;

/** A stream's place as the Worker takes it: the owner's object answers 101 with a socket, or a refusal. */
async function take(rule: OwnerRule): Promise<{ response: Response; ws?: WebSocket; closes: number[] }> {
  const response = await owners.get(owners.idFromName(rule.owner)).fetch("https://owner.internal/streams", { headers: ruleHeaders(rule) });
  const closes: number[] = [];
  const ws = response.webSocket ?? undefined;
  ws?.accept();
  ws?.addEventListener("close", ({ code }) => closes.push(code));
  return { response, ws, closes };
}

describe("a stream owner's object", () => {
  it("closes the oldest socket with REPLACED_CLOSE once a new stream is held, and only that one", async () => {
    const rule: OwnerRule = { owner: `sub:${uniqueTopic()}`, limit: 2, policy: "replace" };
    const [a, b] = [await take(rule), await take(rule)];
    const c = await take(rule);
    expect(c.response.status).toBe(101);
    // A stream that never opened (it closes its socket unheld) replaces none.
    const failed = await take(rule);
    failed.ws!.close(1000, "stream failed");
    // The object answers the close once it has handled it.
    await eventually(async () => failed.closes.length > 0, 5000, "the object to close the failed socket");
    c.ws!.send(HELD);
    await eventually(async () => a.closes.length > 0, 5000, "the oldest to be closed");
    expect(a.closes).toEqual([REPLACED_CLOSE]);
    // Only the one: the next oldest, and the socket that never opened, did not count against c.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.closes).toEqual([]);
    (await take(rule)).ws!.send(HELD);
    await eventually(async () => b.closes.length > 0, 5000, "the next oldest to be closed");
    expect(b.closes).toEqual([REPLACED_CLOSE]);
    expect(c.closes).toEqual([]);
  });

  it("no longer counts a socket whose Worker stopped pinging (STALE_AFTER_BEATS heartbeats)", async () => {
    const rule: OwnerRule = { owner: `ip:${uniqueTopic()}`, limit: 2, policy: "refuse" };
    const [silent, pinging] = [await take(rule), await take(rule)];
    const refused = await take(rule);
    expect(refused.response.status).toBe(429);
    expect(await refused.response.json()).toMatchObject({ error: "too_many_streams" });
    expect(refused.response.headers.get("retry-after")).toBe("5");
    // HEARTBEAT_SECONDS=1 here: stale after 12 s without a ping.
    const pinger = setInterval(() => pinging.ws!.send(PING), 1000);
    try {
      await eventually(async () => (await take(rule)).response.status === 101, 20_000, "the silent socket to go stale");
    } finally {
      clearInterval(pinger);
    }
    expect(silent.closes.length).toBe(1);
    expect(pinging.closes).toEqual([]);
  });
});
