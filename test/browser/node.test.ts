import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueTopic } from "../contract/harness.js";
import { HubProcess } from "../node/hub-process.js";
import { freePort } from "../support/free-port.js";
import { launch, type Browser } from "./chromium.js";
import { DemoPage } from "./demo-page.js";
import { demoPageSuite } from "./demo-page.suite.js";
import { HUB_VARS, pageToken, publishTo } from "./hub-http.js";

/** The demo page served by the Node entry (dist/herald-node.mjs as a process), on a fixed port so it can restart. */
let hub: HubProcess;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-browser-"));
  hub = await new HubProcess({ ...HUB_VARS, PORT: String(await freePort()), HERALD_DB: join(dir, "herald.db") }).start();
});
afterAll(async () => {
  await hub?.stop("SIGKILL");
});

demoPageSuite("node", () => hub.url);

describe("demo page in Chromium, node entry restarting", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows every event missed while the hub was down exactly once, after reconnecting by itself", async () => {
    const topic = uniqueTopic("restart");
    const page = await new DemoPage(await browser.newPage()).open(hub.url, { token: await pageToken(), topics: topic });
    await page.waitForState("open");
    for (let i = 1; i <= 2; i++) await publishTo(hub.url, topic, i);
    await page.waitForData(topic, 2);

    await hub.stop("SIGTERM");
    await page.waitForState("connecting");
    await hub.start();
    // Published before the page is back: it gets them only by resuming.
    for (let i = 3; i <= 5; i++) await publishTo(hub.url, topic, i);

    expect(await page.waitForData(topic, 5, 20_000)).toEqual(["1", "2", "3", "4", "5"]);
    await page.waitForState("open");
    // The drop and the resume are in the list, between the events they came between.
    await page.page.locator('#events li.notice[data-event="connection lost: resuming from the last event"]').waitFor();
    await page.page.locator('#events li.notice[data-event="resumed: what was missed follows, none twice"]').waitFor();
    await publishTo(hub.url, topic, 6);
    expect(await page.waitForData(topic, 6)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(await page.reconnects()).toBeGreaterThanOrEqual(1);
    await page.page.close();
  });
});
