import { describe, expect, it } from "vitest";
import { publishBatch, type BatchEntry } from "./batch.contract.js";
import { publish, sleep, statsOf, tokenFor, uniqueTopic, type Target, type TargetSource } from "./harness.js";

/** The `rated` profile: PUBLISH_RATE=2 with PUBLISH_BURST=3 per publisher, TOPIC_PUBLISH_RATE=4. */
export function ratesContract(targetOf: TargetSource): void {
  describe("publish rates", () => {
    const as = (target: Target, topics: string[], sub?: string) => tokenFor(target, { publish: topics }, sub === undefined ? {} : { sub });
    const send = (target: Target, topic: string, token: string, n: number) => publish(target, topic, { data: n }, { token });

    /** A batch's 429: its Retry-After and its body. */
    async function expectBatchLimited(response: Response): Promise<{ retryAfter: number; events?: BatchEntry[] }> {
      expect(response.status).toBe(429);
      const body = (await response.json()) as { error: string; message: string; events?: BatchEntry[] };
      expect(body).toMatchObject({ error: "rate_limited", message: expect.stringContaining("events[0, 1] (topic") });
      const retryAfter = Number(response.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
      return { retryAfter, events: body.events };
    }

    async function expectLimited(response: Response): Promise<number> {
      expect(response.status).toBe(429);
      expect(await response.json()).toMatchObject({ error: "rate_limited", message: expect.any(String) });
      const retryAfter = Number(response.headers.get("retry-after"));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
      return retryAfter;
    }

    it("lets a publisher send its burst, then answers 429 with Retry-After and publishes nothing, until the bucket refills", async () => {
      const target = targetOf();
      const topics = [uniqueTopic(), uniqueTopic()];
      const alice = await as(target, topics, `alice-${topics[0]}`);
      for (let n = 0; n < 3; n++) expect((await send(target, topics[n % 2]!, alice, n)).status).toBe(201);
      // The bucket is the publisher's, across topics.
      const retryAfter = await expectLimited(await send(target, topics[1]!, alice, 3));
      expect((await statsOf(target, topics[0]!)).retained + (await statsOf(target, topics[1]!)).retained).toBe(3);
      // Another publisher has its own bucket.
      const bob = await as(target, topics, `bob-${topics[0]}`);
      expect((await send(target, topics[0]!, bob, 0)).status).toBe(201);
      await sleep(retryAfter * 1000);
      expect((await send(target, topics[0]!, alice, 4)).status).toBe(201);
    });

    it("gives each token without a sub its own bucket", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const [one, two] = [await as(target, [topic]), await as(target, [topic, uniqueTopic()])];
      for (let n = 0; n < 3; n++) expect((await send(target, topic, one, n)).status).toBe(201);
      await expectLimited(await send(target, topic, one, 3));
      expect((await send(target, topic, two, 0)).status).toBe(201);
    });

    it("counts each event of a batch against the publisher's rate, and refuses a batch larger than its burst with 413", async () => {
      const target = targetOf();
      const topics = [uniqueTopic(), uniqueTopic(), uniqueTopic()];
      const alice = await as(target, topics, `alice-${topics[0]}`);
      const over = await publishBatch(target, topics.concat(topics[0]!).map((topic) => ({ topic, data: 0 })), { token: alice });
      expect(over.status).toBe(413);
      expect(((await over.json()) as { message: string }).message).toContain("smaller batches");
      expect((await publishBatch(target, topics.map((topic) => ({ topic, data: 1 })), { token: alice })).status).toBe(201);
      await expectLimited(await send(target, topics[0]!, alice, 2));
    });

    it("refuses a topic's part of a batch past TOPIC_PUBLISH_RATE: on Node the whole batch, on Workers that topic's part, saying what was stored", async () => {
      const target = targetOf();
      const [hot, other] = [uniqueTopic(), uniqueTopic()];
      const [p1, p2, p3] = await Promise.all([1, 2, 3].map((i) => as(target, [hot, other], `p${i}-${hot}`)));
      // Four publishes take the hot topic's whole second.
      for (let n = 0; n < 3; n++) expect((await send(target, hot, p1!, n)).status).toBe(201);
      expect((await send(target, hot, p3!, 3)).status).toBe(201);
      const batch = [
        { topic: hot, data: "h1", idempotencyKey: "h1" },
        { topic: hot, data: "h2", idempotencyKey: "h2" },
        { topic: other, data: "o1", idempotencyKey: "o1" },
      ];
      const { retryAfter, events } = await expectBatchLimited(await publishBatch(target, batch, { token: p2 }));
      if (target.name === "node") {
        // One commit for the whole batch: nothing stored.
        expect(events).toBeUndefined();
        expect((await statsOf(target, other)).retained).toBe(0);
      } else {
        // Each topic's part is its own object's: the other topic's was stored, and the answer says so.
        expect(events!.map((e) => e.error ?? "stored")).toEqual(["rate_limited", "rate_limited", "stored"]);
        expect(events![2]).toMatchObject({ topic: other, id: expect.any(String), delivered: 0 });
        expect((await statsOf(target, other)).retained).toBe(1);
      }
      expect((await statsOf(target, hot)).retained).toBe(4);
      // The same batch again, once the topic refilled, completes it: each event stored once. (From p3: the
      // refused batch still counted against p2's own rate, as a publish refused past the publisher's check does.)
      await sleep(retryAfter * 1000);
      const retried = await publishBatch(target, batch, { token: p3 });
      expect(retried.status).toBe(201);
      expect((await statsOf(target, hot)).retained + (await statsOf(target, other)).retained).toBe(7);
    });

    it("holds one topic to TOPIC_PUBLISH_RATE whoever publishes, and leaves other topics alone", async () => {
      const target = targetOf();
      const [hot, other] = [uniqueTopic(), uniqueTopic()];
      const publishers = await Promise.all([0, 1, 2].map((i) => as(target, [hot, other], `p${i}-${hot}`)));
      const keyed = () => publish(target, hot, { data: 0 }, { token: publishers[0]!, headers: { "idempotency-key": "k0" } });
      const first = await keyed();
      expect(first.status).toBe(201);
      const statuses: number[] = [];
      for (let n = 1; n < 5; n++) statuses.push((await send(target, hot, publishers[n % 3]!, n)).status);
      expect(statuses).toEqual([201, 201, 201, 429]);
      expect(await statsOf(target, hot)).toMatchObject({ retained: 4, refused: { rate_limited: 1 } });
      // A retry of a stored event is answered as one, even past the topic's rate: it publishes nothing.
      const retry = await keyed();
      expect(retry.status).toBe(200);
      expect(await retry.json()).toMatchObject({ id: ((await first.json()) as { id: string }).id, duplicate: true });
      expect((await send(target, other, publishers[2]!, 0)).status).toBe(201);
    });
  });
}
