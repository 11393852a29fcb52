import { describe, expect, it } from "vitest";
import { statsOf, subscribe, tokenFor, uniqueTopic, type Target, type TargetSource } from "./harness.js";

export interface BatchEntry {
  id?: string;
  topic: string;
  delivered?: number;
  duplicate?: true;
  error?: string;
  message?: string;
}

/** POST /publish with `events` (a JSON value as sent, or raw text), with a token that may publish anywhere unless another is given. */
export async function publishBatch(target: Target, events: unknown, init: { token?: string | null; contentType?: string } = {}): Promise<Response> {
  const token = init.token === undefined ? await tokenFor(target, { publish: ["*"] }) : init.token;
  const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json" };
  if (token !== null) headers["authorization"] = `Bearer ${token}`;
  return target.fetch("/publish", { method: "POST", headers, body: typeof events === "string" ? events : JSON.stringify({ events }) });
}

async function expectRefused(response: Response, status: number, error: string, message: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: string; message: string };
  expect(body.error).toBe(error);
  expect(body.message).toContain(message);
}

/** POST /publish, the same on both entries for everything that does not depend on where each topic lives. */
export function batchContract(targetOf: TargetSource): void {
  describe("batch publish", () => {
    it("publishes every event, each topic's in the batch's order, and answers each id in order", async () => {
      const target = targetOf();
      const [a, b] = [uniqueTopic(), uniqueTopic()];
      const [streamA, streamB] = [await subscribe(target, a), await subscribe(target, b)];
      const response = await publishBatch(target, [
        { topic: a, data: "a1" },
        { topic: b, data: { n: 1 } },
        { topic: a, event: "named", data: "a2" },
        { topic: a, data: "a3" },
        { topic: b, data: "b2" },
      ]);
      expect(response.status).toBe(201);
      const { events } = (await response.json()) as { events: BatchEntry[] };
      expect(events.map((e) => [e.topic, e.delivered])).toEqual([[a, 1], [b, 1], [a, 1], [a, 1], [b, 1]]);
      const gotA = await streamA.take(3);
      expect(gotA.map((e) => [e.id, e.event, e.data])).toEqual([
        [events[0]!.id, undefined, "a1"],
        [events[2]!.id, "named", "a2"],
        [events[3]!.id, undefined, "a3"],
      ]);
      expect((await streamB.take(2)).map((e) => [e.id, e.data])).toEqual([[events[1]!.id, '{"n":1}'], [events[4]!.id, "b2"]]);
      await streamA.expectQuiet();
    });

    it("refuses the whole batch for one bad event, naming it by its index, and publishes nothing", async () => {
      const target = targetOf();
      const [ok, mine] = [uniqueTopic(), `mine-${uniqueTopic()}`];
      const good = { topic: ok, data: 1 };
      await expectRefused(await publishBatch(target, [good, good, { topic: "no spaces", data: 1 }]), 400, "bad_topic", "events[2]: ");
      await expectRefused(await publishBatch(target, [good, { topic: ok, event: "herald.x", data: 1 }]), 400, "bad_event", "events[1]: ");
      await expectRefused(await publishBatch(target, [{ topic: ok }]), 400, "bad_body", "events[0]: ");
      await expectRefused(await publishBatch(target, [good, { topic: ok, data: 1, extra: 1 }]), 400, "bad_body", "events[1]: unknown field");
      await expectRefused(await publishBatch(target, [good, { topic: ok, data: "x".repeat(65_537) }]), 413, "payload_too_large", "events[1]: ");
      const keyed = { topic: ok, data: 1, idempotencyKey: "k" };
      await expectRefused(await publishBatch(target, [keyed, good, keyed]), 400, "bad_idempotency_key", "events[2]: repeats");
      const mineOnly = await tokenFor(target, { publish: [mine] });
      await expectRefused(await publishBatch(target, [{ topic: mine, data: 1 }, good], { token: mineOnly }), 403, "forbidden", "events[1]: ");
      await expectRefused(await publishBatch(target, Array(101).fill(good)), 413, "payload_too_large", "MAX_BATCH_EVENTS");
      await expectRefused(await publishBatch(target, []), 400, "bad_body", "at least one");
      await expectRefused(await publishBatch(target, "[1]"), 400, "bad_body", "events");
      await expectRefused(await publishBatch(target, [good], { contentType: "text/plain" }), 415, "unsupported_media_type", "application/json");
      await expectRefused(await publishBatch(target, [good], { token: null }), 401, "unauthorized", "Bearer");
      expect((await statsOf(target, ok)).retained + (await statsOf(target, mine)).retained).toBe(0);
      const get = await target.fetch("/publish");
      expect([get.status, get.headers.get("allow")]).toEqual([405, "POST"]);
    });

    it("answers repeated idempotency keys as a single publish does, so a retried batch stores each event once", async () => {
      const target = targetOf();
      const [a, b] = [uniqueTopic(), uniqueTopic()];
      const batch = [
        { topic: a, data: 1, idempotencyKey: "k1" },
        { topic: b, data: 2, idempotencyKey: "k1" },
        { topic: a, data: 3 },
      ];
      const first = (await (await publishBatch(target, batch.slice(0, 2))).json()) as { events: BatchEntry[] };
      const again = await publishBatch(target, batch.slice(0, 2));
      expect(again.status).toBe(200);
      expect(((await again.json()) as { events: BatchEntry[] }).events).toEqual(first.events.map(({ id, topic }) => ({ id, topic, duplicate: true })));
      const mixed = (await (await publishBatch(target, batch)).json()) as { events: BatchEntry[] };
      expect(mixed.events.map((e) => e.duplicate ?? false)).toEqual([true, true, false]);
      expect((await statsOf(target, a)).retained).toBe(2);
      // A key reused for another event on the same topic: 409, and that topic's events are not stored.
      await expectRefused(await publishBatch(target, [{ topic: a, data: 4 }, { topic: a, data: "other", idempotencyKey: "k1" }]), 409, "idempotency_key_reused", "events[0, 1]");
      expect((await statsOf(target, a)).retained).toBe(2);
    });

    it("refuses a body over MAX_BATCH_BYTES with 413", async () => {
      const target = targetOf();
      const events = Array.from({ length: 20 }, () => ({ topic: uniqueTopic(), data: "x".repeat(60_000) }));
      await expectRefused(await publishBatch(target, events), 413, "payload_too_large", "MAX_BATCH_BYTES");
    });
  });
}
