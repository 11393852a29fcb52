import { describe, expect, it } from "vitest";
import { eventually, subscribe, subscribeMux, tokenFor, uniqueTopic, type Target, type TargetSource } from "./harness.js";
import { pageOf } from "./history.contract.js";

interface PresenceBody {
  topic: string;
  subjects: Array<{ sub: string; streams: number }>;
  anonymous: number;
}

async function presenceOf(target: Target, topic: string, token?: string): Promise<Response> {
  const bearer = token ?? (await tokenFor(target, { publish: ["*"] }));
  return target.fetch(`/topics/${topic}/presence`, { headers: { authorization: `Bearer ${bearer}` } });
}

async function whoIsOn(target: Target, topic: string): Promise<PresenceBody> {
  const response = await presenceOf(target, topic);
  if (response.status !== 200) throw new Error(`presence answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as PresenceBody;
}

/** GET /topics/{topic}/presence: who has a stream open, on every part of the topic. */
export function presenceContract(targetOf: TargetSource): void {
  describe("presence", () => {
    it("counts each subject's streams (a multi-topic stream on each of its topics) and the anonymous ones, and forgets a closed stream", async () => {
      const target = targetOf();
      const topic = `public:${uniqueTopic()}`;
      const other = uniqueTopic();
      const [alice, bob] = [`alice-${topic}`, `bob-${topic}`];
      const as = (sub: string) => tokenFor(target, { subscribe: ["*"] }, { sub });
      const single = await subscribe(target, topic, { token: await as(alice) });
      await subscribeMux(target, [topic, other], { token: await as(alice) });
      await subscribe(target, topic, { token: await as(bob) });
      await subscribe(target, topic, { token: null });
      await subscribe(target, topic, { token: await tokenFor(target, { subscribe: ["*"] }) });

      expect(await whoIsOn(target, topic)).toEqual({
        topic,
        subjects: [
          { sub: alice, streams: 2 },
          { sub: bob, streams: 1 },
        ],
        anonymous: 2,
      });
      expect(await whoIsOn(target, other)).toEqual({ topic: other, subjects: [{ sub: alice, streams: 1 }], anonymous: 0 });

      await single.close();
      await eventually(async () => (await whoIsOn(target, topic)).subjects[0]?.streams === 1, 5000, "alice's closed stream to leave");
      expect((await whoIsOn(target, topic)).subjects).toEqual([
        { sub: alice, streams: 1 },
        { sub: bob, streams: 1 },
      ]);
    });

    it("announces a subject's first stream and its last on a PRESENCE_TOPICS topic, the leave only after its grace", async () => {
      const target = targetOf();
      const topic = `room:${uniqueTopic()}`;
      const alice = `alice-${topic}`;
      const as = () => tokenFor(target, { subscribe: ["*"] }, { sub: alice });
      // A token without a subject: the watcher is on the topic, and announces nothing itself.
      const watcher = await subscribe(target, topic);
      const first = await subscribe(target, topic, { token: await as() });
      const joined = await watcher.next();
      expect(joined).toMatchObject({ event: "herald.join", data: JSON.stringify({ topic, sub: alice }), id: expect.any(String) });
      // The joining stream gets its own join: it is an event of the topic like any other.
      expect(await first.next()).toMatchObject({ event: "herald.join", id: joined.id });
      const second = await subscribeMux(target, [topic], { token: await as() });
      await first.close();
      await second.close();
      // Back within the grace (a reconnect): neither a leave nor a join.
      const back = await subscribe(target, topic, { token: await as() });
      await watcher.expectQuiet(1500);
      await back.close();
      expect(await watcher.next(5000)).toMatchObject({ event: "herald.leave", data: JSON.stringify({ topic, sub: alice }) });
      // In the log, with ids: a late joiner rebuilds the list from the history.
      expect((await pageOf(target, topic)).events.map((e) => e.event)).toEqual(["herald.join", "herald.leave"]);
    });

    it("announces nothing on a topic outside PRESENCE_TOPICS", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const watcher = await subscribe(target, topic);
      const alice = await subscribe(target, topic, { token: await tokenFor(target, { subscribe: ["*"] }, { sub: `alice-${topic}` }) });
      await alice.close();
      await watcher.expectQuiet(1500);
      expect((await pageOf(target, topic)).events).toEqual([]);
    });

    it("needs publish rights, as stats do", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const reader = await presenceOf(target, topic, await tokenFor(target, { subscribe: ["*"] }));
      expect(reader.status).toBe(403);
      expect(await reader.json()).toMatchObject({ error: "forbidden" });
      expect((await target.fetch(`/topics/${topic}/presence`)).status).toBe(401);
      expect(await whoIsOn(target, topic)).toEqual({ topic, subjects: [], anonymous: 0 });
    });
  });
}
