import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { rated, relayed, relays, replacing, standard, streams, tight, tightRelayed } from "./cloudflare/vitest.config.js";

/**
 * `npm test` runs every project: the core on Node, the hub in workerd and as
 * a Node process, the browser client against that process, and Chromium
 * against both entries.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    projects: [
      standard,
      tight,
      relayed,
      tightRelayed,
      relays,
      rated,
      streams,
      replacing,
      { test: { name: "core", include: ["test/core/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/node/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "client",
          include: ["test/client/**/*.test.ts"],
          environment: "node",
          // Node's EventSource, the one the client runs on in these tests.
          execArgv: ["--experimental-eventsource", "--disable-warning=UNDICI-ES"],
          globalSetup: ["test/node/global-setup.ts", "test/client/global-setup.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "server",
          include: ["test/server/**/*.test.ts"],
          environment: "node",
          // The Node bundle; wrangler dev builds the Worker itself.
          globalSetup: ["test/node/global-setup.ts"],
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
      {
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          // The Node bundle, with the demo page in it.
          globalSetup: ["test/node/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
