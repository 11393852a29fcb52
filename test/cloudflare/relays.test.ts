import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventually, publishOk, statsOf, subscribe, uniqueTopic, type SseStream } from "../contract/harness.js";
import type { Env } from "../../src/cloudflare/env.js";
import type { RelayObject } from "../../src/cloudflare/relay-object.js";
import { relayName } from "../../src/cloudflare/relay-wire.js";
import type { TopicObject } from "../../src/cloudflare/topic-object.js";
import { CONNECT_HEADERS } from "../../src/cloudflare/topic-wire.js";
import { expectEveryEventOnce, follow, seeded, seqOf } from "./followers.js";
import { timerWatch } from "./timer-watch.js";
import { workerTarget } from "./target.js";

/**
 * A hot topic spread over relays (docs/edge.md, Relays), in a small tree:
 * RELAY_AFTER=3 and MAX_RELAYS=4 (vitest.config.ts), so 20 streams put 3 on
 * the topic's object and the rest on four relays.
 */
const target = workerTarget();
const bindings = env as unknown as Env;
const root = (topic: string) => bindings.TOPICS.get(bindings.TOPICS.idFromName(topic));
/** What the unclean-restart test reads of a topic's object. */
interface Introspected {
  tree: { idle: boolean };
}
const relay = (topic: string, n: number) => bindings.RELAYS.get(bindings.RELAYS.idFromName(relayName(topic, n)));

/**
 * 20 followers reading while `events` are published in racing pairs;
 * `during(k)` runs after the k-th pair, and may store `extra` events of its own.
 */
async function run(topic: string, events: number, during: (k: number) => Promise<void> = async () => {}, extra = 0) {
  const first = await publishOk(target, topic, { data: "start" });
  let finalSeq: number | undefined;
  const chains = Array.from({ length: 20 }, (_, i) => follow(target, topic, () => finalSeq, Date.now() + 40_000, seeded(100 + i)));
  await eventually(async () => (await statsOf(target, topic)).subscribers >= 15, 10_000, "most followers to be connected");
  for (let k = 1; k <= events / 2; k++) {
    await Promise.all([publishOk(target, topic, { data: `${2 * k - 1}` }), publishOk(target, topic, { data: `${2 * k}` })]);
    await during(k);
  }
  finalSeq = seqOf(first.id) + events + extra;
  return { chains: await Promise.all(chains), firstSeq: seqOf(first.id) + 1, finalSeq };
}

