import { describe, expect, it } from "vitest";
import { publishOk, subscribe, subscribeMux, uniqueTopic, type TargetSource } from "./harness.js";

/** Last-Event-ID replay: exact, gap-free, duplicate-free, and honest about gaps. */
export function replayContract(targetOf: TargetSource): void {
  describe("replay", () => {
    it("replays exactly the missed events after Last-Event-ID, then live ones", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const first = await subscribe(target, topic);
      for (let i = 1; i <= 3; i++) await publishOk(target, topic, { data: i });
      const seen = await first.take(3);
      await first.close();
      for (let i = 4; i <= 6; i++) await publishOk(target, topic, { data: i });

      const again = await subscribe(target, topic, { lastEventId: seen[2]!.id });
      expect((await again.take(3)).map((e) => e.data)).toEqual(["4", "5", "6"]);
      await publishOk(target, topic, { data: 7 });
      expect((await again.next()).data).toBe("7");
      await again.expectQuiet();
    });

    it("replays the same events whole to many subscribers resuming from the same id, one after another and at once", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) ids.push((await publishOk(target, topic, { data: `e${i}`, event: i % 2 ? "odd" : undefined })).id);
      const expected = ids.slice(1).map((id, i) => ({ id, data: `e${i + 2}` }));
      const resumed = async () => {
        const stream = await subscribe(target, topic, { lastEventId: ids[0]! });
        const events = await stream.take(4);
        await stream.close();
        return events.map(({ id, data }) => ({ id, data }));
      };
      expect(await resumed()).toEqual(expected);
      expect(await resumed()).toEqual(expected);
      for (const events of await Promise.all([resumed(), resumed(), resumed()])) expect(events).toEqual(expected);
    });

    it("starts every stream with its position, so a client dropped before its first event misses nothing", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const fresh = await subscribe(target, topic);
      await fresh.until(() => fresh.lastEventId !== undefined, 5000, "the stream's position");
      const beforeAny = fresh.lastEventId!;
      expect(beforeAny).toMatch(/-0$/);
      await fresh.close();
      const before = await publishOk(target, topic, { data: "before" });
      const dropped = await subscribe(target, topic);
      await dropped.until(() => dropped.lastEventId !== undefined, 5000, "the stream's position");
      expect(dropped.lastEventId).toBe(before.id);
      expect(dropped.events).toEqual([]);
      await dropped.close();
      for (let i = 1; i <= 2; i++) await publishOk(target, topic, { data: `after ${i}` });
      for (const from of [beforeAny, dropped.lastEventId!]) {
        const again = await subscribe(target, topic, { lastEventId: from });
        const expected = from === before.id ? ["after 1", "after 2"] : ["before", "after 1", "after 2"];
        expect((await again.take(expected.length)).map((e) => e.data)).toEqual(expected);
        expect(again.events.some((e) => e.event === "herald.gap")).toBe(false);
      }
    });

    it("replays more than MAX_BUFFERED_BYTES whole, on /topics and /stream: a replay is not a slow reader", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const since = Date.now() - 1;
      const first = await publishOk(target, topic, { data: "first" });
      // 24 events of 24 KB: about 580 KB after the id, past the standard 256 KiB bound.
      const ids: string[] = [];
      for (let i = 0; i < 24; i++) ids.push((await publishOk(target, topic, { data: `${i}${"r".repeat(24_000)}` })).id);
      const single = await subscribe(target, topic, { lastEventId: first.id });
      const muxed = await subscribeMux(target, [topic], { query: { since: String(since) } });
      // Neither is read until both have had time to receive all of it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await single.take(24, 10_000)).map((e) => e.id)).toEqual(ids);
      // subscribeMux has taken herald.open already.
      const multiplexed = await muxed.take(25, 10_000);
      expect(multiplexed.map((e) => e.data.slice(0, 3))).toEqual(["fir", ...ids.map((_, i) => `${i}rrr`.slice(0, 3))]);
      await Promise.all([single.close(), muxed.close()]);
    });

    it("takes the id from ?lastEventId= for clients that cannot set headers", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const ids = [];
      for (let i = 1; i <= 4; i++) ids.push((await publishOk(target, topic, { data: i })).id);
      const stream = await subscribe(target, topic, { query: { lastEventId: ids[1]! } });
      expect((await stream.take(2)).map((e) => e.data)).toEqual(["3", "4"]);
      expect(stream.events.some((e) => e.event === "herald.gap")).toBe(false);
      // Spaces around it are dropped, as from a header, the same on both entries.
      const spaced = await subscribe(target, topic, { query: { lastEventId: ` ${ids[2]!} ` } });
      expect((await spaced.take(1)).map((e) => e.data)).toEqual(["4"]);
      expect(spaced.events.some((e) => e.event === "herald.gap")).toBe(false);
    });

    it("sends nothing old when the id is the latest, and no gap", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      await publishOk(target, topic, { data: 1 });
      const { id } = await publishOk(target, topic, { data: 2 });
      const stream = await subscribe(target, topic, { lastEventId: id });
      await stream.expectQuiet();
      expect(stream.events).toEqual([]);
    });

    it("sends a herald.gap then the whole retained log for an unknown id", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const a = await publishOk(target, topic, { data: "a" });
      const b = await publishOk(target, topic, { data: "b" });
      for (const unknown of ["nonsense", "0-1", `${a.id}0`, "zz-1"]) {
        const stream = await subscribe(target, topic, { lastEventId: unknown });
        const [gap, ...events] = await stream.take(3);
        expect(gap!.event).toBe("herald.gap");
        expect(gap!.id).toBeUndefined();
        // Told before the stream moves its Last-Event-ID past the gap: a client
        // dropped in between comes back with its old id and is told again.
        expect(stream.lastEventIdAt[0]).toBeUndefined();
        expect(JSON.parse(gap!.data)).toEqual({ topic, requested: unknown, reason: "unknown", oldestId: a.id, lastId: b.id });
        expect(events.map((e) => [e.id, e.data])).toEqual([[a.id, "a"], [b.id, "b"]]);
        await stream.close();
      }
    });

    it("loses and repeats nothing when publishes race with the reconnect", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const first = await subscribe(target, topic);
      await publishOk(target, topic, { data: 0 });
      const [last] = await first.take(1);
      await first.close();
      let n = 1;
      const publisher = (async () => {
        for (; n <= 40; n++) await publishOk(target, topic, { data: n });
      })();
      const again = await subscribe(target, topic, { lastEventId: last!.id });
      await publisher;
      const events = await again.take(40);
      expect(events.map((e) => Number(e.data))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await again.expectQuiet();
    });

    it("replays an acknowledged event from storage after the topic restarts", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const first = await publishOk(target, topic, { data: "before" });
      const second = await publishOk(target, topic, { data: "durable" });
      await target.restartTopic?.(topic);
      const stream = await subscribe(target, topic, { lastEventId: first.id });
      const [event] = await stream.take(1);
      expect([event!.id, event!.data]).toEqual([second.id, "durable"]);
      const third = await publishOk(target, topic, { data: "after" });
      const [live] = await stream.take(1);
      expect(live!.id).toBe(third.id);
      expect(third.id).not.toBe(second.id);
    });
  });
}
