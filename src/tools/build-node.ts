import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { buildDemo } from "./build-demo.ts";

/**
 * `npm run build:node`: the Node entry as one self-contained ES module
 * (hono, jose, the migrations and the demo page inlined; node:sqlite is built into Node),
 * so a Raspberry Pi needs only Node and this file.
 */
export const NODE_BUNDLE = fileURLToPath(new URL("../../dist/herald-node.mjs", import.meta.url));

export async function buildNode(outfile = NODE_BUNDLE): Promise<void> {
  await buildDemo();
  await build({
    entryPoints: [fileURLToPath(new URL("../node/main.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22.13",
    loader: { ".sql": "text", ".html": "text" },
    outfile,
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildNode();
  console.log(`built ${NODE_BUNDLE}`);
}
