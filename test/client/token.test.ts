import { describe, expect, it } from "vitest";
import { mint, sleep, uniqueTopic } from "../contract/harness.js";
import { openClient, publish, requests, suiteHub, subscriberToken } from "./fixtures.js";
import { numbers, Recorder } from "./recorder.js";

/** Waits out a token's `exp` (whole seconds) with the hub's leeway at 0. */
async function untilExpired(token: string): Promise<void> {
  const { exp } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { exp: number };
  const wait = exp * 1000 + 1100 - Date.now();
  if (wait > 0) await sleep(wait);
}

/** A token function that hands out tokens of the given lifetime, each after `latency` ms but the first, and records them. */
function tokenSupply(lifetime: number | string = "10m", latency = 0) {
  const issued: string[] = [];
  const next = async () => {
    if (issued.length > 0) await sleep(latency);
    const token = await mint({ herald: { subscribe: ["*"] }, n: issued.length }, { expiresIn: lifetime });
    issued.push(token);
    return token;
  };
  return { issued, next };
}

describe("client: tokens", () => {
  const hub = suiteHub();

  it("on a 401 gets a fresh token from the function and resumes with nothing lost or repeated", async () => {
    const topic = uniqueTopic();
    const supply = tokenSupply("3s");
    const recorder = new Recorder(openClient(hub(), { topics: [topic], token: supply.next }));
    await recorder.untilOpen();
    for (let i = 1; i <= 3; i++) await publish(hub(), topic, i);
    await recorder.untilData(topic, 3);

    // The hub goes away before the token expires and comes back after: the
    // reconnect presents the expired token and is refused with a 401.
    await hub().stop("SIGTERM");
    await untilExpired(supply.issued[0]!);
    await hub().start();
    for (let i = 4; i <= 6; i++) await publish(hub(), topic, i);

    await recorder.untilData(topic, 6);
    await sleep(300);
    expect(recorder.dataOf(topic)).toEqual(numbers(1, 6));
    expect(supply.issued.length).toBeGreaterThanOrEqual(2);
    expect(requests.probes.length).toBeGreaterThanOrEqual(1);
    expect(recorder.client.state).toBe("open");
    expect(recorder.errors.filter((e) => e.fatal)).toEqual([]);
    expect(new URL(requests.streams.at(-1)!).searchParams.get("token")).toBe(supply.issued.at(-1));
  });

  it("on herald.expired refreshes the token and resumes exactly, while events keep coming", async () => {
    const topic = uniqueTopic();
    // The refresh takes a while, as a token endpoint does: events published
    // meanwhile reach the client only through its cursor.
    const supply = tokenSupply("2s", 300);
    const recorder = new Recorder(openClient(hub(), { topics: [topic], token: supply.next }));
    await recorder.untilOpen();
    let published = 0;
    const deadline = Date.now() + 3500;
    while (Date.now() < deadline) {
      await publish(hub(), topic, ++published);
      await sleep(40);
    }
    await recorder.untilData(topic, published);
    await sleep(300);
    expect(recorder.events.some((e) => e.event === "herald.expired")).toBe(true);
    expect(recorder.dataOf(topic)).toEqual(numbers(1, published));
    expect(supply.issued.length).toBeGreaterThanOrEqual(2);
    expect(recorder.client.state).toBe("open");
    expect(recorder.client.reconnects).toBeGreaterThanOrEqual(1);
  });

  it("with a plain-string token, closes on herald.expired with token_expired instead of retrying", async () => {
    const topic = uniqueTopic();
    const token = await subscriberToken(["*"], "1s");
    const recorder = new Recorder(openClient(hub(), { topics: [topic], token }));
    await recorder.untilOpen();
    await recorder.until(() => recorder.client.state === "closed", "the connection to close", 5000);
    await sleep(1000);
    expect(recorder.client.error).toMatchObject({ code: "token_expired", fatal: true });
    expect(recorder.errors.map((e) => e.code)).toEqual(["token_expired"]);
    expect(requests.streams).toHaveLength(1);
  });

  it("stops with the hub's error, not a loop, when even a fresh token is refused", async () => {
    let calls = 0;
    const wrongKey = () => {
      calls++;
      return mint({ herald: { subscribe: ["*"] }, n: calls }, { secret: "another-secret-that-is-at-least-32-bytes" });
    };
    const recorder = new Recorder(openClient(hub(), { topics: [uniqueTopic()], token: wrongKey }));
    await recorder.until(() => recorder.client.state === "closed", "the connection to close");
    await sleep(1000);
    expect(recorder.client.error).toMatchObject({ code: "invalid_token", status: 401, fatal: true });
    expect(calls).toBe(1);
    expect(requests.streams).toHaveLength(1);
    expect(requests.probes).toHaveLength(1);
  });

  it("retries a token function that fails, with backoff, and connects once it works", async () => {
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls <= 2) throw new Error("token endpoint down");
      return subscriberToken();
    };
    const recorder = new Recorder(openClient(hub(), { topics: [uniqueTopic()], token: flaky }));
    await recorder.untilOpen();
    expect(calls).toBe(3);
    expect(recorder.errors.map((e) => [e.code, e.fatal])).toEqual([
      ["token_refresh_failed", false],
      ["token_refresh_failed", false],
    ]);
    expect(recorder.errors[0]!.message).toContain("token endpoint down");
  });

  it("renews a token that expired while the hub could not be reached, rather than giving up", async () => {
    const topic = uniqueTopic();
    const supply = tokenSupply("2s");
    await hub().stop("SIGTERM");
    const recorder = new Recorder(openClient(hub(), { topics: [topic], token: supply.next }));
    // The first token is fetched, never shown to the hub, and runs out.
    await recorder.until(() => supply.issued.length === 1 && recorder.errors.length > 0, "a failed first attempt");
    await untilExpired(supply.issued[0]!);
    await hub().start();
    await recorder.untilOpen();
    await publish(hub(), topic, 1);
    await recorder.untilData(topic, 1);
    expect(supply.issued.length).toBe(2);
    expect(recorder.errors.filter((e) => e.fatal)).toEqual([]);
  });

  it("without a token option (a cookie, if any), tries once more on a 401, then stops", async () => {
    const recorder = new Recorder(openClient(hub(), { topics: [uniqueTopic()] }));
    await recorder.until(() => recorder.client.state === "closed", "the connection to close");
    await sleep(1000);
    expect(recorder.client.error).toMatchObject({ code: "unauthorized", status: 401, fatal: true });
    expect(requests.streams).toHaveLength(2);
    expect(requests.probes).toHaveLength(2);
  });

  it("opens no stream once closed in the moment its token arrives", async () => {
    let deliver!: (token: string) => void;
    const pending = new Promise<string>((resolve) => (deliver = resolve));
    const client = openClient(hub(), { topics: [uniqueTopic()], token: () => pending });
    // Runs right after the client has taken the token, before it acts on it.
    void pending.then(() => client.close());
    deliver(await subscriberToken());
    await sleep(500);
    expect(client.state).toBe("closed");
    expect(requests.streams).toHaveLength(0);
  });
});
