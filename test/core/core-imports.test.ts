import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The core and the HTTP layer must run unchanged on every runtime. */
describe("runtime-agnostic layers", () => {
  for (const dir of ["src/core", "src/http"]) {
    it(`${dir} imports neither cloudflare:* nor node:*`, () => {
      const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const source = readFileSync(join(dir, file), "utf8");
        expect(source, file).not.toMatch(/from\s+["'](cloudflare|node):/);
        expect(source, file).not.toMatch(/import\(\s*["'](cloudflare|node):/);
      }
    });
  }
});