describe("relays", () => {
  it("spreads a topic's streams over its object and up to MAX_RELAYS relays, and stats counts the whole tree", async () => {
    const topic = uniqueTopic("tree");
    const streams: SseStream[] = [];
    for (let i = 0; i < 20; i++) streams.push(await subscribe(target, topic));
    expect(await statsOf(target, topic)).toMatchObject({ subscribers: 20, relays: 4 });
    const sent = await publishOk(target, topic, { data: "to all" });
    expect(sent.delivered).toBe(20);
    for (const stream of streams) expect((await stream.next()).data).toBe("to all");
    await Promise.all(streams.map((s) => s.close()));
    // Relays whose streams all closed leave the tree (and the topic's record of it).
    await eventually(async () => {
      const stats = await statsOf(target, topic);
      return stats.subscribers === 0 && stats.relays === undefined;
    }, 8000, "the tree to shrink to the topic's object");
  });

  it("gives every stream on the tree every event exactly once while publishes race with reconnects", async () => {
    const { chains, firstSeq, finalSeq } = await run(uniqueTopic("race"), 40);
    for (const chain of chains) expectEveryEventOnce(chain, firstSeq, finalSeq);
    expect(chains.reduce((sum, chain) => sum + chain.resumes, 0)).toBeGreaterThan(5);
  }, 60_000);

  it("loses nothing when a relay and then the topic's object are evicted mid-run", async () => {
    const topic = uniqueTopic("evict");
    const { chains, firstSeq, finalSeq } = await run(topic, 40, async (k) => {
      if (k === 5) await evictDurableObject(relay(topic, 0));
      if (k === 12) await evictDurableObject(root(topic));
    });
    for (const chain of chains) expectEveryEventOnce(chain, firstSeq, finalSeq);
  }, 60_000);

  it("ends the relays' streams, which resume exactly, when the topic's object restarts having stored an event it did not deliver", async () => {
    const topic = uniqueTopic("unclean");
    // The topic's object holds these three; every follower (and its reconnects) goes to a relay.
    const holders = await Promise.all([0, 1, 2].map(() => subscribe(target, topic)));
    const { chains, firstSeq, finalSeq } = await run(topic, 30, async (k) => {
      if (k !== 6) return;
      // As if the object had stopped between storing an event and calling its relays (its own
      // sockets would close with it; these are left out of the check): once its calls are back,
      // it stores one more event without queuing it, and is gone.
      await eventually(() => runInDurableObject(root(topic), (instance) => (instance as unknown as Introspected).tree.idle), 5000, "the relays' calls to settle");
      await runInDurableObject(root(topic), (instance) => {
        const { channel } = instance as unknown as { channel: { log: { append(input: { data: string }, now: number): unknown } } };
        channel.log.append({ data: "stored, never sent" }, Date.now());
      });
      await evictDurableObject(root(topic));
    }, 1);
    for (const chain of chains) expectEveryEventOnce(chain, firstSeq, finalSeq);
    expect(chains.every((chain) => chain.seqs.length > 0)).toBe(true);
    await Promise.all(holders.map((h) => h.close()));
  }, 60_000);

  it("tells a stream on a relay of a gap where the log was trimmed, then replays what it keeps", async () => {
    const topic = uniqueTopic("trim");
    const holders = [await subscribe(target, topic), await subscribe(target, topic), await subscribe(target, topic)];
    const away = await subscribe(target, topic);
    expect((await statsOf(target, topic)).relays).toBe(1); // the fourth went to a relay
    const kept = await publishOk(target, topic, { data: "seen" });
    expect((await away.next()).id).toBe(kept.id);
    await away.close();
    let last = kept;
    for (let i = 0; i < 70; i++) last = await publishOk(target, topic, { data: `${i}` });
    const { oldestId } = await statsOf(target, topic);
    const resumed = await subscribe(target, topic, { lastEventId: kept.id });
    const [gap, ...replay] = await resumed.take(61, 10_000);
    expect(gap!.event).toBe("herald.gap");
    expect(JSON.parse(gap!.data)).toMatchObject({ reason: "trimmed", oldestId });
    expect(replay.map((e) => seqOf(e.id!))).toEqual(Array.from({ length: 60 }, (_, i) => seqOf(oldestId!) + i));
    expect(replay.at(-1)!.id).toBe(last.id);
    await Promise.all([...holders, resumed].map((s) => s.close()));
  }, 30_000);

  it("replays to a stream on a relay a log larger than one call carries, in order", async () => {
    const topic = uniqueTopic("big");
    const holders = await Promise.all([0, 1, 2].map(() => subscribe(target, topic)));
    const first = await publishOk(target, topic, { data: "first" });
    // 50 events of 60 KB: about 3 MB of replay, past a call's 1 MiB pieces and 4 MiB budget.
    const published: string[] = [];
    for (let i = 0; i < 50; i++) published.push((await publishOk(target, topic, { data: `${i}:${"é€😀x".repeat(6000)}` })).id);
    const resumed = await subscribe(target, topic, { lastEventId: first.id });
    expect((await statsOf(target, topic)).relays).toBe(1);
    const replay = await resumed.take(50, 20_000);
    expect(replay.map((e) => e.id)).toEqual(published);
    expect(replay.every((e, i) => e.data === `${i}:${"é€😀x".repeat(6000)}`)).toBe(true);
    const live = await publishOk(target, topic, { data: "live" });
    expect((await resumed.next()).id).toBe(live.id);
    await Promise.all([...holders, resumed].map((h) => h.close()));
  }, 30_000);

  it("starts no timer and sets no alarm on the root or a relay, whatever they are asked", async () => {
    const topic = uniqueTopic("timers");
    const holders = await Promise.all([0, 1, 2].map(() => subscribe(target, topic)));
    const onRelay = await subscribe(target, topic);
    const root_ = await runInDurableObject(root(topic), async (instance: TopicObject, state) => {
      const { timers, watching } = timerWatch();
      await watching(() => instance.publish(topic, { data: "to the tree" }));
      await watching(() => instance.stats(topic));
      return { timers, alarm: await state.storage.getAlarm() };
    });
    const relay_ = await runInDurableObject(relay(topic, 0), async (instance: RelayObject, state) => {
      const { timers, watching } = timerWatch();
      const connect = new Request("https://relay.internal/connect", {
        headers: { upgrade: "websocket", [CONNECT_HEADERS.topic]: topic, [CONNECT_HEADERS.relay]: "0" },
      });
      const response = await watching(() => instance.fetch(connect));
      response.webSocket!.accept();
      await watching(() => instance.deliver({ topic, reset: false, items: ["id: x-1\ndata: direct\n\n"] }));
      await watching(() => instance.count(topic));
      watching(() => instance.webSocketClose(response.webSocket!, 1000));
      return { timers, alarm: await state.storage.getAlarm(), status: response.status };
    });
    expect(root_).toEqual({ timers: [], alarm: null });
    expect(relay_).toEqual({ timers: [], alarm: null, status: 101 });
    expect((await onRelay.next()).data).toBe("to the tree");
    await Promise.all([...holders, onRelay].map((h) => h.close()));
  });
});
