import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** The core and the HTTP layer must run unchanged on every runtime. */
describe("runtime-agnostic layers", () => {
  it("src/server (the SDK) imports only jose and its own files: it runs on Node, Workers, Deno and Bun", () => {
    const files = readdirSync("src/server").filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const source = readFileSync(join("src/server", file), "utf8");
      const imports = [...source.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)].map((m) => m[1]!);
      for (const name of imports) expect(name === "jose" || name.startsWith("./"), `${file} imports ${name}`).toBe(true);
    }
  });

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
