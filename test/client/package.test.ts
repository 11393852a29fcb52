import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The package's subpaths resolve to the built modules (global-setup.ts builds them) and pull in nothing else. */
describe("client: the package", () => {
  it("exports herald/client and herald/react by name, with types", async () => {
    // Named through a variable: type-checking must not need the build.
    const [clientPath, reactPath] = ["herald/client", "herald/react"];
    const client = await import(clientPath);
    expect(typeof client.connect).toBe("function");
    expect(typeof client.HeraldClientError).toBe("function");
    const react = await import(reactPath);
    expect(typeof react.useHerald).toBe("function");
    expect(react.connect).toBe(client.connect);
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, { types: string }> };
    for (const entry of Object.values(pkg.exports)) expect(readFileSync(entry.types, "utf8")).toContain("export");
  });

  it("has no runtime dependency: the client imports only its own files, the hook only react besides", () => {
    for (const [dir, allowed] of [["dist/client", []], ["dist/react", ["react"]]] as const) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith(".js"))) {
        const source = readFileSync(`${dir}/${file}`, "utf8");
        const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1]!);
        for (const specifier of specifiers) {
          expect(specifier.startsWith(".") || (allowed as readonly string[]).includes(specifier), `${dir}/${file} imports ${specifier}`).toBe(true);
        }
      }
    }
  });
});
