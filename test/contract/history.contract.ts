import { describe, expect, it } from "vitest";
import { publish, publishOk, subscribe, subscribeMux, subscribeMuxRaw, subscribeRaw, tokenFor, uniqueTopic, type Target, type TargetSource } from "./harness.js";

export interface HistoryBody {
  topic: string;
  events: Array<{ id: string; event: string; data: string; time: number }>;
  next: string | null;
  truncated: boolean;
}

/** GET /topics/{topic}/events with `query`; a token that may read every topic unless another (or none: null) is given. */
export async function historyOf(target: Target, topic: string, query: Record<string, string> = {}, token?: string | null): Promise<Response> {
  const bearer = token === undefined ? await tokenFor(target, { subscribe: ["*"] }) : token;
  const headers: Record<string, string> = bearer === null ? {} : { authorization: `Bearer ${bearer}` };
  return target.fetch(`/topics/${topic}/events?${new URLSearchParams(query)}`, { headers });
}

export async function pageOf(target: Target, topic: string, query: Record<string, string> = {}): Promise<HistoryBody> {
  const response = await historyOf(target, topic, query);
  if (response.status !== 200) throw new Error(`history answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as HistoryBody;
}

/** What a page reads before or as it streams: the topic's history, and the last n events on join. */
export function historyContract(targetOf: TargetSource): void {
  describe("history", () => {
    it("pages the retained events oldest first, with a next cursor, and gives the last n", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const before = Date.now();
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) ids.push((await publishOk(target, topic, i === 2 ? { event: "named", data: { n: i } } : { data: `e${i}` })).id);

      const first = await pageOf(target, topic, { limit: "2" });
      expect(first).toMatchObject({ topic, next: ids[1], truncated: false });
      expect(first.events).toEqual([
        { id: ids[0], event: "message", data: "e1", time: expect.any(Number) },
        { id: ids[1], event: "named", data: '{"n":2}', time: expect.any(Number) },
      ]);
      expect(first.events[0]!.time).toBeGreaterThanOrEqual(before - 1000);
      const second = await pageOf(target, topic, { after: first.next!, limit: "2" });
      expect(second.events.map((e) => e.id)).toEqual([ids[2], ids[3]]);
      const third = await pageOf(target, topic, { after: second.next!, limit: "2" });
      expect(third).toMatchObject({ next: null, truncated: false });
      expect(third.events.map((e) => e.data)).toEqual(["e5"]);

      expect((await pageOf(target, topic, { last: "2" })).events.map((e) => e.id)).toEqual([ids[3], ids[4]]);
      expect(await pageOf(target, topic, { after: ids[4]! })).toMatchObject({ events: [], next: null, truncated: false });
      // The default page holds them all here; an unknown id starts at the oldest, and says so.
      expect((await pageOf(target, topic)).events).toHaveLength(5);
      const unknown = await pageOf(target, topic, { after: "elsewhere-3" });
      expect(unknown).toMatchObject({ truncated: true });
      expect(unknown.events.map((e) => e.id)).toEqual(ids);
      expect(await pageOf(target, uniqueTopic())).toMatchObject({ events: [], next: null, truncated: false });
    });

    it("needs subscribe rights, as the stream does: user:{sub} for its own subject, public topics for anyone", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      await publishOk(target, topic, { data: 1 });
      expect((await historyOf(target, topic, {}, null)).status).toBe(401);
      const other = await tokenFor(target, { subscribe: ["other:*"], publish: [topic] });
      const refused = await historyOf(target, topic, {}, other);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: "forbidden" });
      const own = `user:${topic}`;
      await publishOk(target, own, { data: "mine" });
      const mine = await historyOf(target, own, {}, await tokenFor(target, {}, { sub: topic }));
      expect(((await mine.json()) as HistoryBody).events.map((e) => e.data)).toEqual(["mine"]);
      const open = `public:${topic}`;
      await publishOk(target, open, { data: "anyone" });
      expect((await historyOf(target, open, {}, null)).status).toBe(200);
    });

    it("refuses what it cannot take with 400, and other methods with 405", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const bad: Record<string, string>[] = [{ limit: "0" }, { limit: "1001" }, { limit: "x" }, { last: "0" }, { after: "x".repeat(257) }, { after: "a", last: "2" }];
      for (const query of bad) {
        const response = await historyOf(target, topic, query);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: "bad_request" });
      }
      const post = await publish(target, `${topic}/events`, { data: 1 });
      expect(post.status).toBe(405);
      expect(post.headers.get("allow")).toBe("GET");
    });
  });


  describe("last n on join", () => {
    it("replays the last n retained events, then live ones, on /topics", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) ids.push((await publishOk(target, topic, { data: i })).id);
      const stream = await subscribe(target, topic, { query: { last: "3" } });
      expect((await stream.take(3)).map((e) => [e.id, e.data])).toEqual([[ids[2], "3"], [ids[3], "4"], [ids[4], "5"]]);
      const live = await publishOk(target, topic, { data: 6 });
      expect(await stream.next()).toMatchObject({ id: live.id, data: "6" });
      await stream.expectQuiet();
      // More than the log holds: all of it, and no gap (nothing was missed that was asked for).
      const all = await subscribe(target, topic, { query: { last: "50" } });
      expect((await all.take(6)).map((e) => e.data)).toEqual(["1", "2", "3", "4", "5", "6"]);
      await all.expectQuiet();
    });

    it("on /stream, replays the last n of each topic the cursor has no position for, and resumes the others", async () => {
      const target = targetOf();
      const [kept, joined] = [uniqueTopic(), uniqueTopic()];
      const first = await subscribeMux(target, [kept]);
      await publishOk(target, kept, { data: "k1" });
      const [seen] = await first.take(1);
      await first.close();
      for (const data of ["k2", "k3"]) await publishOk(target, kept, { data });
      for (const data of ["j1", "j2", "j3"]) await publishOk(target, joined, { data });
      const stream = await subscribeMux(target, [kept, joined], { lastEventId: seen!.id, query: { last: "2" } });
      const events = await stream.take(4);
      const of = (topic: string) => events.filter((e) => e.id!.startsWith(`${topic};`)).map((e) => e.data);
      expect(of(kept)).toEqual(["k2", "k3"]);
      expect(of(joined)).toEqual(["j2", "j3"]);
      await stream.expectQuiet();
    });

    it("lets a Last-Event-ID win, so a reconnecting EventSource resumes instead of replaying the last n again", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) ids.push((await publishOk(target, topic, { data: i })).id);
      const stream = await subscribe(target, topic, { query: { last: "3" }, lastEventId: ids[3] });
      expect((await stream.next()).data).toBe("5");
      await stream.expectQuiet();
    });

    it("neither loses nor repeats an event published while the stream opens", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      for (let n = 1; n <= 10; n++) await publishOk(target, topic, { data: n });
      let n = 11;
      const publisher = (async () => {
        for (; n <= 40; n++) await publishOk(target, topic, { data: n });
      })();
      const stream = await subscribe(target, topic, { query: { last: "5" } });
      await publisher;
      await stream.until(() => stream.events.at(-1)?.data === "40", 10_000, "the last event");
      const got = stream.events.map((e) => Number(e.data));
      // The last 5 at the moment it opened, then every later one once.
      expect(got.length).toBeGreaterThanOrEqual(5);
      expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 41 - got.length + i));
    });

    it("refuses a bad last, or last with since, with 400", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      for (const last of ["-1", "x", "1.5", "99999999"]) {
        const response = await subscribeRaw(target, topic, { query: { last } });
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ error: "bad_request", message: expect.stringContaining("last") });
      }
      const both = await subscribeMuxRaw(target, [topic], { query: { last: "2", since: "0" } });
      expect(both.status).toBe(400);
    });
  });
}
