import { describe, expect, it } from "vitest";
import { sleep, uniqueTopic } from "../contract/harness.js";
import { openClient, publish, requests, suiteHub, subscriberToken } from "./fixtures.js";
import { numbers, Recorder } from "./recorder.js";

/** The cursor the client keeps, and the reconnects it makes with it. */
describe("client: cursor and reconnects", () => {
  const hub = suiteHub();

  it("keeps the cursor, from which a later connection resumes exactly", async () => {
    const topic = uniqueTopic();
    const token = await subscriberToken();
    const first = new Recorder(openClient(hub(), { topics: [topic], token }));
    await first.untilOpen();
    expect(first.client.cursor).toMatch(new RegExp(`^;${topic}=\\w+-0$`));
    for (let i = 1; i <= 3; i++) await publish(hub(), topic, i);
    await first.untilData(topic, 3);
    const cursor = first.client.cursor!;
    expect(cursor.startsWith(`${topic};${topic}=`)).toBe(true);
    expect(first.events.filter((e) => e.event === "update").every((e) => e.topic === topic)).toBe(true);
    first.client.close();

    for (let i = 4; i <= 6; i++) await publish(hub(), topic, i);
    const second = new Recorder(openClient(hub(), { topics: [topic], token, lastEventId: cursor }));
    await second.untilData(topic, 3);
    await publish(hub(), topic, 7);
    await second.untilData(topic, 4);
    await sleep(200);
    expect(first.dataOf(topic)).toEqual(numbers(1, 3));
    expect(second.dataOf(topic)).toEqual(numbers(4, 7));
  });

  it("after a crash of the hub, backs off, reconnects by itself and resumes exactly", async () => {
    const topics = [uniqueTopic("a"), uniqueTopic("b")];
    const recorder = new Recorder(openClient(hub(), { topics, token: await subscriberToken() }));
    await recorder.untilOpen();
    for (let i = 1; i <= 3; i++) for (const topic of topics) await publish(hub(), topic, i);
    await recorder.untilData(topics[1]!, 3);

    await hub().stop("SIGKILL");
    await recorder.until(() => recorder.errors.some((e) => e.code === "network"), "a network error to be reported");
    await sleep(300);
    await hub().start();
    for (let i = 4; i <= 6; i++) for (const topic of topics) await publish(hub(), topic, i);

    for (const topic of topics) await recorder.untilData(topic, 6);
    await sleep(300);
    for (const topic of topics) expect(recorder.dataOf(topic)).toEqual(numbers(1, 6));
    expect(recorder.client.state).toBe("open");
    expect(recorder.client.reconnects).toBeGreaterThanOrEqual(1);
    expect(recorder.errors.every((e) => !e.fatal)).toBe(true);
    // The client's own reconnects carry its cursor in the URL.
    expect(requests.streams.slice(1).every((url) => new URL(url).searchParams.get("lastEventId")?.includes(";"))).toBe(true);
  });

  it("after a clean stop (SIGTERM), resumes through the EventSource's own retry and then its backoff", async () => {
    const topic = uniqueTopic();
    const recorder = new Recorder(openClient(hub(), { topics: [topic], token: await subscriberToken() }));
    await recorder.untilOpen();
    await publish(hub(), topic, 1);
    await recorder.untilData(topic, 1);

    await hub().stop("SIGTERM");
    await recorder.until(() => recorder.client.state === "connecting", "the client to notice");
    await sleep(500);
    await hub().start();
    for (let i = 2; i <= 4; i++) await publish(hub(), topic, i);
    await recorder.untilData(topic, 4);
    await sleep(300);
    expect(recorder.dataOf(topic)).toEqual(numbers(1, 4));
    expect(recorder.states[0]).toBe("open");
    expect(recorder.states).toContain("connecting");
    expect(recorder.states.at(-1)).toBe("open");
  });

  it("reports its states and stays closed after close()", async () => {
    const topic = uniqueTopic();
    const recorder = new Recorder(openClient(hub(), { topics: [topic], token: await subscriberToken() }));
    expect(recorder.client.state).toBe("connecting");
    await recorder.untilOpen();
    recorder.client.close();
    await publish(hub(), topic, 1);
    await sleep(300);
    expect(recorder.states).toEqual(["open", "closed"]);
    expect(recorder.dataOf(topic)).toEqual([]);
    expect(recorder.client.error).toBeUndefined();
    expect(requests.streams).toHaveLength(1);
  });
});
