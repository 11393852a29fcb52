import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mint, sleep, uniqueTopic } from "../contract/harness.js";
import { HubProcess } from "../node/hub-process.js";
import { launch, type Browser } from "./chromium.js";
import { DemoPage } from "./demo-page.js";
import { HUB_VARS, publishTo } from "./hub-http.js";

/**
 * The browser client against the stream limits, in Chromium (the demo page
 * is the client at work): one stream per user, the oldest replaced, and one
 * anonymous stream per address (every page here comes from 127.0.0.1).
 */
let hub: HubProcess;
let browser: Browser;
const pages: DemoPage[] = [];
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-browser-limits-"));
  const limits = { MAX_STREAMS_PER_USER: "1", STREAMS_PER_USER_POLICY: "replace", MAX_ANON_STREAMS_PER_IP: "1", PUBLIC_TOPICS: "open:*" };
  hub = await new HubProcess({ ...HUB_VARS, ...limits, HERALD_DB: join(dir, "herald.db") }).start();
  browser = await launch();
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map((page) => page.page.close()));
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop("SIGKILL");
});

async function openPage(settings: Record<string, string>): Promise<DemoPage> {
  const page = new DemoPage(await browser.newPage());
  pages.push(page);
  return page.open(hub.url, settings);
}

describe("the browser client at the stream limits, in Chromium", () => {
  it("stops a stream replaced by the same user's newer one, with the reason, and does not reconnect it", async () => {
    const topic = uniqueTopic("replaced");
    const token = await mint({ herald: { subscribe: ["*"], publish: ["*"] }, sub: `alice-${topic}` });
    const first = await openPage({ token, topics: topic });
    await first.waitForState("open");
    const second = await openPage({ token, topics: topic });
    await second.waitForState("open");

    const text = await first.errorText();
    expect(text).toContain("Stopped (replaced)");
    await first.waitForState("closed");
    await first.page.locator('#events li.notice[data-event="replaced by a newer stream of the same user"]').waitFor();
    const requests = first.streamRequests.length;
    await sleep(2000);
    expect(first.streamRequests).toHaveLength(requests);
    // The newer one carries on.
    await publishTo(hub.url, topic, 1);
    expect(await second.waitForData(topic, 1)).toEqual(["1"]);
    expect(await second.page.locator("#error").isVisible()).toBe(false);
  });

  it("waits the hub's Retry-After on 429 too_many_streams, then gets in once the other stream closes", async () => {
    const topic = `open:${uniqueTopic("anon")}`;
    const first = await openPage({ topics: topic });
    await first.waitForState("open");
    const second = await openPage({ topics: topic });
    expect(await second.errorText()).toContain("Retrying: this address already has 1 open anonymous stream");
    expect(await second.state()).toBe("connecting");
    // The EventSource and the probe that read the 429; the next try waits Retry-After (5 s), not the 1 s backoff.
    await sleep(3500);
    expect(second.streamRequests).toHaveLength(2);

    await first.page.close();
    pages.splice(pages.indexOf(first), 1);
    await second.waitForState("open", 20_000);
    await publishTo(hub.url, topic, 1);
    expect(await second.waitForData(topic, 1)).toEqual(["1"]);
  });
});
