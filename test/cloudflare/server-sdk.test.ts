import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Herald } from "../../src/server/index.js";
import { subscribe, uniqueTopic } from "../contract/harness.js";
import { workerTarget } from "./target.js";

/**
 * herald/server inside workerd, as a Worker of an application would run it
 * (jose and the web platform only), calling the hub's Worker through its
 * fetch: the SDK's end-to-end tests against real processes are test/server/.
 */
const target = workerTarget();
const secret = (env as unknown as Record<string, string>).JWT_SECRET!;
const hubFetch = (url: string, init: RequestInit) => (exports as unknown as { default: Fetcher }).default.fetch(new Request(url, init));

describe("herald/server in workerd", () => {
  it("publishes, mints a token a stream accepts, and reads the history", async () => {
    const herald = new Herald({ url: "http://herald.test", secret, fetch: hubFetch });
    const topic = uniqueTopic("sdk");
    const stream = await subscribe(target, topic, { token: await herald.token({ subscribe: [topic] }) });
    const published = await herald.publishMany([{ topic, data: { n: 1 } }, { topic, data: "two", event: "named" }]);
    expect((await stream.take(2)).map((e) => e.id)).toEqual(published.map((p) => p.id));
    expect((await herald.history(topic)).events.map((e) => e.data)).toEqual(['{"n":1}', "two"]);
  });
});
