import { describe, expect, it } from "vitest";
import {
  eventually,
  publishOk,
  statsOf,
  subscribe,
  subscribeMux,
  subscribeRaw,
  subscribeMuxRaw,
  tokenFor,
  uniqueTopic,
  type SseStream,
  type Target,
  type TargetSource,
} from "./harness.js";

const as = (target: Target, sub: string) => tokenFor(target, { subscribe: ["*"] }, { sub });

async function expectTooMany(response: Response): Promise<void> {
  expect(response.status).toBe(429);
  expect(await response.json()).toMatchObject({ error: "too_many_streams", message: expect.any(String) });
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
}

/** Waits until a stream's place is free: a closed stream leaves the count as soon as the hub hears of it. */
async function opensAgain(open: () => Promise<Response>): Promise<Response> {
  let response: Response | undefined;
  await eventually(async () => {
    response = await open();
    if (response.status === 200) return true;
    await expectTooMany(response);
    return false;
  }, 10_000, "a place to free up");
  return response!;
}

/** The `streams` profile: MAX_STREAMS_PER_USER=2 (refuse) and MAX_ANON_STREAMS_PER_IP=2. */
export function streamLimitsContract(targetOf: TargetSource): void {
  describe("streams per user (refuse)", () => {
    it("counts a user's streams across topics and both routes, a multi-topic stream as one, and refuses the next with 429", async () => {
      const target = targetOf();
      const sub = `alice-${uniqueTopic()}`;
      const token = await as(target, sub);
      const [one, two, three, four] = [uniqueTopic(), uniqueTopic(), uniqueTopic(), uniqueTopic()];
      const single = await subscribe(target, one, { token });
      const multi = await subscribeMux(target, [two, three], { token });
      await expectTooMany(await subscribeRaw(target, four, { token }));
      await expectTooMany(await subscribeMuxRaw(target, [four, one], { token }));
      // The refusals opened nothing, and the open streams go on.
      expect((await statsOf(target, four)).subscribers).toBe(0);
      expect((await statsOf(target, one)).subscribers).toBe(1);
      const event = await publishOk(target, one, { data: 1 });
      expect((await single.next()).id).toBe(event.id);
      await publishOk(target, three, { data: 2 });
      expect((await multi.next()).data).toBe("2");
      // Another user has places of their own.
      await subscribe(target, four, { token: await as(target, `bob-${sub}`) });
    });

    it("frees a place as soon as a stream closes", async () => {
      const target = targetOf();
      const sub = `carol-${uniqueTopic()}`;
      const token = await as(target, sub);
      const topic = uniqueTopic();
      const first = await subscribe(target, topic, { token });
      await subscribeMux(target, [uniqueTopic(), uniqueTopic()], { token });
      await expectTooMany(await subscribeRaw(target, topic, { token }));
      await first.close();
      const again = await opensAgain(() => subscribeRaw(target, topic, { token }));
      expect(again.headers.get("content-type")).toContain("text/event-stream");
    });
  });

  it("answers a probe (?probe=1, the client's diagnosis) as the stream would be, with a stream that ends after its head, taking no place", async () => {
    const target = targetOf();
    const token = await as(target, `probe-${uniqueTopic()}`);
    const topic = uniqueTopic();
    const probe = () => subscribeMuxRaw(target, [topic], { token, query: { probe: "1" } });
    const first = await probe();
    expect(first.status).toBe(200);
    // Ends by itself after the head: nothing to cancel.
    expect(await first.text()).toContain("herald.open");
    await subscribe(target, topic, { token });
    await subscribe(target, topic, { token });
    // At the limit: the probe is refused as the stream would be.
    await expectTooMany(await probe());
  });

  describe("anonymous streams per address", () => {
    it("holds each address to MAX_ANON_STREAMS_PER_IP streams without a subject; streams with one are the user's", async () => {
      const target = targetOf();
      const from = (address: string) => target.fromAddress!(address);
      const topic = `public:${uniqueTopic()}`;
      const opened: SseStream[] = [];
      opened.push(await subscribe(target, topic, { token: null, headers: from("198.51.100.7") }));
      opened.push(await subscribe(target, topic, { token: null, headers: from("198.51.100.7") }));
      await expectTooMany(await subscribeRaw(target, topic, { token: null, headers: from("198.51.100.7") }));
      // A token without `sub` is anonymous too.
      const noSub = await tokenFor(target, { subscribe: ["*"] });
      await expectTooMany(await subscribeMuxRaw(target, [topic, uniqueTopic()], { token: noSub, headers: from("198.51.100.7") }));
      // Another address, and a user from the same address, are not held to it.
      await subscribe(target, topic, { token: null, headers: from("198.51.100.8") });
      await subscribe(target, topic, { token: await as(target, `dave-${topic}`), headers: from("198.51.100.7") });
      // One IPv6 client is its /64.
      await subscribe(target, topic, { token: null, headers: from("2001:db8:7:7::1") });
      await subscribe(target, topic, { token: null, headers: from("2001:db8:7:7:ffff::2") });
      await expectTooMany(await subscribeRaw(target, topic, { token: null, headers: from("2001:db8:7:7::3") }));
      expect((await statsOf(target, topic)).subscribers).toBe(6);
      await opened[0]!.close();
      await opensAgain(() => subscribeRaw(target, topic, { token: null, headers: from("198.51.100.7") }));
    });
  });
}

