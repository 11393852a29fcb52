import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { standard, tight } from "./cloudflare/vitest.config.js";

/** `npm test` runs every project: the core on Node, the hub in workerd and as a Node process. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    projects: [
      standard,
      tight,
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
    ],
  },
});
