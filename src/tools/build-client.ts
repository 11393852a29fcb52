import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/**
 * `npm run build:client`: the browser client and its React hook as ES
 * modules with type declarations, in dist/client and dist/react, which the
 * package's `herald/client` and `herald/react` exports point at. Plain tsc:
 * the files stay one module each, for the app's own bundler to tree-shake.
 */
const dist = (path: string) => fileURLToPath(new URL(`../../dist/${path}`, import.meta.url));
export const CLIENT_ENTRY = dist("client/index.js");
export const REACT_ENTRY = dist("react/index.js");

export function buildClient(): void {
  rmSync(dist("client"), { recursive: true, force: true });
  rmSync(dist("react"), { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  const project = fileURLToPath(new URL("../client/tsconfig.json", import.meta.url));
  execFileSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildClient();
  console.log(`built ${CLIENT_ENTRY} and ${REACT_ENTRY}`);
}
