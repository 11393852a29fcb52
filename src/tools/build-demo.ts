import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform } from "esbuild";

/**
 * The demo page `GET /` serves, as one self-contained HTML file: the
 * template with the bundled script (the browser client included) and the
 * stylesheet inlined, and a Content-Security-Policy that allows exactly
 * those two by hash. Both entries import the file as text, so it must be
 * built before either is bundled (wrangler.toml's [build], build-node.ts,
 * the Workers tests' config).
 */
export const DEMO_PAGE = fileURLToPath(new URL("../../dist/demo.html", import.meta.url));
const source = (name: string) => fileURLToPath(new URL(`../demo/${name}`, import.meta.url));

export async function buildDemo(outfile = DEMO_PAGE): Promise<void> {
  const script = await build({
    entryPoints: [source("demo.ts")],
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "warning",
  });
  const style = await transform(readFileSync(source("demo.css"), "utf8"), { loader: "css", minify: true });
  const js = script.outputFiles[0]!.text.trim().replaceAll("</script", "<\\/script");
  const css = style.code.trim();
  const fill: Record<string, string> = { SCRIPT: js, STYLE: css, SCRIPT_HASH: sha256(js), STYLE_HASH: sha256(css) };
  const html = readFileSync(source("index.html"), "utf8").replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = fill[key];
    if (value === undefined) throw new Error(`src/demo/index.html names an unknown slot {{${key}}}`);
    return value;
  });
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, html);
}

/** A CSP source for an inline block: the hash of its exact text. */
function sha256(text: string): string {
  return `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDemo();
  console.log(`built ${DEMO_PAGE}`);
}
