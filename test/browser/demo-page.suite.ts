import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mint, sleep, uniqueTopic } from "../contract/harness.js";
import { launch, screenshot, type Browser } from "./chromium.js";
import { DemoPage } from "./demo-page.js";
import { pageToken, publishTo } from "./hub-http.js";
import { TokenServer } from "./token-server.js";

/** What the demo page must do in a real browser, against any entry serving it. */
export function demoPageSuite(name: string, hubOf: () => string): void {
  describe(`demo page in Chromium, ${name} entry`, () => {
    let browser: Browser;
    const cleanups: (() => Promise<unknown>)[] = [];
    beforeAll(async () => {
      browser = await launch();
    });
    afterEach(async () => {
      await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
    });
    afterAll(async () => {
      await browser?.close();
    });

    async function openPage(settings: Record<string, string>): Promise<DemoPage> {
      const page = await browser.newPage();
      cleanups.push(() => page.close());
      return new DemoPage(page).open(hubOf(), settings);
    }

    it("subscribes, and shows events published over HTTP and from its own form", async () => {
      const topic = uniqueTopic("demo");
      const page = await openPage({ token: await pageToken(), topics: topic });
      await page.waitForState("open");
      await publishTo(hubOf(), topic, { hello: "world", n: 1 });
      expect(await page.waitForData(topic, 1)).toEqual(['{"hello":"world","n":1}']);
      expect(await page.publishFromForm(topic, '{"n":2}')).toMatch(/^published \S+ to 1 stream/);
      expect(await page.waitForData(topic, 2)).toEqual(['{"hello":"world","n":1}', '{"n":2}']);

      await screenshot(page.page, `demo-${name}-laptop`, 1280, 800);
      await screenshot(page.page, `demo-${name}-phone`, 375, 812);
      // Readable on a phone: nothing wider than the screen.
      expect(await page.page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(375);
    });

    it("reads a link's settings once: the token leaves the address bar and is masked; empty topics= and events= fall back to the defaults", async () => {
      const page = await openPage({ token: await pageToken(), topics: "", events: "" });
      await page.waitForState("open");
      expect(page.page.url()).not.toContain("token");
      expect(await page.page.locator("#token").getAttribute("type")).toBe("password");
      await page.page.locator('#events li.notice[data-event="the link names no topics: showing demo"]').waitFor();
      // The default topic, and the default event names: a named event shows.
      const marker = uniqueTopic("marker");
      await publishTo(hubOf(), "demo", marker);
      expect(await page.waitForData("demo", 1)).toEqual([marker]);
    });

    it("refreshes an expiring token through the token URL without the user doing anything", async () => {
      const tokens = await new TokenServer({ subscribe: ["*"], publish: ["*"] }, 3).start();
      cleanups.push(() => tokens.stop());
      const topic = uniqueTopic("fresh");
      const page = await openPage({ tokenUrl: tokens.url, topics: topic });
      await page.waitForState("open");
      await publishTo(hubOf(), topic, 1);
      await page.waitForData(topic, 1);

      await page.page.locator('#events li.notice[data-event="token expired"]').waitFor({ timeout: 10_000 });
      await page.waitForState("open");
      expect(tokens.served).toBeGreaterThanOrEqual(2);
      await publishTo(hubOf(), topic, 2);
      expect(await page.waitForData(topic, 2)).toEqual(["1", "2"]);
      expect(await page.page.locator('#error[data-kind="fatal"]').count()).toBe(0);
      expect(await page.reconnects()).toBeGreaterThanOrEqual(1);
    });

    it("with a cookie for a token, carries on with the renewed cookie when the old one expires", async () => {
      const topic = uniqueTopic("cookie");
      const page = await browser.newPage();
      cleanups.push(() => page.close());
      const setCookie = async (expiresIn: string) => {
        const value = await mint({ herald: { subscribe: [topic] } }, { expiresIn });
        await page.context().addCookies([{ name: "herald_token", value, url: hubOf() }]);
      };
      await setCookie("3s");
      const demo = await new DemoPage(page).open(hubOf(), { topics: topic });
      await demo.waitForState("open");
      await publishTo(hubOf(), topic, 1);
      await demo.waitForData(topic, 1);

      // The app's backend renews the cookie before it runs out, as a session does.
      await setCookie("10m");
      await page.locator('#events li.notice[data-event="token expired"]').waitFor({ timeout: 10_000 });
      await demo.waitForState("open");
      await publishTo(hubOf(), topic, 2);
      expect(await demo.waitForData(topic, 2)).toEqual(["1", "2"]);
      expect(await page.locator('#error[data-kind="fatal"]').count()).toBe(0);
    });

    it("shows the hub's forbidden message and stops, rather than reconnecting in a loop", async () => {
      const secret = uniqueTopic("secret");
      const page = await openPage({ token: await pageToken(["allowed:*"]), topics: `allowed:mine,${secret}` });
      const text = await page.errorText();
      expect(text).toContain("forbidden");
      expect(text).toContain(`this token may not subscribe to ${secret}`);
      await page.waitForState("closed");
      const requests = page.streamRequests.length;
      await sleep(3000);
      // One EventSource request and one probe to learn why it failed; nothing since.
      expect(requests).toBe(2);
      expect(page.streamRequests).toHaveLength(requests);
      expect(await page.state()).toBe("closed");
    });
  });
}
