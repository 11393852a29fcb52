import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { TEST_SECRET } from "../contract/profiles.js";
import { HubProcess } from "../node/hub-process.js";
import { freePort } from "../support/free-port.js";
import { sdkSuite } from "./sdk.suite.js";

/** The Node entry as a process, on a fixed port and database so that it can crash and come back. */
let hub: HubProcess;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "herald-sdk-"));
  hub = await new HubProcess({ JWT_SECRET: TEST_SECRET, PORT: String(await freePort()), HERALD_DB: join(dir, "herald.db") }).start();
});
afterAll(async () => {
  await hub?.stop("SIGKILL");
});

sdkSuite("node", {
  url: () => hub.url,
  secret: TEST_SECRET,
  crash: async () => void (await hub.stop("SIGKILL")),
  start: async () => void (await hub.start()),
});
