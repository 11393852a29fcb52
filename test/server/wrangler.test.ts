import { afterAll, beforeAll } from "vitest";
import { WranglerDev } from "../browser/wrangler-dev.js";
import { TEST_SECRET } from "../contract/profiles.js";
import { freePort } from "../support/free-port.js";
import { sdkSuite } from "./sdk.suite.js";

/** The Worker under `wrangler dev`, as a process whose storage survives a crash. */
let wrangler: WranglerDev;
beforeAll(async () => {
  wrangler = await new WranglerDev(await freePort(), { JWT_SECRET: TEST_SECRET }).start();
}, 90_000);
afterAll(async () => {
  await wrangler?.stop();
});

sdkSuite("wrangler", {
  url: () => wrangler.url,
  secret: TEST_SECRET,
  crash: () => wrangler.stop(0),
  start: async () => void (await wrangler.start()),
});
