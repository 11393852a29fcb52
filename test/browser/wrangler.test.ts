import { afterAll, beforeAll } from "vitest";
import { freePort } from "../support/free-port.js";
import { demoPageSuite } from "./demo-page.suite.js";
import { HUB_VARS } from "./hub-http.js";
import { WranglerDev } from "./wrangler-dev.js";

/** The demo page served by the Worker under `wrangler dev`, as `npm start` runs it. */
let wrangler: WranglerDev;
beforeAll(async () => {
  wrangler = await new WranglerDev(await freePort(), HUB_VARS).start();
}, 90_000);
afterAll(async () => {
  await wrangler?.stop();
});

demoPageSuite("wrangler", () => wrangler.url);
