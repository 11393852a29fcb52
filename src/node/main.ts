import { join, dirname } from "node:path";
import { ConfigError, parseServerConfig } from "../core/config.js";
import { devSecret, devToken, tryItText } from "../tools/dev-token.js";
import { startServer } from "./server.js";
import { tuneV8 } from "./v8-flags.js";

/**
 * `node herald-node.mjs [--dev]`: the hub on one machine. With --dev and no
 * JWT_SECRET or JWKS_URL, a development secret is kept beside the database
 * and a ready-to-paste publish command and subscribe URL are printed.
 */
tuneV8();
const FLAGS = ["--dev"];
/** A refused setting or flag: one line naming it and what is expected, exit code 2, no stack trace. */
function refuse(message: string): never {
  console.error(`herald: ${message}`);
  process.exit(2);
}
for (const flag of process.argv.slice(2)) if (!FLAGS.includes(flag)) refuse(`unknown flag ${flag} (expected ${FLAGS.join(", ")})`);
const env: Record<string, string | undefined> = { ...process.env };
const dev = process.argv.includes("--dev") && !env["JWT_SECRET"] && !env["JWKS_URL"];

const server = await (async () => {
  try {
    if (dev) env["JWT_SECRET"] = devSecret(join(dirname(parseServerConfig(env).database), "dev-secret"));
    return await startServer(env);
  } catch (error) {
    if (error instanceof ConfigError) refuse(error.message);
    throw error;
  }
})();
console.log(`herald: listening on ${server.url}`);
if (dev) console.log(tryItText(server.url, await devToken(env["JWT_SECRET"]!)));
else if (!env["JWT_SECRET"] && !env["JWKS_URL"]) {
  console.warn("herald: no JWT_SECRET or JWKS_URL: only PUBLIC_TOPICS can be read, and nothing published");
}

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`herald: ${signal}, ending streams and closing the database`);
  await server.close();
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
