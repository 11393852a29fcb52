import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { sleep, uniqueTopic } from "../contract/harness.js";
import { openClient, publish, requests, startHub, suiteHub, subscriberToken } from "./fixtures.js";
import { numbers, Recorder } from "./recorder.js";

describe("client: refusals and gaps", () => {
  const hub = suiteHub({ HISTORY_LIMIT: "5" });

  it("closes with the hub's forbidden error and makes no further request", async () => {
    const allowed = uniqueTopic("ok");
    const secret = uniqueTopic("secret");
    const recorder = new Recorder(openClient(hub(), { topics: [allowed, secret], token: await subscriberToken([allowed]) }));
    await recorder.until(() => recorder.client.state === "closed", "the connection to close");
    await sleep(1500);
    expect(recorder.client.error).toMatchObject({ code: "forbidden", status: 403, fatal: true });
    expect(recorder.client.error!.message).toContain(secret);
    expect(recorder.errors).toHaveLength(1);
    expect(recorder.states).toEqual(["closed"]);
    expect(requests.streams).toHaveLength(1);
    expect(requests.probes).toHaveLength(1);
  });

  it("closes with unauthorized when a private topic is asked for without a token", async () => {
    const recorder = new Recorder(openClient(hub(), { topics: [uniqueTopic()] }));
    await recorder.until(() => recorder.client.state === "closed", "the connection to close");
    expect(recorder.client.error).toMatchObject({ code: "unauthorized", status: 401, fatal: true });
  });

  it("reports a gap in its own callback when what it missed was trimmed, then carries on", async () => {
    const topic = uniqueTopic();
    const token = await subscriberToken();
    const first = new Recorder(openClient(hub(), { topics: [topic], token }));
    await first.untilOpen();
    await publish(hub(), topic, 1);
    await first.untilData(topic, 1);
    first.client.close();
    for (let i = 2; i <= 10; i++) await publish(hub(), topic, i);

    const second = new Recorder(openClient(hub(), { topics: [topic], token, lastEventId: first.client.cursor }));
    await second.untilData(topic, 5);
    expect(second.gaps).toHaveLength(1);
    expect(second.gaps[0]).toMatchObject({ topic, reason: "trimmed" });
    const notice = second.events.find((e) => e.event === "herald.gap")!;
    expect(notice).toMatchObject({ topic, id: "" });
    expect(second.dataOf(topic)).toEqual(numbers(6, 10));
    expect(second.client.state).toBe("open");
  });

  it("gives up with unavailable once backoff.maxAttempts reconnects in a row have failed", async () => {
    const down = await startHub();
    await down.stop("SIGKILL");
    const recorder = new Recorder(openClient(down, { topics: [uniqueTopic()], backoff: { maxAttempts: 2 } }));
    await recorder.until(() => recorder.client.state === "closed", "the client to give up");
    expect(recorder.client.error).toMatchObject({ code: "unavailable", fatal: true });
    expect(recorder.client.error!.message).toContain("gave up after 2 reconnects");
    expect(requests.streams).toHaveLength(3);
  });

  it("closes with not_a_stream when the URL answers 200 with a web page, rather than retrying forever", async () => {
    // An app's catch-all route where the hub was meant to be.
    const app = createServer((_, response) => response.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><p>app</p>"));
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
      const recorder = new Recorder(openClient({ url }, { topics: [uniqueTopic()] }));
      await recorder.until(() => recorder.client.state === "closed", "the connection to close");
      await sleep(1000);
      expect(recorder.client.error).toMatchObject({ code: "not_a_stream", status: 200, fatal: true });
      expect(recorder.client.error!.message).toContain("text/html");
      expect(requests.streams).toHaveLength(1);
      expect(requests.probes).toHaveLength(1);
    } finally {
      app.closeAllConnections();
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
