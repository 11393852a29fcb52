import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { standard, tight } from "./cloudflare/vitest.config.js";

/** `npm test` runs every project: the core on Node, the hub in workerd. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("..", import.meta.url)),
    projects: [
      standard,
      tight,
      { test: { name: "core", include: ["test/core/**/*.test.ts"], environment: "node" } },
    ],
  },
});
