import { describe, expect, it } from "vitest";
import {
  eventually,
  mint,
  publish,
  publishOk,
  sleep,
  sourceOf,
  statsOf,
  subscribe,
  subscribeMux,
  subscribeMuxRaw,
  subscribeRaw,
  tokenFor,
  uniqueTopic,
  type TargetSource,
} from "./harness.js";
import { pageOf } from "./history.contract.js";

/**
 * Limits of the `tight` profile: HISTORY_LIMIT=5, HISTORY_TTL_SECONDS=2,
 * MAX_SUBSCRIBERS_PER_TOPIC=2, MAX_PAYLOAD_BYTES=1024,
 * MAX_BUFFERED_BYTES=4096, and a required issuer and audience.
 */
export function limitsContract(targetOf: TargetSource): void {
  describe("limits", () => {
    it("accepts a body of exactly MAX_PAYLOAD_BYTES and refuses one byte more with 413", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      expect((await publish(target, topic, "x".repeat(1024))).status).toBe(201);
      const over = await publish(target, topic, "x".repeat(1025));
      expect(over.status).toBe(413);
      expect(await over.json()).toMatchObject({ error: "payload_too_large" });
      expect((await statsOf(target, topic)).retained).toBe(1);
    });

    it("refuses an oversized body that has no content-length, before it has all been sent", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const token = await tokenFor(target, { publish: ["*"] });
      const chunks = 400;
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (++pulled > chunks) return controller.close();
          await sleep(5);
          controller.enqueue(new Uint8Array(512).fill(120));
        },
      });
      const abort = new AbortController();
      const response = await target.fetch(`/topics/${topic}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
        body,
        duplex: "half",
        signal: abort.signal,
      } as RequestInit);
      const pulledAtAnswer = pulled;
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: "payload_too_large" });
      abort.abort();
      expect(pulledAtAnswer).toBeLessThan(chunks);
      expect((await statsOf(target, topic)).retained).toBe(0);
    });

    it("keeps at most HISTORY_LIMIT events and tells a client who missed trimmed ones with herald.gap", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const ids = [];
      for (let i = 1; i <= 8; i++) ids.push((await publishOk(target, topic, { data: i })).id);
      expect(await statsOf(target, topic)).toMatchObject({ retained: 5, oldestId: ids[3], lastId: ids[7] });

      const stream = await subscribe(target, topic, { lastEventId: ids[1] });
      const [gap, ...events] = await stream.take(6);
      expect(gap!.event).toBe("herald.gap");
      expect(JSON.parse(gap!.data)).toEqual({ topic, requested: ids[1], reason: "trimmed", oldestId: ids[3], lastId: ids[7] });
      expect(events.map((e) => e.data)).toEqual(["4", "5", "6", "7", "8"]);

      const exact = await subscribe(target, topic, { lastEventId: ids[2] });
      expect((await exact.take(5)).map((e) => e.data)).toEqual(["4", "5", "6", "7", "8"]);

      // The history says so too: truncated when the log no longer reaches back to `after`.
      const trimmed = await pageOf(target, topic, { after: ids[1]! });
      expect(trimmed).toMatchObject({ truncated: true, next: null });
      expect(trimmed.events.map((e) => e.data)).toEqual(["4", "5", "6", "7", "8"]);
      expect(await pageOf(target, topic, { after: ids[2]! })).toMatchObject({ truncated: false, events: expect.any(Array) });
      expect((await pageOf(target, topic, { after: ids[2]! })).events).toHaveLength(5);
    });

    it("on a multiplexed stream, sends a herald.gap naming only the topic that lost events", async () => {
      const target = targetOf();
      const [busy, quiet] = [uniqueTopic("busy"), uniqueTopic("quiet")];
      const first = await subscribeMux(target, [busy, quiet]);
      await publishOk(target, busy, { data: "b0" });
      await publishOk(target, quiet, { data: "q0" });
      await first.take(2);
      const cursor = first.lastEventId!;
      await first.close();
      for (let i = 1; i <= 8; i++) await publishOk(target, busy, { data: `b${i}` });
      await publishOk(target, quiet, { data: "q1" });

      const again = await subscribeMux(target, [busy, quiet], { lastEventId: cursor });
      await again.take(6);
      const events = again.events;
      const gaps = events.filter((e) => e.event === "herald.gap");
      expect(gaps).toHaveLength(1);
      expect(JSON.parse(gaps[0]!.data)).toMatchObject({ topic: busy, reason: "trimmed" });
      // Before herald.open, whose cursor moves past the gap (see the single-topic replay tests).
      expect(events.indexOf(gaps[0]!)).toBeLessThan(events.findIndex((e) => e.event === "herald.open"));
      expect(again.lastEventIdAt[events.indexOf(gaps[0]!)]).toBeUndefined();
      const of = (topic: string) => events.filter((e) => e.id && sourceOf(e.id) === topic).map((e) => e.data);
      expect(of(busy)).toEqual(["b4", "b5", "b6", "b7", "b8"]);
      expect(of(quiet)).toEqual(["q1"]);
      await again.expectQuiet();
    });

    it("forgets events older than HISTORY_TTL_SECONDS", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const old = await publishOk(target, topic, { data: "old" });
      const older = await publishOk(target, topic, { data: "older" });
      await sleep(2300);
      const fresh = await publishOk(target, topic, { data: "fresh" });
      expect(await statsOf(target, topic)).toMatchObject({ retained: 1, oldestId: fresh.id });
      const stream = await subscribe(target, topic, { lastEventId: old.id });
      const [gap, event] = await stream.take(2);
      expect(JSON.parse(gap!.data)).toMatchObject({ reason: "trimmed", requested: old.id });
      expect(event!.data).toBe("fresh");
      expect(older.id).not.toBe(fresh.id);
    });

    it("forgets an Idempotency-Key once its event has expired, even just after another publish", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const keyed = (data: string) => publish(target, topic, { data }, { headers: { "idempotency-key": "once" } });
      // An open stream keeps the topic in memory (on Node, a topic without
      // streams is dropped each second, and with it when it last swept).
      const live = await subscribe(target, topic);
      const first = await keyed("first");
      expect(first.status).toBe(201);
      const { id } = (await first.json()) as { id: string };
      // A publish without a key ~1.3 s later; the keyed one follows within a
      // second of it, once "first" (2 s TTL) has expired.
      await sleep(1300);
      await publishOk(target, topic, { data: "between" });
      await sleep(850);
      const again = await keyed("second");
      expect(again.status).toBe(201);
      expect(await again.json()).toMatchObject({ topic, delivered: 1 });
      expect((await live.take(3)).map((e) => e.data)).toEqual(["first", "between", "second"]);
      expect(await statsOf(target, topic)).toMatchObject({ retained: 2 });
      const stream = await subscribe(target, topic, { lastEventId: id });
      expect((await stream.take(2)).map((e) => e.data)).toEqual(["between", "second"]);
    });

    it("answers 503 past MAX_SUBSCRIBERS_PER_TOPIC, and the count drops when clients leave", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const a = await subscribe(target, topic);
      const b = await subscribe(target, topic);
      const refused = await subscribeRaw(target, topic);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: "topic_full" });
      expect(await statsOf(target, topic)).toMatchObject({ subscribers: 2, refused: { topic_full: 1 } });
      await a.close();
      await b.close();
      await eventually(async () => (await statsOf(target, topic)).subscribers === 0, 8000, "subscribers to drop to 0");
      const again = await subscribe(target, topic);
      await publishOk(target, topic, { data: "room again" });
      expect((await again.next()).data).toBe("room again");
    });

    it("on a /stream refused because one topic is full, leaves no stream open on the others", async () => {
      const target = targetOf();
      const full = uniqueTopic();
      const others = [uniqueTopic(), uniqueTopic()];
      const holders = [await subscribe(target, full), await subscribe(target, full)];
      const refused = await subscribeMuxRaw(target, [...others, full]);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toMatchObject({ error: "topic_full" });
      for (const topic of others) expect((await statsOf(target, topic)).subscribers).toBe(0);
      await Promise.all(holders.map((h) => h.close()));
    });

    it("disconnects a subscriber that does not read, and it resumes from the log", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const stalled = await subscribeRaw(target, topic);
      expect(stalled.status).toBe(200);
      // Socket buffers between the hub and a reader that stopped (a few MB
      // on loopback) fill before the hub's own bounded queue does.
      const payload = "y".repeat(1000);
      await eventually(
        async () => {
          await Promise.all(Array.from({ length: 16 }, () => publishOk(target, topic, { data: payload })));
          return (await statsOf(target, topic)).subscribers === 0;
        },
        30_000,
        "the stalled subscriber to be dropped",
      );
      await stalled.body?.cancel().catch(() => undefined);
      const { lastId } = await statsOf(target, topic);
      const resumed = await subscribe(target, topic, { lastEventId: lastId! });
      await publishOk(target, topic, { data: "after" });
      expect((await resumed.next()).data).toBe("after");
    });

    it("requires JWT_ISSUER and JWT_AUDIENCE when they are set", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const herald = { subscribe: ["*"] };
      for (const token of [
        await mint({ herald }),
        await mint({ herald }, { issuer: "https://other.test", audience: "herald-test" }),
        await mint({ herald }, { issuer: "https://issuer.test", audience: "other" }),
      ]) {
        const response = await subscribeRaw(target, topic, { token });
        expect(response.status).toBe(401);
        expect(await response.json()).toMatchObject({ error: "invalid_token" });
      }
      expect((await subscribeRaw(target, topic, { token: await tokenFor(target, herald) })).status).toBe(200);
    });
  });
}
