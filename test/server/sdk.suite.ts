import { describe, expect, it } from "vitest";
import { HeraldError, Herald, type FetchLike } from "../../src/server/index.js";
import { eventually, SseStream, uniqueTopic, type Target } from "../contract/harness.js";

/** A hub process the SDK is tested against: its address, and a crash followed by a start on the same storage and port. */
export interface HubUnderTest {
  url(): string;
  crash(): Promise<void>;
  start(): Promise<void>;
  secret: string;
}

/** Opens a topic's stream as a page would, with a token the SDK minted. */
async function streamOf(hub: HubUnderTest, topic: string, token: string): Promise<SseStream> {
  const target: Pick<Target, "fetch"> = { fetch: (path, init) => fetch(`${hub.url()}${path}`, init) };
  const response = await target.fetch(`/topics/${topic}`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`subscribe answered ${response.status}: ${await response.text()}`);
  return new SseStream(response);
}

/** herald/server against a real hub, the same calls on both entries. */
export function sdkSuite(name: string, hub: HubUnderTest): void {
  describe(`herald/server against the ${name} entry`, () => {
    const herald = () => new Herald({ url: hub.url(), secret: hub.secret, retry: { retries: 10, initialDelayMs: 200, maxDelayMs: 2000 } });

    it("publishes one event, many, and to a user, which pages reading with its tokens receive; reads history and stats", async () => {
      const sdk = herald();
      const [topic, other] = [uniqueTopic("sdk"), uniqueTopic("sdk")];
      const page = await streamOf(hub, topic, await sdk.token({ subscribe: [topic], expiresIn: "5m" }));
      const one = await sdk.publish(topic, { n: 1 }, { event: "update" });
      expect(one).toMatchObject({ topic, delivered: 1, duplicate: false });
      const many = await sdk.publishMany([
        { topic, data: "two" },
        { topic: other, data: 3 },
        { topic, data: "four", idempotencyKey: "four" },
      ]);
      expect(many.map((p) => [p.topic, p.duplicate])).toEqual([[topic, false], [other, false], [topic, false]]);
      expect((await page.take(3)).map((e) => [e.id, e.event, e.data])).toEqual([
        [one.id, "update", '{"n":1}'],
        [many[0]!.id, undefined, "two"],
        [many[2]!.id, undefined, "four"],
      ]);
      // A repeated key is answered as the event it named.
      expect(await sdk.publish(topic, "four", { idempotencyKey: "four" })).toMatchObject({ id: many[2]!.id, duplicate: true });

      const alice = `alice-${topic}`;
      const inbox = await streamOf(hub, `user:${alice}`, await sdk.token({ sub: alice }));
      const note = await sdk.toUser(alice, { hello: alice });
      expect(await inbox.next()).toMatchObject({ id: note.id, data: JSON.stringify({ hello: alice }) });

      const history = await sdk.history(topic, { limit: 2 });
      expect(history.events.map((e) => e.id)).toEqual([one.id, many[0]!.id]);
      expect((await sdk.history(topic, { after: history.next! })).events.map((e) => e.data)).toEqual(["four"]);
      expect((await sdk.history(topic, { last: 1 })).events.map((e) => e.id)).toEqual([many[2]!.id]);
      expect(await sdk.stats(topic)).toMatchObject({ topic, subscribers: 1, retained: 3, lastId: many[2]!.id });
      expect(await sdk.presence(`user:${alice}`)).toEqual({ topic: `user:${alice}`, subjects: [{ sub: alice, streams: 1 }], anonymous: 0 });
    });

    it("throws the hub's refusals as HeraldError with code, message and status, without retrying them", async () => {
      const sdk = herald();
      const refused = await sdk.publish("not a topic", 1).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(HeraldError);
      expect(refused).toMatchObject({ code: "bad_topic", status: 400, message: expect.any(String) });
      const reader = new Herald({ url: hub.url(), token: await sdk.token({ subscribe: ["*"] }) });
      await expect(reader.publish(uniqueTopic(), 1)).rejects.toMatchObject({ code: "forbidden", status: 403 });
      await expect(sdk.publishMany([{ topic: "ok", data: 1 }, { topic: "ok", event: "herald.x", data: 1 }])).rejects.toMatchObject({
        code: "bad_event",
        message: expect.stringContaining("events[1]"),
      });
      expect(() => new Herald({ url: hub.url() })).toThrow(/secret, or a token/);
    });

    it("retries through a crash and restart of the hub mid-publish, and stores each event once", async () => {
      const topic = uniqueTopic("crash");
      // The hub stores the batch, then crashes before its answer is read: to the SDK, the connection failed.
      let crashed: Promise<void> | undefined;
      const answerLost: FetchLike = async (url, init) => {
        const response = await fetch(url, init);
        if (init.method !== "POST" || crashed) return response;
        crashed = hub.crash();
        await crashed;
        throw new TypeError("fetch failed: the connection was reset");
      };
      const sdk = new Herald({ url: hub.url(), secret: hub.secret, fetch: answerLost, retry: { retries: 10, initialDelayMs: 200, maxDelayMs: 2000 } });
      const batch = Array.from({ length: 50 }, (_, i) => ({ topic, data: `b${i}` }));
      const pendingBatch = sdk.publishMany(batch);
      await eventually(async () => crashed !== undefined, 10_000, "the crash");
      await crashed;
      // Sent while the hub is down: it gets in once the hub is back.
      const pendingOne = herald().publish(topic, "single");
      await hub.start();
      const [published, single] = await Promise.all([pendingBatch, pendingOne]);
      // Stored before the crash: the retry, with the same keys, was told so.
      expect(published.map((p) => p.duplicate)).toEqual(batch.map(() => true));
      expect(single).toMatchObject({ topic, duplicate: false });
      const stored = (await herald().history(topic, { limit: 1000 })).events.map((e) => e.data);
      expect(stored).toEqual([...batch.map((e) => e.data), "single"]);
    });
  });
}
