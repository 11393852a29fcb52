import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TopicObject } from "../../src/cloudflare/topic-object.js";
import { CONNECT_HEADERS, STALE_AFTER_BEATS } from "../../src/cloudflare/topic-wire.js";
import { eventually, publishOk, sleep, statsOf, subscribe, subscribeMux, tokenFor, uniqueTopic } from "../contract/harness.js";
import { pageOf } from "../contract/history.contract.js";
import { workerTarget } from "./target.js";
import { timerWatch } from "./timer-watch.js";

/**
 * The topic object as the edge design needs it: it can leave memory with
 * streams open and serve them after, it keeps no clock, and it forgets the
 * sockets of streams that went away. Streams are real HTTP streams through
 * the Worker, read with a standard SSE parser.
 */
const target = workerTarget();
const topics = (env as unknown as { TOPICS: DurableObjectNamespace<TopicObject> }).TOPICS;
const stubOf = (topic: string) => topics.get(topics.idFromName(topic));
const HEARTBEAT_MS = Number((env as unknown as Record<string, string>).HEARTBEAT_SECONDS) * 1000;

describe("the topic's Durable Object", () => {
  it("announces a presence topic's leave though it was evicted in the grace (the leave is stored, its alarm wakes it), and joins no one twice", async () => {
    const topic = `room:${uniqueTopic()}`;
    const watcher = await subscribe(target, topic);
    const alice = await subscribe(target, topic, { token: await tokenFor(target, { subscribe: ["*"] }, { sub: `alice-${topic}` }) });
    expect((await watcher.next()).event).toBe("herald.join");
    // Woken with alice's stream still open: taken back quietly, no second join.
    await evictDurableObject(stubOf(topic));
    await publishOk(target, topic, { data: "after" });
    expect((await watcher.next()).data).toBe("after");
    await alice.close();
    await sleep(200);
    await evictDurableObject(stubOf(topic));
    expect(await watcher.next(10_000)).toMatchObject({ event: "herald.leave", data: JSON.stringify({ topic, sub: `alice-${topic}` }) });
    expect((await pageOf(target, topic)).events.map((e) => e.event)).toEqual(["herald.join", "message", "herald.leave"]);
  });

  it("leaves memory with streams open, and its next publish reaches every stream once, with no reconnect", async () => {
    const topic = uniqueTopic();
    const other = uniqueTopic();
    const singles = await Promise.all([1, 2, 3].map(() => subscribe(target, topic)));
    const mux = await subscribeMux(target, [topic, other]);
    const before = await publishOk(target, topic, { data: "before" });
    for (const stream of [...singles, mux]) expect((await stream.next()).data).toBe("before");

    // Hibernation as the Workers test integration offers it: the instance is
    // torn down (its memory gone) and its WebSockets are kept.
    await evictDurableObject(stubOf(topic));
    // It is really gone: evicting an object that is not running is refused.
    await expect(evictDurableObject(stubOf(topic))).rejects.toThrow();

    const after = [await publishOk(target, topic, { data: "a1" }), await publishOk(target, topic, { data: "a2" })];
    expect(after.map((p) => p.delivered)).toEqual([4, 4]);
    const seq = (id: string) => Number(id.slice(id.lastIndexOf("-") + 1));
    expect(after.map((p) => seq(p.id))).toEqual([seq(before.id) + 1, seq(before.id) + 2]);
    for (const stream of singles) expect((await stream.take(2)).map((e) => [e.id, e.data])).toEqual(after.map((p, i) => [p.id, `a${i + 1}`]));
    expect((await mux.take(2)).map((e) => e.data)).toEqual(["a1", "a2"]);
    for (const stream of [...singles, mux]) {
      await stream.expectQuiet();
      expect(stream.ended).toBe(false);
    }
    expect((await statsOf(target, topic)).subscribers).toBe(4);
  });

  it("starts no timer and sets no alarm, whatever it is asked", async () => {
    const topic = uniqueTopic();
    await publishOk(target, topic, { data: "so the topic is stored" });
    const started = await runInDurableObject(stubOf(topic), async (instance: TopicObject, state) => {
      const { timers, watching } = timerWatch();
      const connect = new Request("https://topic.internal/connect", { headers: { upgrade: "websocket", [CONNECT_HEADERS.topic]: topic } });
      const response = await watching(() => instance.fetch(connect));
      const ws = response.webSocket!;
      ws.accept();
      await watching(() => instance.publish(topic, { data: "live" }));
      await watching(() => instance.stats(topic));
      watching(() => instance.webSocketMessage());
      watching(() => instance.webSocketClose(ws, 1000));
      return { timers, alarm: await state.storage.getAlarm(), status: response.status };
    });
    expect(started).toEqual({ timers: [], alarm: null, status: 101 });
  });

  it("forgets a stream whose browser went away", async () => {
    const topic = uniqueTopic();
    const streams = await Promise.all([1, 2, 3].map(() => subscribe(target, topic)));
    const mux = await subscribeMux(target, [topic, uniqueTopic()]);
    expect((await statsOf(target, topic)).subscribers).toBe(4);
    await streams[0]!.close();
    await mux.close();
    await eventually(async () => (await statsOf(target, topic)).subscribers === 2, 5000, "two streams left");
    const published = await publishOk(target, topic, { data: "to the two left" });
    expect(published.delivered).toBe(2);
    for (const stream of streams.slice(1)) expect((await stream.next()).data).toBe("to the two left");
  });

  it(`closes a socket whose Worker sent no ping for ${STALE_AFTER_BEATS} heartbeats, and keeps the live ones`, async () => {
    const topic = uniqueTopic();
    const live = await subscribe(target, topic);
    // A Worker that stopped: it opened the topic's socket, then never read nor pinged.
    const response = await stubOf(topic).fetch("https://topic.internal/connect", { headers: { upgrade: "websocket", [CONNECT_HEADERS.topic]: topic } });
    const silent = response.webSocket!;
    const closed = new Promise<number>((resolve) => silent.addEventListener("close", (e) => resolve(e.code)));
    silent.accept();
    expect((await statsOf(target, topic)).subscribers).toBe(2);
    await sleep((STALE_AFTER_BEATS + 1) * HEARTBEAT_MS);
    const published = await publishOk(target, topic, { data: "after the bound" });
    expect(published.delivered).toBe(1);
    expect(await closed).toBe(1011);
    expect((await live.next()).data).toBe("after the bound");
    expect((await statsOf(target, topic)).subscribers).toBe(1);
  });
});
