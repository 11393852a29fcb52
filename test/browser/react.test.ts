import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, uniqueTopic } from "../contract/harness.js";
import { HubProcess } from "../node/hub-process.js";
import { launch, type Browser } from "./chromium.js";
import { HUB_VARS, pageToken, publishTo, subscribersOf } from "./hub-http.js";

/** The React hook in Chromium: react-app/app.ts bundled with react and react-dom, served at the hub's origin. */
async function appPage(): Promise<string> {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "react-app/app.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"' },
    write: false,
    logLevel: "warning",
  });
  return `<!doctype html><meta charset="utf-8"><title>useHerald</title><div id="root"></div><script>${bundle.outputFiles[0]!.text}</script>`;
}

describe("useHerald in Chromium", () => {
  let hub: HubProcess;
  let browser: Browser;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "herald-react-"));
    hub = await new HubProcess({ ...HUB_VARS, HERALD_DB: join(dir, "herald.db") }).start();
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.stop("SIGKILL");
  });

  it("shows events while mounted, keeps one connection across renders, and closes it on unmount", async () => {
    const topic = uniqueTopic("react");
    const html = await appPage();
    const page = await browser.newPage();
    const streams: string[] = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/stream") streams.push(request.url());
    });
    // Served at the hub's origin, as an app behind the same host would be.
    await page.route(`${hub.url}/react-app`, (route) => route.fulfill({ contentType: "text/html", body: html }));
    await page.goto(`${hub.url}/react-app#${new URLSearchParams({ topic, token: await pageToken() })}`);

    await page.locator("#hook-state", { hasText: "open" }).waitFor();
    expect(await subscribersOf(hub.url, topic)).toBe(1);
    for (let i = 1; i <= 3; i++) await publishTo(hub.url, topic, i);
    await page.locator("#hook-events li").nth(2).waitFor();
    expect(await page.locator("#hook-events li").allTextContents()).toEqual(["1", "2", "3"]);
    // Every event re-rendered the component with new callbacks and a new token function.
    expect(streams).toHaveLength(1);

    await page.click("#toggle");
    await page.locator("#unmounted").waitFor();
    await eventually(async () => (await subscribersOf(hub.url, topic)) === 0, 5000, "the hub to see the stream closed");
    expect(streams).toHaveLength(1);
    await page.close();
  });
});
