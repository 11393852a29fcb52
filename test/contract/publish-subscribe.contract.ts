import { describe, expect, it } from "vitest";
import { publish, publishOk, statsOf, subscribe, tokenFor, uniqueTopic, type TargetSource } from "./harness.js";

/** Publish → receive: framing, ordering, body forms, idempotency. */
export function publishSubscribeContract(targetOf: TargetSource): void {
  describe("publish and subscribe", () => {
    it("answers the stream with SSE headers and a retry field first", async () => {
      const stream = await subscribe(targetOf(), uniqueTopic());
      expect(stream.response.status).toBe(200);
      expect(stream.response.headers.get("content-type")).toBe("text/event-stream");
      expect(stream.response.headers.get("cache-control")).toContain("no-cache");
      expect(stream.response.headers.get("cache-control")).toContain("no-transform");
      expect(stream.response.headers.get("content-encoding") ?? "identity").toBe("identity");
      await stream.until(() => stream.retry !== undefined, 2000, "retry");
      expect(stream.retry).toBe(2000);
    });

    it("delivers every event to every subscriber, in order, with 201 and the delivered count", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const a = await subscribe(target, topic);
      const b = await subscribe(target, topic);
      const results = [];
      for (let i = 0; i < 10; i++) {
        const response = await publish(target, topic, { event: "update", data: { n: i } });
        expect(response.status).toBe(201);
        results.push((await response.json()) as { id: string; topic: string; delivered: number });
      }
      expect(results[0]).toMatchObject({ topic, delivered: 2 });
      for (const stream of [a, b]) {
        const events = await stream.take(10);
        expect(events.map((e) => JSON.parse(e.data).n)).toEqual([...Array(10).keys()]);
        expect(events.map((e) => e.id)).toEqual(results.map((r) => r.id));
        expect(events.every((e) => e.event === "update")).toBe(true);
      }
      expect(new Set(results.map((r) => r.id)).size).toBe(10);
    });

    it("counts zero deliveries when nobody listens, and still stores the event", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const { id, delivered } = await publishOk(target, topic, { data: "x" });
      expect(delivered).toBe(0);
      expect((await statsOf(target, topic)).lastId).toBe(id);
    });

    it("sends string data as is and any other JSON value as JSON, exactly", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const stream = await subscribe(target, topic);
      const values = [{ a: [1, 2, { b: "c\nd" }], u: "é€😀" }, 42, null, true, [], "plain text"];
      for (const data of values) await publishOk(target, topic, { data });
      const events = await stream.take(values.length);
      expect(events.slice(0, 5).map((e) => JSON.parse(e.data))).toEqual(values.slice(0, 5));
      expect(events[5]!.data).toBe("plain text");
      expect(events[0]!.event).toBeUndefined();
    });

    it("splits line breaks into data lines that a standard parser joins with \\n", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const stream = await subscribe(target, topic);
      const long = "x".repeat(20_000);
      const inputs = ["a\nb", "a\r\nb\rc", "\n\nmiddle\n\n", "", " leading space", "ünïcødé ✓ 😀", long, "data: fake\nevent: evil\nid: 1"];
      for (const data of inputs) await publishOk(target, topic, { data });
      const events = await stream.take(inputs.length);
      expect(events.map((e) => e.data)).toEqual([
        "a\nb",
        "a\nb\nc",
        "\n\nmiddle\n\n",
        "",
        " leading space",
        "ünïcødé ✓ 😀",
        long,
        "data: fake\nevent: evil\nid: 1",
      ]);
      expect(events.every((e) => e.event === undefined)).toBe(true);
    });

    it("accepts text/plain, no content-type and the form body", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const stream = await subscribe(target, topic);
      const token = await tokenFor(target, { publish: [topic] });
      const auth = { authorization: `Bearer ${token}` };
      const text = await target.fetch(`/topics/${topic}?event=note`, {
        method: "POST",
        headers: { ...auth, "content-type": "text/plain; charset=utf-8" },
        body: "hello\nworld",
      });
      expect(text.status).toBe(201);
      const bare = await target.fetch(`/topics/${topic}`, { method: "POST", headers: auth, body: new TextEncoder().encode("raw") });
      expect(bare.status).toBe(201);
      const form = await target.fetch(`/topics/${topic}`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ data: '{"k":1}', event: "formed" }).toString(),
      });
      expect(form.status).toBe(201);
      const events = await stream.take(3);
      expect(events.map((e) => [e.event, e.data])).toEqual([
        ["note", "hello\nworld"],
        [undefined, "raw"],
        ["formed", '{"k":1}'],
      ]);
    });

    it("sends a heartbeat comment that a parser ignores", async () => {
      const stream = await subscribe(targetOf(), uniqueTopic());
      await stream.until(() => stream.comments.includes("ping"), 4000, "a ping comment");
      expect(stream.events).toEqual([]);
    });

    it("publishes once per Idempotency-Key, even for concurrent duplicates", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const stream = await subscribe(target, topic);
      const headers = { "idempotency-key": "order-42-shipped" };
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => publish(target, topic, { event: "shipped", data: { order: 42 } }, { headers })),
      );
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 201]);
      const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ id: string; duplicate?: boolean }>));
      expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
      expect(bodies.filter((b) => b.duplicate).length).toBe(4);
      const later = await publish(target, topic, { event: "shipped", data: { order: 42 } }, { headers });
      expect(later.status).toBe(200);
      expect(((await later.json()) as { id: string }).id).toBe(bodies[0]!.id);
      await stream.take(1);
      await stream.expectQuiet();
      expect((await statsOf(target, topic)).retained).toBe(1);
    });

    it("refuses an Idempotency-Key reused for a different event with 409", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const headers = { "idempotency-key": "k1" };
      expect((await publish(target, topic, { data: 1 }, { headers })).status).toBe(201);
      const reused = await publish(target, topic, { data: 2 }, { headers });
      expect(reused.status).toBe(409);
      expect(await reused.json()).toMatchObject({ error: "idempotency_key_reused" });
      expect((await statsOf(target, topic)).retained).toBe(1);
    });

    it("reports stats to publishers", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      await subscribe(target, topic);
      const first = await publishOk(target, topic, { data: 1 });
      const last = await publishOk(target, topic, { data: 2 });
      expect(await statsOf(target, topic)).toEqual({
        topic,
        subscribers: 1,
        lastId: last.id,
        retained: 2,
        oldestId: first.id,
        // Only a topic with relays says how many (every stream is on one in this profile).
        ...(target.profile === "relayed" ? { relays: 1 } : {}),
      });
    });

    it("answers /health with the version", async () => {
      const response = await targetOf().fetch("/health");
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: "ok", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    });
  });
}
