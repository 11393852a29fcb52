import { describe, expect, it } from "vitest";
import {
  mint,
  profileClaims,
  publishOk,
  sleep,
  sourceOf,
  subscribe,
  subscribeMux,
  subscribeMuxRaw,
  tokenFor,
  uniqueTopic,
  type SseStream,
  type TargetSource,
} from "./harness.js";

/** Events of one topic, by data, from a multiplexed stream. */
function dataOf(stream: SseStream, topic: string): string[] {
  return stream.events.filter((e) => e.id !== undefined && sourceOf(e.id) === topic).map((e) => e.data);
}

async function expectError(response: Response, status: number, error: string, mention?: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe(error);
  if (mention) expect(body.message).toContain(mention);
}

/** One stream, many topics: attribution, exact resume through the cursor, refusals. */
export function multiplexContract(targetOf: TargetSource): void {
  describe("multiplexed streams", () => {
    it("carries interleaved events of 3 topics with their topic and per-topic order, payload untouched", async () => {
      const target = targetOf();
      const topics = [uniqueTopic("a"), uniqueTopic("b"), uniqueTopic("user:")];
      const stream = await subscribeMux(target, topics);
      expect(stream.response.headers.get("content-type")).toBe("text/event-stream");
      for (let i = 0; i < 5; i++) {
        for (const topic of topics) await publishOk(target, topic, { event: "update", data: { topic, i } });
      }
      const events = await stream.take(15);
      for (const topic of topics) {
        const mine = events.filter((e) => sourceOf(e.id) === topic);
        expect(mine.map((e) => JSON.parse(e.data))).toEqual([0, 1, 2, 3, 4].map((i) => ({ topic, i })));
        expect(mine.every((e) => e.event === "update")).toBe(true);
      }
      expect(new Set(events.map((e) => e.id)).size).toBe(15);
      await stream.until(() => stream.retry !== undefined, 1000, "retry");
    });

    it("gives each event once to a topic's single and multiplexed streams alike, and counts both as delivered", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const single = await subscribe(target, topic);
      const mux = await subscribeMux(target, [topic]);
      const published = [];
      for (let i = 0; i < 4; i++) published.push(await publishOk(target, topic, { data: { i } }));
      expect(published.map((p) => p.delivered)).toEqual([2, 2, 2, 2]);
      const fromSingle = await single.take(4);
      await mux.until(() => dataOf(mux, topic).length >= 4, 5000, "4 events on the multiplexed stream");
      expect(fromSingle.map((e) => JSON.parse(e.data))).toEqual([0, 1, 2, 3].map((i) => ({ i })));
      expect(dataOf(mux, topic).map((d) => JSON.parse(d))).toEqual([0, 1, 2, 3].map((i) => ({ i })));
      await sleep(200);
      expect(single.events.filter((e) => e.data !== "")).toHaveLength(4);
      expect(dataOf(mux, topic)).toHaveLength(4);
    });

    it("accepts channels= as an alias and de-duplicates topics", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const token = await tokenFor(target, { subscribe: ["*"] });
      const response = await target.fetch(`/stream?channels=${topic},${topic}`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      await response.body?.cancel();
    });

    it("resumes every topic exactly from the cursor after a disconnect", async () => {
      const target = targetOf();
      const topics = [uniqueTopic("a"), uniqueTopic("b"), uniqueTopic("c")];
      const first = await subscribeMux(target, topics);
      for (const topic of topics) await publishOk(target, topic, { data: `${topic}-1` });
      await first.take(3);
      const cursor = first.lastEventId!;
      await first.close();
      for (let i = 2; i <= 4; i++) for (const topic of topics) await publishOk(target, topic, { data: `${topic}-${i}` });

      const again = await subscribeMux(target, topics, { lastEventId: cursor });
      await again.take(9);
      for (const topic of topics) expect(dataOf(again, topic)).toEqual([2, 3, 4].map((i) => `${topic}-${i}`));
      expect(again.events.some((e) => e.event === "herald.gap")).toBe(false);
      await publishOk(target, topics[1]!, { data: "live" });
      expect((await again.next()).data).toBe("live");
      await again.expectQuiet();
    });

    it("opens with herald.open carrying the position, so a reconnect misses nothing even if nothing else arrived", async () => {
      const target = targetOf();
      const topics = [uniqueTopic("a"), uniqueTopic("b")];
      await publishOk(target, topics[0]!, { data: "old" });
      const first = await subscribeMux(target, topics);
      const [open] = first.events;
      expect(open!.event).toBe("herald.open");
      expect(JSON.parse(open!.data)).toEqual({ topics });
      expect(first.events).toHaveLength(1);
      const cursor = first.lastEventId!;
      expect(open!.id).toBe(cursor);
      expect(sourceOf(cursor)).toBe("");
      await first.close();
      await publishOk(target, topics[1]!, { data: "missed" });
      const again = await subscribeMux(target, topics, { query: { lastEventId: cursor } });
      const [event] = await again.take(1);
      expect([sourceOf(event!.id), event!.data]).toEqual([topics[1], "missed"]);
      await again.expectQuiet();
    });

    it("keeps kept topics exact, starts new ones live and stops dropped ones across a change of topics, while publishes race", async () => {
      const target = targetOf();
      const [kept, dropped, added] = [uniqueTopic("kept"), uniqueTopic("dropped"), uniqueTopic("added")];
      const first = await subscribeMux(target, [kept, dropped]);
      await publishOk(target, kept, { data: 0 });
      await first.take(1);
      const cursor = first.lastEventId!;
      await first.close();

      // Reconnect while publishes are in flight: it starts after round 10,
      // and rounds 21-30 wait for it, so some events of `added` are live.
      let startReconnect = () => {};
      const reconnectWanted = new Promise<void>((resolve) => (startReconnect = resolve));
      let reconnected: Promise<SseStream> | undefined;
      const publisher = (async () => {
        for (let n = 1; n <= 30; n++) {
          if (n === 11) startReconnect();
          if (n === 21) await reconnected;
          await Promise.all([kept, dropped, added].map((topic) => publishOk(target, topic, { data: n })));
        }
      })();
      await reconnectWanted;
      reconnected = subscribeMux(target, [kept, added], { lastEventId: cursor });
      const again = await reconnected;
      await publisher;
      await again.until(() => dataOf(again, kept).length >= 30 && dataOf(again, added).at(-1) === "30", 10_000, "every kept event");
      await again.expectQuiet(300);
      expect(dataOf(again, kept).map(Number)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(dataOf(again, dropped)).toEqual([]);
      const addedSeen = dataOf(again, added).map(Number);
      expect(addedSeen.at(-1)).toBe(30);
      expect(addedSeen).toEqual(Array.from({ length: addedSeen.length }, (_, i) => 31 - addedSeen.length + i));
    });

    it("starts topics without a position from ?since= when given, on /stream and /topics", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      await publishOk(target, topic, { data: "before" });
      await sleep(30);
      const since = Date.now();
      await sleep(30);
      await publishOk(target, topic, { data: "after-1" });
      await publishOk(target, topic, { data: "after-2" });
      const muxed = await subscribeMux(target, [topic], { query: { since: String(since) } });
      expect((await muxed.take(2)).map((e) => e.data)).toEqual(["after-1", "after-2"]);
      const single = await subscribe(target, topic, { query: { since: new Date(since).toISOString() } });
      expect((await single.take(2)).map((e) => e.data)).toEqual(["after-1", "after-2"]);
      for (const stream of [muxed, single]) {
        await stream.expectQuiet();
        expect(stream.events.some((e) => e.event === "herald.gap")).toBe(false);
      }
      expect((await subscribeMuxRaw(target, [topic], { query: { since: "yesterday" } })).status).toBe(400);
    });

    it("refuses the whole request naming a forbidden topic, and asks for a token where one is needed", async () => {
      const target = targetOf();
      const [allowed, forbidden] = [uniqueTopic("ok:"), uniqueTopic("no:")];
      const token = await tokenFor(target, { subscribe: ["ok:*"] });
      await expectError(await subscribeMuxRaw(target, [allowed, forbidden], { token }), 403, "forbidden", forbidden);
      await expectError(await subscribeMuxRaw(target, [allowed], { token: null }), 401, "unauthorized", allowed);
      expect((await subscribeMuxRaw(target, [allowed], { token })).status).toBe(200);
    });

    it("refuses malformed cursors and bad topic lists with 400, and ignores positions of other topics", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const { id } = await publishOk(target, topic, { data: "x" });
      for (const cursor of ["garbage", id, `${topic}=${id}`, `;${topic}=`, `;${topic}=${id},${topic}=${id}`, `;bad topic=${id}`, `;${topic}=${id}`.padEnd(9000, "x")]) {
        await expectError(await subscribeMuxRaw(target, [topic], { lastEventId: cursor }), 400, "bad_cursor");
      }
      await expectError(await target.fetch("/stream"), 400, "bad_request");
      await expectError(await subscribeMuxRaw(target, ["ok", "-bad"]), 400, "bad_topic");
      const many = Array.from({ length: 33 }, (_, i) => `t${i}`);
      await expectError(await subscribeMuxRaw(target, many), 400, "bad_request", "MAX_TOPICS_PER_STREAM");
      const other = uniqueTopic();
      const stream = await subscribeMux(target, [other], { lastEventId: `;${topic}=${id}` });
      await stream.expectQuiet();
      expect(stream.events.map((e) => e.event)).toEqual(["herald.open"]);
    });

    it("sends one heartbeat per connection, not one per topic", async () => {
      const target = targetOf();
      const stream = await subscribeMux(target, [uniqueTopic(), uniqueTopic(), uniqueTopic(), uniqueTopic()]);
      await sleep(2600);
      const pings = stream.comments.filter((c) => c === "ping").length;
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(pings).toBeLessThanOrEqual(3);
    });

    it("ends with one herald.expired when the token expires", async () => {
      const target = targetOf();
      const topics = [uniqueTopic(), uniqueTopic()];
      const exp = Math.floor(Date.now() / 1000) + 2;
      const token = await mint({ herald: { subscribe: ["*"] }, exp }, { omitExp: true, ...profileClaims(target) });
      const stream = await subscribeMux(target, topics, { token });
      await stream.until(() => stream.ended, 6000, "the stream to end");
      const expired = stream.events.filter((e) => e.event === "herald.expired");
      expect(expired).toHaveLength(1);
      expect(JSON.parse(expired[0]!.data)).toEqual({ topics });
    });
  });
}
