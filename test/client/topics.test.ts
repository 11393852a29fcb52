import { describe, expect, it } from "vitest";
import { sleep, uniqueTopic } from "../contract/harness.js";
import { openClient, publish, requests, suiteHub, subscriberToken } from "./fixtures.js";
import { numbers, Recorder } from "./recorder.js";

/** Asserts `data` is n, n+1, ..., last: a run with nothing missing or repeated. */
function expectRun(data: string[], last: number): void {
  expect(data.length).toBeGreaterThan(0);
  expect(data).toEqual(numbers(last - data.length + 1, last));
}

describe("client: changing topics on a live connection", () => {
  const hub = suiteHub();

  it("subscribe and unsubscribe while publishes race: kept topics lose and repeat nothing", async () => {
    const [a, b, c] = [uniqueTopic("a"), uniqueTopic("b"), uniqueTopic("c")];
    const recorder = new Recorder(openClient(hub(), { topics: [a, b], token: await subscriberToken() }));
    await recorder.untilOpen();
    const rounds = 40;
    for (let i = 1; i <= rounds; i++) {
      // Not awaited together: each change reconnects while the last events are in flight.
      await Promise.all([publish(hub(), a, i), publish(hub(), b, i), publish(hub(), c, i)]);
      if (i === 10) recorder.client.subscribe(c);
      if (i === 20) recorder.client.unsubscribe(b);
      if (i === 30) recorder.client.subscribe(b);
    }
    await recorder.untilData(a, rounds);
    await recorder.until(() => recorder.dataOf(b).includes(String(rounds)), `${b}'s last event`);
    await recorder.until(() => recorder.dataOf(c).includes(String(rounds)), `${c}'s last event`);
    await sleep(300);

    expect(recorder.dataOf(a)).toEqual(numbers(1, rounds));
    // c started live once subscribed, then was kept through two changes.
    expectRun(recorder.dataOf(c), rounds);
    expect(Number(recorder.dataOf(c)[0])).toBeGreaterThan(10);
    // b: exact through c's subscribe up to its unsubscribe (events in flight
    // then are rightly dropped), then live again from its new subscribe.
    const bData = recorder.dataOf(b).map(Number);
    const resumedAt = bData.findIndex((n, i) => i > 0 && n !== bData[i - 1]! + 1);
    expect(bData.slice(0, resumedAt)).toEqual(numbers(1, resumedAt).map(Number));
    expect(resumedAt).toBeGreaterThan(10);
    expectRun(bData.slice(resumedAt).map(String), rounds);
    expect(recorder.client.topics).toEqual([a, c, b]);
    expect(requests.streams).toHaveLength(4);
  });

  it("with `last`, joins each topic with its last n events, and never replays them again on a change or a resume", async () => {
    const [a, b] = [uniqueTopic("a"), uniqueTopic("b")];
    for (let i = 1; i <= 5; i++) await Promise.all([publish(hub(), a, i), publish(hub(), b, i)]);
    const recorder = new Recorder(openClient(hub(), { topics: [a], last: 2, token: await subscriberToken() }));
    await recorder.untilData(a, 2);
    await publish(hub(), a, 6);
    await recorder.untilData(a, 3);
    // b has no position in the cursor: its last 2; a resumes from its own.
    recorder.client.subscribe(b);
    await recorder.untilData(b, 2);
    await publish(hub(), a, 7);
    await recorder.untilData(a, 4);
    expect(recorder.dataOf(a)).toEqual(["4", "5", "6", "7"]);
    expect(recorder.dataOf(b)).toEqual(["4", "5"]);
  });

  it("refuses to drop the last topic, and ignores a change to the same set", async () => {
    const topic = uniqueTopic();
    const client = openClient(hub(), { topics: [topic], token: await subscriberToken() });
    const recorder = new Recorder(client);
    await recorder.untilOpen();
    expect(() => client.unsubscribe(topic)).toThrow(/at least one topic/);
    client.setTopics([` ${topic} `, topic]);
    await publish(hub(), topic, 1);
    await recorder.untilData(topic, 1);
    expect(requests.streams).toHaveLength(1);
  });
});