/** The `replacing` profile: MAX_STREAMS_PER_USER=2 with STREAMS_PER_USER_POLICY=replace. */
export function streamReplaceContract(targetOf: TargetSource): void {
  describe("streams per user (replace)", () => {
    it("ends the user's oldest stream with herald.replaced (no id) when one more opens, and only that one", async () => {
      const target = targetOf();
      const token = await as(target, `erin-${uniqueTopic()}`);
      const [one, two, three, four] = [uniqueTopic(), uniqueTopic(), uniqueTopic(), uniqueTopic()];
      const first = await subscribe(target, one, { token });
      const before = await publishOk(target, one, { data: 1 });
      await first.next();
      const multi = await subscribeMux(target, [two, three], { token });
      const third = await subscribe(target, four, { token });

      const notice = await first.next();
      expect(notice).toMatchObject({ event: "herald.replaced", data: JSON.stringify({ topic: one }) });
      expect(notice.id).toBeUndefined();
      await first.until(() => first.ended, 5000, "the replaced stream to end");
      // It moved no position: a client that did reconnect would resume after its last event.
      expect(first.lastEventId).toBe(before.id);
      await eventually(async () => (await statsOf(target, one)).subscribers === 0, 5000, "the replaced stream to leave its topic");

      // The others go on; the next open replaces the multi-topic stream, whole.
      await publishOk(target, four, { data: 2 });
      expect((await third.next()).data).toBe("2");
      await subscribe(target, one, { token });
      expect(await multi.next()).toMatchObject({ event: "herald.replaced", data: JSON.stringify({ topics: [two, three] }) });
      await multi.until(() => multi.ended, 5000, "the replaced stream to end");
      await publishOk(target, four, { data: 3 });
      expect((await third.next()).data).toBe("3");
    });

    it("lets a probe (?probe=1) replace nothing", async () => {
      const target = targetOf();
      const token = await as(target, `henry-${uniqueTopic()}`);
      const topic = uniqueTopic();
      const [first, second] = [await subscribe(target, topic, { token }), await subscribe(target, topic, { token })];
      const probe = await subscribeMuxRaw(target, [topic], { token, query: { probe: "1" } });
      expect(probe.status).toBe(200);
      await probe.text();
      await publishOk(target, topic, { data: 1 });
      expect((await first.next()).data).toBe("1");
      expect((await second.next()).data).toBe("1");
      expect(first.ended).toBe(false);
    });

    it("replaces only the same user's streams", async () => {
      const target = targetOf();
      const topic = uniqueTopic();
      const frank = await as(target, `frank-${topic}`);
      const other = await subscribe(target, topic, { token: await as(target, `grace-${topic}`) });
      for (let n = 0; n < 3; n++) await subscribe(target, topic, { token: frank });
      await eventually(async () => (await statsOf(target, topic)).subscribers === 3, 5000, "frank's first stream to be replaced");
      await publishOk(target, topic, { data: 1 });
      expect((await other.next()).data).toBe("1");
    });
  });
}
